"""TL: tool and function calling — definitions, calls, arguments and results."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

from tunelint.rules.authoring import (
    Format,
    JsonPath,
    LazyPattern,
    RecordContext,
    Severity,
    Violation,
    json_type,
    quote,
    rule,
)
from tunelint.rules.schema import MESSAGE_FORMATS
from tunelint.rules.walk import PerRecord, messages, tool_definitions

FUNCTION_NAME = LazyPattern(r"^[a-zA-Z0-9_-]{1,64}$")


def _walk_calls(ctx: RecordContext) -> Iterator[tuple[JsonPath, dict[str, Any]]]:
    for path, message in messages(ctx):
        calls = message.get("tool_calls")
        if isinstance(calls, list):
            for index, call in enumerate(calls):
                function = call.get("function") if isinstance(call, dict) else None
                if isinstance(function, dict):
                    yield (*path, "tool_calls", index, "function"), function
        legacy = message.get("function_call")
        if isinstance(legacy, dict):
            yield (*path, "function_call"), legacy


_calls = PerRecord(_walk_calls)
"""Every function call in the record: ``tool_calls[].function`` and ``function_call``."""


def _definitions_holder(ctx: RecordContext) -> dict[str, Any]:
    """Where the example's tool definitions live: the record, or a preference ``input``."""
    if ctx.format is Format.PREFERENCE and isinstance(ctx.record.get("input"), dict):
        holder: dict[str, Any] = ctx.record["input"]
        return holder
    return ctx.record


def _definition_prefix(ctx: RecordContext) -> JsonPath:
    return ("input",) if _definitions_holder(ctx) is not ctx.record else ()


@rule(
    "TL001",
    "invalid-function-name",
    Severity.ERROR,
    formats=MESSAGE_FORMATS,
    quiet_on_plain=True,
    quiet_on_typed=True,
)
def invalid_function_name(ctx: RecordContext) -> Iterator[Violation]:
    """A function name breaks the provider's naming rule.

    ## What it does
    Checks the names of defined functions and of called functions against
    `^[a-zA-Z0-9_-]{1,64}$`.

    ## Why is this bad?
    The provider rejects names with spaces, dots or other characters, and names longer
    than 64 characters.

    ## Example
    ```jsonl
    {"tools": [{"type": "function", "function": {"name": "get weather"}}], "messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "content": "Sunny."}]}
    ```

    ## How to fix
    Rename the function (`get_weather`) in its definition and in every call.

    ```jsonl
    {"tools": [{"type": "function", "function": {"name": "get_weather"}}], "messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "content": "Sunny."}]}
    ```
    """
    prefix = _definition_prefix(ctx)
    for name, path in tool_definitions(_definitions_holder(ctx)).items():
        if not FUNCTION_NAME.match(name):
            yield Violation(f"invalid function name {quote(name)}", (*prefix, *path))
    for path, function in _calls(ctx):
        called = function.get("name")
        if not isinstance(called, str) or not FUNCTION_NAME.match(called):
            yield Violation(f"invalid function name {quote(called)}", (*path, "name"))


@rule(
    "TL002",
    "tool-arguments-not-json",
    Severity.ERROR,
    formats=MESSAGE_FORMATS,
    quiet_on_plain=True,
    quiet_on_typed=True,
)
def tool_arguments_not_json(ctx: RecordContext) -> Iterator[Violation]:
    """A call's `arguments` is not a string holding valid JSON.

    ## What it does
    `arguments` of `tool_calls[].function` and `function_call` must be a JSON document
    encoded as a string. Reports missing arguments, non-string values (an object written
    directly) and strings that do not parse.

    ## Why is this bad?
    The provider rejects the example; a model trained on broken arguments emits broken
    calls.

    ## Example
    ```jsonl
    {"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "weather", "arguments": "{city: Paris}"}}]}]}
    ```

    ## How to fix
    Encode the arguments with `json.dumps` and store the resulting string.

    ```jsonl
    {"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "weather", "arguments": "{\\"city\\": \\"Paris\\"}"}}]}]}
    ```
    """
    for path, function in _calls(ctx):
        if "arguments" not in function:
            yield Violation("call has no 'arguments'", path)
            continue
        arguments = function["arguments"]
        if not isinstance(arguments, str):
            yield Violation(
                f"arguments must be a JSON-encoded string, not a {json_type(arguments)}",
                (*path, "arguments"),
            )
            continue
        try:
            orjson.loads(arguments)
        except orjson.JSONDecodeError as error:
            reason = str(error.msg).split(": line ")[0]
            yield Violation(f"arguments are not valid JSON: {reason}", (*path, "arguments"))


