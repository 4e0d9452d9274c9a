"""The fast path: recognise the common valid record and the rules it cannot trigger.

Most lines of a real dataset decode to an object, and most records are plain
conversations: ``{"messages": [...]}`` whose messages carry only a role that every profile
accepts, a non-blank string ``content`` and perhaps a string ``name``, with at least one
assistant turn. The runner uses three facts, each proven by ``tests/test_plain.py`` on
plain records under every profile:

- the line rules in ``QUIET_ON_OBJECT`` report nothing on a line holding an object;
- the record rules in ``QUIET_ON_PLAIN`` report nothing on a plain record;
- the findings of the rules in ``ROLES_ONLY`` on a plain record depend only on its
  sequence of roles, so they are computed once per distinct sequence.

Every other rule runs on every record as usual, including every rule added later until it
is proven and listed here.

A plain record is recognised while it is decoded: msgspec decodes the line straight into
``PlainRecord``, checking keys, types and roles in C, or fails, and the line is decoded as
any other.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from tunelint.engine.settings import Settings
from tunelint.targets.layouts import Layout

OPENAI_CHAT = Layout.OPENAI_CHAT

PLAIN_ROLES = frozenset({"system", "user", "assistant", "function"})
"""Roles both the ``openai`` and ``cookbook`` profiles accept, with the same keys."""


class PlainMessage(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    """A message of a plain record. Its fields are in the order canonical JSON sorts its
    keys, so that it encodes to the same bytes as the object it was decoded from."""

    content: str
    name: str | msgspec.UnsetType = msgspec.UNSET
    role: Literal["system", "user", "assistant", "function"]  # PLAIN_ROLES


class PlainRecord(msgspec.Struct, forbid_unknown_fields=True):
    """A record with nothing but a non-empty list of ``PlainMessage``."""

    messages: Annotated[list[PlainMessage], msgspec.Meta(min_length=1)]


decode_plain = msgspec.json.Decoder(PlainRecord).decode
"""Decode a line as a ``PlainRecord``; raises ``msgspec.DecodeError`` for any other line."""

QUIET_ON_OBJECT = frozenset({"JL001", "JL002", "JL003", "JL004", "JL005"})
"""Line rules that cannot report a line that decoded to an object (without a BOM)."""

QUIET_ON_PLAIN = frozenset(
    {
        # Schema: the record has exactly the keys, types and roles these rules require.
        "SC001", "SC002", "SC003", "SC004", "SC005", "SC006", "SC007", "SC009", "SC010",
        # A plain record has an assistant turn and no weights.
        "CV001", "CV007",
        # No tools, tool calls, function calls or tool messages.
        "TL001", "TL002", "TL003", "TL004", "TL005", "TL006", "TL007", "TL008",
        # An OpenAI chat record without a top-level weight or an image.
        "TG002", "TG005", "TG006", "TG009",
    }
)  # fmt: skip
ROLES_ONLY = frozenset({"CV004", "CV005"})


def quiet_codes(settings: Settings) -> frozenset[str]:
    """The enabled rules' codes that cannot report on a plain record under ``settings``."""
    codes = QUIET_ON_PLAIN & settings.enabled
    if not settings.profile.roles >= PLAIN_ROLES:  # a target without the ``function`` role
        codes -= {"SC005"}
    # A plain record is OpenAI chat: reported by TG008 only for a target that refuses it.
    if "TG008" in settings.enabled and all(t.accepts(OPENAI_CHAT) for t in settings.targets):
        codes |= {"TG008"}
    # A plain record has no image; only a negative maximum would make SC011 report it.
    if "SC011" in settings.enabled and settings.options("SC011")["maximum"] >= 0:
        codes |= {"SC011"}
    return codes


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
    """A plain record with the given roles: what ``ROLES_ONLY`` rules are run on."""
    return {"messages": [{"role": role, "content": role} for role in roles]}
