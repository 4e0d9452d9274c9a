"""What an input is (a local file, the shards of a split, stdin, a URL) and how to open it."""

from __future__ import annotations

import contextlib
import enum
import io
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Protocol

import msgspec

from tunelint.sources.codecs import PARQUET, decode, detect
from tunelint.sources.errors import SourceError
from tunelint.sources.stdin import Spool

SHARD_MARK = "*"
"""A path whose name holds ``*`` names the shards of a split (``data/train-*.parquet``)."""
_MAGIC_BYTES = 6
_SKIP_CHUNK = 1 << 16


class Stream(Protocol):
    """What readers of data need: bytes a block at a time (``seek`` on raw files only)."""

    def read(self, size: int = -1, /) -> bytes: ...

    def seek(self, offset: int, whence: int = 0, /) -> int: ...


class Where(enum.Enum):
    FILE = "file"
    SHARDS = "shards"
    STDIN = "stdin"
    """Standard input, or any other pipe or device: read once, through a spool."""
    URL = "url"


class Source(msgspec.Struct, frozen=True):
    """One input as the engine sees it: a name (``path``) and how its bytes are read."""

    path: Path
    where: Where
    codec: str | None
    """``gzip``, ``bzip2``, ``xz``, ``zstd``, ``parquet``, or ``None`` for plain JSONL (for a
    stream, what its first bytes say once it is opened: ``None`` until then)."""

    @property
    def display(self) -> str:
        return display_name(self.path)

    @property
    def local(self) -> bool:
        """Any process can open it by its path (a worker can lint it)."""
        return self.where in (Where.FILE, Where.SHARDS)

    @property
    def forkable(self) -> bool:
        """A worker forked from this process can read it too: a local file or split, or a
        URL (with the credentials it inherits); not a stream, which is read once."""
        return self.where is not Where.STDIN

    @property
    def cacheable(self) -> bool:
        """One local file whose bytes can be hashed for the result cache."""
        return self.where is Where.FILE

    @property
    def splittable(self) -> bool:
        """A plain local file: workers may read byte ranges of it."""
        return self.where is Where.FILE and self.codec is None

    def size(self) -> int:
        """Bytes on disk (compressed), for scheduling work: an object's as a folder listing
        found it; 0 for streams and other URLs."""
        if self.where is Where.FILE:
            return self.path.stat().st_size
        if self.where is Where.SHARDS:
            return sum(shard.stat().st_size for shard in shards(self.path))
        if self.where is Where.URL:
            from tunelint.sources.remote import listed_size

            return listed_size(url_of(self.path))
        return 0

    def row_groups(self) -> list[int]:
        """The bytes of each row group of a local Parquet file or split (numbered across
        its shards), in order; none for other inputs."""
        if not self.local or self.codec != PARQUET:
            return []
        from tunelint.sources.parquet import row_group_bytes

        return row_group_bytes(_files(self))


class RowGroups(msgspec.Struct, frozen=True):
    """Some row groups of a local Parquet file or split: rows read apart from the rest."""

    path: Path
    groups: range


_streams: dict[Path, Spool] = {}
"""Inputs read once as a stream, by the path that stands for them."""


def use_stdin(name: Path | None = None) -> Path:
    """Read standard input under ``name`` (default ``-``): the path that now stands for it."""
    import sys

    path = name if name is not None else Path("-")
    _streams[path] = Spool(sys.stdin.buffer)
    return path


def is_stdin(path: Path) -> bool:
    """Whether ``path`` stands for standard input (or another stream already opened)."""
    return path in _streams


