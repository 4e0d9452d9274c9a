"""Fingerprints: a hash of the record a finding is about, so it can be recognised later.

Suppressions and baselines match findings by path, rule code and this hash instead of line
numbers, so they survive lines inserted or deleted elsewhere in the file, and lapse when
the record itself changes. The hash is taken over the record's canonical JSON (keys sorted,
no whitespace), so re-serialising a file (key order, spacing, a byte-order mark, CRLF) does
not lapse them either; a line that is not JSON is hashed as its bytes without surrounding
whitespace. Findings about the whole file (reported on no example) share ``FILE``.

A finding on the line being linted is fingerprinted there and then, from the line's
decoded value. The others (on blank lines, or reported after the fact on an earlier line,
such as a duplicate's first copy) are fingerprinted after linting, by reading the file once
more up to the last such line; for a file linted in byte ranges, when the ranges are
merged.
"""

from __future__ import annotations

import bisect
import contextlib
import dataclasses
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TypeAlias

import orjson

from tunelint.engine.findings import Finding
from tunelint.engine.reader import UTF8_BOM, Line, Readable, pick_lines
from tunelint.sources import RowGroups, source_for

FILE = "file"

Mark: TypeAlias = tuple[int, int]
"""A line number and the byte at which that line starts."""


def record_hash(raw: bytes) -> str:
    """16 hex digits of the SHA-256 of the line's canonical JSON (or stripped bytes)."""
    body = raw.removeprefix(UTF8_BOM).strip()
    with contextlib.suppress(orjson.JSONDecodeError, orjson.JSONEncodeError):
        body = orjson.dumps(orjson.loads(body), option=orjson.OPT_SORT_KEYS)
    return _sha256(body)


def line_hash(line: Line) -> str:
    """``record_hash(line.raw)``, from the value the reader already decoded."""
    if line.problem is None:
        # orjson writes less deeply nested values than it reads: those fall back to bytes.
        with contextlib.suppress(orjson.JSONEncodeError):
            canonical = orjson.dumps(line.value, option=orjson.OPT_SORT_KEYS)
            return _sha256(canonical)
    return record_hash(line.raw)


def _sha256(body: bytes) -> str:
    # Imported on the first finding: hashlib loads OpenSSL, which a clean run never needs.
    import hashlib

    return hashlib.sha256(body).hexdigest()[:16]


def fingerprinted(
    path: Readable, findings: Iterable[Finding], start: int = 0, marks: Sequence[Mark] = ()
) -> tuple[Finding, ...]:
    """``findings`` with every missing ``fingerprint`` set, read from ``path``.

    With a ``start``, the findings' lines count from the line that begins at that byte.
    ``marks`` are further lines whose start is known, in order: each line is read from
    the nearest one before it.
    """
    found = tuple(findings)
    wanted = sorted({finding.line for finding in found if not finding.fingerprint})
    if not wanted:
        return found
    # A decompressed or rendered stream only reads forward: one pass from its start.
    if isinstance(path, Path):
        seekable = source_for(path).splittable
    else:
        seekable = not isinstance(path, RowGroups)  # a file open for ``--fix`` seeks
    known = [(1, start), *(marks if seekable else ())]
    numbers = [line for line, _ in known]
    after: dict[int, list[int]] = {}  # lines wanted, by the mark they are read from
    for line in wanted:
        after.setdefault(bisect.bisect_right(numbers, line) - 1, []).append(line)
    hashes: dict[int, str] = {}
    for mark, lines in after.items():
        first, offset = known[mark]
        picked = pick_lines(path, [line - first + 1 for line in lines], offset)
        hashes.update((number + first - 1, record_hash(raw)) for number, raw in picked.items())
    blank = record_hash(b"")
    return tuple(
        finding
        if finding.fingerprint
        else dataclasses.replace(finding, fingerprint=_fingerprint(finding, hashes, blank))
        for finding in found
    )


def _fingerprint(finding: Finding, hashes: dict[int, str], blank: str) -> str:
    line_hash = hashes.get(finding.line, blank)
    if finding.example is None and line_hash != blank:
        return FILE
    return line_hash
