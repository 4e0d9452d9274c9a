"""DS: properties of a whole file (or of several files) rather than of one example."""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

from tunelint.rules.authoring import (
    Format,
    PlainBatch,
    RecordContext,
    RecordRun,
    Reports,
    Scope,
    Settings,
    Severity,
    TypedBatch,
    Violation,
    canonical_json,
    rule,
    xxh3_64,
)
from tunelint.rules.similarity import (
    MinHasher,
    Positions,
    conversation_text,
    digest,
    normalise_all,
    record_digest,
    repeats,
    similar_pairs,
)
from tunelint.rules.walk import SYSTEM_ROLES, TRAINED_ROLES, texts


class ExampleCount:
    """A file rule's count of the examples, merged across byte ranges."""

    examples = 0

    def visit(self, ctx: RecordContext) -> Iterable[Violation]:
        self.examples += 1
        return ()

    def visit_run(self, batch: RecordRun) -> Reports:
        self.examples += len(batch)
        return ()

    visit_plain = visit_typed = visit_run

    def partial(self) -> int:
        return self.examples

    def absorb(self, partial: int, lines_before: int, examples_before: int) -> None:
        self.examples += partial


@rule(
    "DS001",
    "too-few-examples",
    Severity.ERROR,
    Scope.FILE,
    options={"minimum": 10},
    on_validation=False,
    any_layout=True,
)
class TooFewExamples(ExampleCount):
    """A file has fewer examples than a fine-tuning job accepts (10 by default).

    ## What it does
    Counts the file's records and reports when there are fewer than the rule option
    `minimum`. Validation files have no minimum: a file configured as one (`datasets`,
    `check --validation-file`, `train --validation-file`, the held-out file of
    `convert --split --check`) is not checked; others can be exempted with
    `per-file-ignores`.

    ## Why is this bad?
    The provider refuses to start a job on fewer than 10 training examples, after the
    upload; the OpenAI guide recommends 50 to 100 for a visible effect.

    ## Example
    A training file with 5 examples (like the cookbook's toy file).

    ## How to fix
    Add examples; raise `minimum` to hold your own datasets to a higher bar.
    """

    def __init__(self, settings: Settings) -> None:
        self.minimum: int = settings.options("DS001")["minimum"]

    def finish(self) -> Iterator[Violation]:
        if self.examples < self.minimum:
            yield Violation(
                f"file has {self.examples} example(s); fine-tuning needs at least {self.minimum}"
            )


@rule("DS003", "duplicate-example", Severity.WARNING, Scope.FILE, any_layout=True)
class DuplicateExample:
    """An example is an exact copy of an earlier one.

    ## What it does
    Compares every record with the earlier ones in canonical form (keys sorted, compact
    separators, so key order and spacing do not matter) and reports each repeat with the
    line of the first occurrence. It keeps an 8-byte hash per example, not the records.
    On by default: an exact copy is almost never intended.

    ## Why is this bad?
    Copies weigh one example several times over, skew what the model learns towards it,
    cost tokens, and usually come from concatenating the same export twice.

    ## Example
    ```jsonl
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    {"messages": [{"content": "Hi", "role": "user"}, {"role": "assistant", "content": "Hello"}]}
    ```

    ## How to fix
    Delete the repeats, or give weight to an example deliberately with `weight`.

    ```jsonl
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    ```
    """

    def __init__(self, settings: Settings) -> None:
        self.keys = array("Q")
        self.positions = Positions()

    def visit(self, ctx: RecordContext) -> Iterable[Violation]:
        self.keys.append(record_digest(ctx))
        self.positions.add(ctx)
        return ()

    def visit_run(self, batch: RecordRun) -> Reports:
        self.keys.extend(batch.digests())
        self.positions.add_batch(batch)
        return ()

    visit_plain = visit_typed = visit_run

    def partial(self) -> tuple[array[int], Positions]:
        return self.keys, self.positions

    def absorb(
        self, partial: tuple[array[int], Positions], lines_before: int, examples_before: int
    ) -> None:
        self.keys.extend(partial[0])
        self.positions.absorb(partial[1], lines_before, examples_before)

    def finish(self) -> Iterator[Violation]:
        for index, first in repeats(self.keys):
            line = self.positions.line(first)
            yield self.positions.violation(index, f"duplicate of the example on line {line}")