@rule(
    "TL003",
    "tool-arguments-not-object",
    Severity.ERROR,
    formats=MESSAGE_FORMATS,
    quiet_on_plain=True,
    quiet_on_typed=True,
)
def tool_arguments_not_object(ctx: RecordContext) -> Iterator[Violation]:
    """A call's `arguments` decodes to something other than a JSON object.

    ## What it does
    Decodes `arguments` and reports arrays, numbers, `null` and strings. A string is
    the tell-tale of double encoding (`json.dumps` applied twice), found in real public
    training files.

    ## Why is this bad?
    Function parameters are always an object; a model trained on double-encoded arguments
    learns to emit a quoted string the caller cannot use.

    ## Example
    ```jsonl
    {"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "weather", "arguments": "\\"{\\\\\\"city\\\\\\": \\\\\\"Paris\\\\\\"}\\""}}]}]}
    ```

    ## How to fix
    Encode the arguments once: `json.dumps({"city": "Paris"})`.

    ```jsonl
    {"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "weather", "arguments": "{\\"city\\": \\"Paris\\"}"}}]}]}
    ```
    """
    for path, function in _calls(ctx):
        arguments = function.get("arguments")
        if not isinstance(arguments, str):
            continue
        try:
            decoded = orjson.loads(arguments)
        except orjson.JSONDecodeError:
            continue
        if isinstance(decoded, dict):
            continue
        hint = " (double-encoded JSON?)" if isinstance(decoded, str) else ""
        yield Violation(
            f"arguments decode to a {json_type(decoded)}, not an object{hint}",
            (*path, "arguments"),
        )


@rule(
    "TL004",
    "undefined-tool",
    Severity.WARNING,
    formats=MESSAGE_FORMATS,
    quiet_on_plain=True,
    quiet_on_typed=True,
)
def undefined_tool(ctx: RecordContext) -> Iterator[Violation]:
    """A message calls a function the example does not define.

    ## What it does
    Compares each called function name with the names under `tools` (or legacy
    `functions`) of the same example (of `input` for preference records).

    ## Why is this bad?
    The model learns to call a function it was never shown, and at inference time it will
    call functions that are not offered.

    ## Example
    ```jsonl
    {"tools": [{"type": "function", "function": {"name": "weather"}}], "messages": [{"role": "user", "content": "Time?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "clock", "arguments": "{}"}}]}]}
    ```

    ## How to fix
    Add the function's definition to `tools`, or fix the called name.

    ```jsonl
    {"tools": [{"type": "function", "function": {"name": "weather"}}, {"type": "function", "function": {"name": "clock"}}], "messages": [{"role": "user", "content": "Time?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "clock", "arguments": "{}"}}]}]}
    ```
    """
    defined = tool_definitions(_definitions_holder(ctx))
    for path, function in _calls(ctx):
        name = function.get("name")
        if isinstance(name, str) and name not in defined:
            known = ", ".join(sorted(defined)) or "none"
            yield Violation(
                f"calls undefined function {quote(name)} (defined: {known})", (*path, "name")
            )


