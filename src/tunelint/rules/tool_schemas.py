"""TL: what tool definitions declare, and whether the calls keep to it.

The ``parameters`` of a function are a JSON Schema; ``jsonschema`` judges them, imported
on the first record that defines a tool so that ``tunelint check`` starts as fast without.
Definitions usually repeat on every example of a file: each distinct problem is reported
once, on the first example that has it, with the number of examples that share it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson

from tunelint.rules.authoring import (
    JsonPath,
    RecordContext,
    Reports,
    Scope,
    Settings,
    Severity,
    TypedBatch,
    Violation,
    canonical_json,
    is_one_of,
    quote,
    rule,
)
from tunelint.rules.schema import MESSAGE_FORMATS
from tunelint.rules.tally import DistinctProblems
from tunelint.rules.tools import _calls, _definition_prefix, _definitions_holder
from tunelint.rules.walk import PerRecord

if TYPE_CHECKING:
    from jsonschema.protocols import Validator


class Definition(NamedTuple):
    """A well-formed function definition of an example."""

    path: JsonPath
    function: dict[str, Any]
    schema_json: bytes | None
    """Its ``parameters`` as canonical JSON, when they are an object."""


def _walk_definitions(ctx: RecordContext) -> Iterator[Definition]:
    holder = _definitions_holder(ctx)
    prefix = _definition_prefix(ctx)
    for key in ("tools", "functions"):
        items = holder.get(key)
        if not isinstance(items, list):
            continue
        for index, item in enumerate(items):
            function, path = item, (*prefix, key, index)
            if key == "tools":
                if not isinstance(item, dict) or item.get("type") != "function":
                    continue
                function, path = item.get("function"), (*path, "function")
            if isinstance(function, dict) and isinstance(function.get("name"), str):
                parameters = function.get("parameters")
                schema = canonical_json(parameters) if isinstance(parameters, dict) else None
                yield Definition(path, function, schema)


_definitions = PerRecord(_walk_definitions)
"""Every well-formed function definition of the example (TL006 reports the others), walked
once for the three rules that read them."""


@functools.lru_cache(maxsize=1024)
def _schema_problems(schema_json: bytes) -> tuple[tuple[JsonPath, str], ...]:
    """What is wrong with a ``parameters`` schema (given as canonical JSON), by location."""
    schema = orjson.loads(schema_json)
    if _plainly_valid(schema):
        return ()
    from jsonschema.validators import validator_for

    problems: list[tuple[JsonPath, str]] = []
    validator = validator_for(schema)
    for error in sorted(
        validator(validator.META_SCHEMA).iter_errors(schema), key=lambda e: list(map(str, e.path))
    ):
        problems.append((tuple(error.path), f"not a valid JSON Schema: {error.message}"))
    if problems:
        return tuple(problems)
    if schema.get("type", "object") != "object":
        problems.append((("type",), f"parameters must be an object schema, not {schema['type']!r}"))
    properties = schema.get("properties")
    required = schema.get("required")
    if isinstance(required, list):
        declared = properties if isinstance(properties, dict) else {}
        for index, name in enumerate(required):
            if name not in declared:
                problems.append((("required", index), f"required {name!r} is not a property"))
    return tuple(problems)


_QUICK_TYPES: dict[str, Callable[[object], bool]] = {
    "string": lambda value: type(value) is str,
    "integer": lambda value: type(value) is int,
    "number": lambda value: type(value) is int or type(value) is float,
    "boolean": lambda value: type(value) is bool,
}
_QUICK_PROPERTY_KEYS = frozenset({"type", "description", "enum", "title"})
_QUICK_SCHEMA_KEYS = frozenset(
    {"type", "properties", "required", "additionalProperties", "description", "title"}
)


_SIMPLE_TYPES = frozenset({"array", "boolean", "integer", "null", "number", "object", "string"})
_TEXT_KEYS = ("description", "title")


def _plainly_valid(schema: Any) -> bool:
    """Whether a ``parameters`` schema is of the common kind (``_QUICK_SCHEMA_KEYS``, its
    properties of ``_QUICK_PROPERTY_KEYS``) and valid: what the 2020-12 meta-schema (the
    one ``jsonschema`` picks for a schema without ``$schema``) asks of those keys, and
    ``_schema_problems``' own tests. ``jsonschema`` finds nothing wrong with such a schema,
    so it is not imported for it (``tests/rules/test_quick_arguments.py``)."""
    if type(schema) is not dict or schema.keys() - _QUICK_SCHEMA_KEYS:
        return False
    if schema.get("type") != "object":
        return False
    properties = schema.get("properties", {})
    required = schema.get("required", [])
    if (
        type(properties) is not dict
        or type(required) is not list
        or type(schema.get("additionalProperties", True)) is not bool
        or any(type(schema.get(key, "")) is not str for key in _TEXT_KEYS)
    ):
        return False
    for prop in properties.values():
        if type(prop) is not dict or prop.keys() - _QUICK_PROPERTY_KEYS:
            return False
        kind = prop.get("type", "string")
        if not is_one_of(kind, _SIMPLE_TYPES):
            return False
        if type(prop.get("enum", [])) is not list:
            return False
        if any(type(prop.get(key, "")) is not str for key in _TEXT_KEYS):
            return False
    if any(type(name) is not str for name in required):
        return False
    names = set(required)  # unique, each a declared property
    return len(names) == len(required) and names <= properties.keys()


@functools.lru_cache(maxsize=1024)
def _quick_check(schema_json: bytes) -> Callable[[dict[str, Any]], bool] | None:
    """For the common valid ``parameters`` schema (``_plainly_valid``) whose properties are
    strings, numbers, integers, booleans and string enums: a test that passes only
    arguments ``jsonschema`` finds nothing wrong with. ``None`` for any other schema, and
    arguments it does not pass are validated in full: the findings are ``jsonschema``'s
    either way (``tests/rules/test_quick_arguments.py``)."""
    schema = orjson.loads(schema_json)
    if not _plainly_valid(schema):
        return None
    closed: bool = schema.get("additionalProperties", True)
    checks: dict[str, Callable[[object], bool]] = {}
    for name, prop in schema.get("properties", {}).items():
        kind = prop.get("type")
        check = _QUICK_TYPES.get(kind)
        enum = prop.get("enum")
        if enum is not None:
            if kind != "string" or any(type(item) is not str for item in enum):
                return None
            check = functools.partial(is_one_of, names=frozenset(enum))
        if check is None:
            return None
        checks[name] = check
    needed = frozenset(schema.get("required", []))

    def passes(arguments: dict[str, Any]) -> bool:
        if not needed <= arguments.keys():
            return False
        for key, value in arguments.items():
            check = checks.get(key)
            if check is None:
                if not closed:
                    return False
            elif not check(value):
                return False
        return True

    return passes


@functools.lru_cache(maxsize=1024)
def _validator(schema_json: bytes) -> Validator | None:
    """A validator for a valid ``parameters`` schema; ``None`` for an invalid one."""
    if _schema_problems(schema_json):
        return None
    from jsonschema.validators import validator_for

    schema = orjson.loads(schema_json)
    validator: Validator = validator_for(schema)(schema)
    return validator


_MAX_CLEAN_DEFINITIONS = 256
"""Distinct ``tools`` lists without a problem remembered per file rule (``visit_typed``)."""


class _DefinitionProblems(DistinctProblems):
    """A rule on the function definitions alone: their problems follow from the ``tools``
    list, the same at the same place in every record that has it."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.clean: set[bytes] = set()
        """``tools`` lists (canonical JSON) found to have no problem."""

    def visit_typed(self, batch: TypedBatch) -> Reports:
        # A well-formed record defines tools in ``tools`` only (no ``functions``): one
        # whose list is known to be clean is not visited (``visit`` would note nothing).
        for index, tools in enumerate(batch.definitions()):
            if tools is None or tools in self.clean:
                continue
            ctx = batch.context(index)
            if any(True for _ in self.problems(ctx)):
                self.visit(ctx)
            elif len(self.clean) < _MAX_CLEAN_DEFINITIONS:
                self.clean.add(tools)
        return ()


