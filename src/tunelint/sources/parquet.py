"""Parquet and Arrow data as JSONL: one line per row, read a row group (a batch) at a time.

Hugging Face datasets keep chat data as Parquet, with ``messages`` a list of structs or a
JSON string. Each row becomes one JSON line, so line *n* of a report is row *n* (counted
from 1 across a split's shards). Parquet has no "absent": a struct's fields are the union
of every row's keys, missing ones null. A null field or column is therefore read as an
absent key, as in the JSONL the data came from. String columns that hold the structured
fields of chat data (``messages``, ``tools`` ...) are decoded when they are JSON.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import decimal
import io
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from tunelint.sources.codecs import ARROW, PARQUET, detect
from tunelint.sources.errors import SourceError, require

if TYPE_CHECKING:
    from tunelint.sources.base import Stream

STRUCTURED_COLUMNS = frozenset(
    {
        "messages",
        "tools",
        "functions",
        "chosen",
        "rejected",
        "conversations",
        "preferred_output",
        "non_preferred_output",
    }
)
_BATCH_ROWS = 1024


@contextlib.contextmanager
def rows_as_jsonl(
    files: Sequence[Path | Stream], display: str, groups: range | None = None
) -> Iterator[Stream]:
    """The rows of the Parquet ``files`` (paths or seekable streams), in order, as JSONL;
    with ``groups``, only those row groups (numbered across the files from 0)."""
    require("pyarrow", "parquet", f"{display}: reading Parquet and Arrow")
    stream = io.BufferedReader(_Chunks(_render(files, display, groups)), buffer_size=1 << 16)
    try:
        yield stream
    finally:
        stream.close()


def _render(files: Sequence[Path | Stream], display: str, groups: range | None) -> Iterator[bytes]:
    import pyarrow as pa

    first = 0  # the number of the file's first row group, across the files
    for file in files:
        try:
            batches: Iterable[Any]
            if groups is None:
                batches = _batches(file)
            else:
                batches, first = _some_groups(file, groups, first)
            for batch in batches:
                yield b"".join(
                    orjson.dumps(_row(row), default=_json_default) + b"\n"
                    for row in batch.to_pylist()
                )
        except (pa.ArrowException, OSError) as error:
            where = file if isinstance(file, Path) else display
            raise SourceError(f"{where}: cannot read {_kind(file)}: {error}") from None


def _kind(file: Path | Stream) -> str:
    return "Arrow" if detect(_head(file)) == ARROW else "Parquet"


def _head(file: Path | Stream) -> bytes:
    """The first bytes of ``file``, which says Parquet, Arrow file or Arrow stream."""
    if isinstance(file, Path):
        with file.open("rb") as stream:
            return stream.read(6)
    head = file.read(6)
    file.seek(0)
    return head


def _some_groups(file: Path | Stream, groups: range, first: int) -> tuple[Iterable[Any], int]:
    """The batches of the row ``groups`` that are in ``file``, whose first row group is
    numbered ``first``; and the number of the next file's first."""
    parquet = _parquet(file)
    count = parquet.num_row_groups
    wanted = [group - first for group in groups if first <= group < first + count]
    batches = parquet.iter_batches(batch_size=_BATCH_ROWS, row_groups=wanted) if wanted else ()
    return batches, first + count


def row_group_bytes(files: Sequence[Path]) -> list[int]:
    """The compressed bytes of each row group of the Parquet ``files``, in order (what
    cutting a file into parts of whole row groups balances)."""
    import pyarrow as pa

    require("pyarrow", "parquet", "reading Parquet")
    sizes = []
    for file in files:
        try:
            metadata = _parquet(file).metadata
        except (pa.ArrowException, OSError) as error:
            raise SourceError(f"{file}: cannot read Parquet: {error}") from None
        for index in range(metadata.num_row_groups):
            group = metadata.row_group(index)
            columns = range(group.num_columns)
            sizes.append(sum(group.column(column).total_compressed_size for column in columns))
    return sizes


def _parquet(file: Path | Stream) -> Any:
    """``file`` opened as Parquet; paths are opened by pyarrow itself (memory-mapped)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    return pq.ParquetFile(pa.memory_map(str(file)) if isinstance(file, Path) else file)


def _batches(file: Path | Stream) -> Iterator[Any]:
    """Record batches of a Parquet file (per row group) or an Arrow IPC file or stream."""
    import pyarrow as pa

    head = _head(file)
    if detect(head) == PARQUET:
        yield from _parquet(file).iter_batches(batch_size=_BATCH_ROWS)
        return
    source = pa.memory_map(str(file)) if isinstance(file, Path) else file
    if head == b"ARROW1":
        reader = pa.ipc.open_file(source)
        for index in range(reader.num_record_batches):
            yield reader.get_batch(index)
    else:
        yield from pa.ipc.open_stream(source)


def _row(row: dict[str, Any]) -> dict[str, Any]:
    record = {}
    for key, value in row.items():
        kind = type(value)
        if value is None:
            continue
        if kind is str and key in STRUCTURED_COLUMNS and value[:1] in ("[", "{"):
            with contextlib.suppress(orjson.JSONDecodeError):
                value = orjson.loads(value)
                kind = type(value)
        record[key] = _without_nulls(value) if kind is dict or kind is list else value
    return record


def _without_nulls(value: Any) -> Any:
    """``value`` (a dict or list) without null dict values, at any depth."""
    if type(value) is dict:
        return {
            key: _without_nulls(item) if type(item) is dict or type(item) is list else item
            for key, item in value.items()
            if item is not None
        }
    return [
        _without_nulls(item) if type(item) is dict or type(item) is list else item for item in value
    ]


def _json_default(value: Any) -> Any:
    """Arrow values JSON has no type for: bytes as base64, decimals and the rest as text."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, decimal.Decimal | datetime.timedelta):
        return str(value)
    raise TypeError


class _Chunks(io.RawIOBase):
    """A readable stream over an iterator of non-empty byte strings."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._chunk = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._chunk:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._chunk = memoryview(chunk)
        count = min(len(buffer), len(self._chunk))
        buffer[:count] = self._chunk[:count]
        self._chunk = self._chunk[count:]
        return count
