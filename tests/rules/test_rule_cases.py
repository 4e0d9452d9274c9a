"""Every rule is tested from data cases (``cases/*.toml``), sqlfluff-style.

Each case writes its lines to a JSONL file, lints it with only that rule enabled and
compares the findings' ``line:pointer`` with ``expect``. ``hex_lines`` gives lines as bytes
(for encodings TOML strings cannot hold). An empty ``expect`` is a clean case
that must not trigger the rule; every rule needs at least one case of each kind.
``fixed`` (or ``fixed_hex``) gives the file's lines after ``--fix`` with only that rule;
every fixable rule needs such a case. A case with ``validation_lines`` (dataset-scope
rules) writes ``lines`` as the training file and lints the validation file paired with
it; ``expect`` then names validation lines. ``long_line = N`` adds a record of ``N``
bytes after the lines.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tunelint.engine.config import ConfigFile, resolve_settings
from tunelint.engine.fixer import plan_fixes
from tunelint.engine.registry import all_rules
from tunelint.engine.runner import lint_file

from tiny_tokenizers import tokenizer_folder

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

CASES = Path(__file__).parent / "cases"


def _long_line(size: int) -> bytes:
    return b'{"a": "' + b"x" * (size - 9) + b'"}'


@dataclass(frozen=True)
class Case:
    source: str
    rule: str
    description: str
    lines: list[bytes]
    expect: list[str]
    config: dict[str, Any]
    fixed: list[bytes] | None
    validation_lines: list[bytes] | None = None

    @property
    def id(self) -> str:
        return f"{self.rule}-{self.description.replace(' ', '_')}"


def load_cases() -> Iterator[Case]:
    for path in sorted(CASES.glob("*.toml")):
        for raw in tomllib.loads(path.read_text(encoding="utf-8"))["case"]:
            yield Case(
                source=path.name,
                rule=raw["rule"],
                description=raw["description"],
                lines=[line.encode() for line in raw.get("lines", [])]
                + [bytes.fromhex(line) for line in raw.get("hex_lines", [])]
                + ([_long_line(raw["long_line"])] if "long_line" in raw else []),
                expect=raw["expect"],
                config=raw.get("config", {}),
                fixed=[line.encode() for line in raw["fixed"]]
                if "fixed" in raw
                else [bytes.fromhex(line) for line in raw["fixed_hex"]]
                if "fixed_hex" in raw
                else None,
                validation_lines=[line.encode() for line in raw["validation_lines"]]
                if "validation_lines" in raw
                else None,
            )


ALL_CASES = list(load_cases())


def _with_tokenizer(config: dict[str, Any], factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A ``tokenizer = "@family"`` setting names a tiny tokenizer built for the tests."""
    tokenizer = config.get("tokenizer")
    if isinstance(tokenizer, str) and tokenizer.startswith("@"):
        base = factory.getbasetemp() / "tokenizers"
        return {**config, "tokenizer": str(tokenizer_folder(base, tokenizer[1:]))}
    return config


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda case: case.id)
def test_rule_case(case: Case, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    path = tmp_path / "case.jsonl"
    path.write_bytes(b"".join(line + b"\n" for line in case.lines))
    config = _with_tokenizer(case.config, tmp_path_factory)
    overrides: dict[str, Any] = {**config, "select": [case.rule]}
    if case.validation_lines is not None:
        training, path = path, tmp_path / "validation.jsonl"
        path.write_bytes(b"".join(line + b"\n" for line in case.validation_lines))
        overrides["datasets"] = [{"train": str(training), "validation": str(path)}]
    settings = resolve_settings(ConfigFile(None), overrides)
    result = lint_file(path, settings)
    assert {finding.code for finding in result.findings} <= {case.rule}
    found = sorted(f"{finding.line}:{finding.pointer}" for finding in result.findings)
    assert found == sorted(case.expect), [finding.message for finding in result.findings]
    if case.fixed is not None:
        with plan_fixes(path, settings) as plan:
            plan.write()
        assert path.read_bytes() == b"".join(line + b"\n" for line in case.fixed)
        assert [f.code for f in lint_file(path, settings).findings if f.fix] == []


def _escape_everything(value: Any) -> str:
    """JSON with every character of every string written as a ``\\uXXXX`` escape."""
    if isinstance(value, str):
        units = value.encode("utf-16-be")
        escapes = (f"\\u{units[i]:02x}{units[i + 1]:02x}" for i in range(0, len(units), 2))
        return '"' + "".join(escapes) + '"'
    if isinstance(value, dict):
        items = (f"{_escape_everything(k)}:{_escape_everything(v)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_escape_everything(item) for item in value) + "]"
    return json.dumps(value)


def _html_safe(value: Any) -> str:
    """JSON as Go's and Java's writers escape it by default: ``<>&`` as escapes (and ``/``)."""
    text = json.dumps(value, ensure_ascii=False)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("/", "\\/")):
        text = text.replace(char, escape)
    return text


ESCAPING_STYLES: dict[str, Callable[[Any], str]] = {
    "ascii": lambda value: json.dumps(value, ensure_ascii=True),
    "compact": lambda value: json.dumps(value, ensure_ascii=False, separators=(",", ":")),
    "every-character": _escape_everything,
    "html-safe": _html_safe,
    "escaped-slashes": lambda value: json.dumps(value, ensure_ascii=False).replace("/", "\\/"),
}
TRIGGERED_CASES = [
    case for case in ALL_CASES if case.expect and all_rules()[case.rule].trigger is not None
]


@pytest.mark.parametrize("style", ESCAPING_STYLES)
@pytest.mark.parametrize("case", TRIGGERED_CASES, ids=lambda case: case.id)
def test_trigger_holds_in_every_escaping_style(
    case: Case, style: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A rule's trigger must match however the writer escaped the line (engine.triggers)."""
    encode = ESCAPING_STYLES[style]
    path = tmp_path / "case.jsonl"
    path.write_text("".join(encode(json.loads(line)) + "\n" for line in case.lines), "utf-8")
    config = _with_tokenizer(case.config, tmp_path_factory)
    settings = resolve_settings(ConfigFile(None), {**config, "select": [case.rule]})
    found = sorted(
        f"{finding.line}:{finding.pointer}" for finding in lint_file(path, settings).findings
    )
    assert found == sorted(case.expect)


def test_every_rule_has_a_triggering_and_a_clean_case() -> None:
    missing = []
    for code in all_rules():
        cases = [case for case in ALL_CASES if case.rule == code]
        if not any(case.expect for case in cases):
            missing.append(f"{code}: no triggering case")
        if not any(not case.expect for case in cases):
            missing.append(f"{code}: no clean case")
        if all_rules()[code].fixable and not any(case.fixed for case in cases):
            missing.append(f"{code}: fixable but no case shows the fix")
    assert not missing, missing


def test_every_rule_is_documented_like_ruff() -> None:
    for rule in all_rules().values():
        for heading in ("## What it does", "## Why is this bad?", "## Example", "## How to fix"):
            assert heading in rule.documentation, f"{rule.code} lacks {heading!r}"
