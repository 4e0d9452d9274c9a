"""TM: what open-model training learns from a record, with the model's own tokenizer and
chat template (``--tokenizer DIR``; the rules do nothing without one).

Every rule reads one shared ``Analysis`` of the record (``tunelint.template.analysis``):
the record is rendered and tokenized once however many of these rules run.
"""

from __future__ import annotations

import bisect
import functools
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from tunelint.rules.authoring import (
    Format,
    JsonPath,
    PlainBatch,
    RecordCheck,
    RecordContext,
    Reports,
    Severity,
    TypedBatch,
    Violation,
    rule,
)

if TYPE_CHECKING:
    from tunelint.template.analysis import Analysis, Analyzer
    from tunelint.template.masking import Turn

TEMPLATE_FORMATS = (Format.CHAT, Format.COMPLETION)

# Analyses of recent records, for the rules that run after the first on the same record
# (the plain fast path runs one rule over a whole block before the next). Bounded by the
# tokens they hold: one 64 KB block of records is far below it.
_MEMO_TOKENS = 400_000
_memo: OrderedDict[int, tuple[Any, tuple[Analyzer, Analysis | None]]] = OrderedDict()
_memo_tokens = 0


def analysed(ctx: RecordContext) -> tuple[Analyzer, Analysis] | None:
    """The analyzer and the record's analysis; ``None`` without a tokenizer or for a record
    of a shape the template rules leave to the schema rules."""
    global _memo_tokens
    settings = ctx.settings.template
    if settings is None:
        return None
    key = id(ctx.record)
    entry = _memo.get(key)
    if entry is None or entry[0] is not ctx.record:
        from tunelint.template import require_extra

        require_extra()
        from tunelint.template.analysis import analyzer_for

        analyzer = analyzer_for(settings)
        analysis = analyzer.analyze(ctx.record)
        entry = (ctx.record, (analyzer, analysis))
        _memo[key] = entry
        _memo_tokens += len(analysis.ids) if analysis else 0
        while _memo_tokens > _MEMO_TOKENS and len(_memo) > 1:
            _, (_, (_, dropped)) = _memo.popitem(last=False)
            _memo_tokens -= len(dropped.ids) if dropped else 0
    analyzer, found = entry[1]
    return None if found is None else (analyzer, found)


def _rendered(ctx: RecordContext) -> tuple[Analyzer, Analysis] | None:
    """``analysed``, for the rules that need a rendering: ``None`` when it failed."""
    result = analysed(ctx)
    if result is None or result[1].failure is not None:
        return None
    return result


def template_rule(code: str, name: str, severity: Severity) -> Callable[[RecordCheck], RecordCheck]:
    """Register a TM rule, with a batch form that costs nothing when no tokenizer is set."""

    def register(check: RecordCheck) -> RecordCheck:
        @functools.wraps(check)
        def guarded(ctx: RecordContext) -> Iterable[Violation]:
            # Without a tokenizer the rule costs one call: no generator is made.
            return () if ctx.settings.template is None else check(ctx)

        def batch(plain: PlainBatch) -> Reports:
            if plain.settings.template is None:
                return ()
            return [(index, check(plain.context(index))) for index in range(len(plain))]

        def typed(run: TypedBatch) -> Reports:
            if run.settings.template is None:
                return ()
            return [(index, check(ctx)) for index, ctx in enumerate(run.contexts)]

        rule(code, name, severity, formats=TEMPLATE_FORMATS, batch=batch, typed_batch=typed)(
            guarded
        )
        return check

    return register


def _where(turn: Turn) -> JsonPath:
    return ("messages", turn.message) if turn.message is not None else ("completion",)


@template_rule("TM001", "template-fails-to-render", Severity.ERROR)
def template_fails_to_render(ctx: RecordContext) -> Iterator[Violation]:
    """The model's chat template raises an error on this record.

    ## What it does
    Renders the record with the tokenizer's chat template (`--tokenizer DIR`), in the
    sandboxed Jinja environment transformers uses, and reports the template's own error:
    a `raise_exception` message such as "Conversation roles must alternate
    user/assistant/user/assistant/…", or a failure such as a missing key.

    ## Why is this bad?
    The trainer renders every example before the first step; one record the template
    rejects stops the run (TRL, axolotl) after the GPUs are already paid for, or is
    silently dropped by pipelines that skip errors.

    ## Example
    With a Gemma template, which rejects the `system` role:
    ```jsonl
    {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    ```

    ## How to fix
    Reshape the record as the template requires (merge the system message into the first
    user turn, alternate the roles), or pick a template that accepts it with
    `--chat-template`.

    ```jsonl
    {"messages": [{"role": "user", "content": "Be brief.\\n\\nHi"}, {"role": "assistant", "content": "Hello"}]}
    ```
    """
    result = analysed(ctx)
    if result is not None and result[1].failure:
        yield Violation(f"the chat template fails to render this record: {result[1].failure}")


