"""Any layout's record seen as OpenAI chat messages: counted by ``tunelint stats``, and
read by the rules that judge roles and texts alone (``Rule.chat_view``).

The view keeps what is trained and read, as text: roles and the text of every part. It is
not a conversion (``tunelint convert`` is): an image or a tool call counts for nothing here.
Each message's text is joined from pieces of the record as written, and the view says
where each piece is, so that a finding points into the record, not into its view.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import msgspec

from tunelint.engine.context import Origin, Piece
from tunelint.engine.findings import JsonPath
from tunelint.engine.formats import is_one_of
from tunelint.targets.layouts import Layout, record_layout

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


class _Turn(msgspec.Struct, frozen=True):
    role: str
    pieces: tuple[Piece, ...]
    joiner: str = ""

    @property
    def content(self) -> str:
        return self.joiner.join(text for _, text in self.pieces)


def _pieces(parts: object, where: JsonPath, key: str = "text") -> tuple[Piece, ...]:
    """The texts of a string, or of a list of parts holding their text under ``key``."""
    if isinstance(parts, str):
        return ((where, parts),)
    if not isinstance(parts, list):
        return ()
    return tuple(
        ((*where, index, key), part[key])
        for index, part in enumerate(parts)
        if isinstance(part, dict) and isinstance(part.get(key), str)
    )


def _turns(
    items: object, where: JsonPath, turn_of: Callable[[Any, JsonPath], _Turn]
) -> list[_Turn]:
    """The turns of the objects of a list at ``where`` (other items are skipped)."""
    if not isinstance(items, list):
        return []
    return [
        turn_of(item, (*where, index)) for index, item in enumerate(items) if isinstance(item, dict)
    ]


def _role(roles: Mapping[str, str], name: object) -> str:
    """The chat role a dialect's role ``name`` stands for; a turn of no known role (a list
    or object among them) is read as the user's."""
    return roles[name] if is_one_of(name, roles) else "user"


def _vertex(record: Mapping[str, Any]) -> list[_Turn]:
    key = "systemInstruction" if "systemInstruction" in record else "system_instruction"
    system = record.get(key)
    turns = []
    if isinstance(system, dict):
        turns.append(_Turn("system", _pieces(system.get("parts"), (key, "parts"))))
    role = {"user": "user", "model": "assistant"}

    def turn(item: Any, where: JsonPath) -> _Turn:
        return _Turn(_role(role, item.get("role")), _pieces(item.get("parts"), (*where, "parts")))

    turns += _turns(record.get("contents"), ("contents",), turn)
    completions = record.get("completions")
    for index, item in enumerate(completions if isinstance(completions, list) else []):
        if isinstance(item, dict) and item.get("score") == 1:  # the preferred one is trained
            if isinstance(item.get("completion"), dict):
                turns.append(turn(item["completion"], ("completions", index, "completion")))
            break
    return turns


def _bedrock(record: Mapping[str, Any]) -> list[_Turn]:
    turns = []
    if isinstance(record.get("system"), list):
        turns.append(_Turn("system", _pieces(record["system"], ("system",))))
    return turns + _messages(record.get("messages"), ("messages",))


def _sharegpt(record: Mapping[str, Any]) -> list[_Turn]:
    turns = []
    if isinstance(record.get("system"), str):
        turns.append(_Turn("system", ((("system",), record["system"]),)))
    key = "conversations" if "conversations" in record else "messages"
    turns += _turns(record.get(key), (key,), _sharegpt_turn)
    chosen = record.get("chosen")  # a preference pair's: the preferred answer is trained
    if isinstance(chosen, dict):
        turns.append(_sharegpt_turn(chosen, ("chosen",)))
    return turns


def _sharegpt_turn(turn: Any, where: JsonPath) -> _Turn:
    value = turn.get("value")
    role = _role(SHAREGPT_ROLES, turn.get("from"))
    return _Turn(role, (((*where, "value"), value),) if isinstance(value, str) else ())


