"""``path:line:col: CODE [severity] message``, one finding a line, then a summary."""

from __future__ import annotations

from collections import Counter
from typing import TextIO

from tunelint.engine.findings import FileResult, Finding, Severity
from tunelint.engine.quoting import escape


def format_finding(finding: Finding) -> str:
    """One line, whatever the file's name holds (messages are escaped when made)."""
    return (
        f"{escape(finding.path)}:{finding.line}:{finding.column}: "
        f"{finding.code} [{finding.severity.label}] {finding.message}"
    )


def summarize(counts: Counter[Severity], files: int) -> str:
    if not counts:
        return f"All checks passed ({files} file{'s' if files != 1 else ''})."
    parts = [
        f"{counts[severity]} {severity.label}{'s' if counts[severity] != 1 else ''}"
        for severity in sorted(counts, reverse=True)
    ]
    return f"Found {', '.join(parts)} in {files} file{'s' if files != 1 else ''}."


class TextReporter:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.counts: Counter[Severity] = Counter()
        self.files = 0

    def report(self, result: FileResult) -> None:
        self.files += 1
        for finding in result.findings:
            self.counts[finding.severity] += 1
            print(format_finding(finding), file=self.stream)

    def finish(self) -> None:
        print(summarize(self.counts, self.files), file=self.stream)
