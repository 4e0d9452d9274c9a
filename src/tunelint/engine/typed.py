"""The second fast path: a well-formed tool-calling record or preference pair.

Tool calling and preference pairs are today's formats, and each of their records used to
go through every structural rule (keys, roles, contents, calls, ids, definitions) in
Python. A record that is *well formed* gives none of those rules anything to report, so
they are skipped on it; the rules that read the words (content, privacy, duplicates,
schemas of parameters, tokens) still run on it as on any record.

A record is well formed when ``msgspec`` accepts it as one of the shapes below, checking
keys, types and roles in C, and one walk of the result (``well_formed``) finds every
content non-blank, every call's name valid and defined, its arguments a JSON object, every
id unique and every tool result answering an earlier call; what it saw (roles, texts,
decoded arguments) is kept for the rules that would read it again (``TypedRecord``). A rule declares
``quiet_on_typed`` when it reports nothing on such a record (``engine.registry``);
``tests/test_typed.py`` proves each claim on valid records and on thousands of mutations
of them, under every profile the path runs under, and compares whole files with and
without the path.

The path runs only under a profile that accepts these roles and keys with the API's
semantics (``typed_path_applies``): under the ``cookbook`` profile every rule runs.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Literal

import msgspec
import orjson

from tunelint.engine.formats import Format
from tunelint.engine.profiles import Profile

_FUNCTION_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")
TYPED_FORMATS = (Format.CHAT, Format.PREFERENCE)
"""The formats a well-formed record can be in."""
TYPED_ROLES = frozenset({"system", "user", "assistant", "tool"})
_TYPED_KEYS = {
    "system": frozenset({"role", "content"}),
    "user": frozenset({"role", "content"}),
    "assistant": frozenset({"role", "content", "tool_calls"}),
    "tool": frozenset({"role", "content", "tool_call_id"}),
}

_Unset = msgspec.UnsetType
_UNSET = msgspec.UNSET


class _Call(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    arguments: str


class _ToolCall(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    type: Literal["function"]
    function: _Call


# A message of each role, told apart by ``role`` in C, with its keys (``_TYPED_KEYS``).
class _System(msgspec.Struct, tag_field="role", tag="system", forbid_unknown_fields=True):
    role: ClassVar[str] = "system"
    content: str


class _User(msgspec.Struct, tag_field="role", tag="user", forbid_unknown_fields=True):
    role: ClassVar[str] = "user"
    content: str


class _Assistant(msgspec.Struct, tag_field="role", tag="assistant", forbid_unknown_fields=True):
    role: ClassVar[str] = "assistant"
    content: str | _Unset | None = _UNSET
    tool_calls: Annotated[list[_ToolCall], msgspec.Meta(min_length=1)] | _Unset = _UNSET


class _ToolResult(msgspec.Struct, tag_field="role", tag="tool", forbid_unknown_fields=True):
    role: ClassVar[str] = "tool"
    content: str
    tool_call_id: str


_Message = _System | _User | _Assistant | _ToolResult


class _Definition(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    description: str | _Unset = _UNSET
    parameters: dict[str, Any] | _Unset = _UNSET


class _Tool(msgspec.Struct, forbid_unknown_fields=True):
    type: Literal["function"]
    function: _Definition


_Messages = Annotated[list[_Message], msgspec.Meta(min_length=1)]


class _Chat(msgspec.Struct, forbid_unknown_fields=True):
    messages: _Messages
    tools: list[_Tool] | _Unset = _UNSET


class _Prompt(msgspec.Struct, forbid_unknown_fields=True):
    messages: _Messages
    tools: list[_Tool] | _Unset = _UNSET


class _Pair(msgspec.Struct, forbid_unknown_fields=True):
    input: _Prompt
    preferred_output: _Messages
    non_preferred_output: _Messages


def typed_path_applies(profile: Profile) -> bool:
    """Whether ``profile`` accepts every role and key of a well-formed record, with the
    API's semantics (the ``cookbook`` profile reproduces the notebook's tests instead)."""
    if profile.cookbook_semantics or not profile.roles >= TYPED_ROLES:
        return False
    return all(keys <= profile.allowed_keys(role) for role, keys in _TYPED_KEYS.items())


class TypedRecord(msgspec.Struct, frozen=True):
    """What the walk of a well-formed record (``typed_record``) saw, kept for the rules
    that read the same again over a run (``engine.typed_batch``)."""

    format: Format
    shape: Any
    """A chat record's roles in order; a pair's, of each of its three conversations."""
    text_roles: list[str]
    """The role of each message with a string ``content``, in order (conversation by
    conversation, as ``TypedBatch.conversations`` gives them)."""
    texts: list[str]
    """Those messages' ``content``."""
    calls: list[tuple[str, dict[str, Any]]]
    """Each call's function name and decoded arguments, in order."""


