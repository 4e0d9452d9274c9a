"""Stream a JSONL file as bytes, a block of lines at a time, and decode each line once.

A bad line never stops the rest of the file from being read: every line comes out as a
``Line`` carrying either its decoded value or the reason it could not be decoded.
"""

from __future__ import annotations

import contextlib
import enum
import io
import itertools
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple, TypeAlias

import orjson

from tunelint.sources import RowGroups, open_data

UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_READ_BUFFER = 1 << 16
MAX_LINE_BYTES = 16 << 20
"""Lines longer than this are not decoded (nor held): each is one finding (JL007). No
provider takes an example anywhere near this size, and decoding one costs gigabytes."""
_LONG_LINE_KEPT = 1 << 10

Readable: TypeAlias = "Path | RowGroups | io.RawIOBase"
"""Data to read: a path or some row groups of a Parquet path (through ``tunelint.sources``),
or a file already open for binary reading (``--fix`` reads the file through the one
descriptor it checks before replacing the file)."""


@contextlib.contextmanager
def _opened(source: Readable, start: int) -> Iterator[Any]:
    """``source`` open for reading from byte ``start``."""
    if isinstance(source, Path | RowGroups):
        with open_data(source, start) as stream:
            yield stream
    else:
        source.seek(start)
        yield source


class LineProblem(enum.Enum):
    """Why a line has no JSON value."""

    BLANK = "blank"
    INVALID_UTF8 = "invalid-utf8"
    INVALID_JSON = "invalid-json"
    TOO_LONG = "too-long"


class LongLine(bytes):
    """The start of a line longer than ``MAX_LINE_BYTES``, which stands for all of it."""

    length: int

    def __new__(cls, start: bytes, length: int) -> LongLine:
        line = super().__new__(cls, start)
        line.length = length
        return line


class Line(NamedTuple):
    """One physical line of the file (without its ``\\n``).

    A named tuple, as one is made for every line: it is built several times faster than
    a frozen dataclass.
    """

    number: int
    raw: bytes
    value: Any = None
    problem: LineProblem | None = None
    detail: str = ""
    column: int = 1
    has_bom: bool = False

    @property
    def is_record(self) -> bool:
        return self.problem is None


def decode_line(number: int, raw: bytes, has_bom: bool) -> Line:
    """The line ``raw`` with its value, or the reason it has none."""
    if type(raw) is LongLine:
        detail = (
            f"line is {raw.length:,} bytes, over the {MAX_LINE_BYTES:,}-byte limit: not decoded"
        )
        return Line(number, raw, problem=LineProblem.TOO_LONG, detail=detail, has_bom=has_bom)
    body = raw[len(UTF8_BOM) :] if has_bom else raw
    # A record starts with its brace; only other lines need the blank test's copy.
    if body[:1] != b"{" and not body.strip():
        return Line(number, raw, problem=LineProblem.BLANK, has_bom=has_bom)
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        return _undecodable(number, raw, body, error, has_bom)
    return Line(number, raw, value=value, has_bom=has_bom)


def _undecodable(
    number: int, raw: bytes, body: bytes, error: orjson.JSONDecodeError, has_bom: bool
) -> Line:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as bad:
        hint = " (the file looks UTF-16 encoded)" if body.startswith(UTF16_BOMS) else ""
        return Line(
            number,
            raw,
            problem=LineProblem.INVALID_UTF8,
            detail=f"invalid UTF-8 byte 0x{body[bad.start]:02x} at byte {bad.start + 1}{hint}",
            column=len(body[: bad.start].decode("utf-8", "replace")) + 1,
            has_bom=has_bom,
        )
    # orjson reports a character offset; the message already carries line/column text.
    reason = str(error.msg).split(": line ")[0]
    position = min(error.pos, len(text))
    return Line(
        number,
        raw,
        problem=LineProblem.INVALID_JSON,
        detail=f"{reason} at column {position + 1}",
        column=position + 1,
        has_bom=has_bom,
    )


class Block(NamedTuple):
    """Consecutive physical lines of a file (without their ``\\n``), read in one go."""

    first: int
    """1-based number of ``raws[0]``."""
    raws: list[bytes]
    bom: bool
    """``raws[0]`` is the file's first line and starts with a UTF-8 byte-order mark."""
    offset: int
    """Where ``raws[0]`` starts in the file, in bytes."""


