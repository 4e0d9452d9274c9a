"""Fingerprints taken while linting equal those of a second read, which suppression files
written by earlier versions hold."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from tunelint.engine.fingerprint import line_hash, record_hash
from tunelint.engine.reader import LineProblem, read_lines

DEEP = "[" * 300 + "]" * 300  # orjson reads it, but writes no more than 255 levels
LINES = [
    b'\xef\xbb\xbf{"messages": [], "b": 1}',  # a byte-order mark on the first line
    b'{"b": 1, "messages": []}',  # the same record, keys in another order
    b'  {"messages":[],"b":1}  \r',  # spacing and a CRLF ending
    b'{"t": "\\u00e9\\ud83d\\ude00 \xed\x95\x9c", "n": 1.5e300, "z": null}',
    b'\xef\xbb\xbf{"not": "first"}',  # a byte-order mark elsewhere: not decoded
    DEEP.encode(),
    b'{"broken": }',
    b"\xff\xfe",
    b"   ",
    b"null",
]


def test_the_linters_fingerprint_equals_the_second_reads(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_bytes(b"\n".join(LINES) + b"\n")
    lines = list(read_lines(path))
    assert [line.problem for line in lines][4:] == [
        LineProblem.INVALID_JSON,
        None,
        LineProblem.INVALID_JSON,
        LineProblem.INVALID_UTF8,
        LineProblem.BLANK,
        None,
    ]
    with pytest.raises(orjson.JSONEncodeError):
        orjson.dumps(lines[5].value)
    assert [line_hash(line) for line in lines] == [record_hash(line.raw) for line in lines]
    assert len({line_hash(line) for line in lines[:4]}) == 2  # 1 to 3: one record