def _is_stream(path: Path) -> bool:
    """A pipe, a FIFO or a device (``/dev/stdin``, ``<(zcat x.gz)``): no regular file."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _endless(path: Path, stream: IO[bytes]) -> bool:
    """A character device other than a terminal or ``/dev/null`` (``/dev/zero``,
    ``/dev/urandom``): read as a stream, it would fill the spool until interrupted."""
    return (
        stat.S_ISCHR(os.fstat(stream.fileno()).st_mode)
        and not stream.isatty()
        and not path.samefile(os.devnull)
    )


REMOTE_SCHEMES = frozenset({"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "hf", "http", "https"})


def remote_path(text: str) -> Path | None:
    """The path that stands for the URL ``text``, or ``None`` when it is no URL we read."""
    scheme, separator, _ = text.partition("://")
    if separator and scheme.lower() in REMOTE_SCHEMES:
        return Path(text)
    return None


def is_remote(path: Path) -> bool:
    first = path.parts[0] if path.parts else ""
    return first.endswith(":") and first[:-1].lower() in REMOTE_SCHEMES and len(path.parts) > 1


def url_of(path: Path) -> str:
    """The URL a remote path stands for (``Path`` folds ``s3://`` into ``s3:/``)."""
    scheme, *rest = path.parts
    return f"{scheme}//{'/'.join(rest)}"


def display_name(path: Path) -> str:
    """How reports name ``path``: URLs restored, their user information masked."""
    if not is_remote(path):
        return str(path)
    from tunelint.sources.remote import masked

    return masked(url_of(path))


def shards(path: Path) -> list[Path]:
    """The files a split's path names, in order."""
    return sorted(path.parent.glob(path.name))


def source_for(path: Path) -> Source:
    """The kind of input ``path`` is; a local file's codec is read from its first bytes."""
    if path in _streams:
        return Source(path, Where.STDIN, None)
    if _is_stream(path):
        # Opened once, read through a spool: a pipe neither seeks nor reads twice.
        stream = path.open("rb", buffering=0)
        if _endless(path, stream):
            stream.close()
            raise SourceError(
                f"{path}: a device that never ends (not a file, a pipe or a terminal); "
                "nothing was read"
            )
        _streams[path] = Spool(stream)
        return Source(path, Where.STDIN, None)
    if is_remote(path):
        return Source(path, Where.URL, None)
    if SHARD_MARK in path.name and not path.exists():
        return Source(path, Where.SHARDS, PARQUET)
    with path.open("rb", buffering=0) as stream:
        return Source(path, Where.FILE, detect(stream.read(_MAGIC_BYTES)))


def _files(source: Source) -> list[Path]:
    return shards(source.path) if source.where is Where.SHARDS else [source.path]


@contextlib.contextmanager
def open_data(path: Path | RowGroups, start: int = 0) -> Iterator[Stream]:
    """The JSONL bytes of ``path`` (or of only some of its row groups) from the byte
    ``start`` on, as a stream to ``read(n)``.

    Raises ``OSError`` when a local file cannot be read, ``SourceError`` (one line) for
    corrupt compressed data, a missing extra, or a URL that cannot be read.
    """
    groups = path.groups if isinstance(path, RowGroups) else None
    source = source_for(path.path if isinstance(path, RowGroups) else path)
    with contextlib.ExitStack() as stack:
        if source.where is Where.SHARDS or groups is not None:
            from tunelint.sources.parquet import rows_as_jsonl

            rows = rows_as_jsonl(_files(source), source.display, groups)
            stream: Stream = stack.enter_context(rows)
        else:
            raw = stack.enter_context(_open_raw(source))
            codec = source.codec if source.where is Where.FILE else _peek_codec(raw)
            stream = stack.enter_context(decode(codec, raw, source.display))
            if codec is None and start:
                stream.seek(start)
                start = 0
        _skip(stream, start, source.display)
        yield stream


def _open_raw(source: Source) -> contextlib.AbstractContextManager[Stream]:
    if source.where is Where.STDIN:
        return _streams[source.path].reader()
    if source.where is Where.URL:
        from tunelint.sources.remote import open_url

        return open_url(url_of(source.path), source.display)
    return source.path.open("rb", buffering=0)


def _peek_codec(raw: Stream) -> str | None:
    """The codec of a stream that seeks back (stdin's spool, a URL's file)."""
    head = raw.read(_MAGIC_BYTES)
    raw.seek(0)
    return detect(head)


def _skip(stream: Stream, count: int, display: str) -> None:
    """Read and drop ``count`` bytes: decompressed and rendered streams only go forward."""
    left = count
    while left > 0:
        data = stream.read(min(left, _SKIP_CHUNK))
        if not data:
            raise SourceError(f"{display}: ended before byte {count} (changed while read?)")
        left -= len(data)


def read_bytes(path: Path) -> bytes:
    """All of ``path``'s data, for formats that are one document and cannot be streamed."""
    with open_data(path) as stream:
        return stream.read()


def text_stream(path: Path, encoding: str = "utf-8-sig") -> io.TextIOWrapper:
    """``path``'s data as text (for readers of CSV and JSON documents); close it after use."""
    stack = contextlib.ExitStack()
    stream = stack.enter_context(open_data(path))
    return io.TextIOWrapper(io.BufferedReader(_Closing(stream, stack)), encoding, newline="")


class _Closing(io.RawIOBase):
    """A byte stream that closes what opened it when it is closed."""

    def __init__(self, stream: Stream, stack: contextlib.ExitStack) -> None:
        self._stream, self._stack = stream, stack

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._stack.close()
        super().close()