class _HashesPerExample:
    """A file rule that keeps a few 8-byte hashes and the position of each example, and
    merges them across byte ranges (``MergeableCheck``)."""

    hashes: ClassVar[tuple[str, ...]]
    """The names of its ``array("Q")`` attributes, one value per example."""
    positions: Positions

    def partial(self) -> tuple[tuple[array[int], ...], Positions]:
        return tuple(getattr(self, name) for name in self.hashes), self.positions

    def absorb(
        self,
        partial: tuple[tuple[array[int], ...], Positions],
        lines_before: int,
        examples_before: int,
    ) -> None:
        arrays, positions = partial
        for name, values in zip(self.hashes, arrays, strict=True):
            getattr(self, name).extend(values)
        self.positions.absorb(positions, lines_before, examples_before)


_LOWER = bytes(byte | 0x20 if 0x41 <= byte <= 0x5A else byte for byte in range(256))
_SEPARATORS = bytes(
    byte for byte in range(128) if not chr(byte).isalnum() and chr(byte) not in "{}[]"
)
"""ASCII punctuation, spacing and control characters, JSON's quotes, colons and commas
among them; brackets stay, so that a record's structure still counts."""
_SPACING_ESCAPES = re.compile(rb"\\[nrt]")
"""Newlines, returns and tabs, as JSON escapes them: spacing to drop, like the others."""


def _folded(raw: bytes) -> bytes:
    """The letters, digits and brackets of a record's line in order, ASCII letters in
    lower case.

    Works on the bytes as written, in C, so that it costs little more than reading them.
    """
    return _SPACING_ESCAPES.sub(b"", raw).translate(_LOWER, _SEPARATORS)


def _each_folded(raws: list[bytes]) -> list[bytes]:
    """``_folded`` of each line of decoded records, in one pass: a decoded line is valid
    UTF-8, so holds no 0xFF byte to join them with."""
    return _folded(b"\xff".join(raws)).split(b"\xff")


@rule("DS007", "normalised-duplicate", Severity.WARNING, Scope.FILE, any_layout=True)
class NormalisedDuplicate(_HashesPerExample):
    """An example repeats an earlier one but for case, spacing and punctuation.

    ## What it does
    Compares the letters, digits and brackets of each line in order, ASCII letters in
    lower case, without punctuation and spacing (JSON's quotes among them), as normalising
    de-duplicators do: texts that differ in case, spacing or punctuation match, while
    roles, weights and tool calls must be equal. Letters beyond ASCII are compared as
    written, and a text written with `\\u` escapes matches only one written so.
    Reports a repeat with the line of the first occurrence; exact copies are DS003's.
    Keeps two 8-byte hashes per example. On by default: unlike near-duplicates, these
    are the same example typed twice.

    ## Why is this bad?
    Like exact copies they over-weight one example, and split across training and
    validation they leak; an exact comparison misses them.

    ## Example
    ```jsonl
    {"messages": [{"role": "user", "content": "How do I reset my password?"}, {"role": "assistant", "content": "Open Settings, then Security."}]}
    {"messages": [{"role": "user", "content": "how do I reset my password"}, {"role": "assistant", "content": "Open settings then security"}]}
    ```

    ## How to fix
    Delete the repeats.

    ```jsonl
    {"messages": [{"role": "user", "content": "How do I reset my password?"}, {"role": "assistant", "content": "Open Settings, then Security."}]}
    ```
    """

    hashes = ("keys", "exact")

    def __init__(self, settings: Settings) -> None:
        self.keys = array("Q")
        self.exact = array("Q")
        self.positions = Positions()

    def visit(self, ctx: RecordContext) -> Iterable[Violation]:
        self.keys.append(xxh3_64(_folded(ctx.raw)))
        self.exact.append(record_digest(ctx))
        self.positions.add(ctx)
        return ()

    def visit_run(self, batch: RecordRun) -> Reports:
        self.keys.extend(map(xxh3_64, _each_folded(batch.raws)))
        self.exact.extend(batch.digests())
        self.positions.add_batch(batch)
        return ()

    visit_plain = visit_typed = visit_run

    def finish(self) -> Iterator[Violation]:
        copies = {index for index, _ in repeats(self.exact)}
        for index, first in repeats(self.keys):
            if index not in copies:
                line = self.positions.line(first)
                yield self.positions.violation(
                    index,
                    f"same as the example on line {line} but for case, spacing or punctuation",
                )


