"""The documented shape of each layout the OpenAI-format rules do not read.

``layout_problems(layout, record)`` yields ``(message, location)`` for each way a record
departs from its layout's documentation; a record with the shape yields nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from tunelint.engine.findings import JsonPath
from tunelint.engine.formats import is_one_of, json_type
from tunelint.targets.layouts import Layout

Problems = Iterator[tuple[str, JsonPath]]

VERTEX_ROLES = frozenset({"user", "model"})
VERTEX_PART_KEYS = frozenset(
    {"text", "fileData", "inlineData", "functionCall", "functionResponse", "thought"}
)
BEDROCK_BLOCK_KEYS = frozenset(
    {"text", "image", "video", "document", "reasoningContent", "toolUse", "toolResult"}
)
SHAREGPT_ROLES = frozenset(
    {"human", "gpt", "system", "observation", "function_call", "function", "tool",
     "user", "assistant"}
)  # fmt: skip
SHAREGPT_ANSWERS = frozenset({"gpt", "assistant", "function_call"})


def layout_problems(layout: Layout, record: Mapping[str, Any]) -> Problems:
    check = _CHECKS.get(layout)
    return check(record) if check else iter(())


def _text(value: object, location: JsonPath, what: str, *, blank_ok: bool = False) -> Problems:
    if not isinstance(value, str):
        yield f"{what} must be a string, not {json_type(value)}", location
    elif not blank_ok and not value.strip():
        yield f"{what} is empty", location


def _list(record: Mapping[str, Any], key: str) -> tuple[list[Any] | None, Problems]:
    value = record.get(key)
    if not isinstance(value, list) or not value:
        found = "missing" if key not in record else f"a {json_type(value)}"
        if isinstance(value, list):
            found = "empty"
        return None, iter([(f"'{key}' must be a non-empty list (it is {found})", (key,))])
    return value, iter(())


def _parts(parts: object, location: JsonPath) -> Problems:
    if not isinstance(parts, list) or not parts:
        yield "'parts' must be a non-empty list", location
        return
    for index, part in enumerate(parts):
        where = (*location, index)
        if not isinstance(part, dict):
            yield f"part must be an object, not {json_type(part)}", where
            continue
        kinds = VERTEX_PART_KEYS & part.keys()
        if len(kinds) != 1:
            yield (
                "a part holds exactly one of text, fileData, inlineData, functionCall, "
                "functionResponse",
                where,
            )
        elif "text" in part:
            yield from _text(part["text"], (*where, "text"), "text")
        elif "fileData" in part:
            data = part["fileData"]
            if not isinstance(data, dict) or not {"mimeType", "fileUri"} <= data.keys():
                yield "fileData needs 'mimeType' and 'fileUri'", (*where, "fileData")


def _vertex(record: Mapping[str, Any]) -> Problems:
    preference = "completions" in record
    allowed = {"contents", "systemInstruction", "system_instruction", "tools", "toolConfig"}
    if preference:
        allowed.add("completions")
    for key in record:
        if key not in allowed:
            yield f"unrecognized top-level key {key!r} in a Vertex AI record", (key,)
    for key in ("systemInstruction", "system_instruction"):
        if key in record:
            system = record[key]
            if not isinstance(system, dict):
                yield f"{key} must be an object with 'parts'", (key,)
            else:
                yield from _parts(system.get("parts"), (key, "parts"))
    contents, problems = _list(record, "contents")
    yield from problems
    if contents is None:
        return
    roles: list[object] = []
    for index, turn in enumerate(contents):
        where: JsonPath = ("contents", index)
        if not isinstance(turn, dict):
            yield f"content must be an object, not {json_type(turn)}", where
            continue
        role = turn.get("role")
        roles.append(role)
        if not is_one_of(role, VERTEX_ROLES):
            yield f"role must be 'user' or 'model', not {role!r}", (*where, "role")
        yield from _parts(turn.get("parts"), (*where, "parts"))
    last = roles[-1] if roles else None
    if preference:
        if last != "user":
            yield "contents of a preference record end with a user turn", ("contents",)
        yield from _completions(record.get("completions"))
    elif last != "model":
        yield "contents end with the model's turn (the answer trained on)", ("contents",)


def _completions(completions: object) -> Problems:
    if not isinstance(completions, list) or len(completions) != 2:
        yield "'completions' must be a pair of scored completions", ("completions",)
        return
    scores = []
    for index, item in enumerate(completions):
        where: JsonPath = ("completions", index)
        if not isinstance(item, dict):
            yield f"completion must be an object, not {json_type(item)}", where
            continue
        score = item.get("score")
        scores.append(score)
        if score not in (0, 1) or isinstance(score, bool):
            yield f"score must be 0 or 1, not {score!r}", (*where, "score")
        completion = item.get("completion")
        if not isinstance(completion, dict) or completion.get("role") != "model":
            yield (
                "completion must be a model turn {'role': 'model', 'parts': [...]}",
                (
                    *where,
                    "completion",
                ),
            )
        else:
            yield from _parts(completion.get("parts"), (*where, "completion", "parts"))
    if sorted(map(str, scores)) != ["0", "1"]:
        yield "one completion is scored 1 (preferred) and the other 0", ("completions",)


def _blocks(blocks: object, location: JsonPath) -> Problems:
    if not isinstance(blocks, list) or not blocks:
        yield "content must be a non-empty list of blocks", location
        return
    for index, block in enumerate(blocks):
        where = (*location, index)
        if not isinstance(block, dict) or len(BEDROCK_BLOCK_KEYS & block.keys()) != 1:
            yield (
                "a block holds exactly one of text, image, video, document, "
                "reasoningContent, toolUse, toolResult",
                where,
            )
        elif "text" in block:
            yield from _text(block["text"], (*where, "text"), "text")


def _bedrock(record: Mapping[str, Any]) -> Problems:
    for key in record:
        if key not in {"schemaVersion", "system", "messages", "toolConfig"}:
            yield f"unrecognized top-level key {key!r} in a Bedrock record", (key,)
    # Optional, any string (Nova 1's guide); Nova 2's marks only messages as required, and
    # AWS's own Nova 2 samples leave it out.
    if "schemaVersion" in record and not isinstance(record["schemaVersion"], str):
        yield "schemaVersion must be a string ('bedrock-conversation-2024')", ("schemaVersion",)
    if "system" in record:
        system = record["system"]
        if not isinstance(system, list):
            yield "system must be a list of {'text': ...} blocks", ("system",)
        elif system:  # an empty list is no system prompt, as AWS's samples write it
            yield from _blocks(system, ("system",))
    messages, problems = _list(record, "messages")
    yield from problems
    if messages is None:
        return
    for index, message in enumerate(messages):
        where: JsonPath = ("messages", index)
        if not isinstance(message, dict):
            yield f"message must be an object, not {json_type(message)}", where
            continue
        expected = ("user", "assistant")[index % 2]
        if message.get("role") != expected:
            yield (
                f"role must be {expected!r} here (turns alternate from the user's), "
                f"not {message.get('role')!r}",
                (*where, "role"),
            )
        yield from _blocks(message.get("content"), (*where, "content"))
    if len(messages) % 2:
        yield "the last turn is the assistant's", ("messages",)


def _sharegpt(record: Mapping[str, Any]) -> Problems:
    key = "conversations" if "conversations" in record else "messages"
    turns, problems = _list(record, key)
    yield from problems
    if turns is None:
        return
    for index, turn in enumerate(turns):
        where: JsonPath = (key, index)
        if not isinstance(turn, dict):
            yield f"turn must be an object, not {json_type(turn)}", where
            continue
        role = turn.get("from")
        if not is_one_of(role, SHAREGPT_ROLES):
            yield f"unrecognized 'from' value {role!r}", (*where, "from")
        yield from _text(turn.get("value"), (*where, "value"), "value", blank_ok=role != "gpt")
    if "chosen" in record or "rejected" in record:  # a preference pair: the answers follow
        for side in ("chosen", "rejected"):
            answer = record.get(side)
            if not isinstance(answer, dict):
                yield f"{side} must be a turn object ('from', 'value')", (side,)
            else:
                yield from _text(answer.get("value"), (side, "value"), "value")
    elif not any(isinstance(t, dict) and is_one_of(t.get("from"), SHAREGPT_ANSWERS) for t in turns):
        yield "conversation has no answer turn ('gpt')", (key,)


def _alpaca(record: Mapping[str, Any]) -> Problems:
    yield from _text(record.get("instruction"), ("instruction",), "instruction")
    yield from _text(record.get("output"), ("output",), "output")
    for key in ("input", "system"):
        if record.get(key) is not None:
            yield from _text(record[key], (key,), key, blank_ok=True)
    history = record.get("history")
    if history is not None:
        if not isinstance(history, list):
            yield "history must be a list of [instruction, answer] pairs", ("history",)
            return
        for index, pair in enumerate(history):
            if not (
                isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair)
            ):
                yield "history item must be an [instruction, answer] pair", ("history", index)


def _text_record(record: Mapping[str, Any]) -> Problems:
    yield from _text(record.get("text"), ("text",), "text")


def _pair(record: Mapping[str, Any]) -> Problems:
    chosen, rejected = record.get("chosen"), record.get("rejected")
    for key, value in (("chosen", chosen), ("rejected", rejected)):
        if not isinstance(value, str | list) or not value:
            yield f"{key} must be a non-empty string or list of messages", (key,)
    if type(chosen) is not type(rejected):
        yield "chosen and rejected must be written alike (both strings or both lists)", ()
    elif chosen == rejected and chosen:
        yield "chosen and rejected are identical: nothing to prefer", ()


LLAMAFACTORY_ROLES = frozenset({"system", "user", "assistant", "tool"})


def _v1_messages(messages: object, key: str) -> Problems:
    if not isinstance(messages, list) or not messages:
        yield f"'{key}' must be a non-empty list of messages", (key,)
        return
    for index, message in enumerate(messages):
        where: JsonPath = (key, index)
        if not isinstance(message, dict):
            yield f"message must be an object, not {json_type(message)}", where
            continue
        if not is_one_of(message.get("role"), LLAMAFACTORY_ROLES):
            yield f"unrecognized role {message.get('role')!r}", (*where, "role")
        weight = message.get("loss_weight", 1.0)
        if isinstance(weight, bool) or not isinstance(weight, int | float):
            yield "loss_weight must be a number", (*where, "loss_weight")
        content = message.get("content")
        if not isinstance(content, list) or not content:
            yield "content must be a non-empty list of {'type', 'value'} parts", (*where, "content")
            continue
        for number, part in enumerate(content):
            if (
                not isinstance(part, dict)
                or not isinstance(part.get("type"), str)
                or (not isinstance(part.get("value"), str))
            ):
                yield "a part is {'type': ..., 'value': <string>}", (*where, "content", number)


def _llamafactory_v1(record: Mapping[str, Any]) -> Problems:
    keys = ("chosen_messages", "rejected_messages") if "messages" not in record else ("messages",)
    for key in keys:
        yield from _v1_messages(record.get(key), key)


_CHECKS: dict[Layout, Callable[[Mapping[str, Any]], Problems]] = {
    Layout.VERTEX: _vertex,
    Layout.VERTEX_PREFERENCE: _vertex,
    Layout.BEDROCK: _bedrock,
    Layout.SHAREGPT: _sharegpt,
    Layout.ALPACA: _alpaca,
    Layout.TEXT: _text_record,
    Layout.PREFERENCE_PAIR: _pair,
    Layout.LLAMAFACTORY_V1: _llamafactory_v1,
}
