"""OpenAI chat records to and from Vertex AI Gemini and Bedrock conversations.

The translation is exact where both dialects can say the same thing: a system message,
alternating user and assistant turns, text parts, inline images (Vertex). What one side
cannot hold makes the record ``Unconvertible`` with the reason (a tool call, an image by
URL that the provider cannot fetch), and what is dropped from a converted record (a
message ``name``, a ``weight``, an image ``detail``) is returned as a note. The summary
counts both, so nothing disappears without a word.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tunelint.convert.base import Message, Record
from tunelint.engine.formats import is_one_of

Translation = tuple[Record, list[str]]
"""A converted record and the notes on what it left behind."""

SCHEMA_VERSION = "bedrock-conversation-2024"
_DATA_URL = re.compile(r"^data:(image/[a-z0-9.+-]+);base64,(.*)$", re.IGNORECASE | re.DOTALL)
_DROPPED_KEYS = {"name": "message 'name' dropped", "weight": "message 'weight' dropped"}


class Unconvertible(Exception):
    """A record the other dialect cannot express; the message says why."""


def _split_system(record: Record) -> tuple[list[Any] | None, list[Message]]:
    """The system message's content (if any) and the turns after it."""
    messages = record.get("messages")
    if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
        raise Unconvertible("no 'messages' list of objects")
    if set(record) - {"messages"}:
        extra = sorted(set(record) - {"messages"})[0]
        raise Unconvertible(f"top-level {extra!r} has no counterpart")
    system = None
    if messages and messages[0].get("role") == "system":
        system, messages = _parts_of(messages[0].get("content")), messages[1:]
    if any(message.get("role") == "system" for message in messages):
        raise Unconvertible("a system message after the first turn")
    return system, messages


def _parts_of(content: object) -> list[Any]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if isinstance(content, list):
        return content
    raise Unconvertible("content is neither a string nor a list of parts")


def _text(holder: dict[str, Any], key: str = "text") -> str:
    """A text part's text: a string, or the record cannot be written faithfully."""
    text = holder.get(key)
    if not isinstance(text, str):
        raise Unconvertible(f"a text part whose {key!r} is not a string")
    return text


def _content_of(parts: list[dict[str, Any]]) -> str | list[dict[str, Any]]:
    """OpenAI content: a lone text part is written as a string, as OpenAI examples are."""
    if len(parts) == 1 and parts[0].get("type") == "text":
        text: str = parts[0]["text"]
        return text
    return parts


def _turns(
    messages: list[Message], roles: dict[str, str], notes: list[str]
) -> list[tuple[str, list[Any]]]:
    """``(dialect role, OpenAI parts)`` per turn; keys with no counterpart become notes."""
    turns = []
    for message in messages:
        role = message.get("role")
        if not is_one_of(role, roles):
            raise Unconvertible(f"a {role!r} message has no counterpart")
        if message.get("tool_calls") or message.get("function_call"):
            raise Unconvertible("tool calls are not carried")
        for key in sorted(set(message) - {"role", "content"}):
            notes.append(_DROPPED_KEYS.get(key, f"message {key!r} dropped"))
        turns.append((roles[role], _parts_of(message.get("content"))))
    return turns


# Vertex AI Gemini ------------------------------------------------------------------------


def _vertex_part(part: Any, notes: list[str]) -> dict[str, Any]:
    if not isinstance(part, dict):
        raise Unconvertible("a content part that is not an object")
    if part.get("type") == "text":
        return {"text": _text(part)}
    if part.get("type") == "image_url":
        image = part.get("image_url")
        if not isinstance(image, dict) or not isinstance(image.get("url"), str):
            raise Unconvertible("an image part without an 'image_url' object with a 'url'")
        found = _DATA_URL.match(image["url"])
        if not found:
            raise Unconvertible("an image given as a URL, which Vertex AI cannot fetch")
        if "detail" in image:
            notes.append("image 'detail' dropped")
        return {"inlineData": {"mimeType": found.group(1).lower(), "data": found.group(2)}}
    raise Unconvertible(f"a {part.get('type')!r} content part")


def to_vertex(record: Record) -> Translation:
    notes: list[str] = []
    system, messages = _split_system(record)
    turns = _turns(messages, {"user": "user", "assistant": "model"}, notes)
    converted: Record = {}
    if system is not None:
        converted["systemInstruction"] = {"parts": [_vertex_part(p, notes) for p in system]}
    converted["contents"] = [
        {"role": role, "parts": [_vertex_part(part, notes) for part in parts]}
        for role, parts in turns
    ]
    return converted, notes


def _openai_part(part: Any) -> dict[str, Any]:
    if isinstance(part, dict) and set(part) == {"text"}:
        return {"type": "text", "text": _text(part)}
    if isinstance(part, dict) and set(part) == {"inlineData"}:
        data = part["inlineData"]
        if not isinstance(data, dict):
            raise Unconvertible("an 'inlineData' part that is not an object")
        url = f"data:{data.get('mimeType')};base64,{data.get('data')}"
        return {"type": "image_url", "image_url": {"url": url}}
    if isinstance(part, dict) and "fileData" in part:
        raise Unconvertible("a fileData part (a gs:// file OpenAI cannot fetch)")
    kind = next(iter(part), "?") if isinstance(part, dict) else type(part).__name__
    raise Unconvertible(f"a {kind!r} part")


