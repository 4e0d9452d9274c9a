"""Hostile input ends in findings (exit 1) or a one-line error (exit 2), never a traceback."""

from __future__ import annotations

import random
import subprocess
import sys
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


def test_a_line_past_the_cap_is_one_finding_in_bounded_memory(tmp_path: Path) -> None:
    """A 64 MiB line (a JSON array on one line) is reported without being decoded or held."""
    path = tmp_path / "big.jsonl"
    with path.open("wb") as out:
        out.write(b'{"messages": [{"role": "robot", "content": "Hi"}]}\n[')
        out.write(b'"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", ' * (64 * 1024 * 1024 // 34))
        out.write(b'"x"]\n{"messages": [{"role": "robot", "content": "Hi"}]}\n')
    measure = (
        "import resource, subprocess, sys; "
        "child = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
        "print(child.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
        "print(child.stdout, end='')"
    )
    command = [
        sys.executable,
        "-m",
        "tunelint",
        "check",
        path,
        "--select",
        "JL,SC005",
        "--output-format",
        "concise",
    ]
    result = subprocess.run(
        [sys.executable, "-c", measure, *map(str, command)],
        cwd=tmp_path, capture_output=True, text=True, check=True,
    )  # fmt: skip
    status, peak_kib = map(int, result.stdout.splitlines()[0].split())
    assert status == 1
    assert result.stdout.splitlines()[1:] == [
        f"{path}:1:24: SC005 [error] messages[0].role: unrecognized role 'robot' (expected one "
        "of 'assistant', 'developer', 'function', 'system', 'tool', 'user')",
        f"{path}:2:1: JL007 [error] line is 67,108,865 bytes, over the 16,777,216-byte limit: not decoded",
        f"{path}:3:24: SC005 [error] messages[0].role: unrecognized role 'robot' (expected one "
        "of 'assistant', 'developer', 'function', 'system', 'tool', 'user')",
        "Found 3 errors in 1 file.",
    ]
    assert peak_kib < 250 * 1024  # the line alone is 64 MiB; decoding it took gigabytes


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


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_an_endless_device_is_a_one_line_error_not_a_hang(tmp_path: Path, device: str) -> None:
    """Read as a stream, ``/dev/zero`` would fill the spool until interrupted."""
    result = run_tunelint("check", device, cwd=tmp_path)
    assert_clean_exit(result, 2)
    assert result.stderr == (
        f"tunelint: error: {device}: a device that never ends (not a file, a pipe or a "
        "terminal); nothing was read\n"
    )


def test_dev_null_and_a_pipe_are_still_read(tmp_path: Path) -> None:
    empty = run_tunelint("check", "/dev/null", "--select", "DS001", cwd=tmp_path)
    assert_clean_exit(empty, 1)
    assert "/dev/null:1:1: DS001" in empty.stdout
    chat = b'{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}]}\n'
    piped = run_tunelint("check", "/dev/stdin", "--select", "DS001", cwd=tmp_path, input=chat)
    assert_clean_exit(piped, 1)
    assert "/dev/stdin:1:1: DS001 [error] file has 1 example(s)" in piped.stdout


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
