"""Run the enabled rules over files, a block of lines at a time, and collect findings."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, cast

import msgspec

from tunelint.engine.batch import UNDECODED, PlainBatch, decode_block
from tunelint.engine.context import RecordContext
from tunelint.engine.discovery import expand_paths
from tunelint.engine.findings import (
    FileResult,
    Finding,
    Violation,
    described_fixes,
    dotted_path,
    json_pointer,
)
from tunelint.engine.fingerprint import Mark, fingerprinted, line_hash
from tunelint.engine.formats import Format, detect_format
from tunelint.engine.locate import locate_column
from tunelint.engine.plain import roles_record
from tunelint.engine.plan import each_record, plan_for
from tunelint.engine.quoting import clean, mask_secrets
from tunelint.engine.reader import (
    Block,
    Line,
    LineProblem,
    Readable,
    decode_line,
    read_blocks,
    read_lines,
)
from tunelint.engine.registry import (
    BatchCheck,
    DatasetCheck,
    FileCheck,
    MergeableCheck,
    Rule,
    Scope,
    TypedBatchCheck,
)
from tunelint.engine.settings import Settings
from tunelint.engine.typed import TypedRecord, typed_record
from tunelint.engine.typed_batch import TypedBatch, batch_form_of
from tunelint.sources import RowGroups, display_name
from tunelint.targets.gate import count_examples, gate

_MAX_ROLE_SEQUENCES = 4096
_PLAIN_PROBE_EVERY = 16


class _TypedChecks(msgspec.Struct, frozen=True):
    """The rules with work on a run of well-formed records of one format, sorted by
    whether they have a typed batch form (``engine.typed_batch``)."""

    batched: tuple[tuple[Rule, TypedBatchCheck], ...]
    """Line rules, record rules (triggered or not) and file checks with a batch form,
    with it."""
    record_rules: tuple[Rule, ...]
    triggered: tuple[Rule, ...]
    file_checks: tuple[tuple[Rule, FileCheck], ...]
    with_fired: dict[frozenset[str], tuple[Rule, ...]]
    """``record_rules`` and the ``triggered`` ones among the codes fired on a line, by
    those codes (few sets recur)."""

    @classmethod
    def sort(
        cls,
        line_checks: Iterable[tuple[Rule, TypedBatchCheck]],
        record_rules: Iterable[Rule],
        triggered: Iterable[Rule],
        file_checks: Iterable[tuple[Rule, FileCheck]],
    ) -> _TypedChecks:
        batched = list(line_checks)

        def without_form(checks: Iterable[tuple[Rule, Any]]) -> list[tuple[Rule, Any]]:
            """The ``(rule, check)`` pairs without a batch form; the others go to ``batched``."""
            left = []
            for rule, check in checks:
                form = batch_form_of(rule, check)
                if form is None:
                    left.append((rule, check))
                else:
                    batched.append((rule, form))
            return left

        records = without_form((rule, rule.check) for rule in record_rules)
        fired = without_form((rule, rule.check) for rule in triggered)
        files = without_form(file_checks)
        return cls(
            tuple(batched),
            tuple(rule for rule, _ in records),
            tuple(rule for rule, _ in fired),
            tuple(files),
            {},
        )


class _TypedRun:
    """Consecutive well-formed records of one format among a block's lines, gathered
    until a line of another kind ends the run."""

    __slots__ = ("block", "first", "form", "settings", "start", "stop", "values", "walks")

    def __init__(self, block: Block, values: list[Any], settings: Settings) -> None:
        self.block, self.values, self.settings = block, values, settings
        self.start = self.stop = self.first = 0
        self.form = Format.CHAT
        self.walks: list[TypedRecord] = []

    def extends(self, walk: TypedRecord) -> bool:
        """Whether the next line, a record ``walk`` saw, joins the run (and if so, adds it)."""
        if self.stop == self.start or walk.format is not self.form:
            return False
        self.stop += 1
        self.walks.append(walk)
        return True

    def begin(self, offset: int, walk: TypedRecord, example: int) -> None:
        self.start, self.stop, self.form, self.first = offset, offset + 1, walk.format, example
        self.walks = [walk]

    def take(self) -> TypedBatch | None:
        """The run gathered so far as a batch (``None`` if empty); the next one starts."""
        start, stop = self.start, self.stop
        if start == stop:
            return None
        self.start = stop
        first, block = self.first, self.block
        return TypedBatch(
            self.values[start:stop],
            block.raws[start:stop],
            range(block.first + start, block.first + stop),
            range(first, first + stop - start),
            self.walks,
            self.settings,
        )


class _FileLinter:
    """Lints one file (or a byte range of it) by a rule plan; owns the per-file state: the
    file-scope rules' checks, the findings, and what is remembered along the way."""

    def __init__(self, path: Path, settings: Settings, rules: Iterable[Rule]) -> None:
        self.path = path
        self.display = display_name(path)
        self.settings = settings
        self.plan = plan = plan_for(settings, rules)
        self.training = settings.training_file_for(path)
        # ``rules_for`` gives dataset rules only to a file paired with a training file.
        checks = [(rule, rule.check(settings)) for rule in plan.file_rules]
        self.file_checks: list[tuple[Rule, FileCheck]] = checks
        self.dataset_checks = cast(
            "list[tuple[Rule, DatasetCheck]]", checks[len(checks) - plan.dataset_rules :]
        )
        self.file_checks_by_format = {
            form: [checks[index] for index in indices]
            for form, indices in plan.file_rules_by_format.items()
        }
        # Every rule with work on a run of plain records: the plan's line and record rules,
        # then this file's checks by their batch form or ``visit`` on each record.
        self.plain_checks: list[tuple[Rule, BatchCheck]] = [
            *plan.plain_checks,
            *(
                (rule, getattr(check, "visit_plain", None) or each_record(check.visit))
                for rule, check in self.file_checks_by_format[Format.CHAT]
            ),
        ]
        # A line rule's batch form reads only the raws and lines any run of records has.
        typed_line_checks = [
            (rule, cast("TypedBatchCheck", check)) for rule, check in plan.object_line_checks
        ]
        self.typed_checks = {
            form: _TypedChecks.sort(
                typed_line_checks, rules, triggered, self.file_checks_by_format[form]
            )
            for form, rules in plan.typed_rules.items()
            for triggered in [plan.triggered_rules[form]]
        }
        self.by_roles: dict[tuple[str, ...], list[tuple[Rule, list[Violation]]]] = {}
        self.findings: list[Finding] = []
        self.marks: list[Mark] = []
        """Where each block read began: fingerprints reported late are read from there."""
        self._hashed: tuple[int, str] = (0, "")

    def run(self, blocks: Iterable[Block], finish: bool = True) -> tuple[int, int]:
        """Lint the lines of ``blocks``; returns how many lines and examples there were.

        ``finish=False`` leaves the file-scope rules unfinished, for ``partial()``.
        """
        if self.dataset_checks:
            assert self.training is not None, "dataset rules on a file with no training file"
            self._read_training_file(self.training)
        lines = examples = 0
        plain_before = True
        for index, block in enumerate(blocks):
            self.marks.append((block.first, block.offset))
            # A block after one without plain records is decoded as any JSON, but for
            # every sixteenth: a file of tool calls pays little for the fast path.
            look = plain_before or index % _PLAIN_PROBE_EVERY == 0
            examples, plain_before = self._run_block(block, examples, look)
            lines = block.first + len(block.raws) - 1
        if finish:
            self.finish()
        return lines, examples

    def _run_block(self, block: Block, examples: int, look_for_plain: bool) -> tuple[int, bool]:
        """Lint one block: runs of plain records at once, other lines one by one, in order.

        Returns the number of examples up to the block's end, and whether it held a plain
        record.
        """
        raws = block.raws
        values, roles = decode_block(raws, look_for_plain)
        if block.bom:
            values[0], roles[0] = UNDECODED, None  # the reader strips the mark and reports it
        typed = _TypedRun(block, values, self.settings)
        typed_rules = self.plan.typed_rules
        start = 0
        for offset, found in enumerate(roles):
            if found is not None:
                continue
            if start < offset:
                self._run_typed(typed.take())
                examples = self._run_plain(block, values, roles, start, offset, examples)
            value = values[offset]
            start = offset + 1
            # A decoded line is a record without a byte-order mark (``decode_block``).
            walk = typed_record(value) if type(value) is dict and typed_rules else None
            if walk is not None:
                examples += 1
                if not typed.extends(walk):
                    self._run_typed(typed.take())
                    typed.begin(offset, walk, examples)
                continue
            if value is UNDECODED:
                line = decode_line(block.first + offset, raws[offset], block.bom and offset == 0)
            else:
                line = Line(block.first + offset, raws[offset], value)
            example = None
            if line.problem is not LineProblem.BLANK:
                examples += 1
                example = examples
            form = None
            if example is not None and type(line.value) is dict and typed_rules and line.has_bom:
                form = walk.format if (walk := typed_record(line.value)) else None
            self._run_typed(typed.take())
            self._run_line(line, example, form)
        self._run_typed(typed.take())
        if start < len(raws):
            examples = self._run_plain(block, values, roles, start, len(raws), examples)
        return examples, roles.count(None) < len(roles)

    def _run_line(self, line: Line, example: int | None, typed: Format | None = None) -> None:
        """Lint a line that is not a plain record (or any line, off the fast path); ``typed``
        is the format of a well-formed record (``engine.typed``)."""
        record = line.value
        plan = self.plan
        is_object = type(record) is dict and not line.has_bom
        for rule in plan.object_line_rules if is_object else plan.line_rules:
            if found := rule.check(line):
                self._add(rule, found, line, example)
        if example is None or type(record) is not dict:
            return
        if typed is not None:
            form, record_rules = typed, plan.typed_rules[typed]
        else:
            form = detect_format(record)
            if form is Format.FOREIGN and (plan.view_rules or plan.view_file_rules):
                self._run_view(line, record, example)
            record_rules = plan.record_rules[form]
        triggered = plan.triggered_rules[form]
        if triggered and plan.triggers is not None:
            fired = plan.triggers.fired(line.raw)
            if fired:
                record_rules = record_rules + tuple(r for r in triggered if r.code in fired)
        file_checks = self.file_checks_by_format[form]
        if not record_rules and not file_checks:
            return
        ctx = RecordContext(record, line.raw, line.number, example, form, self.settings)
        for rule in record_rules:
            if found := rule.check(ctx):
                self._add(rule, found, line, example)
        for rule, check in file_checks:
            if found := check.visit(ctx):
                self._add(rule, found, line, example)

    def _run_typed(self, batch: TypedBatch | None) -> None:
        """Lint a run of well-formed records of one format (``engine.typed_batch``)."""
        if batch is None:
            return
        checks = self.typed_checks[batch.format]
        plan = self.plan
        fired_at: dict[int, frozenset[str]] = {}
        if plan.triggered_rules[batch.format] and plan.triggers is not None:
            fired_at = dict(plan.triggers.fired_in(batch.raws))
        # Record by record, rule after rule: the walks rules share are kept per record.
        record_rules, file_checks = checks.record_rules, checks.file_checks
        with_fired = checks.with_fired
        for index in range(len(batch)):
            rules = record_rules
            fired = fired_at.get(index)
            if fired:
                rules = with_fired.get(fired) or with_fired.setdefault(
                    fired, rules + tuple(rule for rule in checks.triggered if rule.code in fired)
                )
            if not rules and not file_checks:
                continue
            ctx = batch.context(index)
            for rule in rules:
                if found := rule.check(ctx):
                    self._add(rule, found, batch.line(index), ctx.example)
            for rule, check in file_checks:
                if found := check.visit(ctx):
                    self._add(rule, found, batch.line(index), ctx.example)
        for rule, batch_check in checks.batched:
            for index, reported in batch_check(batch):
                # A triggered rule reports only where its trigger fired, as on its own.
                if reported and (not rule.trigger or rule.code in fired_at.get(index, ())):
                    self._add(rule, reported, batch.line(index), batch.examples[index])

    def _run_view(self, line: Line, record: dict[str, Any], example: int) -> None:
        """Lint a record of another dialect with the rules that read its chat view."""
        ctx = self._view_context(line, record, example)
        if ctx is None:
            return
        plan = self.plan
        fired = plan.triggers.fired(line.raw) if plan.triggers is not None else frozenset()
        for rule in plan.view_rules:
            if (rule.trigger is None or rule.code in fired) and (found := rule.check(ctx)):
                self._add(rule, found, line, example)
        for index in plan.view_file_rules:
            rule, check = self.file_checks[index]
            if found := check.visit(ctx):
                self._add(rule, found, line, example)

    def _view_context(
        self, line: Line, record: dict[str, Any], example: int
    ) -> RecordContext | None:
        """What the chat-view rules are given for a record of another dialect; ``None``
        when it has no chat view."""
        view = self.settings.view
        viewed = None if view is None else view(record)
        if viewed is None:
            return None
        messages, origin = viewed
        return RecordContext(
            messages, line.raw, line.number, example, Format.CHAT, self.settings, None, origin
        )

    def _run_plain(
        self,
        block: Block,
        values: list[Any],
        roles: list[tuple[str, ...] | None],
        start: int,
        stop: int,
        examples: int,
    ) -> int:
        """Lint the plain records ``[start, stop)`` of ``block`` as one batch."""
        first = examples + 1
        batch = PlainBatch(
            values[start:stop],
            block.raws[start:stop],
            range(block.first + start, block.first + stop),
            range(first, first + stop - start),
            cast("list[tuple[str, ...]]", roles[start:stop]),
            self.settings,
        )
        # A run holds a few distinct sequences of roles, most of them without findings.
        reporting = {roles for roles in set(batch.roles) if self._roles_findings(roles)}
        if reporting:
            for index, sequence in enumerate(batch.roles):
                if sequence in reporting:
                    for rule, violations in self._roles_findings(sequence):
                        self._add(rule, violations, batch.line(index), batch.examples[index])
        plan = self.plan
        if plan.plain_triggered_rules and plan.triggers is not None:
            for index, fired in plan.triggers.fired_in(batch.raws):
                ctx = batch.context(index)
                for rule in plan.plain_triggered_rules:
                    if rule.code in fired and (found := rule.check(ctx)):
                        self._add(rule, found, batch.line(index), ctx.example)
        for rule, check in self.plain_checks:
            for index, reported in check(batch):
                if reported:
                    self._add(rule, reported, batch.line(index), batch.examples[index])
        return first + len(batch) - 1

    def _read_training_file(self, training: Path) -> None:
        """Show every record of the training file to the dataset checks (no findings); a
        record of another dialect to those that read its chat view, through it."""
        for line in read_lines(training):
            if type(line.value) is not dict:
                continue
            form = detect_format(line.value)
            ctx = RecordContext(line.value, line.raw, line.number, 0, form, self.settings)
            viewing = form is Format.FOREIGN and self.settings.view is not None
            viewed = self._view_context(line, line.value, 0) if viewing else None
            for rule, check in self.dataset_checks:
                if viewing and rule.chat_view:
                    if viewed is not None:
                        check.reference(viewed)
                elif form in rule.formats:
                    check.reference(ctx)

    def finish(self) -> None:
        for rule, check in self.file_checks:
            self._add(rule, check.finish(), None, None)

    def _roles_findings(self, roles: tuple[str, ...]) -> list[tuple[Rule, list[Violation]]]:
        """What the ``roles_only`` rules report on a plain record with these roles."""
        known = self.by_roles.get(roles)
        if known is None:
            ctx = RecordContext(roles_record(roles), b"", 0, 0, Format.CHAT, self.settings)
            found = [(rule, list(rule.check(ctx))) for rule in self.plan.roles_rules]
            known = [(rule, violations) for rule, violations in found if violations]
            if len(self.by_roles) < _MAX_ROLE_SEQUENCES:
                self.by_roles[roles] = known
        return known

    def result(self, examples: int, source: Readable | None = None) -> FileResult:
        self.findings.sort(key=finding_order)
        findings = fingerprinted(source or self.path, self.findings, marks=self.marks)
        return FileResult(self.display, findings, examples)

    # A check with nothing to say may return an empty tuple, which is never passed here.
    def _add(
        self, rule: Rule, violations: Iterable[Violation], line: Line | None, example: int | None
    ) -> None:
        """Turn a rule's violations on ``line`` (``None``: at the end of the file) into findings."""
        raw = line.raw if line else b""
        for violation in violations:
            where = dotted_path(violation.location)
            earlier = violation.line is not None  # on another line than the one given
            self.findings.append(
                Finding(
                    code=rule.code,
                    name=rule.name,
                    severity=self.plan.severities[rule.code],
                    message=clean(f"{where}: {violation.message}" if where else violation.message),
                    path=self.display,
                    line=violation.line or (line.number if line else 1),
                    column=violation.column
                    or (1 if earlier else locate_column(raw, violation.location)),
                    example=violation.example if earlier else example,
                    pointer=mask_secrets(json_pointer(violation.location)),
                    fix=violation.fix,
                    # Blank lines and other lines are left to ``fingerprinted``.
                    fingerprint=self._hash(line) if line and example and not earlier else "",
                )
            )

    def _hash(self, line: Line) -> str:
        """``line_hash(line)``, once per line however many findings it has."""
        if self._hashed[0] != line.number:
            self._hashed = (line.number, line_hash(line))
        return self._hashed[1]


