"""The template checks through the real command line: the known failures, the flags, the
configuration key and the one-line errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from conftest import WriteJsonl, run_tunelint

Tokenizer = Callable[[str], Path]

CHATS = [
    {
        "messages": [
            {"role": "user", "content": f"What is {n} + {n}?"},
            {"role": "assistant", "content": f"It is {2 * n}."},
        ]
    }
    for n in range(12)
]


def _codes(result: subprocess.CompletedProcess[str]) -> list[tuple[int, str]]:
    return [(item["line"], item["code"]) for item in json.loads(result.stdout)]


def test_assistant_only_loss_without_generation_blocks_trains_nothing(
    tokenizer: Tokenizer, write_jsonl: WriteJsonl
) -> None:
    """The known failure: TRL's assistant_only_loss with a template without
    ``{% generation %}`` blocks masks every token of every example; the same data passes
    with a template that has them."""
    data = write_jsonl(CHATS)
    common = ("check", data, "--select", "TM", "--loss", "assistant-only", "--no-cache")
    plain = run_tunelint(*common, "--tokenizer", tokenizer("chatml"), "--output-format", "json")
    assert plain.returncode == 1, plain.stderr
    assert _codes(plain) == [(line, "TM002") for line in range(1, len(CHATS) + 1)]
    assert "no {% generation %} blocks" in json.loads(plain.stdout)[0]["message"]

    marked = run_tunelint(*common, "--tokenizer", tokenizer("chatml-generation"))
    assert marked.returncode == 0, marked.stdout + marked.stderr
    assert "TM0" not in marked.stdout


def test_default_loss_finds_assistant_turns_by_rendering_prefixes(
    tokenizer: Tokenizer, write_jsonl: WriteJsonl
) -> None:
    data = write_jsonl(CHATS)
    for family in ("chatml", "llama3", "gemma", "qwen3"):
        result = run_tunelint("check", data, "--select", "TM", "--tokenizer", tokenizer(family))
        assert result.returncode == 0, (family, result.stdout, result.stderr)


def test_configuration_key_and_relative_paths(tokenizer: Tokenizer, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(tokenizer("chatml"), project / "models" / "tiny")
    (project / "pyproject.toml").write_text(
        '[tool.tunelint]\nselect = ["TM"]\ntokenizer = "models/tiny"\nloss = "assistant-only"\n',
        encoding="utf-8",
    )
    data = project / "data" / "train.jsonl"
    data.parent.mkdir()
    data.write_text(json.dumps(CHATS[0]) + "\n", encoding="utf-8")
    result = run_tunelint("check", "train.jsonl", "--no-cache", cwd=data.parent)
    assert result.returncode == 1 and "TM002" in result.stdout, result.stderr
    # A flag overrides the file: all tokens are trained.
    result = run_tunelint("check", "train.jsonl", "--no-cache", "--loss", "all", cwd=data.parent)
    assert result.returncode == 0, result.stdout


def test_named_template_and_template_file(
    tokenizer: Tokenizer, tmp_path: Path, write_jsonl: WriteJsonl
) -> None:
    folder = tmp_path / "named"
    shutil.copytree(tokenizer("chatml"), folder)
    config = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
    marked = json.loads((tokenizer("chatml-generation") / "tokenizer_config.json").read_text())
    config["chat_template"] = [
        {"name": "default", "template": config["chat_template"]},
        {"name": "marked", "template": marked["chat_template"]},
    ]
    (folder / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")
    data = write_jsonl(CHATS[:1])
    base = ("check", data, "--select", "TM002", "--loss", "assistant-only", "--no-cache")
    assert run_tunelint(*base, "--tokenizer", folder).returncode == 1
    assert run_tunelint(*base, "--tokenizer", folder, "--chat-template", "marked").returncode == 0
    template_file = tmp_path / "marked.jinja"
    template_file.write_text(marked["chat_template"], encoding="utf-8")
    chosen = run_tunelint(*base, "--tokenizer", folder, "--chat-template", template_file)
    assert chosen.returncode == 0, chosen.stdout + chosen.stderr
    missing = run_tunelint(*base, "--tokenizer", folder, "--chat-template", "nope")
    assert missing.returncode == 2
    assert missing.stderr.strip() == (
        f"tunelint: error: chat template 'nope' not in {folder.resolve()} (it has: default, marked)"
    )


def test_chat_template_jinja_overrides_the_config(
    tokenizer: Tokenizer, tmp_path: Path, write_jsonl: WriteJsonl
) -> None:
    folder = tmp_path / "override"
    shutil.copytree(tokenizer("chatml"), folder)
    marked = json.loads((tokenizer("chatml-generation") / "tokenizer_config.json").read_text())
    (folder / "chat_template.jinja").write_text(marked["chat_template"], encoding="utf-8")
    data = write_jsonl(CHATS[:1])
    result = run_tunelint(
        "check", data, "--select", "TM002", "--loss", "assistant-only", "--tokenizer", folder
    )
    assert result.returncode == 0, result.stdout


def test_hub_cache_snapshot_and_repo_id(
    tokenizer: Tokenizer, tmp_path: Path, write_jsonl: WriteJsonl
) -> None:
    """A ``models--org--name`` folder resolves to the snapshot ``refs/main`` names, and a
    repo id is looked up in the local cache (``HF_HUB_CACHE``); nothing is downloaded."""
    cache = tmp_path / "hub"
    repo = cache / "models--acme--tiny-chat"
    shutil.copytree(tokenizer("chatml-generation"), repo / "snapshots" / "abc123")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("abc123", encoding="utf-8")
    data = write_jsonl(CHATS[:1])
    base = ("check", data, "--select", "TM", "--loss", "assistant-only", "--no-cache")
    assert run_tunelint(*base, "--tokenizer", repo).returncode == 0
    env = {"PATH": "/usr/bin:/bin", "HF_HUB_CACHE": str(cache), "HOME": str(tmp_path)}
    by_id = run_tunelint(*base, "--tokenizer", "acme/tiny-chat", env=env)
    assert by_id.returncode == 0, by_id.stderr
    unknown = run_tunelint(*base, "--tokenizer", "acme/absent", env=env)
    assert unknown.returncode == 2
    assert "not in the hub cache" in unknown.stderr and "nothing is downloaded" in unknown.stderr


def test_bad_tokenizer_folders_are_one_line_errors(
    tokenizer: Tokenizer, tmp_path: Path, write_jsonl: WriteJsonl
) -> None:
    data = write_jsonl(CHATS[:1])
    empty = tmp_path / "empty"
    empty.mkdir()
    no_template = tmp_path / "no-template"
    no_template.mkdir()
    shutil.copy(tokenizer("chatml") / "tokenizer.json", no_template)
    broken = tmp_path / "broken"
    shutil.copytree(tokenizer("chatml"), broken)
    (broken / "chat_template.jinja").write_text("{% for m in messages %}", encoding="utf-8")
    garbled = tmp_path / "garbled"
    shutil.copytree(tokenizer("chatml"), garbled)
    (garbled / "tokenizer.json").write_text("{not json", encoding="utf-8")
    for folder, expected in [
        (tmp_path / "absent", "no such folder"),
        (empty, "has no tokenizer.json"),
        (no_template, "no chat template"),
        (broken, "the chat template does not compile"),
        (garbled, "cannot load the tokenizer"),
    ]:
        result = run_tunelint("check", data, "--tokenizer", folder)
        assert result.returncode == 2, (folder, result.stdout, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("tunelint: error: "), result.stderr
        assert expected in lines[0]


def test_template_flags_need_a_tokenizer(write_jsonl: WriteJsonl) -> None:
    result = run_tunelint("check", write_jsonl(CHATS[:1]), "--max-seq-len", "100")
    assert result.returncode == 2
    assert (
        result.stderr.strip() == "tunelint: error: max-seq-len needs a tokenizer (--tokenizer DIR)"
    )


def test_missing_extra_is_one_line_naming_the_install_command(
    tokenizer: Tokenizer, tmp_path: Path, write_jsonl: WriteJsonl
) -> None:
    """Without jinja2 importable, ``--tokenizer`` says which extra to install."""
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'jinja2':\n"
        "            raise ImportError('blocked', name=name)\n"
        "sys.meta_path.insert(0, Block())\n",
        encoding="utf-8",
    )
    data = write_jsonl(CHATS[:1])
    result = subprocess.run(
        [sys.executable, "-m", "tunelint", "check", data, "--tokenizer", tokenizer("chatml")],
        env={"PYTHONPATH": str(blocker), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "tunelint: error: --tokenizer needs the template extra (jinja2 is missing): "
        "pip install 'tunelint[template]'"
    )
    # Without a tokenizer, the extra is never needed.
    plain = subprocess.run(
        [sys.executable, "-m", "tunelint", "check", str(data), "--select", "SC"],
        env={"PYTHONPATH": str(blocker), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert plain.returncode == 0, plain.stderr


def test_configuration_values_are_checked(tokenizer: Tokenizer, tmp_path: Path) -> None:
    folder = tokenizer("chatml")
    data = tmp_path / "train.jsonl"
    data.write_text(json.dumps(CHATS[0]) + "\n", encoding="utf-8")
    for table, expected in [
        ('loss = "assistant"', "loss must be one of assistant-turns, assistant-only"),
        ("max-seq-len = 0", "max-seq-len must be a positive integer"),
        ('chat-template-kwargs = "x"', "chat-template-kwargs must be a table"),
        ("tokenizer = 3", "tokenizer must be a string, not int"),
    ]:
        text = table if table.startswith("tokenizer") else f'tokenizer = "{folder}"\n{table}'
        (tmp_path / "tunelint.toml").write_text(text + "\n", encoding="utf-8")
        result = run_tunelint("check", data, cwd=tmp_path)
        assert result.returncode == 2, (table, result.stdout)
        assert expected in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_template_kwargs_from_the_configuration(tokenizer: Tokenizer, tmp_path: Path) -> None:
    """``chat-template-kwargs`` reach the template: a template that refuses to render
    without ``enable_thinking = false`` renders with it."""
    template = tmp_path / "strict.jinja"
    template.write_text(
        "{% if enable_thinking is not defined or enable_thinking %}"
        "{{ raise_exception('thinking must be off') }}{% endif %}"
        "{% for m in messages %}{{ m.role }}: {{ m.content }}<|im_end|>\n{% endfor %}",
        encoding="utf-8",
    )
    data = tmp_path / "train.jsonl"
    data.write_text(json.dumps(CHATS[0]) + "\n", encoding="utf-8")
    base = (
        f'tokenizer = "{tokenizer("chatml")}"\nchat-template = "strict.jinja"\nselect = ["TM001"]\n'
    )
    (tmp_path / "tunelint.toml").write_text(base, encoding="utf-8")
    failing = run_tunelint("check", data, "--no-cache", cwd=tmp_path)
    assert failing.returncode == 1 and "thinking must be off" in failing.stdout
    (tmp_path / "tunelint.toml").write_text(
        base + "chat-template-kwargs = { enable_thinking = false }\n", encoding="utf-8"
    )
    passing = run_tunelint("check", data, "--no-cache", cwd=tmp_path)
    assert passing.returncode == 0, passing.stdout + passing.stderr


def test_a_changed_template_is_not_answered_from_the_cache(
    tokenizer: Tokenizer, tmp_path: Path
) -> None:
    folder = tmp_path / "model"
    shutil.copytree(tokenizer("chatml"), folder)
    data = tmp_path / "train.jsonl"
    data.write_text(json.dumps(CHATS[0]) + "\n", encoding="utf-8")
    command = ("check", data, "--select", "TM002", "--loss", "assistant-only")
    assert run_tunelint(*command, "--tokenizer", folder, cwd=tmp_path).returncode == 1
    marked = json.loads((tokenizer("chatml-generation") / "tokenizer_config.json").read_text())
    (folder / "chat_template.jinja").write_text(marked["chat_template"], encoding="utf-8")
    assert run_tunelint(*command, "--tokenizer", folder, cwd=tmp_path).returncode == 0