@rule(
    "DS004",
    "near-duplicate",
    Severity.WARNING,
    Scope.FILE,
    default=False,
    options={"threshold": 0.8},
    chat_view=True,
)
class NearDuplicate:
    """An example says nearly the same as an earlier one.

    ## What it does
    Compares what examples say, apart from system prompts (all message texts and tool
    calls), after normalisation (case, punctuation and spacing do not count), as sets of
    5-character shingles. MinHash signatures (64 values, 136 bytes per example with its
    hash and position) and LSH banding find candidate pairs, which are verified on the full
    signature; pairs whose estimated Jaccard similarity reaches `threshold` (default 0.8)
    are reported on the later example, with the line of the earliest similar one, when
    their answers (assistant turns, completions, both outputs of a preference pair) are
    as similar too: preference pairs sharing a prompt (several per prompt are normal in
    DPO) and different questions about one shared passage are not near-duplicates. Exact
    copies (and pairs of them) are left to DS003. A record of another dialect (ShareGPT,
    Alpaca, Vertex...) that the target reads is compared by its chat view. Off by default:
    templated datasets (one instruction, short varying inputs) are legitimately similar;
    enable it with `extend-select`.

    ## Why is this bad?
    Near-copies (a changed name, punctuation, a trailing sentence) act like duplicates:
    they over-weight one example and, split across training and validation, leak.

    ## Example
    ```jsonl
    {"messages": [{"role": "user", "content": "How do I reset my password?"}, {"role": "assistant", "content": "Open Settings, then Security, then Reset password."}]}
    {"messages": [{"role": "user", "content": "how do I reset my password"}, {"role": "assistant", "content": "Open Settings, then Security, then Reset password!"}]}
    ```

    ## How to fix
    Keep one example of each group, or make the variants differ in substance; raise
    `threshold` towards 1.0 to report only closer copies.

    ```jsonl
    {"messages": [{"role": "user", "content": "How do I reset my password?"}, {"role": "assistant", "content": "Open Settings, then Security, then Reset password."}]}
    ```
    """

    def __init__(self, settings: Settings) -> None:
        self.threshold: float = settings.options("DS004")["threshold"]
        self.hasher = MinHasher()
        self.answers = MinHasher()
        """A signature of each kept example's answers alone, row for row."""
        self.keys = array("Q")
        self.positions = Positions()

    def visit(self, ctx: RecordContext) -> Iterable[Violation]:
        text = conversation_text(ctx)
        if self.hasher.add(text):
            answers = "\n".join(t.text for t in texts(ctx) if t.role in TRAINED_ROLES)
            if not self.answers.add(answers):
                self.answers.add(text)  # no answer: the example is its own
            self.keys.append(record_digest(ctx))
            self.positions.add(ctx)
        return ()

    def visit_plain(self, batch: PlainBatch) -> Reports:
        # ``visit``'s texts, read straight from the messages (a plain record has no text
        # parts and no tool calls), each normalised once, all at once: as a line feed
        # is a separator, the words of texts joined by one are the texts' words joined.
        said = [
            (index, message.role, message.content)
            for index, record in enumerate(batch.records)
            for message in record.messages
            if message.role not in SYSTEM_ROLES
        ]
        texts: list[list[str]] = [[] for _ in range(len(batch))]
        answers: list[list[str]] = [[] for _ in range(len(batch))]
        for (index, role, _), words in zip(said, normalise_all([s[2] for s in said]), strict=True):
            if words:
                texts[index].append(words)
                if role == "assistant":
                    answers[index].append(words)
        digests = batch.digests()
        for index, (text, answer) in enumerate(zip(texts, answers, strict=True)):
            if self.hasher.add_normalised(" ".join(text)):
                if not self.answers.add_normalised(" ".join(answer)):
                    self.answers.add_normalised(" ".join(text))
                self.keys.append(digests[index])
                self.positions.add_at(batch.lines[index], batch.examples[index])
        return ()

    def partial(self) -> tuple[Any, Any, array[int], Positions]:
        self.hasher.flush()
        self.answers.flush()
        return (
            self.hasher.signatures.values,
            self.answers.signatures.values,
            self.keys,
            self.positions,
        )

    def absorb(
        self,
        partial: tuple[Any, Any, array[int], Positions],
        lines_before: int,
        examples_before: int,
    ) -> None:
        signatures, answers, keys, positions = partial
        self.hasher.flush()
        self.answers.flush()
        self.hasher.signatures.extend(signatures)
        self.answers.signatures.extend(answers)
        self.keys.extend(keys)
        self.positions.absorb(positions, lines_before, examples_before)

    def finish(self) -> Iterator[Violation]:
        self.hasher.flush()
        self.answers.flush()
        answers = self.answers.signatures.values
        copies = {index for index, _ in repeats(self.keys)}
        closest: dict[int, tuple[int, float]] = {}
        for later, earlier, similarity in similar_pairs(
            self.hasher.signatures.values, self.threshold
        ):
            if later in copies or self.keys[later] == self.keys[earlier]:
                continue
            # A shared prompt or passage with other answers: other pairs, other questions.
            if (answers[later] == answers[earlier]).mean() < self.threshold:
                continue
            if earlier < closest.get(later, (later,))[0]:
                closest[later] = (earlier, similarity)
        for index, (earlier, similarity) in closest.items():
            line = self.positions.line(earlier)
            yield self.positions.violation(
                index,
                f"nearly the same as the example on line {line} (similarity {similarity:.2f})",
            )