def _vertex_turns(contents: Any) -> list[Message]:
    if not isinstance(contents, list):
        raise Unconvertible("'contents' is not a list")
    messages = []
    for turn in contents:
        if not isinstance(turn, dict) or turn.get("role") not in ("user", "model"):
            raise Unconvertible("a turn whose role is not 'user' or 'model'")
        parts = turn.get("parts")
        if not isinstance(parts, list):
            raise Unconvertible("a turn without a 'parts' list")
        role = "user" if turn["role"] == "user" else "assistant"
        messages.append({"role": role, "content": _content_of([_openai_part(p) for p in parts])})
    return messages


def from_vertex(record: Record) -> Translation:
    notes: list[str] = []
    messages: list[Message] = []
    system = record.get("systemInstruction", record.get("system_instruction"))
    if system is not None:
        parts = system.get("parts") if isinstance(system, dict) else None
        if not isinstance(parts, list):
            raise Unconvertible("systemInstruction without a 'parts' list")
        messages.append(
            {"role": "system", "content": _content_of([_openai_part(p) for p in parts])}
        )
    messages += _vertex_turns(record.get("contents"))
    extra = set(record) - {"systemInstruction", "system_instruction", "contents", "completions"}
    if extra:
        raise Unconvertible(f"top-level {sorted(extra)[0]!r} has no counterpart")
    if "completions" not in record:
        return {"messages": messages}, notes
    return _vertex_preference(messages, record["completions"]), notes


def _vertex_preference(messages: list[Message], completions: Any) -> Record:
    """Scored completions as an OpenAI preference (DPO) record."""
    if not isinstance(completions, list) or len(completions) != 2:
        raise Unconvertible("'completions' is not a pair")
    by_score: dict[object, Message] = {}
    for item in completions:
        completion = item.get("completion") if isinstance(item, dict) else None
        (turn,) = _vertex_turns([completion]) if completion else (None,)
        if turn is None:
            raise Unconvertible("a completion without a model turn")
        score = item.get("score")
        if isinstance(score, list | dict):  # unhashable, and no score either way
            raise Unconvertible("completions are not scored 1 and 0")
        by_score[score] = turn
    if set(by_score) != {0, 1}:
        raise Unconvertible("completions are not scored 1 and 0")
    return {
        "input": {"messages": messages},
        "preferred_output": [by_score[1]],
        "non_preferred_output": [by_score[0]],
    }


# Bedrock conversations -------------------------------------------------------------------


def _bedrock_block(part: Any) -> dict[str, Any]:
    if isinstance(part, dict) and part.get("type") == "text":
        return {"text": _text(part)}
    if isinstance(part, dict) and part.get("type") == "image_url":
        raise Unconvertible("an image: Bedrock reads images from s3:// objects only")
    raise Unconvertible("a content part that is not text")


def to_bedrock(record: Record) -> Translation:
    notes: list[str] = []
    system, messages = _split_system(record)
    turns = _turns(messages, {"user": "user", "assistant": "assistant"}, notes)
    if [role for role, _ in turns] != ["user", "assistant"] * (len(turns) // 2) or len(turns) % 2:
        raise Unconvertible("turns do not alternate from the user's to the assistant's")
    converted: Record = {"schemaVersion": SCHEMA_VERSION}
    if system is not None:
        converted["system"] = [_bedrock_block(part) for part in system]
    converted["messages"] = [
        {"role": role, "content": [_bedrock_block(part) for part in parts]} for role, parts in turns
    ]
    return converted, notes


def _openai_block(block: Any) -> dict[str, Any]:
    if isinstance(block, dict) and set(block) == {"text"}:
        return {"type": "text", "text": _text(block)}
    kind = next(iter(block), "?") if isinstance(block, dict) else type(block).__name__
    raise Unconvertible(f"a {kind!r} block (only text is carried)")


def from_bedrock(record: Record) -> Translation:
    messages: list[Message] = []
    extra = set(record) - {"schemaVersion", "system", "messages"}
    if extra:
        raise Unconvertible(f"top-level {sorted(extra)[0]!r} has no counterpart")
    system = record.get("system")
    if system:
        if not isinstance(system, list):
            raise Unconvertible("'system' is not a list of blocks")
        messages.append(
            {"role": "system", "content": _content_of([_openai_block(b) for b in system])}
        )
    turns = record.get("messages")
    if not isinstance(turns, list):
        raise Unconvertible("'messages' is not a list")
    for turn in turns:
        if not isinstance(turn, dict) or turn.get("role") not in ("user", "assistant"):
            raise Unconvertible("a turn whose role is not 'user' or 'assistant'")
        blocks = turn.get("content")
        if not isinstance(blocks, list):
            raise Unconvertible("a turn whose content is not a list of blocks")
        content = _content_of([_openai_block(block) for block in blocks])
        messages.append({"role": turn["role"], "content": content})
    return {"messages": messages}, []


TO: dict[str, Callable[[Record], Translation]] = {"vertex": to_vertex, "bedrock": to_bedrock}
"""``--to`` dialects other than OpenAI's, from an OpenAI chat record."""
