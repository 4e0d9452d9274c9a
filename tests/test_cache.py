"""The result cache: an unchanged file is not linted again, and prints the same."""

from __future__ import annotations

from pathlib import Path

from conftest import EXAMPLES, WriteJsonl, run_tunelint

CHAT = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}


def chats(count: int, system: bool = False) -> list[dict[str, object]]:
    """``count`` distinct examples (copies would be DS003 duplicates)."""
    head = [{"role": "system", "content": "Be brief."}] if system else []
    return [
        {"messages": [*head, {"role": "user", "content": f"Hi {n}"}, CHAT["messages"][1]]}
        for n in range(count)
    ]


def entries(root: Path) -> dict[Path, int]:
    folder = root / ".tunelint_cache"
    return {path: path.stat().st_mtime_ns for path in folder.rglob("*.json")}


def test_second_run_is_served_from_the_cache_with_identical_output(
    tmp_path: Path, write_jsonl: WriteJsonl
) -> None:
    clean = write_jsonl(chats(12), "clean.jsonl")
    broken = EXAMPLES / "broken" / "train.jsonl"
    first = run_tunelint("check", clean, broken, cwd=tmp_path)
    assert first.returncode == 1
    stored = entries(tmp_path)
    assert len(stored) == 2  # clean and failing results are both kept, findings included
    assert (tmp_path / ".tunelint_cache" / ".gitignore").read_text().endswith("*\n")
    second = run_tunelint("check", clean, broken, cwd=tmp_path)
    assert (second.returncode, second.stdout, second.stderr) == (1, first.stdout, first.stderr)
    assert entries(tmp_path) == stored  # hits: nothing linted, nothing rewritten
    as_json = run_tunelint("check", clean, broken, "--output-format", "json", cwd=tmp_path)
    assert as_json.stdout.startswith("[") and entries(tmp_path) == stored


def test_changed_content_or_settings_are_linted_again(
    tmp_path: Path, write_jsonl: WriteJsonl
) -> None:
    path = write_jsonl(chats(12))
    assert run_tunelint("check", path, "--fail-on", "warning", cwd=tmp_path).returncode == 1
    write_jsonl(chats(12, system=True))
    assert run_tunelint("check", path, "--fail-on", "warning", cwd=tmp_path).returncode == 0
    write_jsonl(chats(3, system=True))
    result = run_tunelint("check", path, cwd=tmp_path)
    assert "DS001" in result.stdout and result.returncode == 1
    ignored = run_tunelint("check", path, "--ignore", "DS001", cwd=tmp_path)
    assert ignored.returncode == 0 and "DS001" not in ignored.stdout


def test_no_cache_reads_and_writes_nothing(tmp_path: Path, write_jsonl: WriteJsonl) -> None:
    path = write_jsonl(chats(12))
    result = run_tunelint("check", path, "--no-cache", cwd=tmp_path)
    assert result.returncode == 0
    assert not (tmp_path / ".tunelint_cache").exists()


def test_cache_sits_next_to_the_configuration(tmp_path: Path, write_jsonl: WriteJsonl) -> None:
    (tmp_path / "tunelint.toml").write_text('ignore = ["CV002"]\n', encoding="utf-8")
    path = write_jsonl(chats(12), "data/train.jsonl")
    (tmp_path / "data" / "sub").mkdir()
    assert run_tunelint("check", path, cwd=tmp_path / "data" / "sub").returncode == 0
    assert len(entries(tmp_path)) == 1
    assert not list((tmp_path / "data").rglob(".tunelint_cache"))


def test_an_unusable_cache_folder_is_ignored(tmp_path: Path, write_jsonl: WriteJsonl) -> None:
    (tmp_path / ".tunelint_cache").write_text("not a folder", encoding="utf-8")
    path = write_jsonl(chats(12))
    for _ in range(2):
        result = run_tunelint("check", path, cwd=tmp_path)
        assert (result.returncode, result.stderr) == (0, "")
    corrupt = tmp_path / "other"
    corrupt.mkdir()
    assert run_tunelint("check", path, cwd=corrupt).returncode == 0
    for entry in entries(corrupt):
        entry.write_bytes(b"garbage")
    again = run_tunelint("check", path, cwd=corrupt)
    assert (again.returncode, again.stderr) == (0, "")
    assert not list((corrupt / ".tunelint_cache").rglob(".tmp-*"))


def test_a_validation_file_is_linted_again_when_its_training_file_changes(
    tmp_path: Path, write_jsonl: WriteJsonl
) -> None:
    train = write_jsonl(chats(12), "train.jsonl")
    validation = write_jsonl(chats(2, system=True), "validation.jsonl")
    args = (
        "check",
        train,
        "--validation-file",
        validation,
        "--select",
        "DS005",
        "--format",
        "concise",
    )
    assert run_tunelint(*args, cwd=tmp_path).returncode == 0
    write_jsonl([*chats(12), *chats(2, system=True)], "train.jsonl")
    result = run_tunelint(*args, cwd=tmp_path)
    assert result.stdout.count("DS005") == 2, result.stdout


class _Planted:
    """Unpickling this would create a file: a cache entry must never be unpickled."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        import os

        return os.system, (f"touch {self.marker}",)


def test_a_damaged_or_planted_entry_is_a_miss(tmp_path: Path, write_jsonl: WriteJsonl) -> None:
    import pickle

    data = write_jsonl(chats(3), "data.jsonl")  # DS001: too few examples
    fresh = run_tunelint("check", data, cwd=tmp_path)
    assert fresh.returncode == 1
    (entry,) = entries(tmp_path)
    good = entry.read_bytes()
    marker = tmp_path / "code-ran"
    damaged = [
        good[: len(good) // 2],  # cut short
        good.replace(b"DS001", b"DS002"),  # altered without its checksum
        good.split(b"\n")[0] + b"\n" + b'["x", "y", 1, [["not", "a", "finding"]]]',
        b"\x80\x04" + bytes(range(256)) * 4,  # garbage
        pickle.dumps((None, _Planted(marker))),
        b"",
    ]
    for content in damaged:
        entry.write_bytes(content)
        again = run_tunelint("check", data, cwd=tmp_path)
        assert (again.returncode, again.stdout, again.stderr) == (1, fresh.stdout, ""), content
        assert entry.read_bytes() == good  # rewritten by the run that missed
    assert not marker.exists()


def test_a_file_whose_name_is_not_utf8_is_cached(tmp_path: Path, write_jsonl: WriteJsonl) -> None:
    import os
    import subprocess
    import sys

    name = os.fsdecode(b"caf\xe9.jsonl")  # Latin-1 bytes in a file name
    write_jsonl(chats(3), name)
    command = [sys.executable, "-m", "tunelint", "check", name]
    first, second = (
        subprocess.run(command, cwd=tmp_path, capture_output=True, check=False) for _ in "12"
    )
    assert (first.returncode, first.stderr) == (1, b"")
    assert b"caf\\udce9.jsonl:1:1: DS001" in first.stdout  # shown escaped
    assert (second.returncode, second.stdout) == (1, first.stdout)
    assert len(entries(tmp_path)) == 1