@rule("TL009", "invalid-parameters-schema", Severity.ERROR, Scope.FILE, formats=MESSAGE_FORMATS)
class InvalidParametersSchema(_DefinitionProblems):
    """A function's `parameters` is not a valid JSON Schema object.

    ## What it does
    Checks each defined function's `parameters` against the JSON Schema meta-schema
    (with the `jsonschema` library, for the draft the schema names, 2020-12 otherwise),
    and that it describes an object whose `required` names are declared properties.
    Catches `"type": "dict"` (Python's name, common in data generated for Gorilla and
    Glaive), an `enum` that is not a list, `required` naming no property. Each distinct
    problem is reported once per file, on the first example, with how many share it.

    ## Why is this bad?
    The provider rejects a schema it cannot read, and the model learns tools whose
    arguments nobody can validate; an open-model chat template renders the broken schema
    into every prompt.

    ## Example
    ```jsonl
    {"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "content": "Where?"}], "tools": [{"type": "function", "function": {"name": "weather", "parameters": {"type": "dict", "properties": {"city": {"type": "string"}}}}}]}
    ```

    ## How to fix
    Write `"type": "object"`, lists for `enum` and `required`, and declare every
    required property.

    ```jsonl
    {"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "content": "Where?"}], "tools": [{"type": "function", "function": {"name": "weather", "description": "Weather in a city.", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]}
    ```
    """

    def problems(self, ctx: RecordContext) -> Iterator[tuple[JsonPath, str]]:
        for path, _, schema_json in _definitions(ctx):
            if schema_json is not None:
                for where, message in _schema_problems(schema_json):
                    yield (*path, "parameters", *where), message


