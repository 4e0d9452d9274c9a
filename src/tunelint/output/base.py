"""The interface every output format implements, and what a run tells every format."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import msgspec

from tunelint.engine.findings import Severity
from tunelint.output.color import PLAIN, Style

if TYPE_CHECKING:
    from tunelint.engine.findings import FileResult

SUMMARY_VARIABLE = "GITHUB_STEP_SUMMARY"


def summary_file() -> Path | None:
    """The GitHub job summary's file (``tunelint.output.step_summary``), if one is kept:
    asked here, so that a run without one does not import the summary's writer."""
    value = os.environ.get(SUMMARY_VARIABLE)
    return Path(value) if value else None


class Reporter(Protocol):
    """Receives each file's result as soon as it is ready, then the end of the run."""

    def report(self, result: FileResult) -> None: ...

    def finish(self) -> None: ...


class Filtered(msgspec.Struct):
    """Findings of this run that a suppression or the baseline hid (counted for the summary)."""

    suppressed: int = 0
    baselined: int = 0


class ReportOptions(msgspec.Struct):
    """How a run's findings are to be shown, beyond the format itself."""

    style: Style = PLAIN
    quiet: bool = False
    """Findings only: no summary line, no hints."""
    show_fixes: bool = False
    """Each fixable finding says what its fix does."""
    filtered: Filtered = msgspec.field(default_factory=Filtered)
    fix_hint: bool = True
    """Close with how many findings ``--fix`` would fix (off when ``--fix`` already ran)."""
    fail_on: Severity = Severity.ERROR
    """The level at which JUnit marks a file failed, as the exit status does."""