@template_rule("TM002", "no-trainable-tokens", Severity.ERROR)
def no_trainable_tokens(ctx: RecordContext) -> Iterator[Violation]:
    """Under the configured loss mode, no token of the example is trained.

    ## What it does
    Tokenizes the rendered record and computes the loss mask the trainer would use
    (`--loss`, default `assistant-turns`; see the README for each mode), and reports
    examples in which no token is trained. The commonest cause: TRL's
    `assistant_only_loss` (`--loss assistant-only`) with a template that has no
    `{% generation %}` blocks, which masks every token of every example. Others: no
    message has the role `assistant` (a role mapping that missed, `gpt` for
    `assistant`), or the answer renders as nothing.

    ## Why is this bad?
    An example without trained tokens costs compute and teaches nothing; when every
    example is like it, TRL stops with "at least one example has no assistant tokens" or
    trains on a loss of zero.

    ## Example
    ```jsonl
    {"messages": [{"role": "human", "content": "Hi"}, {"role": "gpt", "content": "Hello"}]}
    ```

    ## How to fix
    Use a chat template with `{% generation %}` blocks around the assistant's text and
    end-of-turn token, or a loss mode that finds assistant turns by rendering prefixes;
    map the roles to `user` and `assistant`.

    ```jsonl
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    ```
    """
    result = _rendered(ctx)
    if result is None:
        return
    analysis = result[1]
    if analysis.ids and analysis.trained_count == 0:
        yield Violation(f"no token of this example is trained: {analysis.untrained_reason}")


@template_rule("TM003", "truncation-cuts-answer", Severity.WARNING)
def truncation_cuts_answer(ctx: RecordContext) -> Iterator[Violation]:
    """Truncation to the maximum sequence length cuts or removes a trained answer.

    ## What it does
    Counts the rendered record's tokens and, when they exceed `--max-seq-len` (or, when
    it is not given, the tokenizer's `model_max_length`), truncates them on the
    `--truncation-side` (`right` by default, as TRL and axolotl do), and reports the
    first trained answer that loses tokens, and how many.

    ## Why is this bad?
    An answer cut short teaches the model to stop mid-sentence, without its end-of-turn
    token; an answer removed entirely leaves an example that only costs compute. TRL's
    default `max_length` is 1,024 tokens, far below many conversations.

    ## Example
    A 3,000-token conversation whose answer starts at token 900, trained with
    `--max-seq-len 1024`.

    ## How to fix
    Raise the maximum sequence length, shorten the prompt (system prompt, tool
    definitions, earlier turns), or split the conversation into several examples.
    """
    result = _rendered(ctx)
    if result is None:
        return
    analyzer, analysis = result
    limit, total = analyzer.max_length, len(analysis.ids)
    if limit is None or total <= limit:
        return
    side = analyzer.settings.truncation_side
    kept = range(0, limit) if side == "right" else range(total - limit, total)
    turns = analysis.turns if analysis.train_all else analysis.trained_turns
    cut = []
    for turn in turns:
        tokens = analysis.token_range(turn)
        inside = len(range(max(tokens.start, kept.start), min(tokens.stop, kept.stop)))
        if tokens and inside < len(tokens):
            cut.append((turn, inside, len(tokens)))
    if not cut:
        return
    turn, inside, length = cut[0]
    source = "--max-seq-len" if analyzer.settings.max_seq_len else "model_max_length"
    how = (
        "is removed entirely"
        if inside == 0
        else f"loses {length - inside:,} of its {length:,} tokens"
    )
    more = f" (and {len(cut) - 1} more)" if len(cut) > 1 else ""
    yield Violation(
        f"the example has {total:,} tokens; truncated on the {side} to {source} {limit:,}, "
        f"this answer {how}{more}",
        _where(turn),
    )


def _stop_trained(analysis: Analysis, turn: Turn, stop_ids: frozenset[int], until: int) -> bool:
    tokens = (
        range(analysis.token_range(turn).start, until)
        if analysis.train_all
        else (analysis.token_range(turn))
    )
    return any(analysis.ids[token] in stop_ids for token in tokens)


