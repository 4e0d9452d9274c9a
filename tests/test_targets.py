"""Targets, through the real command line: the list, a valid file per target, each limit
violated once at a known line, one file-level finding per foreign layout, the matrix."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any

import pytest

from tunelint.engine.errors import ConfigError
from tunelint.engine.profiles import OPENAI
from tunelint.targets import Layout, builtin_targets, get_target

from conftest import REPO, WriteJsonl

Cli = Callable[..., CompletedProcess[str]]
VALID = REPO / "tests" / "data" / "targets" / "valid"
NAMES = [
    "openai", "azure", "together", "fireworks", "nebius", "bedrock", "bedrock-openai",
    "vertex", "trl", "llamafactory", "axolotl",
]  # fmt: skip


def chat(user: str = "Hi", answer: str = "Hello", **extra: Any) -> dict[str, Any]:
    return {
        "messages": [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]
    } | extra


def findings(result: CompletedProcess[str]) -> set[tuple[int, str]]:
    return {(item["line"], item["code"]) for item in json.loads(result.stdout)}


def test_every_target_of_the_issue_is_built_in_with_a_date_and_sources() -> None:
    targets = builtin_targets()
    assert set(NAMES) <= set(targets)
    assert next(iter(targets)) == "openai"
    for target in targets.values():
        assert target.checked.year >= 2026
        assert target.sources and all(s.startswith("https://") for s in target.sources)
    assert "2027-01-06" in targets["openai"].notes
    # A target is read from its own file alone: each file is named after its target.
    for name, target in targets.items():
        assert get_target(name) == target
    for name in ("../data/openai", "data/../openai", "open", ""):
        with pytest.raises(ConfigError, match="unknown target"):
            get_target(name)
    # The default target is the profile tunelint always applied.
    assert targets["openai"].profile.roles == OPENAI.roles
    assert dict(targets["openai"].profile.message_keys) == dict(OPENAI.message_keys)


def test_unknown_target_is_a_one_line_configuration_error(
    cli: Cli, write_jsonl: WriteJsonl
) -> None:
    result = cli("check", "--target", "openia", write_jsonl([chat()]))
    assert result.returncode == 2
    assert result.stderr.startswith("tunelint: error: unknown target 'openia'")
    with pytest.raises(ConfigError, match="unknown key 'limit'"):
        from tunelint.targets.catalogue import parse_target

        parse_target('name = "x"\nlimit = 3', "x.toml")


def test_targets_lists_each_target_with_its_date(cli: Cli) -> None:
    text = cli("targets")
    assert text.returncode == 0
    for name in NAMES:
        assert any(
            line.startswith(f"{name} ") and "2026-12-06" in line
            for line in text.stdout.splitlines()
        )
    listed = json.loads(cli("targets", "--format", "json").stdout)
    vertex = next(item for item in listed if item["name"] == "vertex")
    assert vertex["models"]["gemini-2.5-flash"]["context"] == 131_072
    assert vertex["checked"] == "2026-12-06" and vertex["sources"]


@pytest.mark.parametrize("name", NAMES)
def test_a_valid_file_written_from_the_documentation_passes(cli: Cli, name: str) -> None:
    result = cli("check", "--no-cache", "--target", name, VALID / f"{name}.jsonl")
    assert result.returncode == 0, result.stdout
    assert " error" not in result.stdout


# Per target: records breaking one documented limit each, and the (line, code) expected.
VIOLATIONS: dict[str, tuple[list[Any], set[tuple[int, str]]]] = {
    "openai": (
        [chat(), {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "A", "weight": 0.5}]}, chat(weight=2)],
        {(1, "DS001"), (2, "SC009"), (3, "SC007")},
    ),
    "azure": ([chat(str(i)) for i in range(9)], {(1, "DS001")}),
    "together": (
        [
            chat(weight=1.0),
            chat(weight=-1),
            {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}]}, {"role": "assistant", "content": "A"}]},
            {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]}]},
            {"messages": [{"role": "developer", "content": "Be brief."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]},
        ],
        {(2, "TG005"), (3, "TG006"), (4, "SC010"), (5, "SC005")},
    ),
    "fireworks": ([chat(), chat("Bye", "Goodbye")], {(1, "DS001")}),
    "nebius": (
        [chat(), {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}]}, {"role": "assistant", "content": "A"}]}],
        {(2, "SC011")},
    ),
    "bedrock": (
        [
            {"schemaVersion": "bedrock-conversation-2024", "messages": [{"role": "user", "content": [{"text": "Hi"}]}, {"role": "assistant", "content": [{"text": "Hello"}]}]},
            {"schemaVersion": "bedrock-conversation-2024", "messages": [{"role": "user", "content": [{"text": "Hi"}]}]},
            {"schemaVersion": "bedrock-conversation-2024", "system": "Be brief.", "messages": [{"role": "user", "content": [{"text": "Hi"}]}, {"role": "assistant", "content": [{"text": "Hello"}]}]},
        ],
        {(2, "TG002"), (3, "TG002")},
    ),
    "bedrock-openai": (
        [chat(), {"messages": [{"role": "developer", "content": "Be brief."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}],
        {(2, "SC005")},
    ),
    "vertex": (
        [
            {"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hello"}]}]},
            {"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "assistant", "parts": [{"text": "Hello"}]}]},
            {"contents": [{"role": "user", "parts": []}, {"role": "model", "parts": [{"text": "Hello"}]}]},
        ],
        {(2, "TG002"), (3, "TG002")},
    ),
    "trl": (
        [{"prompt": "Sky?", "chosen": "Blue.", "rejected": "Green."}, {"prompt": "Sky?", "chosen": "Blue.", "rejected": "Blue."}],
        {(2, "TG002")},
    ),
    "llamafactory": (
        [{"instruction": "Hi", "output": "Hello"}, {"instruction": "Hi", "output": ""}, {"instruction": "Hi", "output": "Hello", "history": ["Hi", "Hello"]}],
        {(2, "TG002"), (3, "TG002")},
    ),
    "axolotl": (
        [{"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello"}]}, {"conversations": [{"from": "human", "value": "Hi"}, {"from": "bot", "value": "Hello"}]}],
        {(2, "TG002")},
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
def test_each_documented_limit_violated_once_is_found_at_its_line(
    cli: Cli, write_jsonl: WriteJsonl, name: str
) -> None:
    records, expected = VIOLATIONS[name]
    path = write_jsonl(records)
    result = cli(
        "check",
        "--no-cache",
        "--target",
        name,
        "--output-format",
        "json",
        "--fail-on",
        "error",
        path,
    )
    errors = {
        (item["line"], item["code"])
        for item in json.loads(result.stdout)
        if item["severity"] == "error"
    }
    assert errors == expected
    assert result.returncode == 1


def test_limits_of_a_target_file_of_ones_own(cli: Cli, write_jsonl: WriteJsonl) -> None:
    tiny = REPO / "tests" / "data" / "targets" / "tiny.toml"
    path = write_jsonl([chat(str(index)) for index in range(5)])
    result = cli("check", "--no-cache", "--target", tiny, "--output-format", "json", path)
    assert findings(result) >= {(1, "TG003"), (1, "TG004")}


def test_several_targets_must_all_pass(cli: Cli, write_jsonl: WriteJsonl) -> None:
    path = write_jsonl([chat(str(index), weight=2.0) for index in range(10)])
    assert cli("check", "--no-cache", "--target", "together", path).returncode == 0
    both = cli(
        "check", "--no-cache", "--target", "together,openai", "--output-format", "json", path
    )
    assert {item["code"] for item in json.loads(both.stdout) if item["severity"] == "error"} == {
        "SC007"
    }


def test_config_target_list(cli: Cli, write_jsonl: WriteJsonl, tmp_path: Path) -> None:
    path = write_jsonl([chat(str(index), weight=2.0) for index in range(10)])
    (tmp_path / "tunelint.toml").write_text('target = ["together"]\n', encoding="utf-8")
    assert cli("check", "--no-cache", path, cwd=tmp_path).returncode == 0
    (tmp_path / "tunelint.toml").write_text('target = ["together", "openai"]\n', encoding="utf-8")
    assert cli("check", "--no-cache", path, cwd=tmp_path).returncode == 1


VERTEX_RECORD = {"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hello"}]}]}  # fmt: skip
SHAREGPT = {"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello"}]}
ALPACA = {"instruction": "Say hi", "input": "", "output": "Hi!"}
VERTEX = {
    "contents": [
        {"role": "user", "parts": [{"text": "Hi"}]},
        {"role": "model", "parts": [{"text": "Hello"}]},
    ]
}
BEDROCK = {
    "schemaVersion": "bedrock-conversation-2024",
    "messages": [
        {"role": "user", "content": [{"text": "Hi"}]},
        {"role": "assistant", "content": [{"text": "Hello"}]},
    ],
}
# Each foreign layout, valid in its own ecosystem, and a target that reads it.
FOREIGN: dict[str, tuple[list[Any], str | None]] = {
    "sharegpt": ([SHAREGPT] * 30, "llamafactory"),
    "alpaca": ([ALPACA] * 30, "axolotl"),
    "text": ([{"text": f"Document {index}."} for index in range(30)], "together"),
    "chosen-rejected": ([{"prompt": "Sky?", "chosen": "Blue.", "rejected": "Green."}] * 30, "trl"),
    "vertex-contents": ([VERTEX] * 30, "vertex"),
    "bedrock-conversation": ([BEDROCK] * 30, "bedrock"),
}  # fmt: skip


@pytest.mark.parametrize("layout", FOREIGN)
def test_a_foreign_layout_gives_one_finding_and_passes_where_it_belongs(
    cli: Cli, write_jsonl: WriteJsonl, layout: str
) -> None:
    records, reader = FOREIGN[layout]
    path = write_jsonl(records)
    result = cli("check", "--no-cache", "--output-format", "json", path)
    (finding,) = json.loads(result.stdout)
    assert finding["code"] == "TG001" and finding["line"] == 1
    assert f"the {layout} layout" in finding["message"]
    assert reader in finding["message"]
    assert cli("check", "--no-cache", "--target", reader, path).returncode == 0


@pytest.mark.parametrize(
    ("name", "content", "layout"),
    [
        (
            "array.json",
            b'[\n  {"messages": [{"role": "user", "content": "Hi"}]}\n]\n',
            "json-array",
        ),
        ("table.csv", b"user,assistant\nHi,Hello\nBye,Goodbye\n", "csv"),
        (
            "squad.json",
            b'{"version": "v1", "data": [{"title": "t", "paragraphs": []}]}\n',
            "squad-document",
        ),
        # Compressed data is read decompressed: the layout is the records'.
        (
            "vertex.jsonl.gz",
            gzip.compress(json.dumps(VERTEX_RECORD).encode() + b"\n", mtime=0),
            "vertex-contents",
        ),
        ("utf16.jsonl", (json.dumps(chat()) + "\n").encode("utf-16"), "utf-16"),
    ],
    ids=lambda value: "bytes" if isinstance(value, bytes) else None,
)
def test_a_file_level_layout_gives_one_finding(
    cli: Cli, tmp_path: Path, name: str, content: bytes, layout: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = cli("check", "--no-cache", "--output-format", "json", path)
    (finding,) = json.loads(result.stdout)
    assert finding["code"] == "TG001" and f"the {layout} layout" in finding["message"]


def test_a_mixed_file_keeps_its_per_record_findings(cli: Cli, write_jsonl: WriteJsonl) -> None:
    path = write_jsonl([chat(str(index)) for index in range(10)] + [SHAREGPT])
    result = cli("check", "--no-cache", "--output-format", "json", path)
    codes = {code for line, code in findings(result) if line == 11}
    assert codes == {"TG008", "SC008"}  # named, instead of the OpenAI rules misreading it


def test_a_convert_hint_names_the_command(cli: Cli, write_jsonl: WriteJsonl) -> None:
    path = write_jsonl([chat(str(index)) for index in range(10)])
    (finding,) = json.loads(
        cli("check", "--target", "vertex", "--output-format", "json", path).stdout
    )
    assert f"tunelint convert --from openai --to vertex {path}" in finding["message"]


def test_targets_matrix_shows_where_each_file_passes(cli: Cli, write_jsonl: WriteJsonl) -> None:
    sharegpt = write_jsonl([SHAREGPT] * 3, "sharegpt.jsonl")
    text = cli("targets", sharegpt, "--only", "openai,llamafactory")
    assert text.returncode == 0
    assert "[sharegpt]  passes: llamafactory" in text.stdout
    assert "openai        FAIL  TG001 x1" in text.stdout
    rows = json.loads(cli("targets", sharegpt, "--format", "json").stdout)
    (row,) = rows
    assert row["layout"] == "sharegpt"
    assert row["targets"]["openai"] == {"pass": False, "findings": 1, "codes": {"TG001": 1}}
    assert row["targets"]["axolotl"]["pass"] is True
    assert set(row["targets"]) == set(builtin_targets())
    assert cli("targets", sharegpt, "--only", "openai").returncode == 1


def test_python_api_looks_a_target_up() -> None:
    together = get_target("together")
    assert together.sample_weight == "non-negative"
    assert together.accepts(Layout.TEXT) and not together.accepts(Layout.SHAREGPT)
    assert together.images.urls is False and together.images.per_example == 10
    assert get_target("fireworks").min_examples == 3


def test_stats_target_gives_context_and_price_with_their_date(cli: Cli) -> None:
    result = cli("stats", VALID / "openai.jsonl", "--target", "vertex,openai", "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = {(row["target"], row["model"]): row for row in json.loads(result.stdout)["targets"]}
    flash = rows[("vertex", "gemini-2.5-flash")]
    assert flash["context"] == 131_072 and flash["over_context"] == 0
    assert flash["estimate"] is True and flash["checked"] == "2026-12-06"
    mini = rows[("openai", "gpt-4o-mini")]
    assert mini["estimate"] is False and mini["price"] == 3.0 and mini["usd"] > 0
    assert rows[("openai", "o4-mini")]["price_unit"] == "per hour of training"
    text = cli("stats", VALID / "openai.jsonl", "--target", "vertex").stdout
    assert "vertex gemini-2.5-pro: context 131,072 tokens" in text
    assert "tokens by o200k_base (an estimate)" in text


PUBLIC = REPO / "tests" / "data" / "targets" / "public"
# Where each public file of another ecosystem is valid as it is.
PUBLIC_PASSES = {
    "together_antihallucination.jsonl": ("text", {"together", "trl", "llamafactory", "axolotl"}),
    "llamafactory_c4_demo.jsonl": ("text", {"together", "trl", "llamafactory", "axolotl"}),
    "llamafactory_v1_sft_demo.jsonl": ("llamafactory-v1", {"llamafactory"}),
    "llamafactory_v1_dpo_demo.jsonl": ("llamafactory-v1", {"llamafactory"}),
    "llamafactory_alpaca_en_demo.json": ("json-array", {"llamafactory", "axolotl", "trl"}),
    "vertex_patient_1_glucose_examples.jsonl": ("vertex-contents", {"vertex"}),
}


def test_public_files_of_other_ecosystems_pass_where_they_belong(cli: Cli) -> None:
    files = [PUBLIC / name for name in PUBLIC_PASSES]
    result = cli("targets", "--format", "json", *files)
    assert result.returncode == 0, result.stderr
    for row in json.loads(result.stdout):
        layout, passes = PUBLIC_PASSES[Path(row["path"]).name]
        assert row["layout"] == layout
        assert {name for name, verdict in row["targets"].items() if verdict["pass"]} == passes
        for verdict in row["targets"].values():
            assert verdict["pass"] or verdict["codes"] == {"TG001": 1}, row["path"]


def test_readme_shows_the_real_layout_finding(cli: Cli, tmp_path: Path) -> None:
    from conftest import readme_block

    block = readme_block("$ tunelint check data/glaive.jsonl")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "glaive.jsonl").write_text(
        "".join(json.dumps(SHAREGPT) + "\n" for _ in range(300)), encoding="utf-8"
    )
    result = cli("check", "--no-cache", "data/glaive.jsonl", cwd=tmp_path)
    assert result.stdout.splitlines() == block.splitlines()[1:]


def test_pytest_plugin_lints_for_a_target(pytester: pytest.Pytester) -> None:
    data = pytester.path / "vertex.jsonl"
    data.write_text("".join(json.dumps(VERTEX) + "\n" for _ in range(3)), encoding="utf-8")
    default = pytester.runpytest_subprocess("--tunelint", "-p", "no:cacheprovider")
    default.assert_outcomes(failed=1)
    assert "TG001" in default.stdout.str()
    vertex = pytester.runpytest_subprocess("--tunelint", "--tunelint-target", "vertex")
    vertex.assert_outcomes(passed=1)


@pytest.mark.parametrize(
    "path",
    [VALID / "vertex.jsonl", VALID / "bedrock.jsonl", VALID / "llamafactory.jsonl",
     VALID / "axolotl.jsonl", PUBLIC / "llamafactory_v1_sft_demo.jsonl",
     PUBLIC / "together_antihallucination.jsonl"],
    ids=lambda path: path.stem,
)  # fmt: skip
def test_stats_count_the_tokens_of_other_dialects(cli: Cli, path: Path) -> None:
    """No confident zeros: a record of another dialect is counted as its messages."""
    stats = json.loads(cli("stats", path, "--format", "json").stdout)
    tokens = stats["distributions"]["tokens_per_example"]
    assistant = stats["distributions"]["assistant_tokens_per_example"]
    assert tokens["min"] > 0 and assistant["min"] > 0
    assert stats["distributions"]["messages_per_example"]["min"] >= 1
