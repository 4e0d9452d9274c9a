"""The content ``--fix`` would write, made on demand from the original and the fixes.

Each pass of the fixer lints what the previous passes' fixes make of the file. Writing that
to a draft would cost a copy of the data on disk for every pass (and ``--diff`` must write
nothing), so the fixed content is a read-only file object instead: ``FixedContent`` reads
the original's lines through the descriptor the fixer pinned, applies the fixes as it goes
and serves the result to the reader like a file. Seeking (the fingerprints are read from
block starts) restarts from the nearest line it noted on the way, never from the start.
"""

from __future__ import annotations

import bisect
import io
import os
from collections.abc import Callable, Iterator

from tunelint.engine.errors import TunelintError
from tunelint.engine.reader import MAX_LINE_BYTES

_READ = 1 << 16
_NOTE_EVERY = 1 << 16
"""Bytes of fixed content between the places noted for seeking."""

Rewrite = Callable[[int, bytes], "bytes | None"]
"""What a line becomes (``None``: removed), from its 1-based number and bytes (``\\n`` kept)."""


class LineTooLong(TunelintError):
    """A line is longer than the reader holds: it cannot be fixed."""


def chunks_from(descriptor: int, offset: int = 0) -> Iterator[bytes]:
    """The bytes of the open file from ``offset`` on, read with ``os.pread``: the
    descriptor's own position is neither used nor moved."""
    while data := os.pread(descriptor, _READ, offset):
        offset += len(data)
        yield data


def lines_from(descriptor: int, offset: int = 0) -> Iterator[bytes]:
    """The lines of the open file from byte ``offset`` on, each with its ``\\n``.

    Raises ``LineTooLong`` at a line longer than ``MAX_LINE_BYTES``.
    """
    pending: list[bytes] = []  # pieces of a line longer than one read
    held = 0
    for data in chunks_from(descriptor, offset):
        *complete, last = data.split(b"\n")
        if complete:
            if pending:
                complete[0] = b"".join([*pending, complete[0]])
                pending, held = [], 0
            for line in complete:
                yield line + b"\n"
        if last:
            pending.append(last)
            held += len(last)
            if held > MAX_LINE_BYTES:
                raise LineTooLong(
                    f"a line is longer than {MAX_LINE_BYTES:,} bytes (JL007): not fixed"
                )
    if pending:
        yield b"".join(pending)


class FixedContent(io.RawIOBase):
    """The original file (read through ``descriptor``) with ``rewrite`` applied to each line."""

    def __init__(self, descriptor: int, rewrite: Rewrite) -> None:
        super().__init__()
        self._descriptor = descriptor
        self._rewrite = rewrite
        # (offset in the fixed content, offset in the original, original line number)
        self._notes: list[tuple[int, int, int]] = [(0, 0, 1)]
        self._lines: Iterator[bytes] = iter(())
        self._pending = memoryview(b"")
        self._position = 0
        self._restart(0)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence != io.SEEK_SET or offset < 0:
            raise io.UnsupportedOperation("FixedContent seeks only to an absolute offset")
        if offset != self._position:
            self._restart(offset)
        return self._position

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        target = memoryview(buffer).cast("B")
        filled = 0
        while filled < len(target):
            if not self._pending:
                chunk = next(self._lines, None)
                if chunk is None:
                    break
                self._pending = memoryview(chunk)
            taken = self._pending[: len(target) - filled]
            target[filled : filled + len(taken)] = taken
            filled += len(taken)
            self._pending = self._pending[len(taken) :]
        self._position += filled
        return filled

    def _restart(self, offset: int) -> None:
        """Continue from the noted place nearest before ``offset``, then skip up to it."""
        index = bisect.bisect_right(self._notes, (offset, float("inf"), 0)) - 1
        made, original, number = self._notes[index]
        self._lines = self._generate(made, original, number)
        self._pending = memoryview(b"")
        self._position = made
        skip = offset - made
        while skip > 0:
            skipped = self.read(min(skip, _READ))
            if not skipped:
                break
            skip -= len(skipped)

    def _generate(self, made: int, original: int, number: int) -> Iterator[bytes]:
        for chunk in lines_from(self._descriptor, original):
            if made - self._notes[-1][0] >= _NOTE_EVERY:
                self._notes.append((made, original, number))
            new = self._rewrite(number, chunk)
            original += len(chunk)
            number += 1
            if new:
                made += len(new)
                yield new
