"""Hostile input ends in findings (exit 1) or a one-line error (exit 2), never a traceback."""

from __future__ import annotations

import random
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from conftest import run_tunelint


def assert_clean_exit(result: CompletedProcess[str], code: int) -> None:
    assert result.returncode == code, (result.stdout[-2000:], result.stderr[-2000:])
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("name", "content", "codes"),
    [
        ("random", random.Random(7).randbytes(20_000), {"JL001", "JL005"}),
        ("nan", b'{"messages": NaN}\n{"a": Infinity}\n', {"JL001"}),
        # Recognised as a whole (issue 19): one finding names the encoding.
        ("utf16", '{"messages": []}\n'.encode("utf-16"), {"TG001"}),
        ("deep", b"[" * 200_000 + b"]" * 200_000 + b"\n", {"JL001"}),
        ("deep-object", b'{"a":' * 100_000 + b"1" + b"}" * 100_000 + b"\n", {"JL001"}),
        ("empty", b"", {"DS001"}),
        ("nul", b"\x00\x00\x00\n", {"JL001"}),
    ],
)
def test_hostile_file_gives_findings(
    tmp_path: Path, name: str, content: bytes, codes: set[str]
) -> None:
    path = tmp_path / f"{name}.jsonl"
    path.write_bytes(content)
    result = run_tunelint("check", path, "--output-format", "json", cwd=tmp_path)
    assert_clean_exit(result, 1)
    assert codes <= {
        line.split('"code": "')[1][:5] for line in result.stdout.splitlines() if '"code"' in line
    }


def test_a_30_mb_line_is_checked_like_any_other(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    text = "x" * (30 * 1024 * 1024)
    path.write_text(
        '{"messages": [{"role": "user", "content": "Hi"}, {"role": "robot", "content": "'
        + text
        + '"}]}\n',
        encoding="utf-8",
    )
    result = run_tunelint("check", path, "--select", "SC005", cwd=tmp_path)
    assert_clean_exit(result, 1)
    assert "SC005 [error] messages[1].role: unrecognized role 'robot'" in result.stdout


def test_bad_lines_do_not_stop_the_file(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(
        b'{"messages": [{"role": "bot", "content": "x"}]}\n\xff\xfe\nnot json\n{"messages": [{"role": "bot", "content": "y"}]}\n'
    )
    result = run_tunelint(
        "check", path, "--select", "JL,SC005", "--output-format", "concise", cwd=tmp_path
    )
    assert_clean_exit(result, 1)
    assert [line.split(": ")[1].split()[0] for line in result.stdout.splitlines()[:-1]] == [
        "SC005",
        "JL005",
        "JL001",
        "SC005",
    ]


def test_missing_path_is_a_one_line_error(tmp_path: Path) -> None:
    result = run_tunelint("check", tmp_path / "nope.jsonl", cwd=tmp_path)
    assert_clean_exit(result, 2)
    assert (
        result.stderr == f"tunelint: error: {tmp_path / 'nope.jsonl'}: no such file or directory\n"
    )


def test_unreadable_configuration_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "tunelint.toml").mkdir()
    result = run_tunelint("check", "--config", tmp_path / "tunelint.toml", cwd=tmp_path)
    assert_clean_exit(result, 2)
    assert result.stderr.count("\n") == 1


def test_a_folder_without_jsonl_files_warns(tmp_path: Path) -> None:
    (tmp_path / "dir.jsonl").mkdir()
    result = run_tunelint("check", tmp_path / "dir.jsonl", cwd=tmp_path)
    assert_clean_exit(result, 0)
    assert "no JSONL files found" in result.stderr


def test_bad_option_is_a_usage_error(tmp_path: Path) -> None:
    result = run_tunelint("check", "--fail-on", "fatal", cwd=tmp_path)
    assert_clean_exit(result, 2)


@pytest.mark.parametrize("command", [["check"], ["stats"], ["check", "--profile", "cookbook"]])
def test_roles_of_other_types_are_findings_not_tracebacks(
    tmp_path: Path, command: list[str]
) -> None:
    path = tmp_path / "roles.jsonl"
    path.write_text(
        '{"messages": [{"role": ["user"], "content": "Hi"}, {"role": "assistant", "content": "Yo"}]}\n'
        '{"messages": [{"role": {"a": 1}, "content": "Hi"}, {"role": "assistant", "content": "Yo"}]}\n',
        encoding="utf-8",
    )
    result = run_tunelint(*command, path, cwd=tmp_path)
    assert_clean_exit(result, 1 if command[0] == "check" else 0)
    if command[0] == "stats":
        assert "Missing a user message: 2 examples" in result.stdout
