"""``tunelint stats`` through the real command line."""

from __future__ import annotations

import json
from pathlib import Path

from test_terminal_output import on_terminal

from conftest import REPO, TOY, WriteJsonl, run_tunelint

CHAT = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}]}


def test_json_on_the_toy_file(tmp_path: Path) -> None:
    result = run_tunelint(
        "stats", TOY, "--model", "gpt-3.5-turbo-0125", "--format", "json", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no progress bar when stderr is not a terminal
    figures = json.loads(result.stdout)
    assert list(figures) == [
        "examples",
        "distributions",
        "missing_system",
        "missing_user",
        "over_limit",
        "uncounted",
        "cost",
    ]
    assert figures["uncounted"] == 0
    for distribution in figures["distributions"].values():
        assert list(distribution) == ["min", "max", "mean", "median", "p5", "p95"]
    assert figures["distributions"]["tokens_per_example"]["mean"] == 1648.4
    assert figures["cost"]["billing_tokens"] == 8242
    assert figures["cost"]["epochs"] == 20


def test_text_on_the_toy_file(tmp_path: Path) -> None:
    result = run_tunelint("stats", TOY, "--model", "gpt-3.5-turbo-0125", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "5 examples in 1 file; model gpt-3.5-turbo-0125 (cl100k_base, 16,385-token limit)"
    )
    assert (
        "Tokens per example: min 26  max 8,032  mean 1,648.4  median 45  p5 26.4  p95 6,447.8"
        in lines
    )
    # One histogram row per message count from 2 to 9.
    assert any(line.startswith("  9 | ") and line.endswith(" 1") for line in lines)
    assert "Missing a system message: 1 example" in lines
    assert "Over the 16,385-token limit (truncated in training): 0 examples" in lines
    assert lines[-4:] == [
        "Billing tokens per epoch: 8,242",
        "Epochs: 20 (default for 5 examples)",
        "Billed tokens: 164,840",
        "Estimated training cost: $1.32 at $8.00 per 1M tokens",
    ]


def test_model_and_epochs_from_config_and_flags(tmp_path: Path, write_jsonl: WriteJsonl) -> None:
    path = write_jsonl([CHAT] * 40)
    (tmp_path / "tunelint.toml").write_text(
        'model = "house"\n[models.house]\nencoding = "o200k_base"\ncontext = 100\nprice = 10\n',
        encoding="utf-8",
    )
    result = run_tunelint("stats", path, "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    cost = json.loads(result.stdout)["cost"]
    assert cost["epochs"] == 3
    result = run_tunelint("stats", path, "--epochs", "2", "--format", "json", cwd=tmp_path)
    assert json.loads(result.stdout)["cost"]["epochs"] == 2


def test_default_model_is_gpt_4o_mini(tmp_path: Path, write_jsonl: WriteJsonl) -> None:
    result = run_tunelint("stats", write_jsonl([CHAT]), cwd=tmp_path)
    assert "model gpt-4o-mini (o200k_base, 65,536-token limit)" in result.stdout
    assert "$3.00 per 1M tokens" in result.stdout


def test_bad_usage_is_one_line_and_exit_2(tmp_path: Path, write_jsonl: WriteJsonl) -> None:
    path = write_jsonl([CHAT])
    result = run_tunelint("stats", path, "--model", "gpt-5-turbo", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("tunelint: error: unknown model 'gpt-5-turbo' (known: ")
    assert len(result.stderr.splitlines()) == 1
    result = run_tunelint("stats", tmp_path / "missing.jsonl", cwd=tmp_path)
    assert (result.returncode, result.stderr.count("\n")) == (2, 1)
    result = run_tunelint("stats", path, "--epochs", "0", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (
        2,
        "tunelint: error: --epochs must be at least 1, not 0\n",
    )
    result = run_tunelint("stats", path, "--epochs", "many", cwd=tmp_path)
    assert result.returncode == 2
    assert "argument --epochs: invalid int value: 'many'" in result.stderr
    assert "Traceback" not in result.stderr


def test_lines_that_are_not_records_are_reported_on_stderr(
    tmp_path: Path, write_jsonl: WriteJsonl
) -> None:
    result = run_tunelint("stats", write_jsonl([CHAT, "{oops"]), "--format", "json", cwd=tmp_path)
    assert result.returncode == 0
    assert json.loads(result.stdout)["examples"] == 1
    assert "1 line(s) are not JSON objects" in result.stderr


def test_check_reports_too_long_examples(tmp_path: Path, write_jsonl: WriteJsonl) -> None:
    long = {"messages": [{"role": "user", "content": "토큰 " * 9000}, CHAT["messages"][1]]}
    path = write_jsonl([CHAT, long])
    result = run_tunelint(
        "check", path, "--profile", "cookbook", "--select", "TK001", "--output-format", "concise",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0  # a warning does not fail the run
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{path}:2:1: TK001 [warning] example has ")
    assert lines[0].endswith(
        "tokens; gpt-3.5-turbo trains on at most 16,385 and truncates the rest"
    )


def test_progress_bar_only_for_large_input_on_a_terminal(tmp_path: Path) -> None:
    from tunelint.output.progress import PROGRESS_MIN_BYTES

    # Few long lines (one text, tokenized once) keep 16 MiB quick to count.
    record = {"messages": [{"role": "user", "content": "tokens " * 1000}, CHAT["messages"][1]]}
    line = json.dumps(record) + "\n"
    large = tmp_path / "large.jsonl"
    large.write_text(line * (PROGRESS_MIN_BYTES // len(line) + 1), encoding="utf-8")
    small = tmp_path / "small.jsonl"
    small.write_text(line * 100, encoding="utf-8")

    status, stderr = on_terminal("stats", large, "--format", "json", cwd=tmp_path, stdout=False)
    assert status == 0
    assert "reading [" in stderr
    assert "100% of 16 MiB" in stderr
    assert stderr.endswith("\r\x1b[K")  # the bar is erased before the report

    small_run = on_terminal("stats", small, "--format", "json", cwd=tmp_path, stdout=False)
    assert small_run == (0, "")
    piped = run_tunelint("stats", large, "--format", "json", cwd=tmp_path)
    assert (piped.returncode, piped.stderr) == (0, "")


def test_readme_shows_the_real_output() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    command = f"$ tunelint stats {TOY.relative_to(REPO)} --model gpt-3.5-turbo-0125\n"
    shown = readme.split(command, 1)[1].split("\n```", 1)[0]
    result = run_tunelint("stats", TOY.relative_to(REPO), "--model", "gpt-3.5-turbo-0125", cwd=REPO)
    assert result.stdout == shown + "\n"


def test_a_folder_without_data_is_an_empty_dataset(tmp_path: Path) -> None:
    result = run_tunelint("stats", tmp_path, "--format", "json", cwd=tmp_path)
    assert result.returncode == 0
    assert json.loads(result.stdout)["examples"] == 0
    assert result.stderr == "tunelint: warning: no JSONL files found\n"


# A layout no dialect reads: classification data, not a conversation.
UNKNOWN = {"text": 7, "label": "spam"}


def test_records_it_cannot_count_are_never_confident_zeros(
    tmp_path: Path, write_jsonl: WriteJsonl
) -> None:
    mixed = write_jsonl([CHAT, UNKNOWN, {"messages": []}, CHAT], "mixed.jsonl")
    result = run_tunelint("stats", mixed, "--format", "json", cwd=tmp_path)
    assert result.returncode == 0
    figures = json.loads(result.stdout)
    assert (figures["examples"], figures["uncounted"]) == (2, 2)
    assert result.stderr == (
        "tunelint: warning: 2 record(s) have no message text to count (another layout than "
        f"chat or preference data) and were not counted; first at {mixed}:2\n"
    )
    unknown = write_jsonl([UNKNOWN] * 3, "unknown.jsonl")
    nothing = run_tunelint("stats", unknown, cwd=tmp_path)
    assert (nothing.returncode, nothing.stdout) == (1, "")
    assert "3 record(s) have no message text" in nothing.stderr
    assert nothing.stderr.endswith("no record could be counted: no statistics, no cost\n")


def test_the_first_uncountable_line_is_numbered_in_the_whole_file(tmp_path: Path) -> None:
    # Over 4 MB: several processes count byte ranges, numbered from their own start.
    path = tmp_path / "big.jsonl"
    chat = json.dumps(
        {"messages": [CHAT["messages"][0], {"role": "assistant", "content": "x" * 500}]}
    )
    lines = [chat] * 12_000
    lines[9_000] = json.dumps(UNKNOWN)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_tunelint("stats", path, "--format", "json", "--jobs", "2", cwd=tmp_path)
    assert result.returncode == 0
    assert json.loads(result.stdout)["examples"] == 11_999
    assert result.stderr.rstrip().endswith(f"first at {path}:9001")
