"""JUnit XML for CI test reports: one test case per file, its findings as the failure.

A file fails when a finding reaches the fail level (``--fail-on``), as the exit status
does: all its findings, one per line, are the failure's text. Findings below the level
leave the file passing, listed in its ``system-out``. ``tests`` and ``failures`` count
files.
"""

from __future__ import annotations

from typing import TextIO
from xml.etree import ElementTree as ET

from tunelint.engine.findings import FileResult
from tunelint.engine.quoting import escape
from tunelint.output.base import ReportOptions
from tunelint.output.text import format_finding


class JunitReporter:
    def __init__(self, stream: TextIO, options: ReportOptions | None = None) -> None:
        self.stream = stream
        self.fail_on = (options or ReportOptions()).fail_on
        self.suite = ET.Element("testsuite", name="tunelint")
        self.tests = self.failures = 0

    def report(self, result: FileResult) -> None:
        self.tests += 1
        # XML 1.0 has no way to write control characters: file names are escaped.
        name = escape(result.path)
        case = ET.SubElement(self.suite, "testcase", classname="tunelint", name=name)
        case.set("file", name)
        if result.findings and not result.failed(self.fail_on):
            below = ET.SubElement(case, "system-out")
            below.text = "\n".join(format_finding(f) for f in result.findings)
        elif result.findings:
            self.failures += 1
            count = len(result.findings)
            failure = ET.SubElement(
                case,
                "failure",
                message=f"{count} finding{'s' if count != 1 else ''}",
                type=max(f.severity for f in result.findings).label,
            )
            failure.text = "\n".join(format_finding(f) for f in result.findings)

    def finish(self) -> None:
        self.suite.set("tests", str(self.tests))
        self.suite.set("failures", str(self.failures))
        self.suite.set("errors", "0")
        root = ET.Element("testsuites", name="tunelint", tests=str(self.tests))
        root.set("failures", str(self.failures))
        root.append(self.suite)
        ET.indent(root)
        self.stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        self.stream.write(ET.tostring(root, encoding="unicode"))
        self.stream.write("\n")
