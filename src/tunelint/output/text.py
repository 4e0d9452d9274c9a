"""The formats people read: ``full`` (the default), ``concise`` and ``grouped``.

``concise`` is one line a finding, ``path:line:col: CODE [severity] message``, with ``[*]``
after the severity when ``--fix`` can fix it; ``full`` follows each such line with an
excerpt of the record and a caret under the location (``output.snippet``); ``grouped``
names each file once and lists its findings under it. All three close with a summary line
and, when some findings are fixable, how many ``--fix`` would fix.
"""

from __future__ import annotations

from collections import Counter
from typing import TextIO

from tunelint.engine.findings import FileResult, Finding, Severity
from tunelint.engine.quoting import escape
from tunelint.output.base import Filtered, ReportOptions
from tunelint.output.color import PLAIN, Style
from tunelint.output.snippet import excerpt, finding_span, with_lines


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def format_finding(finding: Finding, style: Style = PLAIN, with_path: bool = True) -> str:
    """One line, whatever the file's name holds (messages are escaped when made)."""
    where = f"{finding.line}:{finding.column}"
    if with_path:
        where = f"{style('bold', escape(finding.path))}:{where}:"
    label = finding.severity.label
    fixable = f" {style('cyan', '[*]')}" if finding.fix is not None else ""
    return (
        f"{where} {style.severity(label, finding.code)} [{style.severity(label, label)}]"
        f"{fixable} {finding.message}"
    )


def summarize(counts: Counter[Severity], files: int, filtered: Filtered | None = None) -> str:
    hidden = []
    if filtered and filtered.suppressed:
        hidden.append(f"{filtered.suppressed} suppressed")
    if filtered and filtered.baselined:
        hidden.append(f"{filtered.baselined} baselined")
    if not counts:
        more = f"; {', '.join(hidden)}" if hidden else ""
        return f"All checks passed ({_plural(files, 'file')}{more})."
    parts = [_plural(counts[severity], severity.label) for severity in sorted(counts, reverse=True)]
    more = f" ({', '.join(hidden)})" if hidden else ""
    return f"Found {', '.join(parts)} in {_plural(files, 'file')}{more}."


class ConciseReporter:
    """One line a finding, then the summary."""

    def __init__(self, stream: TextIO, options: ReportOptions | None = None) -> None:
        self.stream = stream
        self.options = options or ReportOptions()
        self.style = self.options.style
        self.counts: Counter[Severity] = Counter()
        self.files = self.fixable = 0
        self.pending: list[str] = []
        """Lines not yet written: one write for many lines, not one each."""

    def report(self, result: FileResult) -> None:
        self.files += 1
        for finding in result.findings:
            self.counts[finding.severity] += 1
            self.fixable += finding.fix is not None
        self.show(result)
        self.flush()

    def show(self, result: FileResult) -> None:
        for finding in result.findings:
            self.write(format_finding(finding, self.style))
            self.fix_line(finding, "    ")

    def fix_line(self, finding: Finding, indent: str) -> None:
        if self.options.show_fixes and finding.fix is not None:
            self.write(f"{indent}{self.style('cyan', 'fix:')} {finding.fix.description}")

    def write(self, text: str) -> None:
        self.pending.append(text + "\n")
        if len(self.pending) >= 1024:
            self.flush()

    def flush(self) -> None:
        self.stream.write("".join(self.pending))
        self.stream.flush()
        self.pending.clear()

    def finish(self) -> None:
        if not self.options.quiet:
            self.summarize()
        self.flush()

    def summarize(self) -> None:
        summary = summarize(self.counts, self.files, self.options.filtered)
        self.write(self.style("bold", summary))
        if self.fixable and self.options.fix_hint:
            self.write(
                f"{self.style('cyan', '[*]')} {self.fixable} fixable with `tunelint check --fix`."
            )


class FullReporter(ConciseReporter):
    """Each finding's line, then the record around its location with a caret under it."""

    def show(self, result: FileResult) -> None:
        for finding, line in with_lines(result.path, result.findings):
            self.write(format_finding(finding, self.style))
            if line is not None and finding.example is not None:  # not about the whole file
                self._excerpt(finding, line)
            elif finding.fix is not None:
                self.write(f"  = {self.style('cyan', 'fix:')} {finding.fix.description}")
            self.write("")

    def _excerpt(self, finding: Finding, line: str) -> None:
        start, end = finding_span(finding, line)
        if not finding.pointer:  # about the whole record: one caret at its start, not a rule
            end = start + 1
        shown = excerpt(line, start, end)
        number = str(finding.line)
        gutter = " " * len(number)
        bar = self.style("blue", "|")
        caret = self.style.severity(finding.severity.label, "^" * shown.length + " " + finding.code)
        self.write(f"{gutter} {bar}")
        self.write(f"{self.style('blue', number)} {bar} {shown.text}")
        self.write(f"{gutter} {bar} {' ' * shown.caret}{caret}")
        self.write(f"{gutter} {bar}")
        if finding.fix is not None:
            self.write(f"{gutter} = {self.style('cyan', 'fix:')} {finding.fix.description}")


class GroupedReporter(ConciseReporter):
    """Each file's name once, its findings indented under it."""

    def show(self, result: FileResult) -> None:
        if not result.findings:
            return
        self.write(f"{self.style('bold', escape(result.path))}:")
        width = max(len(f"{f.line}:{f.column}") for f in result.findings)
        for finding in result.findings:
            text = format_finding(finding, self.style, with_path=False)
            position = f"{finding.line}:{finding.column}"
            self.write(f"  {position:<{width}}{text[len(position) :]}")
            self.fix_line(finding, "    ")
        self.write("")


TextReporter = ConciseReporter
