"""The GitHub Actions job summary: Markdown appended to the file ``GITHUB_STEP_SUMMARY`` names.

``check`` writes the findings per rule and the first findings of each file; ``stats`` its
table. Written whatever ``--output-format`` is, whenever the variable is set: a workflow gets
a readable report without asking for one.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from tunelint.engine.findings import FileResult, Finding, Severity
from tunelint.engine.patterns import LazyPattern
from tunelint.output.base import Reporter, ReportOptions, summary_file
from tunelint.output.catalogue import rule_url
from tunelint.output.text import summarize

if TYPE_CHECKING:
    from tunelint.tokens.stats import DatasetStats

FIRST_PER_FILE = 5
_MARKDOWN = LazyPattern(r"([\\`*_{}\[\]<>()#+!|~])")


def markdown_text(text: str) -> str:
    """``text`` shown as itself in Markdown: no markup, no HTML, on one line."""
    return _MARKDOWN.sub(r"\\\1", " ".join(text.split()))


def append(file: Path, markdown: str) -> None:
    with file.open("a", encoding="utf-8") as stream:
        stream.write(markdown.rstrip("\n") + "\n\n")


class StepSummary:
    """A reporter beside the chosen one: collects, then appends the summary at the end."""

    def __init__(self, file: Path, options: ReportOptions) -> None:
        self.file = file
        self.options = options
        self.rules: Counter[tuple[str, str, Severity]] = Counter()
        self.severities: Counter[Severity] = Counter()
        self.files: list[tuple[str, int, list[Finding]]] = []
        self.checked = 0

    def report(self, result: FileResult) -> None:
        self.checked += 1
        for finding in result.findings:
            self.rules[finding.code, finding.name, finding.severity] += 1
            self.severities[finding.severity] += 1
        if result.findings:
            first = list(result.findings[:FIRST_PER_FILE])
            self.files.append((result.path, len(result.findings), first))

    def markdown(self) -> str:
        lines = [f"### tunelint: {summarize(self.severities, self.checked, self.options.filtered)}"]
        if self.rules:
            lines += ["", "| Rule | Name | Severity | Findings |", "|---|---|---|---:|"]
            for (code, name, severity), count in sorted(
                self.rules.items(), key=lambda item: (-item[1], item[0])
            ):
                lines.append(
                    f"| [{code}]({rule_url(code)}) | {name} | {severity.label} | {count} |"
                )
        for path, count, first in self.files:
            lines += [
                "",
                f"<details><summary>{markdown_text(path)}: {count} findings</summary>",
                "",
            ]
            lines += [
                f"- line {f.line}, column {f.column}: **{f.code}** {markdown_text(f.message)}"
                for f in first
            ]
            if count > len(first):
                lines.append(f"- … and {count - len(first)} more (see the step's log)")
            lines += ["", "</details>"]
        return "\n".join(lines)

    def finish(self) -> None:
        append(self.file, self.markdown())


class Tee:
    """Hands every result to several reporters."""

    def __init__(self, *reporters: Reporter) -> None:
        self.reporters = reporters

    def report(self, result: FileResult) -> None:
        for reporter in self.reporters:
            reporter.report(result)

    def finish(self) -> None:
        for reporter in self.reporters:
            reporter.finish()


def add_stats(stats: DatasetStats) -> None:
    """Append ``tunelint stats``' table to the job summary, when there is one."""
    file = summary_file()
    if file is None:
        return
    model = stats.model
    tokens = stats.distribution("tokens_per_example")
    cost = "not billed per token" if stats.usd is None else f"${stats.usd:,.2f}"
    rows = [
        ("Model", f"{model.name} ({model.context:,}-token limit)"),
        ("Tokens per example (median, p95, max)",
         ", ".join(f"{tokens[key] or 0:,.0f}" for key in ("median", "p95", "max"))),
        ("Examples over the token limit", f"{stats.over_limit:,}"),
        ("Billing tokens per epoch", f"{stats.billing_tokens:,}"),
        ("Epochs", str(stats.epochs)),
        ("Estimated training cost", cost),
    ]  # fmt: skip
    title = f"{stats.examples:,} examples in {stats.files:,} file{'s' if stats.files != 1 else ''}"
    lines = [f"### tunelint stats: {markdown_text(title)}", "", "| | |", "|---|---:|"]
    lines += [f"| {markdown_text(name)} | {markdown_text(value)} |" for name, value in rows]
    append(file, "\n".join(lines))
