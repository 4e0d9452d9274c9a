"""The fast path: recognise the common valid record and the rules it cannot trigger.

Most lines of a real dataset decode to an object, and most records are plain
conversations: ``{"messages": [...]}`` whose messages carry only a role that every profile
accepts, a non-blank string ``content`` and perhaps a string ``name``, with at least one
assistant turn. Rules declare three facts about such lines (``engine.registry``), each
proven by ``tests/test_plain.py`` on plain records under every profile:

- ``quiet_on_object``: a line rule reports nothing on a line holding an object;
- ``quiet_on_plain``: a record rule reports nothing on a plain record;
- ``roles_only``: a record rule's findings on a plain record depend only on its sequence
  of roles, so they are computed once per distinct sequence.

Every other rule runs on every record as usual (by its batch form, if it has one),
including every rule added later until it declares a fact and the test proves it.

A plain record is recognised while it is decoded: msgspec decodes the line straight into
``PlainRecord``, checking keys, types and roles in C, or fails, and the line is decoded as
any other.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

PLAIN_ROLES = frozenset({"system", "user", "assistant", "function"})
"""Roles both the ``openai`` and ``cookbook`` profiles accept, with the same keys."""


class PlainMessage(
    msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True, gc=False
):
    """A message of a plain record. Its fields are in the order canonical JSON sorts its
    keys, so that it encodes to the same bytes as the object it was decoded from.

    Neither this nor ``PlainRecord`` can be part of a reference cycle (strings and a
    list of messages), so the garbage collector need not track them (``gc=False``).
    """

    content: str
    name: str | msgspec.UnsetType = msgspec.UNSET
    role: Literal["system", "user", "assistant", "function"]  # PLAIN_ROLES


class PlainRecord(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """A record with nothing but a non-empty list of ``PlainMessage``."""

    messages: Annotated[list[PlainMessage], msgspec.Meta(min_length=1)]


decode_plain = msgspec.json.Decoder(PlainRecord).decode
"""Decode a line as a ``PlainRecord``; raises ``msgspec.DecodeError`` for any other line."""


def roles_of(record: PlainRecord) -> tuple[str, ...] | None:
    """The roles of a decoded ``PlainRecord`` in order, or ``None`` if the record is not
    plain after all: a content is blank, or no turn is the assistant's."""
    roles = tuple([message.role for message in record.messages])
    if "assistant" not in roles:
        return None
    for message in record.messages:
        if not message.content.strip():
            return None
    return roles


def roles_record(roles: tuple[str, ...]) -> dict[str, Any]:
    """A plain record with the given roles: what ``roles_only`` rules are run on."""
    return {"messages": [{"role": role, "content": role} for role in roles]}
