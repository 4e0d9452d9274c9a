"""Standard input, read once as a stream and kept in a temporary spool file.

The engine reads an input more than once (a finding on an earlier line is fingerprinted
after linting, the training file is read for the overlap rule): the first reader pulls from
the pipe and appends to the spool, later readers read the spool. The pipe is never seeked;
a Parquet file on standard input, read from its footer, is spooled whole first.
"""

from __future__ import annotations

import io
from typing import IO, Any

_DRAIN = 1 << 20


class Spool:
    """A pipe and the temporary file holding what has been read of it so far."""

    def __init__(self, pipe: IO[bytes]) -> None:
        self._pipe = pipe
        import tempfile  # only now: it imports shutil, bz2 and lzma

        # Lives as long as the run: every pass over standard input reads it.
        self._file = tempfile.TemporaryFile(prefix="tunelint-stdin-")  # noqa: SIM115
        self._size = 0
        self._ended = False

    def read_at(self, position: int, size: int) -> bytes:
        if position < self._size:
            self._file.seek(position)
            return self._file.read(min(size, self._size - position))
        if self._ended:
            return b""
        data = self._pipe.read(size)
        if not data:
            self._ended = True
            return b""
        self._file.seek(self._size)
        self._file.write(data)
        self._size += len(data)
        return data

    def size(self) -> int:
        """All of standard input's size, read to its end (for formats read from the end)."""
        while self.read_at(self._size, _DRAIN):
            pass
        return self._size

    def reader(self) -> _SpoolReader:
        return _SpoolReader(self)


class _SpoolReader(io.RawIOBase):
    """One pass over standard input from its start; seeks within what can be read."""

    def __init__(self, spool: Spool) -> None:
        self._spool = spool
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        # Seeking from the end (Parquet's footer) first reads the pipe to its end.
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position}.get(whence)
        self._position = (self._spool.size() if base is None else base) + offset
        return self._position

    def tell(self) -> int:
        return self._position

    def readinto(self, buffer: Any) -> int:
        data = self._spool.read_at(self._position, len(buffer))
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)