def typed_record(record: dict[str, Any]) -> TypedRecord | None:
    """What the walk saw of ``record`` if it is well formed (``well_formed``), else ``None``.

    Such a record's format is ``detect_format``'s too (``CHAT``: only ``messages`` and
    ``tools``, with an answer; ``PREFERENCE``: only the pair's three keys), so a record
    this accepts needs no other detection.
    """
    if "messages" in record:
        return well_formed(record, Format.CHAT)
    if "input" in record:
        return well_formed(record, Format.PREFERENCE)
    return None


def well_formed(record: dict[str, Any], form: Format) -> TypedRecord | None:
    """Whether ``record`` (of format ``form``) is a well-formed tool-calling chat record or
    preference pair, as the module's docstring defines it: what its walk saw if so."""
    try:
        if form is Format.CHAT:
            if "tools" not in record and len(record) == 1:
                return None  # no tools: plain chat, or a near miss the rules must see
            chat = msgspec.convert(record, _Chat)
            return _walk(form, [chat.messages], chat.tools)
        if form is Format.PREFERENCE:
            pair = msgspec.convert(record, _Pair)
            prompt = pair.input
            return _walk(
                form,
                [prompt.messages, pair.preferred_output, pair.non_preferred_output],
                prompt.tools,
            )
    except msgspec.ValidationError:
        return None
    return None


def _walk(
    form: Format, conversations: list[list[_Message]], tools: list[_Tool] | _Unset
) -> TypedRecord | None:
    """One walk over the messages and definitions: everything the structural rules check
    beyond the shapes (``well_formed``), and what it saw on the way."""
    defined: set[str] = set()
    for tool in tools or ():
        name = tool.function.name
        if name in defined or not _FUNCTION_NAME.fullmatch(name):
            return None
        defined.add(name)
    ids: set[str] = set()
    answers = False
    roles: list[str] = []
    texts: list[str] = []
    calls: list[tuple[str, dict[str, Any]]] = []
    shapes: list[tuple[str, ...]] = []
    for messages in conversations:
        called: set[str] = set()
        order: list[str] = []
        for message in messages:
            role = message.role
            order.append(role)
            if type(message) is _Assistant:
                if message.tool_calls is not _UNSET:
                    if message.content not in (_UNSET, None):
                        return None
                    for call in message.tool_calls:
                        name = call.function.name
                        if call.id in ids or name not in defined:  # a defined name is valid
                            return None
                        try:
                            arguments = orjson.loads(call.function.arguments)
                        except orjson.JSONDecodeError:
                            return None
                        if type(arguments) is not dict:
                            return None
                        ids.add(call.id)
                        called.add(call.id)
                        calls.append((name, arguments))
                    continue
                answers = True
            elif type(message) is _ToolResult and message.tool_call_id not in called:
                return None
            content = message.content
            # ``isspace`` is ``strip``'s test of a character: blank without a copy.
            if type(content) is not str or not content or content.isspace():
                return None
            roles.append(role)
            texts.append(content)
        if form is Format.CHAT and not answers:
            return None
        shapes.append(tuple(order))
    if not answers:
        return None
    shape = shapes[0] if form is Format.CHAT else tuple(shapes)
    return TypedRecord(form, shape, roles, texts, calls)
