"""Safe fixes: how a rule says "this line can be repaired without changing what it teaches".

A rule attaches a ``Fix`` to the ``Violation`` it yields (``Violation(..., fix=...)``) and
declares ``fixable=True`` in its ``@rule(...)``; ``tunelint check --fix`` (the engine's
``fixer`` module) then applies it. A fix is a pure function of one physical line's bytes
(without its ``\\n``): it returns the new bytes, or ``None`` to remove the line. Fixes must be
idempotent and must not depend on each other's order, because every fix reported on a line
is applied to it in turn, and the fixer re-lints until nothing fixable is left. Build them
with the three constructors below, never by hand:

- ``delete_line(description)``: remove the line (a blank line);
- ``edit_line(description, edit)``: rewrite the raw bytes, e.g.
  ``edit_line("remove the byte-order mark", lambda raw: raw.removeprefix(UTF8_BOM))``;
- ``edit_record(description, transform)``: change the decoded record. ``transform`` gets a
  fresh copy of the record and returns the new one (it may mutate its argument). The line is
  re-serialised with ``json.dumps(..., ensure_ascii=False)`` only when the record changed;
  a byte-order mark and a trailing ``\\r`` around it are kept (their own rules fix them).
  Example, stripping whitespace at the ends of one message's content::

      def strip_content(record):
          message = record["messages"][2]
          if isinstance(message.get("content"), str):
              message["content"] = message["content"].strip()
          return record

      yield Violation("content has trailing whitespace", path,
                      fix=edit_record("strip whitespace from content", strip_content))

  Write transforms that look the value up again and check it, not ones that assume the
  record still has the shape it had when the rule ran: another fix may have run first.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from tunelint.engine.reader import UTF8_BOM

LineEdit = Callable[[bytes], "bytes | None"]


@dataclass(frozen=True, slots=True)
class Fix:
    """An edit of one physical line; ``apply`` returns the new bytes or ``None`` (remove)."""

    description: str
    apply: LineEdit

    def described(self) -> Fix:
        """This fix's description alone, without its code: what crosses processes and disk
        so that reports still say which findings are fixable and how. It changes nothing."""
        return Fix(self.description, _unchanged)


def _unchanged(raw: bytes) -> bytes:
    return raw


def delete_line(description: str) -> Fix:
    return Fix(description, lambda raw: None)


def edit_line(description: str, edit: Callable[[bytes], bytes]) -> Fix:
    return Fix(description, edit)


def edit_record(description: str, transform: Callable[[Any], Any]) -> Fix:
    def apply(raw: bytes) -> bytes:
        bom = UTF8_BOM if raw.startswith(UTF8_BOM) else b""
        body = raw[len(bom) :]
        stripped = body.rstrip(b"\r")
        ending = body[len(stripped) :]
        try:
            before = orjson.loads(stripped)
        except orjson.JSONDecodeError:
            return raw
        after = transform(orjson.loads(stripped))
        if after == before:
            return raw
        return bom + json.dumps(after, ensure_ascii=False).encode() + ending

    return Fix(description, apply)
