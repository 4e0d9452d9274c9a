"""The fast path over many records at once: consecutive plain conversations, in columns.

A block of lines decodes in one C-level pass, plain records into ``PlainRecord``; the
runner cuts it into runs of consecutive plain records (``tunelint.engine.plain``) and the
lines between them. A run is handed to
each rule as one ``PlainBatch``: a rule with a batch form checks the whole run with a few
calls into C (hashing every record, searching every text at once) and reports
``(index, violations)`` pairs; a rule without one is run record by record, as on any
other line. Either way a rule sees the same records in the same order, so its findings
are the same as the record-by-record path's; ``tests/test_plain.py`` compares the two.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

import msgspec
import orjson
import xxhash

from tunelint.engine.context import RecordContext
from tunelint.engine.findings import Violation
from tunelint.engine.formats import Format
from tunelint.engine.plain import PlainRecord, decode_plain, roles_of
from tunelint.engine.reader import Line

if TYPE_CHECKING:
    from tunelint.engine.settings import Settings

UNDECODED: Any = object()
"""Stands for a line that does not decode as it is: the line-by-line reader says why."""

Reports: TypeAlias = Iterable[tuple[int, Iterable[Violation]]]
"""What a batch check returns: the violations of the batch's record at each index."""

# Sorts keys about three times faster than ``orjson.OPT_SORT_KEYS``. The bytes are not
# orjson's: from 1e16 up msgspec writes a float as ``1e16`` where orjson writes ``1e+16``.
# Nothing compares them with orjson's; only equal values must give equal bytes.
canonical_json = msgspec.json.Encoder(order="deterministic").encode
"""A JSON value's canonical form: keys sorted, compact; equal values give equal bytes."""

xxh3_64 = xxhash.xxh3_64_intdigest
"""The 64-bit hash (XXH3) the duplicate rules keep of bytes (a record's canonical JSON)."""


def decode_block(
    raws: Sequence[bytes], look_for_plain: bool = True
) -> tuple[list[Any], list[tuple[str, ...] | None]]:
    """Every line's value, and its roles where it is a plain record.

    A plain record comes out as a ``PlainRecord``, any other JSON as ``orjson`` decodes it,
    and a line that is not valid JSON on its own (blank lines, byte-order marks and
    encoding errors included) as ``UNDECODED``. Without ``look_for_plain``, every line is
    decoded as any other JSON: trying the typed decoder on a line costs about as much as
    decoding it, wasted on files without plain records.
    """
    if not look_for_plain:
        return list(map(_decode_json, raws)), [None] * len(raws)
    try:
        values = list(map(decode_plain, raws))
    except msgspec.DecodeError:
        values = list(map(_decode_one, raws))
    roles = [roles_of(value) if type(value) is PlainRecord else None for value in values]
    for index, (value, found) in enumerate(zip(values, roles, strict=True)):
        if found is None and type(value) is PlainRecord:
            values[index] = orjson.loads(raws[index])  # not plain after all: decoded anew
    return values, roles


def _decode_one(raw: bytes) -> Any:
    try:
        return decode_plain(raw)
    except msgspec.DecodeError:
        return _decode_json(raw)


def _decode_json(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return UNDECODED


class RecordRun:
    """Consecutive records of one file: values, lines and positions by index, and what the
    rules that hash them share (each record's canonical JSON and its hash, computed once
    for all of them)."""

    __slots__ = ("_canonical", "_digests", "examples", "lines", "raws", "records", "settings")

    def __init__(
        self,
        records: Sequence[Any],
        raws: list[bytes],
        lines: range,
        examples: range,
        settings: Settings,
    ) -> None:
        self.records = records
        self.raws = raws
        self.lines = lines
        """Line number of each record: consecutive, as no other line lies between them."""
        self.examples = examples
        self.settings = settings
        self._canonical: list[bytes] | None = None
        self._digests: list[int] | None = None

    def canonical(self) -> list[bytes]:
        """Each record's ``canonical_json``."""
        if self._canonical is None:
            self._canonical = list(map(canonical_json, self.records))
        return self._canonical

    def digests(self) -> list[int]:
        """Each record's ``xxh3_64`` of its ``canonical`` JSON."""
        if self._digests is None:
            self._digests = list(map(xxh3_64, self.canonical()))
        return self._digests

    def __len__(self) -> int:
        return len(self.records)


class PlainBatch(RecordRun):
    """Consecutive plain records of one file."""

    __slots__ = ("_values", "roles")
    records: list[PlainRecord]

    def __init__(
        self,
        records: list[PlainRecord],
        raws: list[bytes],
        lines: range,
        examples: range,
        roles: list[tuple[str, ...]],
        settings: Settings,
    ) -> None:
        super().__init__(records, raws, lines, examples, settings)
        self.roles = roles
        """Each record's roles in order (``roles_of``)."""
        self._values: dict[int, dict[str, Any]] = {}

    def value(self, index: int) -> dict[str, Any]:
        """The record at ``index`` as any other record is decoded, for the rules that read
        records one by one (decoded once, when first asked for)."""
        value = self._values.get(index)
        if value is None:
            value = self._values[index] = orjson.loads(self.raws[index])
        return value

    def context(self, index: int) -> RecordContext:
        """What a record rule is given for the record at ``index``."""
        return RecordContext(
            self.value(index),
            self.raws[index],
            self.lines[index],
            self.examples[index],
            Format.CHAT,
            self.settings,
            self.roles[index],
        )

    def line(self, index: int) -> Line:
        """The line of the record at ``index``, as the line-by-line reader gives it."""
        return Line(self.lines[index], self.raws[index], self.value(index))
