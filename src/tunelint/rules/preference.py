"""PF: preference pairs for direct preference optimisation (DPO)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from tunelint.rules.authoring import (
    Format,
    RecordContext,
    Reports,
    Scope,
    Settings,
    Severity,
    TypedBatch,
    Violation,
    json_type,
    quote,
    rule,
)

OUTPUTS = ("preferred_output", "non_preferred_output")


def _assistant_or_tool(output: object) -> bool:
    """An output of assistant and tool messages with an assistant turn (Azure's DPO)."""
    if not isinstance(output, list) or not output:
        return False
    roles = [message.get("role") if isinstance(message, dict) else None for message in output]
    return "assistant" in roles and set(roles) <= {"assistant", "tool"}


@rule(
    "PF001",
    "invalid-preference-pair",
    Severity.ERROR,
    formats=[Format.PREFERENCE],
    typed_roles_only=True,
)
def invalid_preference_pair(ctx: RecordContext) -> Iterator[Violation]:
    """A preference record is not a prompt with two one-message answers.

    ## What it does
    A DPO record needs `input` (an object whose non-empty `messages` list does not end
    with an assistant message), and `preferred_output` and `non_preferred_output`, each
    a list of exactly one assistant message.

    ## Why is this bad?
    The provider rejects the record; a prompt that already ends with an answer compares the
    two outputs as a second answer.

    ## Example
    ```jsonl
    {"input": {"messages": [{"role": "user", "content": "Hi"}]}, "preferred_output": {"role": "assistant", "content": "Hello!"}, "non_preferred_output": [{"role": "assistant", "content": "What?"}]}
    ```

    ## Targets
    Azure (`--target azure`) also takes an output of several assistant and tool
    messages, at least one of them the assistant's.

    ## How to fix
    Wrap each output in a one-element list and keep the answers out of `input`.

    ```jsonl
    {"input": {"messages": [{"role": "user", "content": "Hi"}]}, "preferred_output": [{"role": "assistant", "content": "Hello!"}], "non_preferred_output": [{"role": "assistant", "content": "What?"}]}
    ```
    """
    record = ctx.record
    prompt = record.get("input")
    if not isinstance(prompt, dict):
        yield Violation(f"'input' must be an object, not {json_type(prompt)}", ("input",))
    else:
        turns = prompt.get("messages")
        if not isinstance(turns, list) or not turns:
            yield Violation("must be a non-empty list of messages", ("input", "messages"))
        elif isinstance(turns[-1], dict) and turns[-1].get("role") == "assistant":
            yield Violation(
                "prompt ends with an assistant message; the outputs must answer it",
                ("input", "messages", len(turns) - 1),
            )
    tools_allowed = all(
        target.preference_outputs == "assistant-or-tool" for target in ctx.settings.targets
    )
    for key in OUTPUTS:
        output = record.get(key)
        if tools_allowed and _assistant_or_tool(output):
            continue
        if not isinstance(output, list) or len(output) != 1:
            shape = f"{len(output)} messages" if isinstance(output, list) else json_type(output)
            yield Violation(f"must be a list of exactly one assistant message, not {shape}", (key,))
        elif isinstance(output[0], dict) and output[0].get("role") != "assistant":
            yield Violation(
                f"must be an assistant message, not {quote(output[0].get('role'))}",
                (key, 0, "role"),
            )


def _identical_outputs(batch: TypedBatch) -> Reports:
    """PF002 on a run of well-formed pairs (outputs non-empty lists): only the pairs whose
    outputs are equal are checked."""
    return [
        (index, identical_preference_outputs(batch.context(index)))
        for index, record in enumerate(batch.records)
        if record["preferred_output"] == record["non_preferred_output"]
    ]


@rule(
    "PF002",
    "identical-preference-outputs",
    Severity.ERROR,
    formats=[Format.PREFERENCE],
    typed_batch=_identical_outputs,
)
def identical_preference_outputs(ctx: RecordContext) -> Iterator[Violation]:
    """The preferred and non-preferred outputs are the same.

    ## What it does
    Compares the two outputs of a preference record (role, content and tool calls).

    ## Why is this bad?
    A pair with no difference carries no preference: it adds cost and noise to DPO and
    usually means the rejected answer was copied by mistake.

    ## Example
    ```jsonl
    {"input": {"messages": [{"role": "user", "content": "Hi"}]}, "preferred_output": [{"role": "assistant", "content": "Hello"}], "non_preferred_output": [{"role": "assistant", "content": "Hello"}]}
    ```

    ## How to fix
    Replace the non-preferred output with the answer you want the model to avoid.

    ```jsonl
    {"input": {"messages": [{"role": "user", "content": "Hi"}]}, "preferred_output": [{"role": "assistant", "content": "Hello"}], "non_preferred_output": [{"role": "assistant", "content": "Go away."}]}
    ```
    """
    preferred = ctx.record.get("preferred_output")
    rejected = ctx.record.get("non_preferred_output")
    if isinstance(preferred, list) and preferred and preferred == rejected:
        yield Violation(
            "preferred and non-preferred outputs are identical", ("non_preferred_output",)
        )


def _output_length(output: object) -> int | None:
    """Characters of text in a one-message output, ``None`` when it is not one."""
    if not isinstance(output, list) or len(output) != 1 or not isinstance(output[0], dict):
        return None
    content = output[0].get("content")
    if isinstance(content, str):
        return len(content)
    if isinstance(content, list):
        return sum(len(part.get("text", "")) for part in content if isinstance(part, dict))
    return None


@rule(
    "PF003",
    "preference-length-bias",
    Severity.INFO,
    Scope.FILE,
    formats=[Format.PREFERENCE],
    options={"ratio": 0.9, "min-pairs": 20},
)
class PreferenceLengthBias:
    """The preferred output is the longer one in nearly every pair.

    ## What it does
    Counts the pairs whose outputs differ in length and reports, once per file, when the
    preferred output is the longer one in at least `ratio` of them (default 0.9), given
    at least `min-pairs` such pairs (default 20); the finding gives the share and the
    mean lengths. Keeps two counters. On by default, as information.

    ## Why is this bad?
    DPO learns whatever separates the two sides most easily; if that is length, the model
    learns to be verbose rather than better (a well-known reward-hacking pattern).

    ## Example
    A file of 500 pairs where the preferred answer is longer in 480 of them.

    ## How to fix
    Add pairs where the better answer is the shorter one, or balance lengths when
    collecting preferences.
    """

    def __init__(self, settings: Settings) -> None:
        options = settings.options("PF003")
        self.ratio: float = options["ratio"]
        self.minimum: int = options["min-pairs"]
        self.pairs = self.longer = 0
        self.preferred_chars = self.other_chars = 0

    def visit(self, ctx: RecordContext) -> Iterable[Violation]:
        preferred = _output_length(ctx.record.get("preferred_output"))
        other = _output_length(ctx.record.get("non_preferred_output"))
        if preferred is not None and other is not None:
            self._count(preferred, other)
        return ()

    def visit_typed(self, batch: TypedBatch) -> Reports:
        # ``_output_length`` of well-formed outputs: lists of messages whose content, if
        # any, is a string.
        for record in batch.records:
            preferred, other = record["preferred_output"], record["non_preferred_output"]
            if len(preferred) == 1 == len(other):
                chosen, rejected = preferred[0].get("content"), other[0].get("content")
                if type(chosen) is str and type(rejected) is str:
                    self._count(len(chosen), len(rejected))
        return ()

    def _count(self, preferred: int, other: int) -> None:
        """Count a pair whose outputs are this long, if they differ."""
        if preferred != other:
            self.pairs += 1
            self.longer += preferred > other
            self.preferred_chars += preferred
            self.other_chars += other

    def partial(self) -> tuple[int, int, int, int]:
        return self.pairs, self.longer, self.preferred_chars, self.other_chars

    def absorb(
        self, partial: tuple[int, int, int, int], lines_before: int, examples_before: int
    ) -> None:
        self.pairs += partial[0]
        self.longer += partial[1]
        self.preferred_chars += partial[2]
        self.other_chars += partial[3]

    def finish(self) -> Iterator[Violation]:
        if self.pairs >= self.minimum and self.longer >= self.ratio * self.pairs:
            yield Violation(
                f"the preferred output is the longer one in {self.longer / self.pairs:.0%} of "
                f"{self.pairs} pairs (mean {self.preferred_chars / self.pairs:.0f} vs "
                f"{self.other_chars / self.pairs:.0f} characters)"
            )
