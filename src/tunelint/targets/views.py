"""Any layout's record seen as OpenAI chat messages, for counting (``tunelint stats``).

The view keeps what is trained and read, as text: roles and the text of every part. It is
not a conversion (``tunelint convert`` is): an image or a tool call counts for nothing here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from tunelint.targets.layouts import Layout, record_layout

Messages = list[dict[str, str]]

SHAREGPT_ROLES = {
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "assistant": "assistant",
    "function_call": "assistant",
    "system": "system",
    "observation": "tool",
    "function": "tool",
    "tool": "tool",
}


def _texts(parts: object, key: str = "text") -> str:
    if isinstance(parts, str):
        return parts
    if not isinstance(parts, list):
        return ""
    return "".join(
        part[key] for part in parts if isinstance(part, dict) and isinstance(part.get(key), str)
    )


def _turns(items: object, role_of: Callable[[Any], str], text_of: Callable[[Any], str]) -> Messages:
    if not isinstance(items, list):
        return []
    return [
        {"role": role_of(item), "content": text_of(item)}
        for item in items
        if isinstance(item, dict)
    ]


def _vertex(record: Mapping[str, Any]) -> Messages:
    system = record.get("systemInstruction", record.get("system_instruction"))
    messages = []
    if isinstance(system, dict):
        messages.append({"role": "system", "content": _texts(system.get("parts"))})
    contents: Iterable[Any] = record.get("contents") or []
    completions = record.get("completions")
    if isinstance(completions, list):  # the preferred completion is what is trained
        scored = [item for item in completions if isinstance(item, dict)]
        best = next((item for item in scored if item.get("score") == 1), None)
        if best is not None:
            contents = [*contents, best.get("completion")]
    role = {"user": "user", "model": "assistant"}
    return messages + _turns(
        list(contents), lambda t: role.get(t.get("role"), "user"), lambda t: _texts(t.get("parts"))
    )


def _bedrock(record: Mapping[str, Any]) -> Messages:
    messages = []
    if isinstance(record.get("system"), list):
        messages.append({"role": "system", "content": _texts(record["system"])})
    return messages + _turns(
        record.get("messages"), lambda m: str(m.get("role")), lambda m: _texts(m.get("content"))
    )


def _sharegpt(record: Mapping[str, Any]) -> Messages:
    messages = []
    if isinstance(record.get("system"), str):
        messages.append({"role": "system", "content": record["system"]})
    turns = record.get("conversations", record.get("messages"))
    return messages + _turns(
        turns,
        lambda t: SHAREGPT_ROLES.get(t.get("from"), "user"),
        lambda t: t.get("value") if isinstance(t.get("value"), str) else "",
    )


def _alpaca(record: Mapping[str, Any]) -> Messages:
    def text(key: str) -> str:
        value = record.get(key)
        return value if isinstance(value, str) else ""

    messages = [{"role": "system", "content": text("system")}] if text("system") else []
    for pair in record.get("history") or []:
        if isinstance(pair, list) and len(pair) == 2:
            messages += [{"role": "user", "content": str(pair[0])}]
            messages += [{"role": "assistant", "content": str(pair[1])}]
    user = "\n\n".join(part for part in (text("instruction"), text("input")) if part)
    return [
        *messages,
        {"role": "user", "content": user},
        {"role": "assistant", "content": text("output")},
    ]


def _pair(record: Mapping[str, Any]) -> Messages:
    prompt, chosen = record.get("prompt"), record.get("chosen")
    messages = (
        [{"role": "user", "content": prompt}]
        if isinstance(prompt, str)
        else _turns(prompt, lambda m: str(m.get("role")), lambda m: _texts(m.get("content")))
    )
    if isinstance(chosen, str):
        return [*messages, {"role": "assistant", "content": chosen}]
    return messages + _turns(
        chosen, lambda m: str(m.get("role")), lambda m: _texts(m.get("content"))
    )


def _llamafactory_v1(record: Mapping[str, Any]) -> Messages:
    turns = record.get("messages", record.get("chosen_messages"))
    return _turns(turns, lambda m: str(m.get("role")), lambda m: _texts(m.get("content"), "value"))


_VIEWS: dict[Layout, Callable[[Mapping[str, Any]], Messages]] = {
    Layout.VERTEX: _vertex,
    Layout.VERTEX_PREFERENCE: _vertex,
    Layout.BEDROCK: _bedrock,
    Layout.SHAREGPT: _sharegpt,
    Layout.ALPACA: _alpaca,
    Layout.TEXT: lambda record: [{"role": "assistant", "content": _texts(record.get("text"))}],
    Layout.PREFERENCE_PAIR: _pair,
    Layout.LLAMAFACTORY_V1: _llamafactory_v1,
}


def chat_view(record: Mapping[str, Any]) -> dict[str, Any] | None:
    """``{"messages": [...]}`` for a record of another dialect; ``None`` for OpenAI's own.

    OpenAI chat records (the bulk of most files) are let through after a key lookup or two.
    """
    if "messages" in record and "schemaVersion" not in record and "system" not in record:
        first = (
            record["messages"][0]
            if isinstance(record["messages"], list) and record["messages"]
            else None
        )
        if not isinstance(first, dict) or isinstance(first.get("content"), str | None):
            return None
    view = _VIEWS.get(record_layout(record))
    return None if view is None else {"messages": view(record)}
