"""The typed fast path over many records at once: consecutive well-formed tool-calling
records or preference pairs (``engine.typed``) of one format, as one ``TypedBatch``.

The runner gathers such a run from the lines of a block that are not plain records and
hands it to each rule that still runs on typed records: a rule with a typed batch form
(a record rule's ``@rule(..., typed_batch=...)`` or ``typed_roles_only``; a file rule's
``visit_typed`` method) checks the whole run at once, reading what all records share a
single time (their canonical JSON for the hashing rules, their texts for the content
rules); every other rule runs record by record, as on any line. A batch form either does
what ``visit`` does on each record in order, or finds the records that may report
(cheaply, over the run) and runs the rule's own check on those: the findings are the
record-by-record path's, which ``tests/test_typed_batch.py`` compares on mutated records
and whole files.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

from tunelint.engine.batch import RecordRun, Reports, canonical_json
from tunelint.engine.context import RecordContext
from tunelint.engine.findings import Violation
from tunelint.engine.formats import Format
from tunelint.engine.reader import Line
from tunelint.engine.registry import Rule, Scope, TypedBatchCheck
from tunelint.engine.typed import TypedRecord

if TYPE_CHECKING:
    from tunelint.engine.settings import Settings


def _by_roles(check: Callable[[RecordContext], Iterable[Violation]], batch: TypedBatch) -> Reports:
    """A ``typed_roles_only`` rule's check on a run: once per distinct shape, its findings
    repeated on the records of that shape (the settings are the same for a whole run)."""
    known: dict[Any, list[Violation]] = {}
    reports = []
    for index, shape in enumerate(batch.shapes()):
        found = known.get(shape)
        if found is None:
            found = known[shape] = list(check(batch.context(index)))
        if found:
            reports.append((index, found))
    return reports


def batch_form_of(rule: Rule, check: Any) -> TypedBatchCheck | None:
    """A rule's form over a run of well-formed records: a record rule's ``typed_batch``,
    or its check once per shape (``typed_roles_only``); a file check's ``visit_typed``.
    ``None`` when it has none and runs record by record."""
    if rule.scope is Scope.RECORD:
        if rule.typed_roles_only:
            return functools.partial(_by_roles, rule.check)
        return rule.typed_batch
    form: TypedBatchCheck | None = getattr(check, "visit_typed", None)
    return form


class TypedBatch(RecordRun):
    """Consecutive well-formed records of one format in one file (``engine.typed``)."""

    __slots__ = ("_contexts", "_definitions", "_lines", "_texts", "format", "walks")
    records: list[dict[str, Any]]

    def __init__(
        self,
        records: list[dict[str, Any]],
        raws: list[bytes],
        lines: range,
        examples: range,
        walks: list[TypedRecord],
        settings: Settings,
    ) -> None:
        super().__init__(records, raws, lines, examples, settings)
        self.walks = walks
        """What the walk of each record saw (``typed_record``)."""
        self.format = walks[0].format
        """``Format.CHAT`` or ``Format.PREFERENCE``, the same for every record."""
        self._contexts: list[RecordContext | None] = [None] * len(records)
        self._texts: Texts | None = None
        self._lines: dict[int, Line] = {}
        self._definitions: list[bytes | None] | None = None

    @property
    def contexts(self) -> list[RecordContext]:
        """What a record rule is given for each record, in order."""
        return list(map(self.context, range(len(self.records))))

    def context(self, index: int) -> RecordContext:
        """What a record rule is given for the record at ``index``: one, made when first
        asked for (most records are judged without), however many rules read it."""
        ctx = self._contexts[index]
        if ctx is None:
            ctx = self._contexts[index] = RecordContext(
                self.records[index],
                self.raws[index],
                self.lines[index],
                self.examples[index],
                self.format,
                self.settings,
            )
        return ctx

    def line(self, index: int) -> Line:
        """The line of the record at ``index``, as the line-by-line reader gives it (made
        once, however many rules report on it)."""
        line = self._lines.get(index)
        if line is None:
            line = self._lines[index] = Line(
                self.lines[index], self.raws[index], self.records[index]
            )
        return line

    def roles(self) -> list[tuple[str, ...]]:
        """The roles of each chat record's messages in order (strings: well formed)."""
        assert self.format is Format.CHAT, "a preference pair has no single list of roles"
        return self.shapes()

    def shapes(self) -> list[Any]:
        """What each record is made of, role by role: a chat record's roles in order, a
        pair's roles of each of its conversations (a tuple of three)."""
        return [walk.shape for walk in self.walks]

    def texts(self) -> Texts:
        """Every message's string ``content`` in the run, in order, with the index of its
        record and its role: a superset of the texts any rule judges (a pair's
        non-preferred output included), gathered once for the rules that search them."""
        if self._texts is None:
            owners: list[int] = []
            roles: list[str] = []
            contents: list[str] = []
            for index, walk in enumerate(self.walks):
                owners += [index] * len(walk.texts)
                roles += walk.text_roles
                contents += walk.texts
            self._texts = Texts(owners, roles, contents)
        return self._texts

    def definitions(self) -> list[bytes | None]:
        """Each record's ``tools`` (of a pair's prompt) as canonical JSON, ``None`` for a
        record without: equal bytes, equal definitions at the same place."""
        if self._definitions is None:
            if self.format is Format.CHAT:
                # The end of the record's: ``],"tools":[...]}``, the keys sorted (no key of
                # a well-formed message holds that unquoted). Cheaper than encoding again.
                self._definitions = [
                    canonical[canonical.index(_TOOLS) + len(_TOOLS) - 1 : -1]
                    if "tools" in record
                    else None
                    for record, canonical in zip(self.records, self.canonical(), strict=True)
                ]
            else:
                self._definitions = [
                    None if tools is None else canonical_json(tools)
                    for tools in map(self.tools, range(len(self.records)))
                ]
        return self._definitions

    def tools(self, index: int) -> list[dict[str, Any]] | None:
        """The ``tools`` of the record at ``index`` (of a pair's prompt), if it has any."""
        record = self.records[index]
        holder = record if self.format is Format.CHAT else record["input"]
        tools: list[dict[str, Any]] | None = holder.get("tools")
        return tools


_TOOLS = b'],"tools":['
"""Where a well-formed chat record's ``tools`` begin in its canonical JSON."""


class Texts(NamedTuple):
    """The texts of a run (``TypedBatch.texts``) in three columns."""

    owners: list[int]
    roles: list[str]
    texts: list[str]
