"""JSON findings: an array streamed file by file (``json``), or one object a line
(``json-lines``, which a consumer can read while the run goes on)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, TextIO

from tunelint.engine.findings import FileResult, Finding
from tunelint.output.base import ReportOptions
from tunelint.output.catalogue import rule_url
from tunelint.output.snippet import finding_span, with_lines


def finding_to_dict(finding: Finding, line: str | None = None) -> dict[str, Any]:
    """The finding as JSON; ``line``, the record's text, gives the end of its location."""
    _, end = finding_span(finding, line)
    return {
        "code": finding.code,
        "name": finding.name,
        "severity": finding.severity.label,
        "message": finding.message,
        "path": finding.path,
        "line": finding.line,
        "column": finding.column,
        "end_line": finding.line,
        "end_column": end,
        "example": finding.example,
        "pointer": finding.pointer,
        "fixable": finding.fix is not None,
        "fix": None
        if finding.fix is None
        else {"applicability": "safe", "message": finding.fix.description},
        "url": rule_url(finding.code),
        # Beyond the contract: what suppressions and --baseline match on.
        "fingerprint": finding.fingerprint,
    }


def result_dicts(result: FileResult) -> Iterator[dict[str, Any]]:
    for finding, line in with_lines(result.path, result.findings):
        yield finding_to_dict(finding, line)


class JsonReporter:
    def __init__(self, stream: TextIO, options: ReportOptions | None = None) -> None:
        self.stream = stream
        self.separator = "[\n"

    def report(self, result: FileResult) -> None:
        for item in result_dicts(result):
            self.stream.write(self.separator + "  ")
            self.stream.write(json.dumps(item, ensure_ascii=False))
            self.separator = ",\n"

    def finish(self) -> None:
        self.stream.write("[]\n" if self.separator == "[\n" else "\n]\n")


class JsonLinesReporter:
    def __init__(self, stream: TextIO, options: ReportOptions | None = None) -> None:
        self.stream = stream

    def report(self, result: FileResult) -> None:
        for item in result_dicts(result):
            self.stream.write(json.dumps(item, ensure_ascii=False) + "\n")

    def finish(self) -> None:
        self.stream.flush()
