"""Compressed streams, recognised by their magic bytes and decompressed while read."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any, cast

from tunelint.sources.errors import SourceError, require

if TYPE_CHECKING:
    from tunelint.sources.base import Stream

PARQUET = "parquet"
ARROW = "arrow"
TABLES = (PARQUET, ARROW)
"""Columnar formats, rendered one JSON line per row."""
MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"PAR1", PARQUET),
    (b"ARROW1", ARROW),  # the Arrow IPC file format
    (b"\xff\xff\xff\xff", ARROW),  # the IPC stream format (Hugging Face's save_to_disk)
)
COMPRESSED_SUFFIXES = (".gz", ".bz2", ".xz", ".zst")


def detect(head: bytes) -> str | None:
    """The codec whose magic bytes ``head`` starts with; ``None`` for plain data."""
    return next((codec for magic, codec in MAGIC if head.startswith(magic)), None)


@contextlib.contextmanager
def decode(codec: str | None, raw: Stream, display: str) -> Iterator[Stream]:
    """``raw`` read through ``codec``: JSONL bytes (Parquet rows rendered as lines)."""
    if codec is None:
        yield raw
        return
    if codec in TABLES:
        from tunelint.sources.parquet import rows_as_jsonl

        with rows_as_jsonl([raw], display) as rows:
            yield rows
        return
    with _decompressor(codec, raw, display) as stream:
        yield _Guarded(stream, codec, display)


def _decompressor(codec: str, stream: Stream, display: str) -> Any:
    import bz2
    import gzip
    import lzma

    raw = cast("IO[bytes]", stream)  # the decompressors only call read()
    if codec == "gzip":
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if codec == "bzip2":
        return bz2.BZ2File(raw)
    if codec == "xz":
        return lzma.LZMAFile(raw)
    require("zstandard", "zstd", f"{display}: reading zstd-compressed data")
    import zstandard

    return zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)


class _Guarded(io.RawIOBase):
    """A decompressing stream whose errors (corrupt or truncated data) are one line."""

    def __init__(self, stream: Stream, codec: str, display: str) -> None:
        self._stream, self._codec, self._display = stream, codec, display

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        try:
            return self._stream.read(size)
        except _codec_errors() as error:
            raise SourceError(f"{self._display}: corrupt {self._codec} data: {error}") from None

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _codec_errors() -> tuple[type[Exception], ...]:
    import lzma

    errors: list[type[Exception]] = [OSError, EOFError, ValueError, lzma.LZMAError]
    with contextlib.suppress(ImportError):
        import zstandard

        errors.append(zstandard.ZstdError)
    return tuple(errors)
