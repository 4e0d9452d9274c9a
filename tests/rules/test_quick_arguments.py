"""TL010's quick test of arguments passes only what ``jsonschema`` finds nothing wrong with,
and the common schemas judged valid without it are those it finds nothing wrong with.

The common ``parameters`` schema (an object of typed properties) is checked in a few
Python comparisons; arguments that do not pass, and every other schema, go to
``jsonschema``. Here every schema of a family of simple and not-so-simple ones meets a
family of arguments, and whatever the quick test passes, ``jsonschema`` must accept.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema.validators import validator_for

from tunelint.engine.batch import canonical_json
from tunelint.rules import tool_schemas
from tunelint.rules.tool_schemas import _plainly_valid, _quick_check, _schema_problems

PROPERTIES: list[dict[str, Any]] = [
    {"type": "string"},
    {"type": "string", "description": "A city"},
    {"type": "string", "enum": ["celsius", "fahrenheit"]},
    {"type": "integer"},
    {"type": "number"},
    {"type": "boolean"},
    {"type": ["string", "null"]},
    {"type": "integer", "minimum": 0},
    {"type": "array", "items": {"type": "string"}},
    {"enum": [1, 2]},
    {"type": "string", "enum": ["a", 1]},
]
DRAFT = "https://json-schema.org/draft/2020-12/schema"
VALUES: list[Any] = [
    "Seoul",
    "",
    "celsius",
    "kelvin",
    0,
    1,
    -3,
    1.0,
    2.5,
    True,
    False,
    None,
    [],
    {},
]


def schemas() -> list[dict[str, Any]]:
    found = []
    for first, second in itertools.product(PROPERTIES, PROPERTIES[2:5]):
        for required, closed in itertools.product([[], ["a"], ["a", "b"]], [None, False, True]):
            schema: dict[str, Any] = {"type": "object", "properties": {"a": first, "b": second}}
            if required:
                schema["required"] = required
            if closed is not None:
                schema["additionalProperties"] = closed
            found.append(schema)
    found += [{"type": "object"}, {"type": "object", "properties": {}}, {"properties": {}}]
    found += [{"type": "object", "properties": {"a": {"type": "string"}}, "$schema": DRAFT}]
    return found


def arguments() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = [{}]
    for value in VALUES:
        found += [{"a": value}, {"b": value}, {"a": value, "b": value}, {"a": "x", "c": value}]
        found.append({"a": "celsius", "b": value})
    return found


def test_what_the_quick_test_passes_jsonschema_accepts() -> None:
    passed = failed = quick_schemas = 0
    for schema in schemas():
        quick = _quick_check(canonical_json(schema))
        if quick is None:
            continue
        quick_schemas += 1
        validator = validator_for(schema)(schema)
        for argument in arguments():
            if quick(argument):
                passed += 1
                assert list(validator.iter_errors(argument)) == [], (schema, argument)
            else:
                failed += 1
    assert quick_schemas > 100 and passed > 500 and failed > 500, (quick_schemas, passed, failed)


COMMON: dict[str, Any] = {
    "type": "object",
    "description": "Weather in a city",
    "title": "weather",
    "properties": {
        "a": {"type": "string", "description": "A city", "title": "city"},
        "b": {"type": "string", "enum": ["celsius", "fahrenheit"]},
    },
    "required": ["a"],
    "additionalProperties": False,
}
ODD: list[Any] = [
    *VALUES,
    "object",
    "dict",
    "number",
    ["object"],
    ["a"],
    ["a", "a"],
    ["a", "b"],
    ["c"],
    [1],
    [{}, "a"],
    {"type": "string"},
    {"type": "integer", "minimum": 0},
    {"a": {"type": "string"}},
    {"a": True},
    DRAFT,
]


def variants(value: Any) -> Iterator[Any]:
    """``value`` with each key in turn (of each object within) dropped or set to each of
    the ``ODD`` values, and keys added."""
    if not isinstance(value, dict):
        return
    for key in value:
        dropped = {k: v for k, v in value.items() if k != key}
        yield dropped
        for odd in ODD:
            yield {**value, key: copy.deepcopy(odd)}
        for inner in variants(value[key]):
            yield {**value, key: inner}
    for key in ("$schema", "minimum", "items", "enum", "type", "default"):
        if key not in value:
            yield {**value, key: DRAFT if key == "$schema" else 0}


def test_a_schema_judged_valid_without_jsonschema_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    # The shortcut leaves the problems as they were: on each schema, with and without.
    found = [COMMON, *variants(COMMON), *schemas()]
    plainly = 0
    for schema in found:
        problems = _schema_problems.__wrapped__(canonical_json(schema))
        with monkeypatch.context() as patch:
            patch.setattr(tool_schemas, "_plainly_valid", lambda schema: False)
            assert problems == _schema_problems.__wrapped__(canonical_json(schema)), schema
        if _plainly_valid(schema):
            plainly += 1
            assert problems == (), schema
    assert plainly > 200 and len(found) - plainly > 300, (plainly, len(found))
