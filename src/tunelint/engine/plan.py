"""The rule plan: which rules run where, compiled once per settings and set of rules.

Linting dispatches on a line's kind (object or not), a record's format, a trigger, and
whether a run of records is plain (``engine.plain``). Sorting the rules into those
lists is done here once, from what each rule declares (``engine.registry``), and shared by
every file, byte range and merge that runs the same rules under the same settings; a
file's linter keeps only its own state.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from tunelint.engine.batch import PlainBatch, Reports
from tunelint.engine.context import RecordContext
from tunelint.engine.findings import Severity, Violation
from tunelint.engine.formats import Format
from tunelint.engine.reader import Line
from tunelint.engine.registry import BatchCheck, Rule, Scope
from tunelint.engine.settings import Settings
from tunelint.engine.triggers import Triggers
from tunelint.engine.typed import TYPED_FORMATS, typed_path_applies

_MAX_PLANS = 64
"""Plans kept per process: one per set of rules a run's files need (per-file ignores)."""


@dataclass(frozen=True, slots=True)
class RulePlan:
    """The enabled rules of one run sorted by where they apply."""

    severities: Mapping[str, Severity]
    line_rules: tuple[Rule, ...]
    object_line_rules: tuple[Rule, ...]
    """Line rules that can report a line holding an object."""
    record_rules: Mapping[Format, tuple[Rule, ...]]
    """Per format, the record rules run on every record."""
    typed_rules: Mapping[Format, tuple[Rule, ...]]
    """Per format, the record rules run on every well-formed record (``engine.typed``);
    empty where the typed path does not apply."""
    triggered_rules: Mapping[Format, tuple[Rule, ...]]
    """Per format, the record rules run when their trigger fires on the line."""
    triggers: Triggers | None
    plain_triggered_rules: tuple[Rule, ...]
    """Triggered rules that can report a plain record."""
    roles_rules: tuple[Rule, ...]
    """Rules whose findings on a plain record follow from its roles alone."""
    object_line_checks: tuple[tuple[Rule, BatchCheck], ...]
    """``object_line_rules`` with their check over a run of records: the batch form, or
    the rule's own check on each line (either reads only the run's raws and lines)."""
    plain_checks: tuple[tuple[Rule, BatchCheck], ...]
    """Line and record rules with work on a run of plain records, with their check over the
    run: the batch form, or the rule's own check on each line or record."""
    file_rules: tuple[Rule, ...]
    """File-scope rules, then dataset-scope rules (a file's linter builds their checks)."""
    file_rules_by_format: Mapping[Format, tuple[int, ...]]
    """Per format, positions in ``file_rules`` of the rules that visit its records."""
    dataset_rules: int
    """How many of ``file_rules``, at the end, are dataset-scope."""
    view_rules: tuple[Rule, ...] = ()
    """Under ``Settings.view``: the record rules that read a record of another dialect
    through its chat view (triggered ones included), taken out of ``record_rules`` and
    ``triggered_rules`` of the foreign format."""
    view_file_rules: tuple[int, ...] = ()
    """Under ``Settings.view``: positions in ``file_rules`` of those that visit the view."""

    @classmethod
    def compile(cls, settings: Settings, rules: Iterable[Rule]) -> RulePlan:
        rules = tuple(rules)
        by_scope = {scope: [rule for rule in rules if rule.scope is scope] for scope in Scope}
        record_rules = by_scope[Scope.RECORD]
        triggers = [(rule.code, rule.trigger) for rule in record_rules if rule.trigger]
        every = {form: [r for r in record_rules if form in r.formats] for form in Format}
        viewing = settings.view is not None
        if viewing:  # a foreign record is read by these through its view only
            every[Format.FOREIGN] = [r for r in every[Format.FOREIGN] if not r.chat_view]
        chat = every[Format.CHAT]
        plain_rules = [
            r for r in chat if not (r.trigger or r.roles_only or r.skips_plain(settings))
        ]
        object_line_rules = tuple(r for r in by_scope[Scope.LINE] if not r.quiet_on_object)
        object_line_checks = tuple(
            (r, r.batch or functools.partial(_each_line, r.check)) for r in object_line_rules
        )
        file_rules = (*by_scope[Scope.FILE], *by_scope[Scope.DATASET])
        typed = typed_path_applies(settings.profile)
        return cls(
            severities={rule.code: settings.severity_of(rule) for rule in rules},
            line_rules=tuple(by_scope[Scope.LINE]),
            object_line_rules=object_line_rules,
            record_rules={form: tuple(r for r in every[form] if not r.trigger) for form in Format},
            typed_rules={
                form: tuple(r for r in every[form] if not (r.trigger or r.skips_typed(settings)))
                for form in TYPED_FORMATS
                if typed
            },
            triggered_rules={form: tuple(r for r in every[form] if r.trigger) for form in Format},
            triggers=Triggers(triggers) if triggers else None,
            plain_triggered_rules=tuple(
                r for r in chat if r.trigger and not r.skips_plain(settings)
            ),
            roles_rules=tuple(r for r in chat if r.roles_only and not r.trigger),
            object_line_checks=object_line_checks,
            plain_checks=(
                *object_line_checks,
                *((r, r.batch or functools.partial(_each_record, r.check)) for r in plain_rules),
            ),
            file_rules=file_rules,
            file_rules_by_format={
                form: tuple(
                    i
                    for i, rule in enumerate(file_rules)
                    if form in rule.formats
                    and not (viewing and form is Format.FOREIGN and rule.chat_view)
                )
                for form in Format
            },
            dataset_rules=len(by_scope[Scope.DATASET]),
            view_rules=tuple(r for r in record_rules if viewing and r.chat_view),
            view_file_rules=tuple(
                i for i, rule in enumerate(file_rules) if viewing and rule.chat_view
            ),
        )


def _each_line(check: Callable[[Line], Iterable[Violation]], batch: PlainBatch) -> Reports:
    """A line rule without a batch form, on each line of ``batch``."""
    return ((index, check(batch.line(index))) for index in range(len(batch)))


def _each_record(
    check: Callable[[RecordContext], Iterable[Violation]], batch: PlainBatch
) -> Reports:
    """A record or file rule without a batch form, on each record of ``batch``."""
    return ((index, check(batch.context(index))) for index in range(len(batch)))


def each_record(check: Callable[[RecordContext], Iterable[Violation]]) -> BatchCheck:
    """``check`` (a record rule's, or a file rule's ``visit``) over a run of plain records."""
    return functools.partial(_each_record, check)


_plans: dict[tuple[int, tuple[str, ...]], tuple[Settings, RulePlan]] = {}


def plan_for(settings: Settings, rules: Iterable[Rule]) -> RulePlan:
    """The plan of ``rules`` under ``settings``, compiled on first use in this process."""
    rules = tuple(rules)
    # Settings hold dicts (unhashable): they are told apart by identity, and kept alive
    # beside their plan so that an identity is never reused while its plan is kept.
    key = (id(settings), tuple(rule.code for rule in rules))
    known = _plans.get(key)
    if known is None:
        if len(_plans) >= _MAX_PLANS:
            _plans.clear()
        known = _plans[key] = (settings, RulePlan.compile(settings, rules))
    return known[1]
