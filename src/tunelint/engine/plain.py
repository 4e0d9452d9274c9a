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
"""

from __future__ import annotations

from typing import Any

from tunelint.engine.settings import Settings

PLAIN_ROLES = frozenset({"system", "user", "assistant", "function"})
"""Roles both the ``openai`` and ``cookbook`` profiles accept, with the same keys."""

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
    }
)  # fmt: skip
ROLES_ONLY = frozenset({"CV002", "CV003", "CV004", "CV005"})


def quiet_codes(settings: Settings) -> frozenset[str]:
    """The enabled rules' codes that cannot report on a plain record under ``settings``."""
    codes = QUIET_ON_PLAIN & settings.enabled
    # A plain record has no image; only a negative maximum would make SC011 report it.
    if "SC011" in settings.enabled and settings.options("SC011")["maximum"] >= 0:
        codes |= {"SC011"}
    return codes


def plain_roles(record: Any) -> tuple[str, ...] | None:
    """The roles of a plain conversation in order, or ``None`` if ``record`` is not one."""
    if type(record) is not dict or len(record) != 1:
        return None
    messages = record.get("messages")
    if type(messages) is not list or not messages:
        return None
    roles = []
    for message in messages:
        if type(message) is not dict:
            return None
        # Two or three keys, each present with a string value: exactly the plain keys.
        size = len(message)
        if size == 3:
            if type(message.get("name")) is not str:
                return None
        elif size != 2:
            return None
        role = message.get("role")
        content = message.get("content")
        if type(role) is not str or role not in PLAIN_ROLES:
            return None
        if type(content) is not str or not content.strip():
            return None
        roles.append(role)
    return tuple(roles) if "assistant" in roles else None


def roles_record(roles: tuple[str, ...]) -> dict[str, Any]:
    """A plain record with the given roles: what ``ROLES_ONLY`` rules are run on."""
    return {"messages": [{"role": role, "content": role} for role in roles]}