@rule(
    "TL011",
    "function-without-description",
    Severity.INFO,
    Scope.FILE,
    formats=MESSAGE_FORMATS,
)
class FunctionWithoutDescription(_DefinitionProblems):
    """A function is defined without a `description`.

    ## What it does
    Reports each function defined without a non-empty `description`, once per file
    (on the first example that defines it so, with how many do).

    ## Why is this bad?
    The name and the description are all the model reads to choose a tool: without one,
    similar tools cannot be told apart, and the tuned model learns to pick by name alone.

    ## Example
    ```jsonl
    {"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "content": "Where?"}], "tools": [{"type": "function", "function": {"name": "weather", "parameters": {"type": "object", "properties": {}}}}]}
    ```

    ## How to fix
    Add a `description` saying what the function does and when to call it.

    ```jsonl
    {"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "content": "Where?"}], "tools": [{"type": "function", "function": {"name": "weather", "description": "Weather in a city.", "parameters": {"type": "object", "properties": {}}}}]}
    ```
    """

    def problems(self, ctx: RecordContext) -> Iterator[tuple[JsonPath, str]]:
        for path, function, _ in _definitions(ctx):
            description = function.get("description")
            if not isinstance(description, str) or not description.strip():
                yield path, f"function {function['name']!r} has no description"


def _typed_arguments_not_matching(batch: TypedBatch) -> Reports:
    """TL010 on a run of well-formed records: only a record with a call whose arguments
    the parameters' quick test (``_quick_check``) does not pass is checked in full.

    Such a record defines each function once, in ``tools``, and calls it with a JSON
    object in ``tool_calls`` (no ``functions``, no ``function_call``), which its walk
    decoded (``TypedRecord.calls``)."""
    suspects = []
    for index, (definitions, walk) in enumerate(zip(batch.definitions(), batch.walks, strict=True)):
        if definitions is None or not walk.calls:
            continue
        quick = _quick_tests(definitions)
        for name, arguments in walk.calls:
            if name in quick:
                test = quick[name]
                if test is None or not test(arguments):
                    suspects.append(index)
                    break
    return [(index, arguments_not_matching_parameters(batch.context(index))) for index in suspects]


@functools.lru_cache(maxsize=1024)
def _quick_tests(definitions: bytes) -> dict[str, Callable[[dict[str, Any]], bool] | None]:
    """For each function with parameters in a ``tools`` list (canonical JSON), the quick
    test of its arguments, if it has one (once per distinct list: not to be changed)."""
    tests: dict[str, Callable[[dict[str, Any]], bool] | None] = {}
    for tool in orjson.loads(definitions):
        function = tool["function"]
        parameters = function.get("parameters")
        if parameters is not None:
            tests[function["name"]] = _quick_check(canonical_json(parameters))
    return tests


@rule(
    "TL010",
    "arguments-not-matching-parameters",
    Severity.WARNING,
    formats=MESSAGE_FORMATS,
    trigger=r'"(?:tool_calls|function_call)"',
    typed_batch=_typed_arguments_not_matching,
)
def arguments_not_matching_parameters(ctx: RecordContext) -> Iterator[Violation]:
    """A call's arguments do not match the called function's declared `parameters`.

    ## What it does
    Validates the decoded `arguments` of each call against the `parameters` schema of
    the function it calls (defined in the same example) with the `jsonschema` library:
    a missing required key, a key the schema forbids (`additionalProperties: false`),
    a value outside an `enum` or of the wrong type. Calls to undefined functions are
    TL004's, undecodable arguments TL002's and TL003's, invalid schemas TL009's.

    ## Why is this bad?
    The model learns to make calls the tool would refuse: the mismatch is trained in.

    ## Example
    ```jsonl
    {"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "weather", "arguments": "{\\"town\\": \\"Paris\\"}"}}]}], "tools": [{"type": "function", "function": {"name": "weather", "description": "Weather in a city.", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"], "additionalProperties": false}}}]}
    ```

    ## How to fix
    Correct the arguments, or the schema if the calls are right.

    ```jsonl
    {"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "weather", "arguments": "{\\"city\\": \\"Paris\\"}"}}]}], "tools": [{"type": "function", "function": {"name": "weather", "description": "Weather in a city.", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"], "additionalProperties": false}}}]}
    ```
    """
    schemas: dict[str, bytes | None] = {}
    for _, function, schema in _definitions(ctx):
        schemas.setdefault(function["name"], schema)
    if not schemas:
        return
    for path, call in _calls(ctx):
        name = call.get("name")
        schema_json = schemas.get(name) if isinstance(name, str) else None
        arguments = call.get("arguments")
        if schema_json is None or not isinstance(arguments, str):
            continue
        try:
            decoded = orjson.loads(arguments)
        except orjson.JSONDecodeError:
            continue
        if not isinstance(decoded, dict):
            continue
        quick = _quick_check(schema_json)
        if quick is not None and quick(decoded):
            continue  # what jsonschema would accept too
        validator = _validator(schema_json)
        if validator is None:
            continue
        for error in sorted(validator.iter_errors(decoded), key=lambda e: list(map(str, e.path))):
            where = "".join(f"[{part!r}]" for part in error.path)
            yield Violation(
                f"arguments{where} do not match the parameters of {quote(name)}: {error.message}",
                (*path, "arguments"),
            )
