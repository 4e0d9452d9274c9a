"""``check --statistics``: how many findings each rule has, most frequent first.

(``stats_report`` presents the ``tunelint stats`` command.)
"""

from __future__ import annotations

from collections import Counter
from typing import TextIO

from tunelint.engine.findings import FileResult
from tunelint.engine.registry import all_rules


class StatisticsReporter:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.counts: Counter[tuple[str, str, str]] = Counter()

    def report(self, result: FileResult) -> None:
        for finding in result.findings:
            self.counts[finding.code, finding.name, finding.severity.label] += 1

    def finish(self) -> None:
        rules = all_rules()
        rows = sorted(self.counts.items(), key=lambda item: (-item[1], item[0]))
        width = len(str(rows[0][1])) if rows else 1
        for (code, name, severity), count in rows:
            fixable = "[*] " if code in rules and rules[code].fixable else ""
            print(f"{count:>{width}}  {code}  {severity:<7}  {fixable}{name}", file=self.stream)
        if any(rules[code].fixable for code, _, _ in self.counts if code in rules):
            print("[*] fixable with `tunelint check --fix`", file=self.stream)
