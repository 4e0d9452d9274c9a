"""Which fine-tuning format a record is written in, decided from its keys alone, and the
JSON names of decoded values' types."""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping
from typing import Any, TypeGuard

from tunelint.targets.layouts import Layout, record_layout


class Format(str, enum.Enum):
    """The record layouts the OpenAI fine-tuning API accepts."""

    CHAT = "chat"
    """``messages`` with at least one assistant turn (supervised fine-tuning)."""
    PREFERENCE = "preference"
    """``input`` / ``preferred_output`` / ``non_preferred_output`` (DPO)."""
    REINFORCEMENT = "reinforcement"
    """``messages`` ending before the answer, plus free keys a grader reads (RFT)."""
    COMPLETION = "prompt-completion"
    """Legacy ``prompt`` / ``completion`` pairs (babbage-002, davinci-002)."""
    FOREIGN = "foreign"
    """Another dialect than OpenAI's (Vertex, Bedrock, ShareGPT, Alpaca, ``text``...):
    the OpenAI-format rules leave it to the target rules (TG)."""

    def __str__(self) -> str:
        return self.value


SYSTEM_ROLES = frozenset({"system", "developer"})
"""Roles that carry the system prompt (``developer`` is its newer name)."""

_PREFERENCE_KEYS = frozenset({"input", "preferred_output", "non_preferred_output"})
_CHAT_TOP_LEVEL_KEYS = frozenset({"messages", "tools", "functions", "parallel_tool_calls"})


def detect_format(record: Mapping[str, Any]) -> Format:
    """Classify a record; anything unrecognisable counts as chat, the default format.

    A record in another dialect (``tunelint.targets.layouts``) is ``FOREIGN``.

    A ``messages`` record without an assistant turn but with keys beyond the chat ones is
    reinforcement data (the extra keys feed the grader); without extra keys it is a chat
    record that lacks its answer, which the chat rules report.
    """
    layout = record_layout(record)
    if not layout.openai_family and layout is not Layout.UNKNOWN:
        return Format.FOREIGN
    if "messages" in record:
        messages = record["messages"]
        has_answer = isinstance(messages, list) and any(
            isinstance(message, dict) and message.get("role") == "assistant" for message in messages
        )
        if not has_answer and not record.keys() <= _CHAT_TOP_LEVEL_KEYS:
            return Format.REINFORCEMENT
        return Format.CHAT
    if not _PREFERENCE_KEYS.isdisjoint(record):
        return Format.PREFERENCE
    if "prompt" in record or "completion" in record:
        return Format.COMPLETION
    return Format.CHAT


def is_one_of(value: object, names: Collection[str]) -> TypeGuard[str]:
    """Whether a decoded ``value`` is one of ``names`` (a role, a type, an enum's value): a
    list or an object, which cannot be looked up in a set or a table, never is."""
    return type(value) is str and value in names


def json_type(value: object) -> str:
    """The JSON name of a decoded value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"
