"""DS: properties of a whole file (or of several files) rather than of one example."""

from __future__ import annotations

from collections.abc import Iterator

from tunelint.engine.context import RecordContext
from tunelint.engine.findings import Severity, Violation
from tunelint.engine.registry import Scope, rule
from tunelint.engine.settings import Settings


@rule("DS001", "too-few-examples", Severity.ERROR, Scope.FILE, options={"minimum": 10})
class TooFewExamples:
    """A file has fewer examples than a fine-tuning job accepts (10 by default).

    ## What it does
    Counts the file's records and reports when there are fewer than the rule option
    ``minimum``. Validation files, which have no minimum, can be exempted with
    ``per-file-ignores``.

    ## Why is this bad?
    The provider refuses to start a job on fewer than 10 training examples, after the
    upload; the OpenAI guide recommends 50 to 100 for a visible effect.

    ## Example
    A training file with 5 examples (like the cookbook's toy file).

    ## How to fix
    Add examples; raise ``minimum`` to hold your own datasets to a higher bar.
    """

    def __init__(self, settings: Settings) -> None:
        self.minimum: int = settings.options("DS001")["minimum"]
        self.examples = 0

    def visit(self, ctx: RecordContext) -> Iterator[Violation]:
        self.examples += 1
        return iter(())

    def partial(self) -> int:
        return self.examples

    def absorb(self, partial: int, lines_before: int, examples_before: int) -> None:
        self.examples += partial

    def finish(self) -> Iterator[Violation]:
        if self.examples < self.minimum:
            yield Violation(
                f"file has {self.examples} example(s); fine-tuning needs at least {self.minimum}"
            )
