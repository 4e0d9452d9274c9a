"""ShareGPT: ``conversations`` of ``{"from", "value"}`` turns (a JSON array or JSONL).

Speakers map to roles: ``human`` (or ``user``) -> user, ``gpt`` (or ``assistant``) ->
assistant, ``system`` -> system,
``function_call`` -> an assistant tool call, ``observation`` -> the tool's result. A
``function_call`` value is JSON, ``{"name", "arguments"}`` or a list of them; each call gets
an id (``call_1``, ``call_2``... within the example) and its arguments as a JSON string, and
each following ``observation`` answers the oldest call not yet answered. The record's
optional ``system`` string and ``tools`` (JSON text or a list of function definitions, as
LLaMA-Factory writes them) become the system message and the ``tools`` list.

A conversation that cannot be converted faithfully (an unknown speaker, an empty turn, a
call that is not JSON, a result without a call) is skipped and counted.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from tunelint.convert.base import (
    Example,
    Item,
    Message,
    Options,
    Record,
    Skip,
    array,
    optional_text,
    records,
    text,
)
from tunelint.engine.quoting import quote

ROLES = {
    "human": "user",
    "gpt": "assistant",
    "system": "system",
    # Some exports already use the chat roles' names.
    "user": "user",
    "assistant": "assistant",
}


class _Unconvertible(Exception):
    """A conversation that is skipped, with the reason."""


def convert(path: Path, options: Options) -> Iterator[Item]:
    for where, record in records(path):
        yield convert_record(record, where)


def convert_record(record: Any, where: str) -> Example | Skip:
    turns = array(record, "conversations", where)
    try:
        return Example(_conversation(record, turns, where), where)
    except _Unconvertible as reason:
        return Skip(str(reason), where)


def _conversation(record: dict[str, Any], turns: list[Any], where: str) -> Record:
    messages: list[Message] = []
    system = (optional_text(record, "system", where) or "").strip()
    if system:
        messages.append({"role": "system", "content": system})
    pending: deque[str] = deque()
    calls = 0
    for index, turn in enumerate(turns):
        turn_where = f"{where}: conversations[{index}]"
        speaker, value = text(turn, "from", turn_where), text(turn, "value", turn_where)
        if speaker == "function_call":
            tool_calls = []
            for name, arguments in _calls(value):
                calls += 1
                pending.append(f"call_{calls}")
                function = {"name": name, "arguments": arguments}
                tool_calls.append({"id": pending[-1], "type": "function", "function": function})
            messages.append({"role": "assistant", "tool_calls": tool_calls})
        elif speaker == "observation":
            if not pending:
                raise _Unconvertible("observation without a function call before it")
            messages.append({"role": "tool", "tool_call_id": pending.popleft(), "content": value})
        elif speaker in ROLES:
            if not value.strip():
                raise _Unconvertible(f"empty {quote(speaker)} turn")
            messages.append({"role": ROLES[speaker], "content": value.strip()})
        else:
            raise _Unconvertible(f"unknown speaker {quote(speaker)}")
    if not any(message["role"] == "assistant" for message in messages):
        raise _Unconvertible("no 'gpt' or 'function_call' turn")
    example: Record = {"messages": messages}
    tools = _tools(record.get("tools"))
    if tools:
        example["tools"] = tools
    return example


def _calls(value: str) -> Iterator[tuple[str, str]]:
    """``(name, arguments as JSON text)`` for each call in a ``function_call`` turn."""
    parsed = _json(value, "function_call value is not JSON")
    for call in parsed if isinstance(parsed, list) else [parsed]:
        if not isinstance(call, dict) or not isinstance(call.get("name"), str):
            raise _Unconvertible("function_call value has no 'name'")
        arguments = call.get("arguments", {})
        if isinstance(arguments, str):
            arguments = _json(arguments, "function_call arguments are not JSON")
        if not isinstance(arguments, dict):
            raise _Unconvertible("function_call arguments are not a JSON object")
        yield call["name"], orjson.dumps(arguments).decode()


def _tools(value: Any) -> list[dict[str, Any]]:
    """OpenAI ``tools`` from a list of function definitions (or its JSON text)."""
    if isinstance(value, str):
        value = _json(value, "'tools' is not JSON") if value.strip() else []
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise _Unconvertible("'tools' is not a list of function definitions")
    return [
        tool if tool.get("type") == "function" else {"type": "function", "function": tool}
        for tool in value
    ]


def _json(value: str, problem: str) -> Any:
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        raise _Unconvertible(problem) from None
