"""The one atomic writer: the target is whole or untouched, never a leftover temporary file."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import IO, Any

import pytest

from tunelint.engine.atomic import atomic_write, atomic_write_text

TEXT = "한국어 데이터\n"
Writer = Callable[[Path], AbstractContextManager[IO[Any]]]
WRITERS: dict[str, tuple[Writer, Any]] = {
    "binary": (atomic_write, TEXT.encode()),
    "text": (atomic_write_text, TEXT),
}


@contextmanager
def umask(value: int) -> Iterator[None]:
    previous = os.umask(value)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("kind", WRITERS)
def test_a_complete_block_replaces_the_target_and_leaves_nothing_else(
    tmp_path: Path, kind: str
) -> None:
    writer, content = WRITERS[kind]
    target = tmp_path / "out.json"
    target.write_bytes(b"old")
    with writer(target) as stream:
        stream.write(content)
        (temporary,) = (p for p in tmp_path.iterdir() if p != target)
        assert temporary.name.startswith(".out.json.") and temporary.name.endswith(".tmp")
        assert target.read_bytes() == b"old"  # nothing shows before the block completes
    assert target.read_text(encoding="utf-8") == TEXT
    assert list(tmp_path.iterdir()) == [target]


@pytest.mark.parametrize("kind", WRITERS)
@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_a_failing_block_leaves_the_target_untouched(
    tmp_path: Path, kind: str, error: BaseException
) -> None:
    writer, content = WRITERS[kind]
    existing, new = tmp_path / "existing.jsonl", tmp_path / "new.jsonl"
    existing.write_bytes(b'{"a": 1}\n')
    for target in (existing, new):
        with pytest.raises(type(error)), writer(target) as stream:
            stream.write(content * 1000)
            raise error
    assert existing.read_bytes() == b'{"a": 1}\n'
    assert list(tmp_path.iterdir()) == [existing]


@pytest.mark.parametrize("kept", [0o600, 0o640, 0o755])
def test_an_existing_target_keeps_its_permission_bits(tmp_path: Path, kept: int) -> None:
    target = tmp_path / "train.jsonl"
    target.write_bytes(b"old\n")
    target.chmod(kept)
    with umask(0o077), atomic_write(target) as stream:
        stream.write(b"new\n")
        (temporary,) = (p for p in tmp_path.iterdir() if p != target)
        assert mode(temporary) & ~kept == 0  # never readable by more users than the target
    assert (target.read_bytes(), mode(target)) == (b"new\n", kept)


@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_a_new_target_gets_0o666_less_the_umask(tmp_path: Path, mask: int, expected: int) -> None:
    with umask(mask):
        with atomic_write(tmp_path / "binary.jsonl") as stream:
            stream.write(b"x")
        with atomic_write_text(tmp_path / "text.json") as out:
            out.write("x")
    assert mode(tmp_path / "binary.jsonl") == mode(tmp_path / "text.json") == expected


def test_permissions_and_prefix_name_a_private_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "entry.pickle"
    with umask(0o022), atomic_write(target, prefix=".tmp-", permissions=0o600) as stream:
        stream.write(b"x")
        (temporary,) = (p for p in tmp_path.iterdir() if p != target)
        assert temporary.name.startswith(".tmp-")
    assert mode(target) == 0o600


@pytest.mark.parametrize("kind", WRITERS)
def test_a_symbolic_link_stays_and_the_file_it_points_to_is_replaced(
    tmp_path: Path, kind: str
) -> None:
    writer, content = WRITERS[kind]
    (tmp_path / "data").mkdir()
    real = tmp_path / "data" / "train.jsonl"
    real.write_bytes(b"old\n")
    real.chmod(0o640)
    link = tmp_path / "train.jsonl"
    link.symlink_to(Path("data") / "train.jsonl")
    with writer(link) as stream:
        stream.write(content)
        (temporary,) = (p for p in tmp_path.rglob("*") if p not in (real.parent, real, link))
        assert temporary.parent == real.parent  # beside the file, on its file system
    assert link.is_symlink() and link.readlink() == Path("data") / "train.jsonl"
    assert (real.read_text(encoding="utf-8"), mode(real)) == (TEXT, 0o640)
    assert sorted(tmp_path.rglob("*")) == [real.parent, real, link]


def test_a_durable_write_reaches_the_disk_before_the_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "train.jsonl"
    synced: list[bytes] = []

    def fsync(descriptor: int) -> None:
        assert not target.exists()  # not renamed yet
        (temporary,) = tmp_path.iterdir()
        assert temporary.samefile(f"/proc/self/fd/{descriptor}")
        synced.append(temporary.read_bytes())  # all of it, flushed before the sync

    monkeypatch.setattr(os, "fsync", fsync)
    with atomic_write(target) as stream:
        stream.write(b"complete\n")
    assert synced == [b"complete\n"]
    with atomic_write(tmp_path / "cache.pickle", durable=False) as stream:
        stream.write(b"rebuildable")
    assert synced == [b"complete\n"]