def finding_order(finding: Finding) -> tuple[int, int, str]:
    """Findings of a file are reported by line, then column, then code."""
    return finding.line, finding.column, finding.code


def lint_file(path: Path, settings: Settings, source: Readable | None = None) -> FileResult:
    """Lint one file, its layout diagnosed first (the records read from ``source`` when
    given: ``--fix`` reads through one descriptor). Raises ``OSError`` when it cannot be
    read."""
    checked = gate(path, settings)
    if checked.settings is None:  # a layout the targets do not read: its records are not linted
        findings = fingerprinted(source or path, sorted(checked.findings, key=finding_order))
        return FileResult(str(path), findings, count_examples(path))
    settings = checked.settings
    linter = _FileLinter(path, settings, settings.rules_for(path))
    linter.findings.extend(checked.findings)
    _, examples = linter.run(read_blocks(source or path))
    return linter.result(examples, source)


def _in_ranges(rule: Rule) -> bool:
    """Whether a rule can run on byte ranges of a file in separate processes."""
    return rule.scope in (Scope.LINE, Scope.RECORD) or rule.mergeable


class RangeResult(msgspec.Struct, frozen=True):
    """What a byte range of a file gave, numbered from the range's first line (no fixes,
    fingerprints set)."""

    findings: tuple[Finding, ...]
    lines: int
    examples: int
    partials: tuple[Any, ...]
    """``partial()`` of each mergeable file-scope rule, in code order."""
    marks: tuple[Mark, ...]
    """Where the range's blocks began, by line (numbered from the range's first)."""


