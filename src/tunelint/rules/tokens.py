"""TK: token counts against the target model's limits."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from tunelint.rules.authoring import (
    Format,
    PlainBatch,
    RecordContext,
    Reports,
    Scope,
    Settings,
    Severity,
    TypedBatch,
    Violation,
    config_key,
    rule,
)
from tunelint.tokens.counting import (
    TOKENS_PER_REPLY,
    ExampleCounter,
    token_measure,
    utf8_length,
)
from tunelint.tokens.models import check_models_table, model_for

# [tool.tunelint.models]: the table of models TK001 (and `tunelint stats`) look up.
config_key("models", check_models_table)

# Without image parts (estimated at up to 765 tokens each), every token the formula counts
# comes from more than an eighth of a byte of the record's JSON: the densest case,
# ``"functions": [{}, {}, …]``, is 11 tokens per 3 bytes. 15 = reply (3) + functions' end (12).
_TOKENS_PER_RAW_BYTE = 8
_RAW_CONSTANT = 15


def fits_by_size(raw: bytes, limit: int) -> bool:
    """Whether the record's size alone proves it within ``limit`` tokens.

    An ASCII character written as a ``\\u00..`` escape could spell ``image_url`` unseen.
    """
    if b"image_url" in raw or b"\\u00" in raw:
        return False
    return _TOKENS_PER_RAW_BYTE * len(raw) + _RAW_CONSTANT <= limit


def line_bounds(raw: bytes, limit: int) -> bool:
    """Whether a plain record's line alone proves it within ``limit`` tokens: each of its
    messages spends more bytes of JSON syntax than its 3 tokens of overhead."""
    return len(raw) + TOKENS_PER_REPLY <= limit


@rule("TK001", "example-too-long", Severity.WARNING, Scope.FILE,
      formats=[Format.CHAT, Format.REINFORCEMENT, Format.PREFERENCE], chat_view=True)  # fmt: skip
class ExampleTooLong:
    """An example holds more tokens than the target model's context limit.

    ## What it does
    Counts each example's tokens with the target model's tokenizer (`model` in the
    configuration or `--model`; without one, the target's default model: `gpt-4o-mini`
    — 65,536 tokens — for OpenAI, `gemini-2.5-flash` — 131,072 — for `vertex`; in the
    `cookbook` profile, `gpt-3.5-turbo` with its 16,385 tokens) and reports the examples
    over the model's limit, with their count. The limit of a model another provider trains
    is the context its target records (`tunelint targets --format json`); its tokens are
    counted with o200k_base and said to be an estimate when its own tokenizer is not
    available offline. The count is the cookbook's formula (3 tokens
    per message, 1 per name, 3 for the reply) plus tool definitions, tool calls and an
    estimate for images; see `tunelint stats`. For a preference pair, the longer side counts.

    ## Why is this bad?
    Training truncates an example to the context limit: the end of the conversation, usually
    the assistant's answer the example exists to teach, is cut off and still billed up to the
    limit.

    ## Example
    A 30,000-word transcript in one user message, trained on `gpt-3.5-turbo`.

    ## How to fix
    Split the conversation into shorter examples, shorten the system prompt or the tool
    definitions, or target a model with a larger context.
    """

    def __init__(self, settings: Settings) -> None:
        self.model = model_for(settings)
        self.bound = ExampleCounter(utf8_length, self.model.encoding)
        self.counter: ExampleCounter | None = None

    def visit(self, ctx: RecordContext) -> Iterable[Violation]:
        limit = self.model.context
        # Most examples are proven short without a tokenizer. A plain record's line is a
        # bound (``line_bounds``); any record's size is a looser one (``fits_by_size``);
        # else the bytes of its text, as a token covers at least one byte.
        if ctx.plain_roles is not None and line_bounds(ctx.raw, limit):
            return ()
        if fits_by_size(ctx.raw, limit) or self.bound.count(ctx.record).tokens <= limit:
            return ()
        if self.counter is None:
            encoding = self.model.encoding
            self.counter = ExampleCounter(token_measure(encoding), encoding)
        tokens = self.counter.count(ctx.record).tokens
        if tokens <= limit:
            return ()
        counted = f" (an estimate with {self.model.encoding})" if self.model.estimated else ""
        message = (
            f"example has {tokens:,} tokens{counted}; {self.model.name} trains on at most "
            f"{limit:,} and truncates the rest"
        )
        return (Violation(message),)

    def visit_plain(self, batch: PlainBatch) -> Reports:
        limit = self.model.context
        if line_bounds(max(batch.raws, key=len), limit):  # the longest line: all fit
            return ()
        return [
            (index, self.visit(batch.context(index)))
            for index, raw in enumerate(batch.raws)
            if not line_bounds(raw, limit)
        ]

    def visit_typed(self, batch: TypedBatch) -> Reports:
        # ``fits_by_size`` of the longest line, if no line holds what it looks for: all fit.
        joined = b"\n".join(batch.raws)
        if fits_by_size(max(batch.raws, key=len), self.model.context) and (
            b"image_url" not in joined and b"\\u00" not in joined
        ):
            return ()
        return [(index, self.visit(ctx)) for index, ctx in enumerate(batch.contexts)]

    def partial(self) -> None:
        return None  # every finding is reported as the example is visited

    def absorb(self, partial: None, lines_before: int, examples_before: int) -> None:
        pass

    def finish(self) -> Iterator[Violation]:
        return iter(())
