"""SC: what a reinforcement fine-tuning grader reads from every record.

A grader (OpenAI's ``string_check``, ``text_similarity``, ``score_model``, ``python``,
``multi``…) refers to the record being graded as ``{{item.<field>}}``; a record without
the field leaves the grader nothing to compare with.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from tunelint.rules.authoring import (
    ConfigError,
    Format,
    JsonPath,
    LazyPattern,
    RecordContext,
    Reports,
    Scope,
    Settings,
    Severity,
    TypedBatch,
    rule,
)
from tunelint.rules.tally import DistinctProblems

_ITEM_FIELD = LazyPattern(r"\{\{\s*item\.([A-Za-z_][A-Za-z0-9_]*)")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


@functools.cache
def grader_fields(path: str) -> tuple[str, ...]:
    """The record fields a grader file (JSON: the grader object, or a job's ``method``
    holding one) reads as ``{{item.<field>}}``. Raises ``ConfigError`` for a file that
    cannot be read or is not JSON."""
    try:
        grader = orjson.loads(Path(path).read_bytes())
    except OSError as error:
        raise ConfigError(f"grader {path}: {error.strerror or error}") from None
    except orjson.JSONDecodeError as error:
        raise ConfigError(f"grader {path}: not JSON ({error.msg})") from None
    found = (match.group(1) for text in _strings(grader) for match in _ITEM_FIELD.finditer(text))
    return tuple(dict.fromkeys(found))


@rule(
    "SC012",
    "missing-grader-field",
    Severity.ERROR,
    Scope.FILE,
    formats=[Format.CHAT, Format.REINFORCEMENT],
    options={"grader": ""},
)
class MissingGraderField(DistinctProblems):
    """A reinforcement record lacks a field its grader reads.

    ## What it does
    With a grader (`tunelint check --grader grader.json`, or the option `grader` of
    this rule), finds every `{{item.<field>}}` the grader refers to and reports the
    reinforcement records (those without an assistant answer) that lack the field, once
    per field for the file: on the first such record, with how many there are. Without
    a grader it checks nothing.

    ## Why is this bad?
    The job fails when the grader renders its template, or grades against an empty
    string: the model is rewarded for nothing.

    ## Example
    With a grader comparing `{{sample.output_text}}` to `{{item.reference_answer}}`:
    ```jsonl
    {"messages": [{"role": "user", "content": "Which macrolide is active against M. leprae?"}]}
    ```

    ## How to fix
    Add the field to every record (`"reference_answer": "Clarithromycin"`), or fix the
    grader's template.
    """

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        grader: str = settings.options("SC012")["grader"]
        self.fields = grader_fields(grader) if grader else ()

    def key(self, path: JsonPath, message: str) -> tuple[str, str]:
        return "", message

    def visit_typed(self, batch: TypedBatch) -> Reports:
        return ()  # a well-formed chat record has an assistant answer: supervised data

    def problems(self, ctx: RecordContext) -> Iterator[tuple[JsonPath, str]]:
        if not self.fields:
            return
        turns = ctx.record.get("messages")
        if isinstance(turns, list) and any(
            isinstance(turn, dict) and turn.get("role") == "assistant" for turn in turns
        ):
            return  # supervised data: no grader reads it
        for field in self.fields:
            if field not in ctx.record:
                yield (), f"no {field!r}, which the grader reads as {{{{item.{field}}}}}"
