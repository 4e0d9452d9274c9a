"""``check --statistics``: how many findings each rule has, most frequent first (text or
JSON).

(``stats_report`` presents the ``tunelint stats`` command.)
"""

from __future__ import annotations

import json
from collections import Counter
from typing import TextIO

from tunelint.engine.findings import FileResult
from tunelint.engine.registry import all_rules
from tunelint.output.base import ReportOptions
from tunelint.output.catalogue import rule_url


class StatisticsReporter:
    def __init__(self, stream: TextIO, options: ReportOptions | None = None) -> None:
        self.stream = stream
        self.counts: Counter[tuple[str, str, str]] = Counter()
        self.fixable: Counter[str] = Counter()

    def report(self, result: FileResult) -> None:
        for finding in result.findings:
            self.counts[finding.code, finding.name, finding.severity.label] += 1
            self.fixable[finding.code] += finding.fix is not None

    def rows(self) -> list[tuple[tuple[str, str, str], int]]:
        return sorted(self.counts.items(), key=lambda item: (-item[1], item[0]))

    def finish(self) -> None:
        rules = all_rules()
        rows = self.rows()
        width = len(str(rows[0][1])) if rows else 1
        for (code, name, severity), count in rows:
            fixable = "[*] " if code in rules and rules[code].fixable else ""
            print(f"{count:>{width}}  {code}  {severity:<7}  {fixable}{name}", file=self.stream)
        if any(rules[code].fixable for code, _, _ in self.counts if code in rules):
            print("[*] fixable with `tunelint check --fix`", file=self.stream)


class StatisticsJsonReporter(StatisticsReporter):
    """The same counts as a JSON array, with how many of each ``--fix`` can fix."""

    def finish(self) -> None:
        items = [
            {
                "code": code,
                "name": name,
                "severity": severity,
                "count": count,
                "fixable": self.fixable[code],
                "url": rule_url(code),
            }
            for (code, name, severity), count in self.rows()
        ]
        json.dump(items, self.stream, indent=2)
        self.stream.write("\n")