def lint_range(
    path: Path,
    settings: Settings,
    start: int = 0,
    end: int | None = None,
    groups: range | None = None,
) -> RangeResult:
    """Run the rules that merge across ranges on the bytes ``[start, end)`` of ``path``,
    or on the rows of its row ``groups`` (a Parquet file)."""
    rules = [rule for rule in settings.rules_for(path) if _in_ranges(rule)]
    linter = _FileLinter(path, settings, rules)
    data = path if groups is None else RowGroups(path, groups)
    lines, examples = linter.run(read_blocks(data, start, end), finish=False)
    partials = tuple(cast(MergeableCheck, check).partial() for _, check in linter.file_checks)
    findings = fingerprinted(data, described_fixes(linter.findings), start, linter.marks)
    return RangeResult(findings, lines, examples, partials, tuple(linter.marks))


def lint_whole_file_rules(path: Path, settings: Settings) -> list[Finding]:
    """Run the file-scope rules that cannot be split over the whole of ``path``."""
    # Path-scope rules ran before (``targets.gate``): they read no records.
    rules = [
        rule
        for rule in settings.rules_for(path)
        if not _in_ranges(rule) and rule.scope is not Scope.PATH
    ]
    if not rules:
        return []
    linter = _FileLinter(path, settings, rules)
    linter.run(read_blocks(path))
    return linter.findings


