"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` per finding.

GitHub shows them as annotations on the file and line. Values are escaped as the runner
expects (``%``, ``\\r``, ``\\n`` everywhere; ``:`` and ``,`` also in properties).

GitHub keeps only ten annotations of each kind per step and drops the rest without a word.
So the first ten of each kind become annotations, the others plain lines of the log, and a
closing notice says how many were left out and where to read them all.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import TextIO

from tunelint.engine.findings import FileResult, Finding, Severity
from tunelint.output.base import ReportOptions
from tunelint.output.text import format_finding

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
ANNOTATIONS_PER_KIND = 10
"""What GitHub shows of each kind per step (one notice is kept for the closing notice)."""


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_command(finding: Finding) -> str:
    properties = {
        "file": finding.path,
        "line": str(finding.line),
        "col": str(finding.column),
        "title": f"{finding.code} {finding.name}",
    }
    rendered = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    message = f"{finding.code} {finding.message}"
    return f"::{COMMANDS[finding.severity]} {rendered}::{escape_data(message)}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


class GithubReporter:
    def __init__(self, stream: TextIO, options: ReportOptions | None = None) -> None:
        self.stream = stream
        self.shown: Counter[Severity] = Counter()
        self.left_out: Counter[Severity] = Counter()

    def _room(self, severity: Severity) -> bool:
        limit = ANNOTATIONS_PER_KIND - (severity is Severity.INFO)
        return self.shown[severity] < limit

    def report(self, result: FileResult) -> None:
        for finding in result.findings:
            if self._room(finding.severity):
                self.shown[finding.severity] += 1
                print(format_command(finding), file=self.stream)
            else:
                self.left_out[finding.severity] += 1
                print(escape_data(format_finding(finding)), file=self.stream)

    def finish(self) -> None:
        if not self.left_out:
            return
        counts = ", ".join(
            _plural(self.left_out[severity], severity.label)
            for severity in sorted(self.left_out, reverse=True)
        )
        where = "this step's log"
        if os.environ.get("GITHUB_STEP_SUMMARY"):
            where += " and the job summary"
        print(
            f"::notice title=tunelint::{counts} more than GitHub shows as annotations "
            f"({ANNOTATIONS_PER_KIND} of each kind per step): every finding is in {where}",
            file=self.stream,
        )
