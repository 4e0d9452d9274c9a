"""Small helpers the rule families share for walking records."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Generic, NamedTuple, TypeVar

from tunelint.engine.context import RecordContext
from tunelint.engine.findings import JsonPath
from tunelint.engine.formats import SYSTEM_ROLES as SYSTEM_ROLES  # the families import it here
from tunelint.engine.formats import Format
from tunelint.engine.quoting import quote

Message = dict[str, Any]


def message_lists(ctx: RecordContext) -> Iterator[tuple[JsonPath, list[Any]]]:
    """Every list of messages in the record, with its location."""
    record = ctx.record
    # The cookbook only ever looks at ``messages``, whatever the record's layout.
    if ctx.format is Format.PREFERENCE and not ctx.profile.cookbook_semantics:
        candidates: list[tuple[JsonPath, Any]] = [
            (("preferred_output",), record.get("preferred_output")),
            (("non_preferred_output",), record.get("non_preferred_output")),
        ]
        prompt = record.get("input")
        if isinstance(prompt, dict):
            candidates.insert(0, (("input", "messages"), prompt.get("messages")))
    else:
        candidates = [(("messages",), record.get("messages"))]
    for path, messages in candidates:
        if isinstance(messages, list):
            yield path, messages


T = TypeVar("T")


class PerRecord(Generic[T]):
    """A walk over the record being linted, kept until the next record: the rules of a
    family walk the same record one after another.

    The record itself is held, so its identity stays unique; the walk may depend on the
    record's format and the profile too.
    """

    def __init__(self, walk: Callable[[RecordContext], Iterable[T]]) -> None:
        self._walk = walk
        self._key: tuple[Any, ...] = (None, None, None)
        self._found: tuple[T, ...] = ()

    def __call__(self, ctx: RecordContext) -> tuple[T, ...]:
        key = self._key
        if key[0] is not ctx.record or key[1] is not ctx.format or key[2] is not ctx.profile:
            self._key = (ctx.record, ctx.format, ctx.profile)
            self._found = tuple(self._walk(ctx))
        return self._found


def _walk_messages(ctx: RecordContext) -> Iterator[tuple[JsonPath, Message]]:
    for path, items in message_lists(ctx):
        for index, message in enumerate(items):
            if isinstance(message, dict):
                yield (*path, index), message


messages = PerRecord(_walk_messages)
"""Every message object in the record, with its location (non-objects skipped)."""


def chat_messages(ctx: RecordContext) -> list[Message]:
    """The message objects of a chat or reinforcement record's ``messages`` list."""
    items = ctx.record.get("messages")
    if not isinstance(items, list):
        return []
    return [message for message in items if isinstance(message, dict)]


class Text(NamedTuple):
    """A piece of text in a record: where it is, whose it is, what it says."""

    location: JsonPath
    role: str | None
    """The message's role; ``"prompt"`` or ``"completion"`` for prompt-completion records."""
    text: str


TRAINED_ROLES = frozenset({"assistant", "completion"})
"""Texts the model learns to write."""


def trained_texts(ctx: RecordContext, code: str) -> list[Text]:
    """The texts of ``judged_texts(ctx, code)`` that the model learns to write.

    A plain conversation's are read straight from its assistant messages.
    """
    roles = ctx.plain_roles
    if roles is None:
        return [text for text in judged_texts(ctx, code) if text.role in TRAINED_ROLES]
    items = ctx.record["messages"]
    return [
        Text(("messages", index, "content"), role, items[index]["content"])
        for index, role in enumerate(roles)
        if role == "assistant"
    ]


def _walk_texts(ctx: RecordContext) -> Iterator[Text]:
    if ctx.origin is not None:  # another dialect's record: its texts as written, where they are
        for message, pieces in zip(ctx.record["messages"], ctx.origin, strict=True):
            for location, text in pieces:
                yield Text(location, message["role"], text)
        return
    if ctx.format is Format.COMPLETION:
        for key in ("prompt", "completion"):
            value = ctx.record.get(key)
            if isinstance(value, str):
                yield Text((key,), key, value)
        return
    for path, message in messages(ctx):
        role = message.get("role")
        role = role if isinstance(role, str) else None
        content = message.get("content")
        if isinstance(content, str):
            yield Text((*path, "content"), role, content)
        elif isinstance(content, list):
            for index, part in enumerate(content):
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    yield Text((*path, "content", index, "text"), role, part["text"])


texts = PerRecord(_walk_texts)
"""Every text a record holds: message contents (strings and text parts) in order, or the
prompt and completion of a prompt-completion record, or the texts of a record in another
dialect read through its chat view, located in the record as written. The content and
privacy rules all read them."""


NON_PREFERRED = {"non-preferred": False}
"""The option of the content and privacy rules that also judges the non-preferred output
of preference pairs, which is meant to be bad, and is left alone by default."""


def judged_texts(ctx: RecordContext, code: str) -> Sequence[Text]:
    """``texts(ctx)`` that rule ``code`` judges: a preference pair's non-preferred output
    only when its ``non-preferred`` option asks for it."""
    found = texts(ctx)
    if judged_in_full(ctx, code):
        return found
    return [text for text in found if text.location[0] != "non_preferred_output"]


def judged_in_full(ctx: RecordContext, code: str) -> bool:
    """Whether rule ``code`` judges all of the record: anything but a preference pair, or
    one whose non-preferred output its ``non-preferred`` option asks for."""
    return ctx.format is not Format.PREFERENCE or bool(ctx.settings.options(code)["non-preferred"])


def tool_definitions(record: dict[str, Any]) -> dict[str, JsonPath]:
    """Names of the functions an example (or a preference input) defines."""
    names: dict[str, JsonPath] = {}
    tools = record.get("tools")
    if isinstance(tools, list):
        for index, tool in enumerate(tools):
            function = tool.get("function") if isinstance(tool, dict) else None
            if isinstance(function, dict) and isinstance(function.get("name"), str):
                names.setdefault(function["name"], ("tools", index, "function", "name"))
    functions = record.get("functions")
    if isinstance(functions, list):
        for index, function in enumerate(functions):
            if isinstance(function, dict) and isinstance(function.get("name"), str):
                names.setdefault(function["name"], ("functions", index, "name"))
    return names


def quoted(items: Iterable[str]) -> str:
    return ", ".join(quote(item) for item in sorted(items))
