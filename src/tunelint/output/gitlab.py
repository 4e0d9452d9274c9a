"""GitLab's code quality report (a JSON array), shown in merge requests.

``fingerprint`` must be unique in the report and stable across runs: it hashes the rule,
the path, the record's fingerprint and the finding's rank among identical ones, so line
moves keep it, as they keep suppressions.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any, TextIO

from tunelint.engine.findings import FileResult, Finding, Severity
from tunelint.engine.settings import relative_path
from tunelint.output.base import ReportOptions

SEVERITIES = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


class GitlabReporter:
    def __init__(self, stream: TextIO, options: ReportOptions | None = None) -> None:
        self.stream = stream
        self.issues: list[dict[str, Any]] = []
        self.seen: Counter[tuple[str, ...]] = Counter()

    def _issue(self, finding: Finding) -> dict[str, Any]:
        path = relative_path(finding.path, Path.cwd())
        key = (finding.code, path, finding.fingerprint, finding.pointer, finding.message)
        self.seen[key] += 1
        identity = "\0".join([*key, str(self.seen[key])])
        return {
            "description": f"{finding.code} {finding.message}",
            "check_name": f"{finding.code} {finding.name}",
            "fingerprint": hashlib.sha256(identity.encode()).hexdigest(),
            "severity": SEVERITIES[finding.severity],
            "location": {"path": path, "lines": {"begin": finding.line}},
        }

    def report(self, result: FileResult) -> None:
        self.issues.extend(self._issue(finding) for finding in result.findings)

    def finish(self) -> None:
        json.dump(self.issues, self.stream, ensure_ascii=False, indent=2)
        self.stream.write("\n")
