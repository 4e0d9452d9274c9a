"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` per finding.

GitHub shows them as annotations on the file and line. Values are escaped as the runner
expects (``%``, ``\\r``, ``\\n`` everywhere; ``:`` and ``,`` also in properties).
"""

from __future__ import annotations

from typing import TextIO

from tunelint.engine.findings import FileResult, Finding, Severity

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


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


class GithubReporter:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def report(self, result: FileResult) -> None:
        for finding in result.findings:
            print(format_command(finding), file=self.stream)

    def finish(self) -> None:
        pass
