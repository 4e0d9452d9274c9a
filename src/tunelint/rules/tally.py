"""Rules that say a thing once per file: how many examples share a trait, and where the
first one is, instead of one finding per example.

A trait that most examples of a file share (no system message, say) is a property of the
file: one finding per record would bury everything else on a 100,000-line file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import ClassVar

from tunelint.rules.authoring import (
    JsonPath,
    PlainBatch,
    RecordContext,
    Reports,
    Settings,
    TypedBatch,
    Violation,
    dotted_path,
)

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
        self._seen_run(batch.roles, batch.lines, batch.examples)
        return ()

    def visit_typed(self, batch: TypedBatch) -> Reports:
        # A well-formed record's roles are strings of ``TYPED_ROLES``: no developer role.
        self._seen_run(batch.roles(), batch.lines, batch.examples)
        return ()

    def _seen_run(self, roles: list[tuple[str, ...]], lines: range, examples: range) -> None:
        """``_seen`` for each record of a run, by its roles; a run holds a few distinct
        sequences of roles, each judged once."""
        matching = {sequence for sequence in set(roles) if self.matches_roles(sequence)}
        self.total += len(roles)
        if matching:
            if not self.count:
                first = next(i for i, sequence in enumerate(roles) if sequence in matching)
                self.first = (lines[first], examples[first])
            self.count += sum(map(matching.__contains__, roles))

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


class DistinctProblems:
    """A file rule that reports each distinct problem once, on the first example that has
    it, with how many examples share it (tool definitions repeat on every example)."""

    def __init__(self, settings: Settings) -> None:
        self.first: dict[tuple[str, str], Violation] = {}
        self.counts: dict[tuple[str, str], int] = {}

    def problems(self, ctx: RecordContext) -> Iterable[tuple[JsonPath, str]]:
        """The record's problems: where, and what (the same message at the same place in
        two examples is the same problem)."""
        raise NotImplementedError

    def key(self, path: JsonPath, message: str) -> tuple[str, str]:
        return dotted_path(path), message

    def visit(self, ctx: RecordContext) -> Iterable[Violation]:
        for path, message in dict.fromkeys(self.problems(ctx)):
            key = self.key(path, message)
            if key not in self.first:
                self.first[key] = Violation(message, path, line=ctx.line, example=ctx.example)
            self.counts[key] = self.counts.get(key, 0) + 1
        return ()

    def visit_plain(self, batch: PlainBatch) -> Reports:
        return ()  # a plain record defines no tools: rules that can report one override this

    def partial(self) -> tuple[dict[tuple[str, str], Violation], dict[tuple[str, str], int]]:
        return self.first, self.counts

    def absorb(
        self,
        partial: tuple[dict[tuple[str, str], Violation], dict[tuple[str, str], int]],
        lines_before: int,
        examples_before: int,
    ) -> None:
        first, counts = partial
        for key, violation in first.items():
            if key not in self.first:
                self.first[key] = Violation(
                    violation.message,
                    violation.location,
                    line=(violation.line or 0) + lines_before,
                    example=(violation.example or 0) + examples_before,
                )
            self.counts[key] = self.counts.get(key, 0) + counts[key]

    def finish(self) -> Iterator[Violation]:
        for key, violation in self.first.items():
            count = self.counts[key]
            if count > 1:
                message = f"{violation.message} (and in {count - 1} more example(s))"
                violation = Violation(
                    message, violation.location, line=violation.line, example=violation.example
                )
            yield violation