@rule(
    "TL005",
    "unmatched-tool-call-id",
    Severity.ERROR,
    formats=MESSAGE_FORMATS,
    quiet_on_plain=True,
    quiet_on_typed=True,
)
def unmatched_tool_call_id(ctx: RecordContext) -> Iterator[Violation]:
    """A tool result answers no earlier tool call.

    ## What it does
    Every `tool` message must carry a `tool_call_id` equal to the `id` of a call in an
    earlier assistant message of the same conversation. Reports missing ids and ids that
    match no earlier call.

    ## Why is this bad?
    The provider rejects the example; a result without its call teaches the model a
    conversation that cannot happen.

    ## Example
    ```jsonl
    {"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "weather", "arguments": "{}"}}]}, {"role": "tool", "tool_call_id": "c2", "content": "sunny"}]}
    ```

    ## How to fix
    Copy the `id` of the call the result answers.

    ```jsonl
    {"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "weather", "arguments": "{}"}}]}, {"role": "tool", "tool_call_id": "c1", "content": "sunny"}]}
    ```
    """
    seen: set[str] = set()
    conversation: JsonPath | None = None
    for path, message in messages(ctx):
        if path[:-1] != conversation:  # a new list (preference records hold several)
            conversation, seen = path[:-1], set()
        calls = message.get("tool_calls")
        if message.get("role") == "assistant" and isinstance(calls, list):
            seen.update(
                call["id"]
                for call in calls
                if isinstance(call, dict) and isinstance(call.get("id"), str)
            )
        if message.get("role") != "tool":
            continue
        call_id = message.get("tool_call_id")
        if call_id is None:
            yield Violation("tool message has no 'tool_call_id'", path)
        elif not isinstance(call_id, str):
            yield Violation(
                f"tool_call_id must be a string, not a {json_type(call_id)}",
                (*path, "tool_call_id"),
            )
        elif call_id not in seen:
            yield Violation(
                f"tool_call_id {quote(call_id)} matches no earlier tool call",
                (*path, "tool_call_id"),
            )


@rule(
    "TL006",
    "invalid-tool-definition",
    Severity.ERROR,
    formats=MESSAGE_FORMATS,
    quiet_on_plain=True,
    quiet_on_typed=True,
)
def invalid_tool_definition(ctx: RecordContext) -> Iterator[Violation]:
    """A tool definition is malformed.

    ## What it does
    `tools` must be a list of `{"type": "function", "function": {"name", "description"?,
    "parameters"?}}` and `functions` a list of `{"name", "description"?,
    "parameters"?}`, where `parameters` is a JSON Schema object. Reports other shapes
    and functions defined twice.

    ## Why is this bad?
    The provider rejects the example, and the model cannot learn a tool it cannot read.

    ## Example
    ```jsonl
    {"tools": [{"name": "weather"}], "messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "content": "Sunny."}]}
    ```

    ## How to fix
    Wrap each function as `{"type": "function", "function": {...}}`.

    ```jsonl
    {"tools": [{"type": "function", "function": {"name": "weather"}}], "messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "content": "Sunny."}]}
    ```
    """
    holder = _definitions_holder(ctx)
    prefix = _definition_prefix(ctx)
    names: set[str] = set()
    for key in ("tools", "functions"):
        if key not in holder:
            continue
        items = holder[key]
        if not isinstance(items, list):
            yield Violation(f"{key} must be a list, not a {json_type(items)}", (*prefix, key))
            continue
        for index, item in enumerate(items):
            path: JsonPath = (*prefix, key, index)
            function = item
            if key == "tools":
                if not isinstance(item, dict) or item.get("type") != "function":
                    yield Violation("tool must be {'type': 'function', 'function': {...}}", path)
                    continue
                function, path = item.get("function"), (*path, "function")
            problem = _function_problem(function)
            if problem:
                yield Violation(problem, path)
            elif function["name"] in names:
                yield Violation(f"function {quote(function['name'])} is defined twice", path)
            else:
                names.add(function["name"])


def _function_problem(function: object) -> str | None:
    if not isinstance(function, dict):
        return f"function definition is a {json_type(function)}, not an object"
    if not isinstance(function.get("name"), str):
        return "function definition needs a string 'name'"
    if "description" in function and not isinstance(function["description"], str):
        return "function description must be a string"
    parameters = function.get("parameters")
    if parameters is not None and not isinstance(parameters, dict):
        return f"function parameters must be a JSON Schema object, not a {json_type(parameters)}"
    return None


