"""SARIF 2.1.0, the format GitHub code scanning uploads (``github/codeql-action/upload-sarif``).

One run; ``tool.driver.rules`` has one entry per rule code the run reported, with the
rule's documentation as help. Locations are relative to the working directory (the
``%SRCROOT%`` base), with forward slashes, as code scanning resolves them against the
repository. The record fingerprint goes into ``partialFingerprints`` so that findings keep
their identity when lines move.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote_from_bytes

from tunelint import REPOSITORY_URL, __version__
from tunelint.engine.findings import FileResult, Finding, Severity
from tunelint.engine.registry import Rule, all_rules
from tunelint.output.base import ReportOptions
from tunelint.output.catalogue import rule_url

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def artifact_uri(path: str) -> str:
    """``path`` as a URI reference: relative to the working directory, with ``/`` and
    percent-encoded (a ``file:`` URI when outside it)."""
    resolved = Path(path).resolve()
    try:
        relative = resolved.relative_to(Path.cwd().resolve())
    except ValueError:
        return resolved.as_uri()
    return quote_from_bytes(os.fsencode(relative.as_posix()), safe="/")


def _artifact(path: str) -> dict[str, str]:
    uri = artifact_uri(path)
    # A file outside the working directory has an absolute URI, which takes no base.
    return {"uri": uri} if uri.startswith("file:") else {"uri": uri, "uriBaseId": "%SRCROOT%"}


def _rule_entry(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.documentation},
        "help": {"text": rule.documentation, "markdown": rule.documentation},
        "helpUri": rule_url(rule.code),
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": [rule.family], "fixable": rule.fixable},
    }


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    return {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": _artifact(finding.path),
                    "region": {"startLine": finding.line, "startColumn": finding.column},
                }
            }
        ],
        "partialFingerprints": {"tunelintRecordHash/v1": finding.fingerprint},
    }


class SarifReporter:
    """Collects the results (SARIF is one JSON document) and writes them at the end."""

    def __init__(self, stream: TextIO, options: ReportOptions | None = None) -> None:
        self.stream = stream
        self.findings: list[Finding] = []

    def report(self, result: FileResult) -> None:
        self.findings.extend(result.findings)

    def finish(self) -> None:
        known = all_rules()
        codes = sorted({finding.code for finding in self.findings})
        index = {code: position for position, code in enumerate(codes)}
        log = {
            "$schema": SCHEMA,
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "tunelint",
                            "version": __version__,
                            "semanticVersion": __version__,
                            "informationUri": REPOSITORY_URL,
                            "rules": [_rule_entry(known[code]) for code in codes],
                        }
                    },
                    "originalUriBaseIds": {
                        "%SRCROOT%": {"uri": Path.cwd().resolve().as_uri() + "/"}
                    },
                    "results": [_result(f, index[f.code]) for f in self.findings],
                    "columnKind": "unicodeCodePoints",
                }
            ],
        }
        json.dump(log, self.stream, ensure_ascii=False, indent=2)
        self.stream.write("\n")