@rule(
    "DS005",
    "train-validation-overlap",
    Severity.WARNING,
    Scope.DATASET,
    options={"threshold": 0.8},
    chat_view=True,
)
class TrainValidationOverlap:
    """A validation example is also in the training file, exactly or nearly.

    ## What it does
    Runs on a validation file paired with its training file (`tunelint check TRAIN
    --validation-file VAL` or `[[tool.tunelint.datasets]]`). Reports each validation
    example that is an exact copy (canonical JSON) of a training example, or whose text is
    nearly the same as one (the MinHash comparison of DS004, at `threshold`, default 0.8),
    with the training file's line. Records of another dialect (ShareGPT, Alpaca,
    Vertex...) that the target reads are compared by their chat view, in both files.
    On by default: it only runs when you name the pair.

    ## Why is this bad?
    Validation loss on examples the model trained on measures memorisation, not
    generalisation: the curves look better than the model is, and overfitting goes unseen.

    ## Example
    ```toml
    [[tool.tunelint.datasets]]
    train = "data/train.jsonl"
    validation = "data/validation.jsonl"   # shares an example with train.jsonl
    ```

    ## How to fix
    Remove the overlapping examples from one of the files, or split the data after
    de-duplicating it.
    """

    def __init__(self, settings: Settings) -> None:
        self.threshold: float = settings.options("DS005")["threshold"]
        self.hasher = MinHasher()
        self.keys = array("Q")
        """Digest of every training record, then of every validation record."""
        self.training_lines = array("I")
        self.training_rows = array("I")
        """Training line of each signature row (training examples with text)."""
        self.validation_rows = array("I")
        """Validation example of each signature row after the training ones."""
        self.positions = Positions()

    def reference(self, ctx: RecordContext) -> None:
        self.keys.append(record_digest(ctx))
        self.training_lines.append(ctx.line)
        if self.hasher.add(conversation_text(ctx)):
            self.training_rows.append(ctx.line)

    def visit(self, ctx: RecordContext) -> Iterable[Violation]:
        self.keys.append(record_digest(ctx))
        if self.hasher.add(conversation_text(ctx)):
            self.validation_rows.append(len(self.positions))
        self.positions.add(ctx)
        return ()

    def finish(self) -> Iterator[Violation]:
        training = len(self.training_lines)
        copies: set[int] = set()
        for index, first in repeats(self.keys):
            if index >= training > first:
                copies.add(index - training)
                line = self.training_lines[first]
                yield self.positions.violation(
                    index - training, f"exact copy of the training file's line {line}"
                )
        self.hasher.flush()
        offset = len(self.training_rows)
        closest: dict[int, tuple[int, float]] = {}
        for later, earlier, similarity in similar_pairs(
            self.hasher.signatures.values, self.threshold
        ):
            if later < offset or earlier >= offset:
                continue
            example = self.validation_rows[later - offset]
            line = self.training_rows[earlier]
            if example not in copies and line < closest.get(example, (line + 1,))[0]:
                closest[example] = (line, similarity)
        for example, (line, similarity) in closest.items():
            yield self.positions.violation(
                example,
                f"nearly the same as the training file's line {line} (similarity {similarity:.2f})",
            )