@rule(
    "TL007",
    "malformed-tool-call",
    Severity.ERROR,
    formats=MESSAGE_FORMATS,
    quiet_on_plain=True,
    quiet_on_typed=True,
)
def malformed_tool_call(ctx: RecordContext) -> Iterator[Violation]:
    """An assistant's `tool_calls` entry is malformed.

    ## What it does
    `tool_calls` must be a non-empty list of `{"id": str, "type": "function",
    "function": {"name": str, "arguments": str}}`; ids must be unique in the example.
    Arguments themselves are TL002/TL003's business.

    ## Why is this bad?
    The provider rejects the example; duplicate ids make tool results ambiguous.

    ## Example
    ```jsonl
    {"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "tool_calls": [{"function": {"name": "weather", "arguments": "{}"}}]}]}
    ```

    ## How to fix
    Give every call an `id`, `"type": "function"` and a `function` object.

    ```jsonl
    {"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "weather", "arguments": "{}"}}]}]}
    ```
    """
    ids: set[str] = set()
    for path, message in messages(ctx):
        if "tool_calls" not in message:
            continue
        calls = message["tool_calls"]
        if not isinstance(calls, list) or not calls:
            yield Violation("tool_calls must be a non-empty list", (*path, "tool_calls"))
            continue
        for index, call in enumerate(calls):
            where: JsonPath = (*path, "tool_calls", index)
            if not isinstance(call, dict):
                yield Violation(f"tool call is a {json_type(call)}, not an object", where)
                continue
            if not isinstance(call.get("id"), str):
                yield Violation("tool call needs a string 'id'", where)
            elif call["id"] in ids:
                yield Violation(f"tool call id {quote(call['id'])} is used twice", (*where, "id"))
            else:
                ids.add(call["id"])
            if call.get("type") != "function":
                yield Violation('tool call needs "type": "function"', where)
            if not isinstance(call.get("function"), dict):
                yield Violation("tool call needs a 'function' object", where)


@rule(
    "TL008",
    "parallel-calls-disabled",
    Severity.WARNING,
    formats=MESSAGE_FORMATS,
    quiet_on_plain=True,
    quiet_on_typed=True,
)
def parallel_calls_disabled(ctx: RecordContext) -> Iterator[Violation]:
    """A message makes several calls at once in an example that disables parallel calls.

    ## What it does
    Reports assistant messages with more than one entry in `tool_calls` when the example
    sets `"parallel_tool_calls": false`.

    ## Why is this bad?
    The example contradicts itself: it teaches parallel calls while saying they are off.

    ## Example
    ```jsonl
    {"parallel_tool_calls": false, "tools": [{"type": "function", "function": {"name": "weather"}}], "messages": [{"role": "user", "content": "Weather in Paris and Rome?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "weather", "arguments": "{\\"city\\": \\"Paris\\"}"}}, {"id": "c2", "type": "function", "function": {"name": "weather", "arguments": "{\\"city\\": \\"Rome\\"}"}}]}]}
    ```

    ## How to fix
    Split the calls over several assistant turns, or allow parallel calls.

    ```jsonl
    {"parallel_tool_calls": false, "tools": [{"type": "function", "function": {"name": "weather"}}], "messages": [{"role": "user", "content": "Weather in Paris and Rome?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "weather", "arguments": "{\\"city\\": \\"Paris\\"}"}}]}, {"role": "tool", "tool_call_id": "c1", "content": "sunny"}, {"role": "assistant", "tool_calls": [{"id": "c2", "type": "function", "function": {"name": "weather", "arguments": "{\\"city\\": \\"Rome\\"}"}}]}, {"role": "tool", "tool_call_id": "c2", "content": "rain"}, {"role": "assistant", "content": "Sunny in Paris, rain in Rome."}]}
    ```
    """
    if _definitions_holder(ctx).get("parallel_tool_calls") is not False:
        return
    for path, message in messages(ctx):
        calls = message.get("tool_calls")
        if isinstance(calls, list) and len(calls) > 1:
            yield Violation(
                f"{len(calls)} parallel tool calls, but parallel_tool_calls is false",
                (*path, "tool_calls"),
            )
