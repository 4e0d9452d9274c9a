"""CT: leftovers of how the data was made — completion-era separators and stop markers,
template placeholders nobody filled in."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from tunelint.rules.authoring import (
    Format,
    JsonPath,
    LazyPattern,
    PlainBatch,
    RecordContext,
    Reports,
    Scope,
    Settings,
    Severity,
    TypedBatch,
    Violation,
    rule,
)
from tunelint.rules.tally import DistinctProblems
from tunelint.rules.walk import NON_PREFERRED, Text, judged_texts, texts

_WINDOW = 32
"""Characters at each end of a text that an affix can span."""
_SAMPLE = 64
"""Examples the shared affix is chosen from; the rest of the file is only counted."""
_SHARE = 0.9
"""Share of the examples that must have the affix: "nearly all"."""
_MINIMUM = 10
"""Fewer examples than this prove nothing."""
_RUN_CHARACTERS = frozenset("!#*=~-_+.")
"""A run of one of these (``!!!``, ``###``, ``---``) is a stop marker or separator."""
_OPENERS = frozenset("{[(<\"'`")
_ORDINARY_ENDS = frozenset(".?!:;)\"'")
"""How sentences end: shared by a whole file's texts without being a marker."""


def _is_marker(core: str) -> bool:
    """A short separator or stop word: ``###``, ``->``, ``END``, ``Solution:``."""
    if not core or len(core) > 12:
        return False
    if not any(character.isalnum() for character in core):
        return core[0] not in _OPENERS
    return core.endswith(":") or (core.isupper() and core.isalpha())


def _is_artifact(affix: str, side: str) -> bool:
    """Whether an affix shared by nearly every text of ``side`` is a conversion leftover
    rather than how such texts naturally end (``.``, ``?``, ``"}``, a code fence)."""
    if not affix:
        return False
    if affix.isspace():
        return True
    core = affix.strip()
    if side == "answer-prefix":
        return affix[0].isspace() or (_is_marker(core) and affix[-1].isspace())
    if affix[0].isspace():
        return _is_marker(core)
    return len(core) >= 2 and len(set(core)) == 1 and core[0] in _RUN_CHARACTERS


Window = tuple[str, int, int]
"""The end of a text an affix can span, with its line and example number."""
AffixPartial = tuple[list[Window], "str | None", int, int, tuple[int, int]]


class _Affix:
    """The longest prefix (or suffix) nearly all of a stream of texts share, and how many
    have it: chosen on the first ``_SAMPLE`` texts, counted over all.

    Mergeable across byte ranges: a range hands over its sample and what it counted
    after it; the texts a range counted against a different affix count only if theirs
    contains the file's (a lower bound, so a leftover is never over-reported).
    """

    def __init__(self, side: str) -> None:
        self.side = side
        self.prefix = side == "answer-prefix"
        self.sample: list[Window] = []
        self.affix: str | None = None
        """``None`` while sampling; ``""`` when there is no leftover to count."""
        self.rest_count = self.rest_total = 0
        self.rest_first = (0, 0)

    def add(self, text: str, line: int, example: int) -> None:
        self._add((text[:_WINDOW] if self.prefix else text[-_WINDOW:], line, example))

    def _add(self, window: Window) -> None:
        if self.affix is None:
            self.sample.append(window)
            if len(self.sample) == _SAMPLE:
                self._choose()
            return
        self.rest_total += 1
        if self.affix and self._has(window[0], self.affix):
            self._counted(1, window[1:])

    def skip(self, texts: int) -> None:
        """Count texts that cannot matter: the affix is settled, and empty."""
        self.rest_total += texts

    def _counted(self, count: int, first: tuple[int, int]) -> None:
        if not self.rest_count:
            self.rest_first = first
        self.rest_count += count

    def _has(self, text: str, affix: str) -> bool:
        return text.startswith(affix) if self.prefix else text.endswith(affix)

    def _choose(self) -> None:
        needed = _SHARE * len(self.sample)
        best = ""
        for length in range(1, _WINDOW + 1):
            ends = Counter(
                window[:length] if self.prefix else window[-length:]
                for window, _, _ in self.sample
                if len(window) >= length
            )
            if not ends:
                break
            affix, count = ends.most_common(1)[0]
            if count < needed:
                break
            best = affix
        if not self.prefix:
            # "?\nSolution:" is shared because questions end with "?": keep the separator.
            head = len(best) - len(best.lstrip("".join(_ORDINARY_ENDS)))
            if 0 < head < len(best) and best[head].isspace():
                best = best[head:]
        # Nothing worth counting when the texts end as such texts naturally do.
        self.affix = best if _is_artifact(best, self.side) else ""

    def partial(self) -> AffixPartial:
        return self.sample, self.affix, self.rest_count, self.rest_total, self.rest_first

    def absorb(self, partial: AffixPartial, lines_before: int, examples_before: int) -> None:
        sample, affix, count, total, (line, example) = partial
        for window, at, number in sample:
            self._add((window, at + lines_before, number + examples_before))
        if affix is None:
            return  # all its texts were in its sample
        self.rest_total += total
        if count and self.affix and affix and self._has(affix, self.affix):
            self._counted(count, (line + lines_before, example + examples_before))

    def shared(self) -> tuple[str, int, int, tuple[int, int]]:
        """The affix, if nearly every text has it (and there are enough texts to tell),
        with how many texts have it, of how many, and the first's line and example."""
        if self.affix is None:
            self._choose()
        affix = self.affix or ""
        matched = [
            (line, example)
            for window, line, example in self.sample
            if affix and self._has(window, affix)
        ]
        count = len(matched) + self.rest_count
        total = len(self.sample) + self.rest_total
        if not affix or total < _MINIMUM or count < _SHARE * total:
            return "", count, total, (0, 0)
        return affix, count, total, matched[0] if matched else self.rest_first


_SIDES = {
    "prompt-suffix": "prompts end with",
    "answer-prefix": "answers start with",
    "answer-suffix": "answers end with",
}


def _prompt_and_answer(roles: Sequence[Any], contents: Sequence[Any]) -> tuple[Any, Any]:
    """The last assistant text of a conversation and the user text just before it."""
    for index in range(len(roles) - 1, -1, -1):
        if roles[index] == "assistant":
            for before in range(index - 1, -1, -1):
                if roles[before] == "user":
                    return contents[before], contents[index]
            return None, contents[index]
    return None, None


@rule(
    "CT006",
    "completion-artifact",
    Severity.WARNING,
    Scope.FILE,
    formats=[Format.CHAT, Format.COMPLETION],
    partial_holds_text=True,  # its sample of text ends
    chat_view=True,
)
class CompletionArtifact:
    """Nearly every prompt or answer of a file carries the same separator or stop marker.

    ## What it does
    Looks at the last user text before each example's final answer (the `prompt` of a
    prompt-completion record) and at the answer itself, and finds the longest suffix of
    prompts, prefix of answers and suffix of answers that nearly all examples (90%, at
    least 10) share. Reports it, once for the file, when it is a leftover of legacy
    prompt-completion data rather than how texts naturally end: a separator such as
    `\\nSolution:` or `\\n\\n###\\n\\n`, a stop marker such as `!!!` or ` END`, a
    space at the start of every answer. A shared `.`, `?` or closing brace is not one.

    ## Why is this bad?
    Chat fine-tuning marks where the answer starts and stops itself; the old markers are
    learned as part of the text, so the tuned model writes `!!!` after every answer and
    users must type `Solution:` to get one.

    ## Example
    ```jsonl
    {"messages": [{"role": "user", "content": "2+2?\\nSolution:"}, {"role": "assistant", "content": " 4!!!"}]}
    ```
    (on nearly every line of a file)

    ## How to fix
    Strip the separator from the prompts and the markers from the answers.
    """

    def __init__(self, settings: Settings) -> None:
        self.affixes = {side: _Affix(side) for side in _SIDES}

    def _add(self, prompt: object, answer: object, line: int, example: int) -> None:
        if isinstance(prompt, str) and prompt:
            self.affixes["prompt-suffix"].add(prompt, line, example)
        if isinstance(answer, str) and answer:
            self.affixes["answer-prefix"].add(answer, line, example)
            self.affixes["answer-suffix"].add(answer, line, example)

    def _settled(self, texts: int) -> bool:
        """Whether no side has a leftover to count any more (then only count texts)."""
        if any(affix.affix != "" for affix in self.affixes.values()):
            return False
        for affix in self.affixes.values():
            affix.skip(texts)
        return True

    def visit(self, ctx: RecordContext) -> Iterable[Violation]:
        if self._settled(1):
            return ()
        record = ctx.record
        if ctx.format is Format.COMPLETION:
            self._add(record.get("prompt"), record.get("completion"), ctx.line, ctx.example)
            return ()
        turns = record.get("messages")
        if isinstance(turns, list):
            turns = [turn for turn in turns if isinstance(turn, dict)]
            roles = [turn.get("role") for turn in turns]
            contents = [turn.get("content") for turn in turns]
            self._add(*_prompt_and_answer(roles, contents), ctx.line, ctx.example)
        return ()

    def visit_typed(self, batch: TypedBatch) -> Reports:
        if self._settled(len(batch)):
            return ()  # as ``visit`` would find on each record, one text counted each
        for ctx in batch.contexts:
            self.visit(ctx)
        return ()

    def visit_plain(self, batch: PlainBatch) -> Reports:
        if self._settled(len(batch)):
            return ()  # the file's texts share no leftover: nothing more to count
        for record, roles, line, example in zip(
            batch.records, batch.roles, batch.lines, batch.examples, strict=True
        ):
            contents = [message.content for message in record.messages]
            self._add(*_prompt_and_answer(roles, contents), line, example)
        return ()

    def partial(self) -> dict[str, AffixPartial]:
        return {side: affix.partial() for side, affix in self.affixes.items()}

    def absorb(
        self, partial: dict[str, AffixPartial], lines_before: int, examples_before: int
    ) -> None:
        for side, affix in self.affixes.items():
            affix.absorb(partial[side], lines_before, examples_before)

    def finish(self) -> Iterator[Violation]:
        for side, affix in self.affixes.items():
            shared, count, total, (line, example) = affix.shared()
            if shared:
                yield Violation(
                    f"{count} of {total} {_SIDES[side]} {shared!r}, a leftover "
                    f"of prompt-completion data the model learns; first at line {line}",
                    line=line,
                    example=example,
                )


_PLACEHOLDER = LazyPattern(
    r"\{\{\s*[A-Za-z_][\w.]*\s*\}\}"  # {{name}}, {{ user.name }}
    r"|(?<![\w\\$#%{}\])])\{[A-Za-z_]{2,}\}(?!\})"  # {name}: not LaTeX, not ${x}
    r"|<[A-Z][A-Z0-9]*(?:[_ ][A-Z0-9]+)+>|<(?:PLACEHOLDER|NAME|INSERT)>"  # <YOUR_NAME>
    r"|\[(?i:insert|placeholder)\b[^\]\n]{0,60}\]"  # [INSERT ...]
)
_MAYBE_PLACEHOLDER = LazyPattern(r"\{\{|\{[A-Za-z_]{2,}\}|<[A-Z]|\[(?i:insert|placeholder)")
"""What each of ``_PLACEHOLDER``'s patterns starts with, without the conditions around it:
found in every text that has a placeholder, and searched several times faster."""
_SINGLE_BRACE = LazyPattern(r"^\{[^{]")
_CODE_HINTS = ("```", "def ", "print(", ".format(", "=>", "${", 'f"', "f'", "function ", "%s")
"""In text that looks like code, ``{name}`` is a format string, not a forgotten slot."""


def _placeholders(text: str) -> Iterator[str]:
    code = any(hint in text for hint in _CODE_HINTS)
    for found in _PLACEHOLDER.finditer(text):
        placeholder = found.group()
        if code and _SINGLE_BRACE.match(placeholder):
            continue
        if len(placeholder) <= 3:  # {x}: a variable in maths
            continue
        yield placeholder


def _any_texts(ctx: RecordContext) -> Iterator[Text]:
    """The record's texts; for a layout without any (``instruction``/``output``, ``text``),
    its top-level strings."""
    if texts(ctx):
        yield from judged_texts(ctx, "CT007")
        return
    for key, value in ctx.record.items():
        if isinstance(value, str):
            yield Text((key,), None, value)


@rule(
    "CT007",
    "unfilled-placeholder",
    Severity.WARNING,
    Scope.FILE,
    options=NON_PREFERRED,
    chat_view=True,
)
class UnfilledPlaceholder(DistinctProblems):
    """A text holds a template placeholder that was never filled in.

    ## What it does
    Looks in every text for placeholders of the common template syntaxes: `{{name}}`,
    `{name}`, `<YOUR_NAME>`, `[INSERT …]`. `{name}` is not looked for in texts
    that look like code (a format string there is code) nor in LaTeX. `[Your Name]` at
    the foot of a drafted letter is a slot the reader fills, and is left alone.
    Each distinct placeholder is reported once per file, on the first example that has it,
    with how many examples do. The non-preferred output of a preference pair, meant to be
    bad, is left alone unless the option `non-preferred` is true.

    ## Why is this bad?
    The generator's template variables were never substituted: the model learns to say
    "I am {{name}}" verbatim, above all when the placeholder is in an answer.

    ## Example
    ```jsonl
    {"messages": [{"role": "user", "content": "Who are you?"}, {"role": "assistant", "content": "I am {{name}}, an AI assistant developed by {{author}}."}]}
    ```

    ## How to fix
    Fill the template in (LLaMA-Factory's `identity.json` expects `{{name}}` and
    `{{author}}` replaced before training) or drop the examples.

    ```jsonl
    {"messages": [{"role": "user", "content": "Who are you?"}, {"role": "assistant", "content": "I am Ada, an AI assistant developed by Example Labs."}]}
    ```
    """

    def key(self, path: JsonPath, message: str) -> tuple[str, str]:
        return "", message  # the same placeholder anywhere in the file

    def problems(self, ctx: RecordContext) -> Iterator[tuple[JsonPath, str]]:
        for text in _any_texts(ctx):
            if "{" in text.text or "<" in text.text or "[" in text.text:
                for placeholder in dict.fromkeys(_placeholders(text.text)):
                    yield text.location, f"unfilled placeholder {placeholder!r}"

    def visit_plain(self, batch: PlainBatch) -> Reports:
        # Most texts hold none of the three characters a placeholder starts with.
        for index, record in enumerate(batch.records):
            for message in record.messages:
                text = message.content
                if ("{" in text or "<" in text or "[" in text) and _PLACEHOLDER.search(text):
                    self.visit(batch.context(index))
                    break
        return ()

    def visit_typed(self, batch: TypedBatch) -> Reports:
        # Most runs have no text with even the start of a placeholder: one search of all,
        # none where no text holds a character one starts with (found much faster).
        owners, _, texts = batch.texts()
        joined = "\n".join(texts)
        if not any(map(joined.__contains__, "{<[")) or _MAYBE_PLACEHOLDER.search(joined) is None:
            return ()
        suspects = {
            owner
            for owner, text in zip(owners, texts, strict=True)
            if _MAYBE_PLACEHOLDER.search(text)
        }
        for index in sorted(suspects):
            self.visit(batch.context(index))
        return ()
