"""Rules that say a thing once per file: how many examples share a trait, and where the
first one is, instead of one finding per example.

A trait that most examples of a file share (no system message, say) is a property of the
file: one finding per record would bury everything else on a 100,000-line file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import ClassVar

from tunelint.engine.batch import PlainBatch, Reports
from tunelint.engine.context import RecordContext
from tunelint.engine.findings import Violation
from tunelint.engine.settings import Settings

Tally = tuple[int, int, int, int]
"""``(examples with the trait, examples seen, first one's line, its example number)``;
the first's numbers are 0 when none has it yet."""


class RecordTally:
    """A file rule (mergeable across byte ranges) that counts the examples ``matches``
    accepts and reports "N of M examples <trait>; first at line L" on the first of them.

    Subclasses set ``trait`` and define ``matches`` and, for plain records, whose findings
    depend on their roles alone, ``matches_roles``.
    """

    trait: ClassVar[str]
    """What the counted examples have in common, after "N of M examples"."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.count = 0
        self.total = 0
        self.first = (0, 0)

    def matches(self, ctx: RecordContext) -> bool:
        raise NotImplementedError

    def matches_roles(self, roles: tuple[str, ...]) -> bool:
        raise NotImplementedError

    def _seen(self, matched: bool, line: int, example: int) -> None:
        self.total += 1
        if matched:
            if not self.count:
                self.first = (line, example)
            self.count += 1

    def visit(self, ctx: RecordContext) -> Iterable[Violation]:
        self._seen(self.matches(ctx), ctx.line, ctx.example)
        return ()

    def visit_plain(self, batch: PlainBatch) -> Reports:
        for roles, line, example in zip(batch.roles, batch.lines, batch.examples, strict=True):
            self._seen(self.matches_roles(roles), line, example)
        return ()

    def partial(self) -> Tally:
        return self.count, self.total, *self.first

    def absorb(self, partial: Tally, lines_before: int, examples_before: int) -> None:
        count, total, line, example = partial
        if count and not self.count:
            self.first = (line + lines_before, example + examples_before)
        self.count += count
        self.total += total

    def finish(self) -> Iterator[Violation]:
        if self.count:
            line, example = self.first
            examples = "example" if self.total == 1 else "examples"
            yield Violation(
                f"{self.count} of {self.total} {examples} {self.trait}; first at line {line}",
                line=line,
                example=example,
            )
