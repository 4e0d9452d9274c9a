"""Write a file so that a reader never sees half of it and a failure never costs the old one.

The content goes to a hidden temporary file in the target's own folder (a rename is atomic
only within one file system) and is moved onto the target with ``os.replace`` once
complete; on any error the temporary file is removed and the target is left as it was.
A durable write (the default) is flushed to disk before the rename, so a crash cannot
leave an empty or partial file where the old one was; the cache, which can always be
rebuilt, skips that cost.

A target that is a symbolic link stays one: the file it points to is replaced.

Permissions: the result keeps an existing target's permission bits. A new target gets
``permissions`` less the umask, as if it had been opened for writing: 0o644 under the usual
umask 022 (``tempfile.mkstemp`` would give 0o600). The temporary file starts with the
same bits, so it is never readable by more users than the file it becomes.
"""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO, TextIO


def create_beside(
    target: Path, *, prefix: str | None = None, suffix: str = ".tmp", permissions: int = 0o666
) -> tuple[int, Path]:
    """Create a new file next to ``target``, like ``tempfile.mkstemp``: its descriptor, open
    for writing, and its path, ``{prefix}{random}{suffix}`` (``prefix``: ``.{target name}.``).
    """
    target = _followed(target)
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = permissions
    name = f"{f'.{target.name}.' if prefix is None else prefix}{os.urandom(6).hex()}{suffix}"
    temporary = target.with_name(name)
    return os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode), temporary


def replace_keeping_mode(temporary: Path, target: Path) -> None:
    """Move ``temporary`` onto ``target`` in one step, keeping the target's permission bits."""
    target = _followed(target)
    with suppress(FileNotFoundError):  # a new target: the temporary file's own bits stand
        temporary.chmod(stat.S_IMODE(target.stat().st_mode))
    temporary.replace(target)


def flush_to_disk(stream: BinaryIO) -> None:
    """Flush ``stream`` through the operating system's buffers onto the disk."""
    stream.flush()
    os.fsync(stream.fileno())


def _followed(target: Path) -> Path:
    """The file ``target`` names, through any symbolic links (``target`` when it is none)."""
    return target.resolve() if target.is_symlink() else target


@contextmanager
def atomic_write(
    target: Path,
    *,
    buffering: int = -1,
    prefix: str | None = None,
    permissions: int = 0o666,
    durable: bool = True,
    before_replace: Callable[[], None] | None = None,
) -> Iterator[BinaryIO]:
    """A binary file that replaces ``target`` only if the block completes.

    ``prefix`` names the temporary file as in ``create_beside``; ``permissions`` are for a
    new target (less the umask); ``durable=False`` skips the flush to disk;
    ``before_replace`` runs last before the rename and may raise to cancel it.
    """
    descriptor, temporary = create_beside(target, prefix=prefix, permissions=permissions)
    try:
        with os.fdopen(descriptor, "wb", buffering=buffering) as stream:
            yield stream
            if durable:
                flush_to_disk(stream)
        if before_replace is not None:
            before_replace()
        replace_keeping_mode(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


@contextmanager
def atomic_write_text(target: Path, encoding: str = "utf-8") -> Iterator[TextIO]:
    """A text file that replaces ``target`` only if the block completes."""
    with atomic_write(target) as raw:
        stream = io.TextIOWrapper(raw, encoding=encoding)
        try:
            yield stream
        finally:
            stream.detach()  # flushes into ``raw``, which ``atomic_write`` syncs and closes
