"""How ``check`` presents its findings: format, destination, colour, summaries, exit status.

The flags here (``--output-format``, ``-o``, ``--color``, ``-q``, ``--exit-zero``,
``--show-fixes``) are shared by ``check`` and the commands that lint before they act.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

import msgspec

from tunelint.engine.findings import Severity
from tunelint.output import FORMATS, Reporter, ReportOptions, reporter
from tunelint.output.base import summary_file
from tunelint.output.color import CHOICES, Style, use_color


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("output")
    group.add_argument(
        "--output-format",
        "--format",
        choices=FORMATS,
        default="full",
        metavar="FORMAT",
        help="full (the record under each finding), concise (one line each), grouped (by "
        "file), json, json-lines, github, gitlab, sarif, junit; text = full (default: full)",
    )
    group.add_argument(
        "-o", "--output-file", type=Path, metavar="FILE", help="write the output to FILE"
    )
    group.add_argument(
        "--color",
        choices=CHOICES,
        default="auto",
        help="colour the output: auto = on a terminal only, unless NO_COLOR or FORCE_COLOR "
        "is set (default: auto)",
    )
    group.add_argument(
        "-q", "--quiet", action="store_true", help="print the findings only: no summary, no hints"
    )
    group.add_argument(
        "--exit-zero", action="store_true", help="exit 0 even when findings reach --fail-on"
    )
    group.add_argument(
        "--show-fixes",
        action="store_true",
        help="say what the fix of each fixable finding does; with --fix, list what was fixed",
    )


def add_format_argument(
    parser: argparse.ArgumentParser, choices: Sequence[str] = ("text", "json")
) -> None:
    """``--output-format text|json`` (alias ``--format``) of the commands that print data."""
    parser.add_argument(
        "--output-format",
        "--format",
        choices=choices,
        default="text",
        help="(default: text)",
    )


class Presentation(msgspec.Struct, frozen=True):
    output_format: str = "full"
    output_file: Path | None = None
    color: str = "auto"
    quiet: bool = False
    exit_zero: bool = False
    show_fixes: bool = False

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Presentation:
        return cls(**{name: getattr(args, name) for name in cls.__struct_fields__})

    @contextmanager
    def reporter(
        self, statistics: bool = False, fixing: bool = False, fail_on: Severity = Severity.ERROR
    ) -> Iterator[tuple[Reporter, ReportOptions]]:
        """The reporter of this run (beside it, the GitHub job summary when one is kept);
        ``fail_on`` is the level at which JUnit marks a file failed."""
        with self._stream() as stream:
            options = ReportOptions(
                style=Style(use_color(self.color, stream)),
                quiet=self.quiet,
                show_fixes=self.show_fixes,
                fix_hint=not fixing,
                fail_on=fail_on,
            )
            name = self.output_format
            if statistics:
                name = "statistics-json" if name == "json" else "statistics"
            made = reporter(name, stream, options)
            summary = summary_file()
            if summary is None:
                yield made, options
                return
            from tunelint.output.step_summary import StepSummary, Tee

            yield Tee(made, StepSummary(summary, options)), options

    @contextmanager
    def _stream(self) -> Iterator[TextIO]:
        if self.output_file is None:
            yield sys.stdout
            return
        with self.output_file.open("w", encoding="utf-8") as stream:
            yield stream

    def exit_status(self, failed: bool) -> int:
        return 1 if failed and not self.exit_zero else 0