def _alpaca(record: Mapping[str, Any]) -> list[_Turn]:
    def piece(key: str) -> tuple[Piece, ...]:
        value = record.get(key)
        return (((key,), value),) if isinstance(value, str) and value else ()

    turns = [_Turn("system", piece("system"))] if piece("system") else []
    history = record.get("history")
    for index, pair in enumerate(history if isinstance(history, list) else []):
        if isinstance(pair, list) and len(pair) == 2:
            turns.append(_Turn("user", ((("history", index, 0), str(pair[0])),)))
            turns.append(_Turn("assistant", ((("history", index, 1), str(pair[1])),)))
    return [
        *turns,
        _Turn("user", piece("instruction") + piece("input"), "\n\n"),
        _Turn("assistant", piece("output")),
    ]


def _messages(items: object, where: JsonPath, key: str = "text") -> list[_Turn]:
    return _turns(
        items,
        where,
        lambda m, at: _Turn(str(m.get("role")), _pieces(m.get("content"), (*at, "content"), key)),
    )


def _pair(record: Mapping[str, Any]) -> list[_Turn]:
    prompt, chosen = record.get("prompt"), record.get("chosen")
    turns = (
        [_Turn("user", ((("prompt",), prompt),))]
        if isinstance(prompt, str)
        else _messages(prompt, ("prompt",))
    )
    if isinstance(chosen, str):
        return [*turns, _Turn("assistant", ((("chosen",), chosen),))]
    return turns + _messages(chosen, ("chosen",))


def _llamafactory_v1(record: Mapping[str, Any]) -> list[_Turn]:
    key = "messages" if "messages" in record else "chosen_messages"
    return _messages(record.get(key), (key,), "value")


_VIEWS: dict[Layout, Callable[[Mapping[str, Any]], list[_Turn]]] = {
    Layout.VERTEX: _vertex,
    Layout.VERTEX_PREFERENCE: _vertex,
    Layout.BEDROCK: _bedrock,
    Layout.SHAREGPT: _sharegpt,
    Layout.ALPACA: _alpaca,
    Layout.TEXT: lambda record: [_Turn("assistant", _pieces(record.get("text"), ("text",)))],
    Layout.PREFERENCE_PAIR: _pair,
    Layout.LLAMAFACTORY_V1: _llamafactory_v1,
}


def _view_turns(record: Mapping[str, Any]) -> list[_Turn] | None:
    if "messages" in record and "schemaVersion" not in record and "system" not in record:
        first = (
            record["messages"][0]
            if isinstance(record["messages"], list) and record["messages"]
            else None
        )
        if not isinstance(first, dict) or (
            isinstance(first.get("content"), str | None) and "from" not in first
        ):
            return None  # OpenAI chat (ShareGPT's turns may be under ``messages`` too)
    view = _VIEWS.get(record_layout(record))
    return None if view is None else view(record)


def _view_of(record: Mapping[str, Any], turns: Iterable[_Turn]) -> dict[str, Any]:
    view: dict[str, Any] = {
        "messages": [{"role": turn.role, "content": turn.content} for turn in turns]
    }
    if "tools" in record:  # the definitions the prompt is rendered with, as written
        view["tools"] = record["tools"]
    return view


def chat_view(record: Mapping[str, Any]) -> dict[str, Any] | None:
    """``{"messages": [...]}`` (and the record's ``tools`` as written, when it has them) for
    a record of another dialect; ``None`` for OpenAI's own.

    OpenAI chat records (the bulk of most files) are let through after a key lookup or two.
    """
    turns = _view_turns(record)
    return None if turns is None else _view_of(record, turns)


def located_chat_view(record: Mapping[str, Any]) -> tuple[dict[str, Any], Origin] | None:
    """``chat_view(record)`` and, per message, the pieces of the record its text is made of
    (``Settings.view``: how the rules that read texts see another dialect)."""
    turns = _view_turns(record)
    if turns is None:
        return None
    return _view_of(record, turns), tuple(turn.pieces for turn in turns)
