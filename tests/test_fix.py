"""``check --fix`` and ``--diff`` through the real command line, on files with every safe fix."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from conftest import run_tunelint

BOM = b"\xef\xbb\xbf"
USER = '{"role": "user", "content": "수도는?"}'
ASSISTANT = '{"role": "assistant", "content": "서울"}'
# What the seed's KorQuAD conversion writes: an empty system message.
KORQUAD = f'{{"messages": [{{"role": "system", "content": ""}}, {USER}, {ASSISTANT}]}}'
FIXED_KORQUAD = f'{{"messages": [{USER}, {ASSISTANT}]}}'
# Unusual spacing that a fix must not normalise: records without fixes stay byte for byte.
ODD = f'{{ "messages" :[{USER},{ASSISTANT}] }}'
SELECT = ("--select", "JL,SC")


def write(path: Path, *lines: bytes, end: bytes = b"\n") -> Path:
    path.write_bytes(b"\n".join(lines) + end)
    return path


def test_fix_repairs_bom_blank_lines_crlf_and_empty_system_messages(tmp_path: Path) -> None:
    path = write(
        tmp_path / "data.jsonl",
        BOM + ODD.encode(),
        b"",
        KORQUAD.encode() + b"\r",
        b"   ",
        ODD.encode() + b"\r",
        b"[1]",  # not fixable: reported after the fix, and kept
        end=b"",
    )
    path.chmod(0o640)
    result = run_tunelint(
        "check", "--fix", "--output-format", "concise", *SELECT, path, cwd=tmp_path
    )
    assert result.returncode == 1, result.stdout  # JL002 remains
    assert path.read_bytes() == b"\n".join(
        [ODD.encode(), FIXED_KORQUAD.encode(), ODD.encode(), b"[1]"]
    )
    assert result.stdout.splitlines() == [
        f"{path}:4:1: JL002 [error] record is a JSON array, not an object",
        "Found 1 error in 1 file.",
    ]
    assert "fixed 6 findings in 1 file" in result.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.jsonl"]  # no draft left


def test_fix_through_a_symbolic_link_fixes_the_file_it_points_to(tmp_path: Path) -> None:
    (tmp_path / "exports").mkdir()
    real = write(tmp_path / "exports" / "v2.jsonl", KORQUAD.encode(), b"")
    link = tmp_path / "train.jsonl"
    link.symlink_to(Path("exports") / "v2.jsonl")
    result = run_tunelint("check", "--fix", *SELECT, "train.jsonl", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert link.is_symlink()  # still a link, as the user made it
    assert real.read_bytes() == FIXED_KORQUAD.encode() + b"\n"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["exports", "train.jsonl", "v2.jsonl"]


def test_diff_shows_the_fixes_and_writes_nothing(tmp_path: Path) -> None:
    context = [
        f'{{"messages": [{USER}, {{"role": "assistant", "content": "{n}"}}]}}' for n in range(8)
    ]
    lines = [BOM + context[0].encode(), *(c.encode() for c in context[1:]), b"", KORQUAD.encode()]
    path = write(tmp_path / "data.jsonl", *lines)
    before = path.read_bytes()
    result = run_tunelint("check", "--diff", *SELECT, "data.jsonl", cwd=tmp_path)
    assert result.returncode == 1
    assert path.read_bytes() == before
    assert (
        result.stdout
        == "".join(
            [
                "--- data.jsonl\n+++ data.jsonl\n",
                "@@ -1,4 +1,4 @@\n",
                f"-\\ufeff{context[0]}\n+{context[0]}\n",  # the mark shown, escaped
                *(f" {line}\n" for line in context[1:4]),
                "@@ -6,5 +6,4 @@\n",
                *(f" {line}\n" for line in context[5:8]),
                f"-\n-{KORQUAD}\n+{FIXED_KORQUAD}\n",
            ]
        )
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.jsonl"]


def test_nothing_to_fix(tmp_path: Path) -> None:
    path = write(tmp_path / "data.jsonl", ODD.encode())
    diff = run_tunelint("check", "--diff", *SELECT, path, cwd=tmp_path)
    assert (diff.returncode, diff.stdout) == (0, "")
    fix = run_tunelint("check", "--fix", "--exit-non-zero-on-fix", *SELECT, path, cwd=tmp_path)
    assert (fix.returncode, fix.stderr) == (0, "")
    assert path.read_bytes() == ODD.encode() + b"\n"


def test_exit_non_zero_on_fix_fails_only_the_run_that_changed_something(tmp_path: Path) -> None:
    path = write(tmp_path / "data.jsonl", BOM + ODD.encode(), b"")
    args = ("check", "--fix", "--exit-non-zero-on-fix", *SELECT, path)
    assert run_tunelint(*args, cwd=tmp_path).returncode == 1
    assert run_tunelint(*args, cwd=tmp_path).returncode == 0
    assert run_tunelint("check", "--fix", *SELECT, path, cwd=tmp_path).returncode == 0


def test_fix_respects_per_file_ignores_and_reports_json(tmp_path: Path) -> None:
    (tmp_path / "tunelint.toml").write_text(
        '[per-file-ignores]\n"keep*.jsonl" = ["JL003"]\n', encoding="utf-8"
    )
    kept = write(tmp_path / "keep.jsonl", ODD.encode(), b"", ODD.encode())
    fixed = write(tmp_path / "fix.jsonl", ODD.encode(), b"", ODD.encode())
    result = run_tunelint("check", "--fix", *SELECT, "--output-format", "json", ".", cwd=tmp_path)
    assert (result.returncode, json.loads(result.stdout)) == (0, [])
    assert kept.read_bytes().count(b"\n") == 3
    assert fixed.read_bytes() == (ODD + "\n" + ODD + "\n").encode()


def test_fix_and_diff_leave_suppressed_findings_alone(tmp_path: Path) -> None:
    """A suppressed finding is accepted as it is: neither fixed nor shown as a change."""
    (tmp_path / "tunelint.toml").write_text('select = ["SC006", "JL003"]\n', encoding="utf-8")
    path = write(tmp_path / "data.jsonl", KORQUAD.encode())
    added = run_tunelint("check", "--add-suppressions", cwd=tmp_path)  # this record's SC006
    assert added.returncode == 0, added.stderr
    other, fixed_other = (line.replace("서울", "부산") for line in (KORQUAD, FIXED_KORQUAD))
    write(path, KORQUAD.encode(), b"", other.encode())

    diff = run_tunelint("check", "--diff", "data.jsonl", cwd=tmp_path)
    assert diff.returncode == 1
    changes = [line for line in diff.stdout.splitlines()[2:] if line[:1] in "+-"]
    assert changes == ["-", f"-{other}", f"+{fixed_other}"]

    fixed = run_tunelint("check", "--fix", "data.jsonl", cwd=tmp_path)
    assert (fixed.returncode, fixed.stdout) == (
        0,
        "All checks passed (1 file; 1 suppressed).\n",
    ), fixed.stderr
    assert path.read_bytes() == f"{KORQUAD}\n{fixed_other}\n".encode()
    assert "fixed 2 findings in 1 file" in fixed.stderr
