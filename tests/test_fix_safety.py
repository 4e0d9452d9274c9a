"""``--fix`` never loses a record: it applies fixes to the bytes it linted, or to nothing."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tunelint.engine.config import ConfigFile, resolve_settings
from tunelint.engine.fixer import FixError, plan_fixes

from conftest import run_tunelint

RECORD = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}]}


def records(count: int, blank_every: int = 0) -> bytes:
    """``count`` numbered records, a blank line after every ``blank_every``-th."""
    lines = []
    for number in range(count):
        record = json.loads(json.dumps(RECORD))
        record["messages"][1]["content"] = f"answer {number}"
        lines.append(json.dumps(record).encode())
        if blank_every and number % blank_every == blank_every - 1:
            lines.append(b"")
    return b"\n".join(lines) + b"\n"


def kept_records(data: bytes) -> list[bytes]:
    return [line for line in data.split(b"\n") if line.strip()]


SETTINGS = resolve_settings(ConfigFile(None), {"select": ["JL"]})


def test_a_file_replaced_while_it_is_fixed_is_left_alone(tmp_path: Path) -> None:
    """A second ``--fix``, an editor's save or ``git checkout`` between lint and write."""
    path = tmp_path / "data.jsonl"
    path.write_bytes(records(60, blank_every=10))
    newer = records(70)  # no blank lines: every line is a record
    with plan_fixes(path, SETTINGS) as plan:
        assert plan.changed
        replacement = tmp_path / "other"
        replacement.write_bytes(newer)
        replacement.replace(path)
        with pytest.raises(FixError, match="changed while it was being fixed"):
            plan.write()
    assert path.read_bytes() == newer
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.jsonl"]


def test_a_file_edited_in_place_while_it_is_fixed_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_bytes(records(60, blank_every=10))
    with plan_fixes(path, SETTINGS) as plan:
        edited = records(66)
        with path.open("r+b") as stream:  # same inode, same descriptor sees the new bytes
            stream.write(edited)
            stream.truncate()
        with pytest.raises(FixError):
            plan.write()
        # Even read through the pinned descriptor, a line that is no longer blank stays.
        assert [new for _, new in plan.pairs()] == edited.splitlines(True)
    assert path.read_bytes() == edited


def test_fix_on_an_unchanged_file_removes_only_the_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    data = records(300, blank_every=30)
    path.write_bytes(data)
    result = run_tunelint("check", "--fix", "--select", "JL", path, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert path.read_bytes() == b"\n".join(kept_records(data)) + b"\n"


def test_diff_writes_nothing_even_beside_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "data.jsonl"
    path.write_bytes(records(50, blank_every=5))
    before = folder.stat().st_mtime_ns
    result = run_tunelint("check", "--diff", "--select", "JL", path, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stdout.count("\n-\n") == 10
    # Creating and removing a draft would have changed the folder's modification time.
    assert folder.stat().st_mtime_ns == before
    assert sorted(p.name for p in folder.iterdir()) == ["data.jsonl"]


def test_a_read_only_file_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    data = records(5, blank_every=2)
    path.write_bytes(data)
    path.chmod(0o444)
    result = run_tunelint("check", "--fix", "--select", "JL", path, cwd=tmp_path)
    assert result.returncode == 2
    assert (
        result.stderr == f"tunelint: error: {path}: the file is read-only (mode 0444); not fixed\n"
    )
    assert path.read_bytes() == data
    assert stat.S_IMODE(path.stat().st_mode) == 0o444


def test_drafts_left_by_a_killed_fix_are_removed(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_bytes(records(5, blank_every=2))
    dead = tmp_path / ".data.jsonl.tunelint-fix-999999999-0a1b2c.tmp"  # no such process
    live = tmp_path / f".data.jsonl.tunelint-fix-{os.getpid()}-0a1b2c.tmp"  # still running
    dead.write_bytes(b"half a draft")
    live.write_bytes(b"another run's draft")
    result = run_tunelint("check", "--fix", "--select", "JL", path, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["data.jsonl", live.name])


def test_a_fix_changes_only_the_bytes_it_fixes(tmp_path: Path) -> None:
    """SC006's fix removes the empty system message; numbers, escapes, spacing, duplicate
    keys and key order elsewhere in the record stay byte for byte."""
    rest = (
        b'{"role": "user", "content": "caf\\u00e9", "n": 12345678901234567890123},'
        b' {"role":"assistant","content":"x","w":1e-400,"e":1E2,"w":2}'
    )
    path = tmp_path / "data.jsonl"
    path.write_bytes(
        b'{"z": 1, "messages": [ {"role": "system", "content": "  "} , '
        + rest
        + b'], "z": 2}\r\n'
        + b'{"messages": ['
        + rest
        + b', {"role": "system", "content": ""}]}\n'
    )
    result = run_tunelint("check", "--fix", "--select", "SC006", path, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert path.read_bytes() == (
        b'{"z": 1, "messages": [ ' + rest + b'], "z": 2}\r\n{"messages": [' + rest + b"]}\n"
    )


def test_strip_fix_rewrites_only_the_text(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_bytes(
        b'{"messages": [{"role": "user", "content": " Hi ", "n": 1E2},'
        b' {"role": "assistant", "content": "Yo"}]}\n'
    )
    result = run_tunelint("check", "--fix", "--select", "CT005", path, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert path.read_bytes() == (
        b'{"messages": [{"role": "user", "content": "Hi", "n": 1E2},'
        b' {"role": "assistant", "content": "Yo"}]}\n'
    )


def test_two_concurrent_fixes_lose_no_record(tmp_path: Path) -> None:
    """The campaign's reproducer: two ``--fix`` runs at once on a file with blank lines.

    Whether the runs overlap depends on timing (the old code lost records only when they
    did); the tests above replace and edit the file between lint and write for certain.
    """
    import subprocess
    import sys
    import time

    path = tmp_path / "data.jsonl"
    data = records(60_000, blank_every=1000)
    path.write_bytes(data)
    command = [sys.executable, "-m", "tunelint", "check", "--fix", "--select", "JL", str(path)]
    first = subprocess.Popen(command, cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    time.sleep(0.2)
    second = subprocess.Popen(command, cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    outcomes = [(run.wait(timeout=300), run.communicate()[1]) for run in (first, second)]
    assert path.read_bytes() == b"\n".join(kept_records(data)) + b"\n"
    for status, stderr in outcomes:
        assert status == 0 or (status == 2 and "changed while it was being fixed" in stderr), stderr