def read_blocks(path: Readable, start: int = 0, end: int | None = None) -> Iterator[Block]:
    """Yield the lines of ``path`` in blocks of about 64 KB, one block held at a time.

    ``start`` and ``end`` restrict reading to the bytes ``[start, end)``, which must begin
    and end on line boundaries; line numbers then count from the range's first line.
    The bytes are those ``tunelint.sources`` gives: decompressed, Parquet rows as lines.
    Raises ``OSError`` when the file cannot be opened or read, ``SourceError`` when its data
    cannot be decoded; callers turn either into a one-line error.
    """
    with _opened(path, start) as stream:
        left = None if end is None else end - start
        number, offset = 1, start
        unfinished: list[bytes] = []  # pieces of a line longer than one read
        held = 0  # their length
        while left is None or left > 0:
            data = stream.read(_READ_BUFFER if left is None else min(_READ_BUFFER, left))
            if not data:
                break
            if left is not None:
                left -= len(data)
            if b"\n" not in data:
                held += len(data)
                if held <= MAX_LINE_BYTES:
                    unfinished.append(data)
                continue
            end = data.index(b"\n")
            if held + end > MAX_LINE_BYTES:  # the line too long to hold ends here
                line = LongLine(b"".join(unfinished)[:_LONG_LINE_KEPT], held + end)
                yield _block(number, [line], offset, start)
                number, offset = number + 1, offset + held + end + 1
                data, unfinished, held = data[end + 1 :], [], 0
                if not data:
                    continue
            if unfinished:
                data = b"".join([*unfinished, data])
            raws = data.split(b"\n")
            last = raws.pop()  # the start of the next line, or b"" after a newline
            unfinished = [last] if last else []
            held = len(last)
            if raws:
                yield _block(number, raws, offset, start)
            number += len(raws)
            offset += len(data) - len(last)
        if held > MAX_LINE_BYTES:
            yield _block(
                number, [LongLine(b"".join(unfinished)[:_LONG_LINE_KEPT], held)], offset, start
            )
        elif unfinished:
            yield _block(number, [b"".join(unfinished)], offset, start)


def _block(number: int, raws: list[bytes], offset: int, start: int) -> Block:
    bom = number == 1 and start == 0 and raws[0].startswith(UTF8_BOM)
    return Block(number, raws, bom, offset)


def pick_lines(path: Readable, numbers: Iterable[int], start: int = 0) -> dict[int, bytes]:
    """The lines of ``path`` with the given 1-based numbers (counted from the byte
    ``start``), without their ``\\n``; reading stops at the block holding the last of them.
    """
    pending = sorted(set(numbers), reverse=True)
    picked: dict[int, bytes] = {}
    for block in read_blocks(path, start) if pending else ():
        after = block.first + len(block.raws)
        while pending and pending[-1] < after:
            wanted = pending.pop()
            picked[wanted] = block.raws[wanted - block.first]
        if not pending:
            break
    return picked


def read_lines(path: Readable, start: int = 0, end: int | None = None) -> Iterator[Line]:
    """Yield every line of ``path`` with 1-based line numbers, holding one block at a time.

    Reads as ``read_blocks`` does, and decodes each line.
    """
    for block in read_blocks(path, start, end):
        for offset, raw in enumerate(block.raws):
            yield decode_line(block.first + offset, raw, has_bom=block.bom and offset == 0)


def line_boundaries(path: Path, parts: int) -> list[tuple[int, int]]:
    """Split ``path`` into at most ``parts`` non-empty byte ranges that end on newlines."""
    size = path.stat().st_size
    cuts = [0]
    with path.open("rb") as stream:
        for part in range(1, parts):
            # Cut just after the newline that ends the line holding the byte before the target.
            stream.seek(max(size * part // parts, cuts[-1], 1) - 1)
            stream.readline()
            position = stream.tell()
            if cuts[-1] < position < size:
                cuts.append(position)
    cuts.append(size)
    return [(begin, end) for begin, end in itertools.pairwise(cuts) if end > begin]