_OPENING = b'{"messages":['
_MESSAGE = b'{"content":'
"""How a plain message's canonical JSON starts (its keys sorted), and nowhere else in a
plain record's: a string cannot hold the unescaped quote."""


def _prompt_key(tools: Any, turns: list[Any]) -> int:
    """The hash of a prompt: its tool definitions, and its turns as its record's canonical
    JSON spells them (so that a plain record's prompt is the start of its own)."""
    head = b"" if tools is None else canonical_json(tools) + b"\n"  # never in compact JSON
    if not turns:
        return xxh3_64(head + _OPENING)
    # The list's encoding is its turns' joined by commas: "[" and a comma after each.
    return xxh3_64(head + _OPENING[:-1] + canonical_json(turns)[:-1] + b",")


def _prompt_and_answer(ctx: RecordContext) -> tuple[int, int] | None:
    """Hashes of the turns before the last assistant turn, and of what that turn says
    (weight aside)."""
    if ctx.format is Format.COMPLETION:
        return digest(ctx.record.get("prompt")), digest(ctx.record.get("completion"))
    turns = ctx.record.get("messages")
    if not isinstance(turns, list):
        return None
    for index in range(len(turns) - 1, -1, -1):
        turn = turns[index]
        if isinstance(turn, dict) and turn.get("role") == "assistant":
            if index == 0 and ctx.origin is not None:
                return None  # another dialect's text without a prompt (Together ``text``)
            answer = turn
            if "weight" in turn:
                answer = {key: value for key, value in turn.items() if key != "weight"}
            return _prompt_key(ctx.record.get("tools"), turns[:index]), digest(answer)
    return None


