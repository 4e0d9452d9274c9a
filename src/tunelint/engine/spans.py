"""Where a JSON value lies in a record's bytes, so that a fix can rewrite just that value.

A fix that decoded and re-encoded the whole record would rewrite every other value too
(``1E2`` becomes ``100.0``, big integers lose digits, duplicate keys collapse); fixes
instead splice new bytes into the span of the value they change. Of duplicate keys the
last counts, as in the decoder the linter uses.
"""

from __future__ import annotations

from collections.abc import Iterator

from tunelint.engine.findings import JsonPath
from tunelint.engine.patterns import LazyPattern

_STRING = LazyPattern(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_STRUCTURE = LazyPattern(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[{}\[\]]')
_SCALAR = LazyPattern(rb"[^,:\[\]{}\s\"]+")
_SPACE = LazyPattern(rb"[ \t\r\n]*")

Span = tuple[int, int]


class Malformed(ValueError):
    """The bytes are not the JSON the path expects."""


def skip_space(raw: bytes, position: int) -> int:
    match = _SPACE.match(raw, position)
    return match.end() if match else position


def value_end(raw: bytes, start: int) -> int:
    """Where the JSON value starting at ``start`` ends."""
    opener = raw[start : start + 1]
    if opener == b'"':
        match = _STRING.match(raw, start)
        if match is None:
            raise Malformed(start)
        return match.end()
    if opener in (b"{", b"["):
        depth = 0
        for token in _STRUCTURE.finditer(raw, start):
            mark = token.group()
            if mark in (b"{", b"["):
                depth += 1
            elif mark in (b"}", b"]"):
                depth -= 1
                if depth == 0:
                    return token.end()
        raise Malformed(start)
    scalar = _SCALAR.match(raw, start)
    if scalar is None:
        raise Malformed(start)
    return scalar.end()


def members(raw: bytes, start: int) -> Iterator[tuple[str | int, Span]]:
    """The keys (or indices) and value spans of the object (or array) at ``start``."""
    import json  # keys with escapes only

    opener = raw[start : start + 1]
    if opener not in (b"{", b"["):
        raise Malformed(start)
    closer = b"}" if opener == b"{" else b"]"
    position = skip_space(raw, start + 1)
    if raw[position : position + 1] == closer:
        return
    index = 0
    while True:
        key: str | int = index
        if opener == b"{":
            end = value_end(raw, position)
            token = raw[position:end]
            key = json.loads(token) if b"\\" in token else token[1:-1].decode()
            position = skip_space(raw, end)
            if raw[position : position + 1] != b":":
                raise Malformed(position)
            position = skip_space(raw, position + 1)
        end = value_end(raw, position)
        yield key, (position, end)
        position = skip_space(raw, end)
        separator = raw[position : position + 1]
        if separator == closer:
            return
        if separator != b",":
            raise Malformed(position)
        position = skip_space(raw, position + 1)
        index += 1


def value_span(raw: bytes, path: JsonPath) -> Span:
    """The span of the value at ``path`` in the record ``raw``; raises ``Malformed``."""
    start = skip_space(raw, 0)
    span = (start, value_end(raw, start))
    for part in path:
        found = [where for key, where in members(raw, span[0]) if key == part]
        if not found:
            raise Malformed(span[0])
        span = found[-1]
    return span


def without_item(raw: bytes, array: Span, index: int) -> bytes:
    """``raw`` without the ``index``-th item of the array at ``array``, and one comma."""
    items = [where for _, where in members(raw, array[0])]
    start, end = items[index]
    if index + 1 < len(items):
        end = items[index + 1][0]  # the item, its comma and the space up to the next
    elif index > 0:
        start = items[index - 1][1]  # the comma and space before the last item
    return raw[:start] + raw[end:]
