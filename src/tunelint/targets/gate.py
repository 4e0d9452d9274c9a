"""Layout first: diagnose a file once, before its records are linted.

- A file whose records all share a layout that a target does not accept gets the
  path-scope findings (TG001 names the layout, the targets that accept it and the
  command that converts it) and nothing else: one error instead of one per record. So
  does a file that is one document (a JSON array a trainer reads as it is: TG007 says its
  records were not linted).
- A file in a layout the targets accept but the OpenAI-format rules cannot read (Vertex
  ``contents``, Bedrock, ShareGPT, Alpaca, ``text``...) is linted with the rules that read
  any layout (``Rule.reads_any_layout``): JSON Lines syntax (JL), the targets' own (TG),
  the example count and exact copies as written, and the content, privacy and token rules
  that judge texts, through each record's chat view (``targets.views``).
- Anything else, a file that mixes layouts included, is linted record by record as usual.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import msgspec

from tunelint.engine.findings import Finding, JsonPath, dotted_path, json_pointer
from tunelint.engine.reader import read_blocks
from tunelint.engine.registry import Rule, Scope, all_rules
from tunelint.engine.settings import Settings
from tunelint.targets.layouts import FILE_LEVEL, Diagnosis, Layout, diagnose
from tunelint.targets.views import located_chat_view


class Gate(msgspec.Struct, frozen=True):
    findings: list[Finding]
    """The path-scope rules' findings."""
    settings: Settings | None
    """The settings to lint the records with; ``None``: leave them alone."""
    diagnosis: Diagnosis | None = None


def gate(path: Path, settings: Settings) -> Gate:
    """Diagnose ``path`` and run the path-scope rules. Raises ``OSError`` if unreadable."""
    rules = [rule for rule in settings.rules_for(path) if rule.scope is Scope.PATH]
    if not rules and all(target.name == "openai" for target in settings.targets):
        return Gate([], settings)  # nothing to judge: spare the read
    diagnosis = diagnose(path)
    findings = [
        _finding(
            rule,
            settings,
            path,
            violation.line or diagnosis.first_line,
            violation.location,
            violation.message,
        )
        for rule in rules
        for violation in rule.check(path, settings, diagnosis)
    ]
    layout = diagnosis.layout
    if any(finding.code == "TG001" for finding in findings) or layout in FILE_LEVEL:
        return Gate(findings, None, diagnosis)  # one finding, or a document no line rule reads
    if (
        layout is None
        or layout.openai_family
        or layout is Layout.UNKNOWN
        or not all(target.accepts(layout) for target in settings.targets)
    ):
        return Gate(findings, settings, diagnosis)
    rules_by_code = all_rules()
    enabled = frozenset(code for code in settings.enabled if rules_by_code[code].reads_any_layout)
    return Gate(findings, replace(settings, enabled=enabled, view=located_chat_view), diagnosis)


def _finding(
    rule: Rule,
    settings: Settings,
    path: Path,
    line: int,
    location: JsonPath,
    message: str,
) -> Finding:
    where = dotted_path(location)
    return Finding(
        code=rule.code,
        name=rule.name,
        severity=settings.severity_of(rule),
        message=f"{where}: {message}" if where else message,
        path=str(path),
        line=line,
        column=1,
        example=None,
        pointer=json_pointer(location),
    )


def count_examples(path: Path) -> int:
    """Non-blank lines, for a file whose records are not linted."""
    return sum(1 for block in read_blocks(path) for raw in block.raws if raw.strip())
