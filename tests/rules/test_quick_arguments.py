"""TL010's quick test of arguments passes only what ``jsonschema`` finds nothing wrong with.

The common ``parameters`` schema (an object of typed properties) is checked in a few
Python comparisons; arguments that do not pass, and every other schema, go to
``jsonschema``. Here every schema of a family of simple and not-so-simple ones meets a
family of arguments, and whatever the quick test passes, ``jsonschema`` must accept.
"""

from __future__ import annotations

import itertools
from typing import Any

from jsonschema.validators import validator_for

from tunelint.engine.batch import canonical_json
from tunelint.rules.tool_schemas import _quick_check

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
