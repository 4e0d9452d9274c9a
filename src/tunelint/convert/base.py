"""What every source format yields, and the helpers they share to read and locate input.

A source is a function ``(path, options) -> Iterator[Item]``: one ``Example`` per record it
converts, one ``Skip`` (with a reason) per record it cannot, and ``Note`` for something the
user should know about a record that was kept. Every record read is exactly one ``Example``
or one ``Skip``, so the summary can account for all of them. Input that does not have the
format's layout raises ``InputError`` naming the place (``file:line`` or a JSON path).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from tunelint.engine.errors import TunelintError
from tunelint.engine.findings import JsonPath, dotted_path
from tunelint.engine.formats import json_type
from tunelint.engine.reader import UTF8_BOM, LineProblem, read_lines
from tunelint.sources import open_data, read_bytes

Message = dict[str, Any]
Record = dict[str, Any]


class InputError(TunelintError):
    """The input file is not in the layout of the format it was given as."""


@dataclass(frozen=True, slots=True)
class Columns:
    """CSV column names for each role; ``system`` is optional."""

    user: str = "user"
    assistant: str = "assistant"
    system: str | None = None


@dataclass(frozen=True, slots=True)
class Options:
    with_context: bool = False
    """SQuAD: put the paragraph before the question in the user turn."""
    columns: Columns = Columns()


@dataclass(frozen=True, slots=True)
class Example:
    record: Record
    where: str


@dataclass(frozen=True, slots=True)
class Skip:
    reason: str
    where: str


@dataclass(frozen=True, slots=True)
class Note:
    """A record was converted, but something about it deserves a look."""

    text: str
    where: str


Item = Example | Skip | Note
Source = Callable[[Path, Options], Iterator[Item]]


def chat(
    user: str, assistant: str, system: str | None = None, history: Sequence[str] = ()
) -> Record:
    """A chat record: the system message (an empty one is left out, never written), the
    earlier turns ``history`` (user, assistant, user, ...), then ``user`` and ``assistant``."""
    messages: list[Message] = []
    if system and system.strip():
        messages.append({"role": "system", "content": system.strip()})
    for index, turn in enumerate((*history, user, assistant)):
        messages.append({"role": ("user", "assistant")[index % 2], "content": turn})
    return {"messages": messages}


def place(path: Path, location: JsonPath) -> str:
    """``file: data[0].qas[2]`` — where a value sits in a JSON document."""
    return f"{path}: {dotted_path(location) or '(top level)'}"


def load_json(path: Path) -> Any:
    """Parse a whole JSON document (formats that are one document cannot be streamed)."""
    try:
        text = read_bytes(path).removeprefix(UTF8_BOM).decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 (invalid byte at offset {error.start})") from None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as error:
        line = text.count("\n", 0, error.pos) + 1
        column = error.pos - text.rfind("\n", 0, error.pos)
        reason = str(error.msg).split(": line ")[0]
        raise InputError(f"{path}:{line}:{column}: not JSON: {reason}") from None


def records(path: Path) -> Iterator[tuple[str, Any]]:
    """``(where, value)`` for each record of a JSON array or of a JSONL file.

    JSONL is streamed a line at a time; a file whose first character is ``[`` is one JSON
    array and is parsed whole. Blank JSONL lines are not records.
    """
    if _first_byte(path) == b"[":
        document = load_json(path)
        for index, value in enumerate(document):
            yield place(path, (index,)), value
        return
    for line in read_lines(path):
        if line.problem is LineProblem.BLANK:
            continue
        if line.problem is LineProblem.INVALID_JSON:
            raise InputError(f"{path}:{line.number}: not JSON: {line.detail}")
        if line.problem is not None:
            raise InputError(f"{path}:{line.number}: {line.detail}")
        yield f"{path}:{line.number}", line.value


def _first_byte(path: Path) -> bytes:
    with open_data(path) as stream:
        while chunk := stream.read(4096):
            stripped = chunk.removeprefix(UTF8_BOM).lstrip()
            if stripped:
                return stripped[:1]
    return b""


_NAMES: dict[type, str] = {dict: "an object", list: "an array", str: "a string"}


def expect(value: Any, kind: type, where: str, what: str) -> Any:
    """``value`` if it has the expected JSON type, else the layout error naming ``where``."""
    if isinstance(value, kind):
        return value
    raise InputError(f"{where}: {what} must be {_NAMES[kind]} (got {json_type(value)})")


def text(record: Any, key: str, where: str) -> str:
    """A required string field of an object; anything else is a layout error."""
    value = optional_text(record, key, where)
    if value is None:
        raise InputError(f"{where}: {key!r} is missing")
    return value


def optional_text(record: Any, key: str, where: str) -> str | None:
    """A string field of an object that may be missing (or ``null``)."""
    value = expect(record, dict, where, "record").get(key)
    if value is None:
        return None
    checked: str = expect(value, str, where, repr(key))
    return checked


def array(record: Any, key: str, where: str, *, required: bool = True) -> list[Any]:
    """An array field of an object; missing is empty when not ``required``."""
    items = expect(record, dict, where, "record").get(key)
    if items is None:
        if required:
            raise InputError(f"{where}: {key!r} is missing")
        return []
    checked: list[Any] = expect(items, list, where, repr(key))
    return checked