@template_rule("TM004", "stop-token-not-trained", Severity.WARNING)
def stop_token_not_trained(ctx: RecordContext) -> Iterator[Violation]:
    """The end-of-turn token after an answer is not among the trained tokens.

    ## What it does
    Finds the tokens that end a turn: the tokenizer's `eos_token`, the
    `eos_token_id` of `generation_config.json`, and the special token the template
    closes an assistant turn with (`<|im_end|>`, `<|eot_id|>`, `<end_of_turn>`). Then
    reports the first trained answer whose trained tokens include none of them.

    ## Why is this bad?
    The model learns when to stop only from training on that token. Without it, the tuned
    model runs on past its answer into a new turn or until the length limit: a common
    result of `{% generation %}` blocks that close before the end-of-turn token, or of a
    template that never writes one.

    ## Example
    A ChatML template whose block is
    `{% generation %}{{ message.content }}{% endgeneration %}<|im_end|>`, trained with
    `--loss assistant-only`.

    ## How to fix
    Put the end-of-turn token inside the generation block, or use a template that writes
    it after each answer.
    """
    result = _rendered(ctx)
    if result is None:
        return
    analyzer, analysis = result
    stop_ids = analyzer.stop_ids
    limit = analyzer.max_length
    turns = analysis.turns if analysis.train_all else analysis.trained_turns
    starts = sorted(analysis.token_range(turn).start for turn in analysis.turns)
    for turn in turns:
        tokens = analysis.token_range(turn)
        if not tokens or (limit is not None and len(analysis.ids) > limit):
            continue  # truncation-cuts-answer speaks for truncated examples
        following = bisect.bisect_right(starts, tokens.start)
        until = starts[following] if following < len(starts) else len(analysis.ids)
        if _stop_trained(analysis, turn, stop_ids, until):
            continue
        names = analyzer.stop_names()
        after = analysis.ids[tokens.stop : until]
        if any(token in stop_ids for token in after):
            what = f"the end-of-turn token ({names}) after this answer is not trained"
        else:
            what = f"no end-of-turn token ({names}) follows this answer in the rendering"
        yield Violation(f"{what}: the model does not learn to stop", _where(turn))
        return


@template_rule("TM005", "content-dropped-by-template", Severity.WARNING)
def content_dropped_by_template(ctx: RecordContext) -> Iterator[Violation]:
    """Text of the record does not appear in the rendered example.

    ## What it does
    Looks for every line of every message's text (`content`, `reasoning_content`,
    `thinking`, text parts) in the template's rendering, and reports the texts that the
    template leaves out, in part or entirely.

    ## Why is this bad?
    What the template drops is never trained: Qwen3-style templates strip the reasoning of
    every assistant turn before the last user message, some templates ignore a system
    message or a role they do not know. The data says one thing; the model learns another.

    ## Example
    With a Qwen3-style template, the first answer's `<think>` block:
    ```jsonl
    {"messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "<think>\\nAdd them.\\n</think>\\n\\n4"}, {"role": "user", "content": "3+3?"}, {"role": "assistant", "content": "6"}]}
    ```

    ## How to fix
    Split multi-turn reasoning conversations into one example per answer, move what the
    template ignores to where it is rendered, or choose a template that keeps it. The
    second answer as an example of its own keeps its reasoning:

    ```jsonl
    {"messages": [{"role": "user", "content": "3+3?"}, {"role": "assistant", "content": "<think>\\nAdd them.\\n</think>\\n\\n6"}]}
    ```
    """
    result = _rendered(ctx)
    if result is None:
        return
    analyzer, analysis = result
    for location, message in analyzer.dropped_text(ctx.record, analysis):
        yield Violation(message, location)


@template_rule("TM006", "special-token-in-content", Severity.WARNING)
def special_token_in_content(ctx: RecordContext) -> Iterator[Violation]:
    """A message's text contains a token the tokenizer treats as special.

    ## What it does
    Searches the text of every message (and a prompt-completion record's texts) for the
    tokenizer's special tokens (`<|im_end|>`, `<|eot_id|>`, `<s>`, …: every added
    token marked special) and reports the first in each text.

    ## Why is this bad?
    Tokenizers match special tokens in the raw text: the characters become the control
    token itself. A user message quoting `<|im_end|>` ends its turn early in training;
    an HTML `<s>` becomes a beginning-of-sequence token.

    ## Example
    ```jsonl
    {"messages": [{"role": "user", "content": "What does <|im_end|> mean?"}, {"role": "assistant", "content": "It ends a turn."}]}
    ```

    ## How to fix
    Remove the token from the text, or escape it (a zero-width space inside it) when the
    text is about the token itself.

    ```jsonl
    {"messages": [{"role": "user", "content": "What does <|im_\\u200bend|> mean?"}, {"role": "assistant", "content": "It ends a turn."}]}
    ```
    """
    result = analysed(ctx)
    if result is None:
        return
    for location, token in result[0].special_tokens_in(ctx.record):
        yield Violation(
            f"{token!r} is a special token of this tokenizer: the text is encoded as that "
            "control token, not as characters",
            location,
        )