@rule(
    "DS006",
    "conflicting-answers",
    Severity.WARNING,
    Scope.FILE,
    formats=[Format.CHAT, Format.COMPLETION],
    chat_view=True,
)
class ConflictingAnswers(_HashesPerExample):
    """Examples with the same prompt have different final answers.

    ## What it does
    Takes each example's prompt (every turn before the last assistant turn, and its tool
    definitions) and its final answer, and reports an example whose prompt equals an
    earlier example's while its answer differs, with that example's line. Keeps two 8-byte
    hashes per example. On by default: with the whole prompt identical, different targets
    are usually label noise; a dataset that samples several answers on purpose can ignore
    it. Preference data is exempt (several pairs per prompt are normal there). Records of
    another dialect a target reads (ShareGPT, Alpaca, Vertex...) are compared through their
    chat view, with their `tools` as written; a `text` record has no prompt to compare.

    ## Why is this bad?
    The model is trained towards two answers for one input: the gradient pulls both ways,
    and evaluation on such examples cannot be right.

    ## Example
    ```jsonl
    {"messages": [{"role": "user", "content": "Capital of Australia?"}, {"role": "assistant", "content": "Canberra"}]}
    {"messages": [{"role": "user", "content": "Capital of Australia?"}, {"role": "assistant", "content": "Sydney"}]}
    ```

    ## How to fix
    Keep the right answer, or make the prompts say what distinguishes the answers.

    ```jsonl
    {"messages": [{"role": "user", "content": "Capital of Australia?"}, {"role": "assistant", "content": "Canberra"}]}
    ```
    """

    hashes = ("prompts", "answers")

    def __init__(self, settings: Settings) -> None:
        self.prompts = array("Q")
        self.answers = array("Q")
        self.positions = Positions()

    def visit(self, ctx: RecordContext) -> Iterable[Violation]:
        keys = _prompt_and_answer(ctx)
        if keys is not None:
            self.prompts.append(keys[0])
            self.answers.append(keys[1])
            self.positions.add(ctx)
        return ()

    def visit_plain(self, batch: PlainBatch) -> Reports:
        # The answer is most often the last message: the prompt is then what comes before
        # its canonical JSON in the record's, and the answer what follows, up to "]}".
        for record, canonical, roles in zip(
            batch.records, batch.canonical(), batch.roles, strict=True
        ):
            if roles[-1] == "assistant":
                answer = canonical.rfind(_MESSAGE)
                self.prompts.append(xxh3_64(canonical[:answer]))
                self.answers.append(xxh3_64(canonical[answer:-2]))
            else:
                index = len(roles) - 1 - roles[::-1].index("assistant")
                turns = record.messages  # each encodes as the object it was decoded from
                self.prompts.append(_prompt_key(None, turns[:index]))
                self.answers.append(digest(turns[index]))
        self.positions.add_batch(batch)
        return ()

    def visit_typed(self, batch: TypedBatch) -> Reports:
        # As on plain records, when the answer is the last message and starts as its
        # canonical JSON does: the prompt is what comes before it in the record's (the
        # tools' after the messages, ``],"tools":`` ending them: no key of a well-formed
        # message holds that unquoted), and the answer what follows, up to there.
        for index, (record, canonical, tools) in enumerate(
            zip(batch.records, batch.canonical(), batch.definitions(), strict=True)
        ):
            last = record["messages"][-1]
            if last["role"] != "assistant" or "content" not in last:
                self.visit(batch.context(index))
                continue
            end = len(canonical) - 2 if tools is None else canonical.index(b'],"tools":')
            answer = canonical.rfind(_MESSAGE, 0, end)
            head = b"" if tools is None else tools + b"\n"
            self.prompts.append(xxh3_64(head + canonical[:answer]))
            self.answers.append(xxh3_64(canonical[answer:end]))
            self.positions.add_at(batch.lines[index], batch.examples[index])
        return ()

    def finish(self) -> Iterator[Violation]:
        for index, first in repeats(self.prompts):
            if self.answers[index] != self.answers[first]:
                line = self.positions.line(first)
                yield self.positions.violation(
                    index, f"same prompt as the example on line {line}, different final answer"
                )
