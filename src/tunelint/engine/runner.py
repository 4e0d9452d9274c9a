"""Run the enabled rules over files, one record at a time, and collect findings."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from tunelint.engine.context import RecordContext
from tunelint.engine.errors import UsageError
from tunelint.engine.findings import Finding, Severity, Violation, dotted_path, json_pointer
from tunelint.engine.fingerprint import fingerprinted
from tunelint.engine.formats import detect_format
from tunelint.engine.locate import locate_column
from tunelint.engine.reader import LineProblem, read_lines
from tunelint.engine.registry import FileCheck, Rule, Scope
from tunelint.engine.settings import Settings

DATA_SUFFIXES = (".jsonl", ".ndjson")


@dataclass(frozen=True, slots=True)
class FileResult:
    path: str
    findings: tuple[Finding, ...]
    examples: int
    """Non-blank lines: records, and lines that should have been records."""

    def failed(self, fail_on: Severity) -> bool:
        return any(finding.severity >= fail_on for finding in self.findings)


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files to lint: files as given, folders searched for ``*.jsonl`` / ``*.ndjson``.

    Hidden folders (``.git``, ``.venv``) are skipped inside a folder; a missing path is a
    usage error. Each file appears once, folders' contents in sorted order.
    """
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(
                    found
                    for found in path.rglob("*")
                    if found.suffix in DATA_SUFFIXES
                    and found.is_file()
                    and not any(part.startswith(".") for part in found.relative_to(path).parts)
                )
            )
        elif path.exists():
            files.append(path)
        else:
            raise UsageError(f"{path}: no such file or directory")
    return list(dict.fromkeys(files))


class _FileLinter:
    """Lints one file; owns the per-file state of the file-scope rules."""

    def __init__(self, path: Path, settings: Settings) -> None:
        self.path = path
        self.display = str(path)
        self.settings = settings
        rules = settings.rules_for(path)
        self.line_rules = [rule for rule in rules if rule.scope is Scope.LINE]
        self.record_rules = [rule for rule in rules if rule.scope is Scope.RECORD]
        self.file_checks: list[tuple[Rule, FileCheck]] = [
            (rule, rule.check(settings)) for rule in rules if rule.scope is Scope.FILE
        ]
        self.findings: list[Finding] = []

    def run(self) -> FileResult:
        examples = 0
        for line in read_lines(self.path):
            example = None
            if line.problem is not LineProblem.BLANK:
                examples += 1
                example = examples
            for rule in self.line_rules:
                self._add(rule, rule.check(line), line.number, example, line.raw)
            if example is None or not isinstance(line.value, dict):
                continue
            ctx = RecordContext(
                record=line.value,
                raw=line.raw,
                line=line.number,
                example=example,
                format=detect_format(line.value),
                settings=self.settings,
            )
            for rule in self.record_rules:
                if ctx.format in rule.formats:
                    self._add(rule, rule.check(ctx), ctx.line, ctx.example, ctx.raw)
            for rule, check in self.file_checks:
                if ctx.format in rule.formats:
                    self._add(rule, check.visit(ctx), ctx.line, ctx.example, ctx.raw)
        for rule, check in self.file_checks:
            self._add(rule, check.finish(), 1, None, b"")
        self.findings.sort(key=lambda f: (f.line, f.column, f.code))
        return FileResult(self.display, fingerprinted(self.path, self.findings), examples)

    def _add(
        self,
        rule: Rule,
        violations: Iterable[Violation],
        line: int,
        example: int | None,
        raw: bytes,
    ) -> None:
        """Turn a rule's violations on the line ``raw`` into findings."""
        severity = self.settings.severity_of(rule)
        for violation in violations:
            where = dotted_path(violation.location)
            self.findings.append(
                Finding(
                    code=rule.code,
                    name=rule.name,
                    severity=severity,
                    message=f"{where}: {violation.message}" if where else violation.message,
                    path=self.display,
                    line=violation.line or line,
                    column=violation.column
                    or (1 if violation.line else locate_column(raw, violation.location)),
                    example=violation.example if violation.line else example,
                    pointer=json_pointer(violation.location),
                    fix=violation.fix,
                )
            )


def lint_file(path: Path, settings: Settings) -> FileResult:
    """Lint one file. Raises ``OSError`` when it cannot be read."""
    return _FileLinter(path, settings).run()


def lint_paths(paths: Sequence[Path], settings: Settings) -> Iterator[FileResult]:
    """Lint files and folders in order, one file at a time."""
    for path in expand_paths(paths):
        yield lint_file(path, settings)