def merge_ranges(
    path: Path, settings: Settings, ranges: Iterable[RangeResult], whole: list[Finding]
) -> FileResult:
    """One file's result from its ranges (renumbered, in order) and its whole-file findings.

    The ranges' findings are renumbered in place: each range's result is merged once.
    """
    merged = _FileLinter(path, settings, [r for r in settings.rules_for(path) if r.mergeable])
    findings = list(whole)
    marks: list[Mark] = []
    lines_before = examples_before = 0
    for part in ranges:
        marks.extend((line + lines_before, offset) for line, offset in part.marks)
        for finding in part.findings:
            finding.line += lines_before
            if finding.example is not None:
                finding.example += examples_before
        findings.extend(part.findings)
        for (_, check), partial in zip(merged.file_checks, part.partials, strict=True):
            cast(MergeableCheck, check).absorb(partial, lines_before, examples_before)
        lines_before += part.lines
        examples_before += part.examples
    merged.finish()
    findings.extend(merged.findings)
    findings.sort(key=finding_order)
    return FileResult(
        display_name(path), fingerprinted(path, findings, marks=marks), examples_before
    )


def lint_paths(paths: Sequence[Path], settings: Settings) -> Iterator[FileResult]:
    """Lint files and folders in order, one file at a time."""
    for path in expand_paths(paths):
        yield lint_file(path, settings)
