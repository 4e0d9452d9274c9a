"""A JSON array of findings, streamed file by file."""

from __future__ import annotations

import json
from typing import Any, TextIO

from tunelint.engine.findings import FileResult, Finding


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    return {
        "code": finding.code,
        "name": finding.name,
        "severity": finding.severity.label,
        "message": finding.message,
        "path": finding.path,
        "line": finding.line,
        "column": finding.column,
        "example": finding.example,
        "pointer": finding.pointer,
        # Beyond the contract: what suppressions and --baseline match on.
        "fingerprint": finding.fingerprint,
    }


class JsonReporter:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.separator = "[\n"

    def report(self, result: FileResult) -> None:
        for finding in result.findings:
            self.stream.write(self.separator + "  ")
            self.stream.write(json.dumps(finding_to_dict(finding), ensure_ascii=False))
            self.separator = ",\n"

    def finish(self) -> None:
        self.stream.write("[]\n" if self.separator == "[\n" else "\n]\n")