@template_rule("TM007", "tool-arguments-shape", Severity.ERROR)
def tool_arguments_shape(ctx: RecordContext) -> Iterator[Violation]:
    """Tool-call arguments are not in the shape the chat template expects.

    ## What it does
    Checks how the template renders each tool call's `function.arguments`: a JSON string
    (OpenAI's format) that the template writes with `tojson` (Qwen, Llama 3.1), which
    double-encodes it, or that the template iterates as a mapping and fails on or leaves
    out; and the reverse, an object that the template prints as Python text where it
    expects a string.

    ## Why is this bad?
    The model learns tool calls exactly as rendered: a quoted, escaped string where the
    runtime parses an object, or no arguments at all. The tuned model's tool calls then
    fail to parse.

    ## Example
    With a template that writes `{{ tool_call.arguments | tojson }}`:
    ```jsonl
    {"messages": [{"role": "user", "content": "Weather in Paris?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\"}"}}]}, {"role": "tool", "tool_call_id": "c1", "content": "sunny"}, {"role": "assistant", "content": "Sunny."}]}
    ```

    ## How to fix
    Convert the arguments to the shape the template expects (`json.loads` the string)
    when preparing data for open-model training.

    ```jsonl
    {"messages": [{"role": "user", "content": "Weather in Paris?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]}, {"role": "tool", "tool_call_id": "c1", "content": "sunny"}, {"role": "assistant", "content": "Sunny."}]}
    ```
    """
    result = analysed(ctx)
    if result is None:
        return
    for shape in result[1].arguments_shape:
        yield Violation(shape.message, shape.location)


@template_rule("TM008", "prompt-boundary-merge", Severity.WARNING)
def prompt_boundary_merge(ctx: RecordContext) -> Iterator[Violation]:
    """The tokens of the prompt are not a prefix of the tokens of prompt + answer.

    ## What it does
    At the start of each trained answer, checks that the tokenizer does not merge the
    prompt's last characters with the answer's first into one token, and that the prompt
    rendered alone is what the full rendering starts with. For prompt-completion records
    it compares the tokens of the prompt with those of prompt + completion, as TRL does.

    ## Why is this bad?
    Trainers mask by token position: when a token spans the boundary, the mask is off by
    one token, the answer's first token is not trained or a prompt token is; masks built
    by searching for a response marker's tokens (Unsloth's `train_on_responses_only`)
    find nothing. TRL warns "Mismatch between tokenized prompt and the start of tokenized
    prompt+completion".

    ## Example
    ```jsonl
    {"prompt": "Q: capital of France?\\nA: ", "completion": "Paris"}
    ```

    ## How to fix
    Keep the whitespace on the answer's side (`"A:"` and `" Paris"`), or end the
    prompt with a character the tokenizer never merges across.

    ```jsonl
    {"prompt": "Q: capital of France?\\nA:", "completion": " Paris"}
    ```
    """
    result = _rendered(ctx)
    if result is None:
        return
    analysis = result[1]
    if analysis.train_all:
        return
    for index, turn in enumerate(analysis.trained_turns):
        exact = analysis.prompt_tokens.get(index)
        if exact is not None:
            ids = list(analysis.ids)
            differ = next(
                (i for i, token in enumerate(exact) if i >= len(ids) or ids[i] != token), None
            )
            if differ is not None:
                start, end = analysis.offsets[min(differ, len(ids) - 1)]
                yield Violation(
                    "the tokens of the prompt are not a prefix of the tokens of prompt + "
                    f"completion (from token {differ + 1}, {analysis.text[start:end]!r} in the "
                    "whole): the trainer's mask is off at the boundary",
                    ("prompt",),
                )
            return
        if turn.prompt is not None and not analysis.text.startswith(turn.prompt):
            yield Violation(
                "the prompt before this answer renders differently once the answer follows: "
                "its tokens are not a prefix of the example's",
                _where(turn),
            )
            return
        token = bisect.bisect_left(analysis.starts, turn.start)
        if token > 0 and analysis.offsets[token - 1][1] > turn.start:
            start, end = analysis.offsets[token - 1]
            yield Violation(
                f"the token {analysis.text[start:end]!r} spans the end of the prompt and the "
                "start of this answer: the tokens of the prompt are not a prefix of the "
                "example's, and the trainer's mask is off at the boundary",
                _where(turn),
            )
            return
