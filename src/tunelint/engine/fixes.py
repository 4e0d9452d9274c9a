"""Safe fixes: how a rule says "this line can be repaired without changing what it teaches".

A rule attaches a ``Fix`` to the ``Violation`` it yields (``Violation(..., fix=...)``) and
declares ``fixable=True`` in its ``@rule(...)``; ``tunelint check --fix`` (the engine's
``fixer`` module) then applies it. A fix is a pure function of one physical line's bytes
(without its ``\\n``): it returns the new bytes, or ``None`` to remove the line. Fixes must be
idempotent and must not depend on each other's order, because every fix reported on a line
is applied to it in turn (only while the line is still the one the rule judged), and the
fixer re-lints until nothing fixable is left. Build them with these constructors, never by
hand:

- ``delete_line(description)``: remove the line (a blank line);
- ``edit_line(description, edit)``: rewrite the raw bytes, e.g.
  ``edit_line("remove the byte-order mark", lambda raw: raw.removeprefix(UTF8_BOM))``;
- ``edit_value(description, location, transform)``: replace the value at ``location``
  (a JSON path) with ``transform(value)``, e.g. stripping one message's content::

      fix = edit_value(
          "strip the text",
          ("messages", 2, "content"),
          lambda text: text.strip() if isinstance(text, str) else text,
      )

- ``remove_items(description, location, unwanted)``: remove the items of the array at
  ``location`` for which ``unwanted(item)`` is true.

The last two change only the bytes of the value they edit: the rest of the line (spacing,
number spellings, key order, duplicate keys) stays byte for byte. They do nothing when the
line does not have the value any more, or when the edited line would not decode to the
record with just that change. Write transforms that check the value they get, not ones that
assume the record still has the shape it had when the rule ran: another fix may have run
first.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import msgspec
import orjson

from tunelint.engine.findings import JsonPath
from tunelint.engine.reader import UTF8_BOM
from tunelint.engine.spans import Malformed, value_span, without_item

LineEdit = Callable[[bytes], "bytes | None"]


class Fix(msgspec.Struct, frozen=True):
    """An edit of one physical line; ``apply`` returns the new bytes or ``None`` (remove)."""

    description: str
    apply: LineEdit

    def described(self) -> Fix:
        """This fix's description alone, without its code: what crosses processes and disk
        so that reports still say which findings are fixable and how. It changes nothing."""
        return Fix.described_as(self.description)

    @staticmethod
    def described_as(description: str) -> Fix:
        """A fix known by its ``description`` alone (``described``), as a cache entry keeps it."""
        return Fix(description, _unchanged)


def _unchanged(raw: bytes) -> bytes:
    return raw


def delete_line(description: str) -> Fix:
    return Fix(description, lambda raw: None)


def edit_line(description: str, edit: Callable[[bytes], bytes]) -> Fix:
    return Fix(description, edit)


def edit_value(description: str, location: JsonPath, transform: Callable[[Any], Any]) -> Fix:
    def apply(raw: bytes) -> bytes:
        def edit(body: bytes, record: Any) -> tuple[bytes, Any]:
            start, end = value_span(body, location)
            parent = _parent(record, location)
            new = transform(parent[location[-1]])
            if new == parent[location[-1]]:
                return body, record
            parent[location[-1]] = new
            encoded = json.dumps(new, ensure_ascii=False).encode()
            return body[:start] + encoded + body[end:], record

        return _splice(raw, edit)

    return Fix(description, apply)


def remove_items(description: str, location: JsonPath, unwanted: Callable[[Any], bool]) -> Fix:
    def apply(raw: bytes) -> bytes:
        def edit(body: bytes, record: Any) -> tuple[bytes, Any]:
            items = _parent(record, location)[location[-1]] if location else record
            if not isinstance(items, list):
                return body, record
            for index in reversed(range(len(items))):
                if unwanted(items[index]):
                    body = without_item(body, value_span(body, location), index)
                    del items[index]
            return body, record

        return _splice(raw, edit)

    return Fix(description, apply)


def _parent(record: Any, location: JsonPath) -> Any:
    for key in location[:-1]:
        record = record[key]
    return record


def _splice(raw: bytes, edit: Callable[[bytes, Any], tuple[bytes, Any]]) -> bytes:
    """``raw`` after ``edit(body, record)``, which returns the new body and the record it
    should decode to; ``raw`` itself when anything does not fit. A byte-order mark and a
    trailing ``\r`` around the body are kept (their own rules fix them)."""
    bom = UTF8_BOM if raw.startswith(UTF8_BOM) else b""
    body = raw[len(bom) :]
    stripped = body.rstrip(b"\r")
    ending = body[len(stripped) :]
    try:
        new, expected = edit(stripped, orjson.loads(stripped))
        if new == stripped or orjson.loads(new) != expected:
            return raw
    except (orjson.JSONDecodeError, Malformed, LookupError, TypeError, ValueError):
        return raw
    return bom + new + ending
