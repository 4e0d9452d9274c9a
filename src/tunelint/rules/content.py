"""CT: what the texts say — degenerate output, leaked templates, junk and broken encodings."""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence

from tunelint.rules.authoring import (
    Fix,
    JsonPath,
    LazyPattern,
    PlainBatch,
    RecordContext,
    Reports,
    Settings,
    Severity,
    TypedBatch,
    Violation,
    edit_value,
    quote,
    rule,
)
from tunelint.rules.walk import (
    NON_PREFERRED,
    TRAINED_ROLES,
    judged_texts,
    texts,
    trained_texts,
)

_PROBE = 8
"""Probe length; probes are spaced so that a run of ``minimum`` copies of 2+ characters
always holds one whose next copy is inside the run (every 11 characters for 10 copies)."""
_LONGEST_UNIT = 100


def _run_at(text: str, start: int, length: int) -> tuple[int, int]:
    """The extent of the ``length``-periodic run of ``text`` through ``start``."""
    first = start
    while first >= length and text[first - length : first] == text[first : first + length]:
        first -= length
    while (
        first > 0 and first - 1 + length < len(text) and text[first - 1] == text[first - 1 + length]
    ):
        first -= 1
    end = start + length
    while text.startswith(text[start : start + length], end):
        end += length
    while end < len(text) and text[end] == text[end - length]:
        end += 1
    return first, end


def repeated_unit(text: str, minimum: int) -> tuple[str, int] | None:
    """A phrase of 2 to 100 characters (with a letter) repeated ``minimum`` times in a row
    or more, and how many times; ``None`` when there is none.

    Probes every few characters for the next copy of the next 8 characters, so ordinary
    text costs one C-level search per probe.
    """
    step = max(1, 2 * (minimum - 1) - _PROBE + 1)
    # The end of the last run examined for each phrase length: a later probe inside it
    # would find the same run again (and, on one long run of a character, again and again).
    ruled_out: dict[int, int] = {}
    one_character_run_end = 0
    for probe_at in range(0, len(text) - _PROBE - 1, step):
        if probe_at < one_character_run_end:
            continue
        probe = text[probe_at : probe_at + _PROBE]
        limit = probe_at + _LONGEST_UNIT + _PROBE
        # ``in`` on a slice costs less than ``find``'s argument parsing, and mostly fails.
        if probe not in text[probe_at + 2 : limit]:
            continue
        if probe == probe[0] * _PROBE:
            # A run of one character is no phrase, and every length would match inside it
            # (megabytes of "x" took minutes): probing resumes where the run ends.
            run = re.compile(f"{re.escape(probe[0])}+").match(text, probe_at)
            one_character_run_end = (run.end() if run else probe_at) - _PROBE
            continue
        found = text.find(probe, probe_at + 2, limit)
        while found != -1:
            length = found - probe_at
            if ruled_out.get(length, 0) < found + _PROBE:
                first, end = _run_at(text, probe_at, length)
                # Most hits are a word seen twice: the cheap extent test rules them out first.
                if (end - first) // length >= minimum:
                    unit = text[first : first + length]
                    if unit != unit[0] * length and any(char.isalpha() for char in unit):
                        return unit, (end - first) // length
                ruled_out[length] = end
            found = text.find(probe, found + 1, limit)
    return None


_SHORT_PERIOD = 10
"""Phrases up to this long are looked for by comparing the texts with themselves shifted;
longer ones by probes."""


@functools.cache
def _shifts(minimum: int) -> dict[int, int]:
    """Each shift the texts are compared at, with the shortest stretch of characters equal
    to the ones that far on that ``minimum`` copies of a short phrase leave there.

    ``minimum`` copies of an ``L``-character phrase leave a stretch of ``(minimum - k) * L``
    at a shift of ``k * L``: one shift serves the lengths that divide it.
    """
    shifts: dict[int, int] = {}
    for length in range(2, _SHORT_PERIOD + 1):
        copies = min(_SHORT_PERIOD // length, minimum - 1)
        stretch = (minimum - copies) * length
        shifts[copies * length] = min(stretch, shifts.get(copies * length, stretch))
    return shifts


def repetition_candidates(texts: Sequence[str], minimum: int) -> set[int]:
    """The indexes of ``texts`` in which ``repeated_unit`` may find a phrase repeated
    ``minimum`` times; it finds none in the others.

    ``minimum`` copies of an ``L``-character phrase are a stretch of ``(minimum - 1) * L``
    characters each equal to the one ``L`` further on. All texts are joined and searched
    at once, as one byte a character (the low byte of its code point: equal characters
    have equal ones): for short phrases, the joined text is shifted and compared with
    itself as one big integer (``_shifts``); for longer ones, an 8-byte probe every few
    bytes is looked for again 11 to 100 bytes on, spaced so that such a stretch always
    holds one.
    """
    spacing = (minimum - 1) * (_SHORT_PERIOD + 1) - _PROBE + 1
    if minimum < 2 or spacing < 1:
        return set(range(len(texts)))
    low_bytes = "\0".join(texts).encode("utf-32-le", "surrogatepass")[::4]
    # Where the text after each one starts in ``low_bytes``.
    ends = list(itertools.accumulate(len(text) + 1 for text in texts))
    found: set[int] = set()
    number = int.from_bytes(low_bytes, "little")
    for shift, length in _shifts(minimum).items():
        same = (number ^ (number >> (8 * shift))).to_bytes(len(low_bytes), "little")
        stretch = bytes(length)  # a zero byte where the two are equal
        position = same.find(stretch)
        while position != -1 and (index := bisect.bisect_right(ends, position)) < len(ends):
            found.add(index)
            position = same.find(stretch, ends[index])
    probes = range(0, len(low_bytes) - _PROBE + 1, spacing)
    copies = map(
        low_bytes.find,
        map(low_bytes.__getitem__, map(slice, probes, itertools.count(_PROBE, spacing))),
        itertools.count(_SHORT_PERIOD + 1, spacing),
        itertools.count(_LONGEST_UNIT + _PROBE, spacing),
    )
    for position in itertools.compress(probes, map((-1).__ne__, copies)):
        found.add(bisect.bisect_right(ends, position))
    return found


def _degenerate_repetitions(batch: PlainBatch) -> Reports:
    """CT001 on a run of plain records: only those whose texts may repeat are searched."""
    trained: list[str] = []
    owners: list[int] = []
    for index, record in enumerate(batch.records):
        for message in record.messages:
            if message.role == "assistant":
                trained.append(message.content)
                owners.append(index)
    suspects = _suspects(trained, owners, batch.settings)
    return [(index, degenerate_repetition(batch.context(index))) for index in suspects]


def _typed_degenerate_repetitions(batch: TypedBatch) -> Reports:
    """CT001 on a run of well-formed records: only those whose assistant texts (of every
    conversation, a superset of those judged) may repeat are searched."""
    texts = batch.texts()
    trained = [
        (owner, text) for owner, role, text in zip(*texts, strict=True) if role == "assistant"
    ]
    suspects = _suspects(
        [text for _, text in trained], [owner for owner, _ in trained], batch.settings
    )
    return [(index, degenerate_repetition(batch.context(index))) for index in suspects]


def _suspects(trained: list[str], owners: list[int], settings: Settings) -> list[int]:
    """In order, the owners of the ``trained`` texts that repeat a phrase: a record is
    reported for those alone, so the others are cleared here, one text at a time,
    without decoding their records again."""
    minimum: int = settings.options("CT001")["min-repeats"]
    return sorted(
        {
            owners[text]
            for text in repetition_candidates(trained, minimum)
            if repeated_unit(trained[text], minimum) is not None
        }
    )


@rule(
    "CT001",
    "degenerate-repetition",
    Severity.WARNING,
    options={"min-repeats": 10, **NON_PREFERRED},
    batch=_degenerate_repetitions,
    typed_batch=_typed_degenerate_repetitions,
    chat_view=True,
)
def degenerate_repetition(ctx: RecordContext) -> Iterable[Violation]:
    """A text repeats one phrase many times in a row.

    ## What it does
    Looks in the texts the model is trained to write (assistant turns, completions) for a
    phrase of 2 to 100 characters, containing a letter, repeated back to back at least
    `min-repeats` times (default 10), with or without spaces between the copies. On by default: ordinary prose, code and tables do not repeat
    a phrase ten times in a row (rows of `-` or `=` have no letter and are ignored).

    The non-preferred output of a preference pair, meant to be bad, is left alone
    unless the option `non-preferred` is true.

    ## Why is this bad?
    Repetition loops are a classic generation failure; training on them teaches the model
    to loop. The cookbook's toy file has an answer that is "Eat a banana!" 2,000 times.

    ## Example
    ```jsonl
    {"messages": [{"role": "user", "content": "I'm hungry."}, {"role": "assistant", "content": "Eat a banana!Eat a banana!Eat a banana!Eat a banana!Eat a banana!Eat a banana!Eat a banana!Eat a banana!Eat a banana!Eat a banana!"}]}
    ```

    ## How to fix
    Cut the text down to what it means to say once, or drop the example if it came from
    a broken generation run.

    ```jsonl
    {"messages": [{"role": "user", "content": "I'm hungry."}, {"role": "assistant", "content": "Eat a banana!"}]}
    ```
    """
    minimum: int = ctx.settings.options("CT001")["min-repeats"]
    trained = trained_texts(ctx, "CT001")
    # One search through all of them, joined by a character no phrase has ten times in a
    # row, clears most records; only a hit needs the texts searched one by one.
    if repeated_unit("\0".join([text.text for text in trained]), minimum) is None:
        return ()
    violations = []
    for text in trained:
        found = repeated_unit(text.text, minimum)
        if found is not None:
            unit, times = found
            message = f"{quote(unit)} repeated {times} times in a row"
            violations.append(Violation(message, text.location))
    return violations


_SPECIAL_TOKENS = LazyPattern(
    r"<\|(?:im_start|im_end|im_sep|endoftext|eot_id|eom_id|start_header_id|end_header_id"
    r"|begin_of_text|end_of_text|system|user|assistant|end)\|>"
    r"|\[/?INST\]|<</?SYS>>|<(?:start|end)_of_turn>"
)
_ROLE_WORDS = "Human|Assistant|User|System|USER|ASSISTANT|Instruction|Response"
_ROLE_PREFIX = LazyPattern(rf"^[ \t]*(?:#{{2,3}}[ \t]*)?(?:{_ROLE_WORDS})[ \t]*:", re.MULTILINE)


@rule(
    "CT002",
    "leaked-chat-template",
    Severity.WARNING,
    # A slash may be written ``\/`` (PHP's default), so it is optional here, escaped or not.
    trigger=rf"<\||\[(?:\\?/)?INST\]|<<(?:\\?/)?SYS>>|_of_turn>|(?:{_ROLE_WORDS})(?: |\\t)*:",
    options=NON_PREFERRED,
    chat_view=True,
)
def leaked_chat_template(ctx: RecordContext) -> Iterator[Violation]:
    """A text contains chat-template tokens or role markers.

    ## What it does
    Reports special tokens of chat templates in any text (`<|im_start|>`, `<|eot_id|>`,
    `[INST]`, `<<SYS>>`, `<start_of_turn>`…), and lines of an assistant's text that
    start like a transcript turn (`User:`, `Assistant:`, `### Human:`,
    `### Response:`). Role prefixes are only looked for in assistant turns and
    completions, since system prompts and user turns quote few-shot transcripts on purpose. On by default.

    The non-preferred output of a preference pair, meant to be bad, is left alone
    unless the option `non-preferred` is true.

    ## Why is this bad?
    The provider applies the template itself; markers inside content are a conversion bug
    (a whole transcript flattened into one message) and teach the model to write them, so
    it starts to continue the conversation on the user's behalf.

    ## Example
    ```jsonl
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!\\nUser: thanks\\nAssistant: You're welcome"}]}
    ```

    ## How to fix
    Split the transcript into separate messages with roles, and strip template tokens.

    ```jsonl
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}, {"role": "user", "content": "thanks"}, {"role": "assistant", "content": "You're welcome"}]}
    ```
    """
    for text in judged_texts(ctx, "CT002"):
        found = _SPECIAL_TOKENS.search(text.text) if "<" in text.text or "[" in text.text else None
        if found is None and text.role in TRAINED_ROLES and ":" in text.text:
            found = _ROLE_PREFIX.search(text.text)
        if found is not None:
            marker = found.group().strip()
            yield Violation(f"chat-template marker {marker!r} inside the text", text.location)


_JUNK = frozenset({"null", "NULL", "None", "none", "undefined", "NaN", "nan", "[object Object]"})
_JUNK_WORDS = "|".join(map(re.escape, sorted(_JUNK)))


# Around a junk word, up to the string's quotes: spaces, escapes and non-ASCII characters
# (which include every other character ``str.strip()`` removes).
_AROUND = r"(?: |\\[bfnrt]|\\u[0-9a-fA-F]{4}|[\x80-\xff])*"


@rule(
    "CT003",
    "serialized-junk",
    Severity.WARNING,
    trigger=f'"{_AROUND}(?:{_JUNK_WORDS}){_AROUND}"',
    options=NON_PREFERRED,
    chat_view=True,
)
def serialized_junk(ctx: RecordContext) -> Iterator[Violation]:
    """A whole text is a serialised empty value such as `null` or `[object Object]`.

    ## What it does
    Reports texts that, spaces aside, are exactly `null`, `None`, `undefined`,
    `NaN` or `[object Object]` (and their lower- or upper-case spellings). On by
    default: a real answer is rarely just one of these words.

    The non-preferred output of a preference pair, meant to be bad, is left alone
    unless the option `non-preferred` is true.

    ## Why is this bad?
    These are what a missing value becomes when a script formats it as a string: the
    example trains the model to answer "None" where the data had nothing.

    ## Example
    ```jsonl
    {"messages": [{"role": "user", "content": "Summarise the ticket."}, {"role": "assistant", "content": "undefined"}]}
    ```

    ## How to fix
    Fix the export that produced the value, or drop the example.

    ```jsonl
    {"messages": [{"role": "user", "content": "Summarise the ticket."}, {"role": "assistant", "content": "The customer was charged twice and asks for a refund."}]}
    ```
    """
    for text in judged_texts(ctx, "CT003"):
        if text.text.strip() in _JUNK:
            yield Violation(f"text is only {quote(text.text.strip())}", text.location)


# A run that could be one UTF-8 character shown as Windows-1252 / Latin-1 characters: a
# lead byte (Â-ô) then as many continuation bytes as it announces (0x80-0xBF, as Latin-1
# or as their Windows-1252 glyphs: those of bytes 0x80-0x9F, written out so that loading
# the rules loads no cp1252 codec, ~1M instructions; tests/test_startup.py checks them).
_CONTINUATION = (
    "\u0080-\u00bf"
    "\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u017d\u2018"
    "\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u017e\u0178"
)
_MOJIBAKE = LazyPattern(
    f"[\u00c2-\u00df][{_CONTINUATION}]"
    f"|[\u00e0-\u00ef][{_CONTINUATION}]{{2}}"
    f"|[\u00f0-\u00f4][{_CONTINUATION}]{{3}}"
)


def _as_bytes(text: str) -> bytes | None:
    try:
        return bytes(ord(char) if ord(char) < 256 else char.encode("cp1252")[0] for char in text)
    except UnicodeEncodeError:
        return None


def mojibake(text: str) -> str | None:
    """The first run of ``text`` that is UTF-8 decoded as Windows-1252 (``Ã©`` for ``é``)."""
    for found in _MOJIBAKE.finditer(text):
        raw = _as_bytes(found.group())
        try:
            if raw is not None and raw.decode("utf-8"):
                return found.group()
        except UnicodeDecodeError:
            continue
    return None


@rule(
    "CT004",
    "broken-encoding",
    Severity.WARNING,
    # U+FFFD in UTF-8 or escaped, or the lead character of mojibake (Â to ô) in UTF-8.
    trigger=r"\xef\xbf\xbd|\\u[fF][fF][fF][dD]|\xc3[\x82-\xb4]",
    options=NON_PREFERRED,
    chat_view=True,
)
def broken_encoding(ctx: RecordContext) -> Iterator[Violation]:
    """A text holds U+FFFD replacement characters or mojibake.

    ## What it does
    Reports texts containing `�` (U+FFFD, what a decoder puts where bytes were invalid)
    or a sequence that is UTF-8 read as Windows-1252 or Latin-1 (`Ã©` for `é`, `â€™`
    for `\u2019`, `í•œ` for `한`); a candidate counts only if its bytes decode as UTF-8.
    On by default: correct text almost never contains either.

    The non-preferred output of a preference pair, meant to be bad, is left alone
    unless the option `non-preferred` is true.

    ## Why is this bad?
    The text was damaged by a wrong encoding somewhere upstream; the model learns to write
    the damage, and the original characters are lost.

    ## Example
    ```jsonl
    {"messages": [{"role": "user", "content": "Café?"}, {"role": "assistant", "content": "The cafÃ© opens at 8."}]}
    ```

    ## How to fix
    Re-export the data as UTF-8 from the source; repair mojibake with a tool such as ftfy.

    ```jsonl
    {"messages": [{"role": "user", "content": "Café?"}, {"role": "assistant", "content": "The café opens at 8."}]}
    ```
    """
    for text in judged_texts(ctx, "CT004"):
        if text.text.isascii():
            continue
        if "\ufffd" in text.text:
            count = text.text.count("\ufffd")
            yield Violation(f"{count} U+FFFD replacement character(s)", text.location)
            continue
        found = mojibake(text.text)
        if found is not None:
            repaired = _as_bytes(found) or b""
            yield Violation(
                f"mojibake {quote(found)} (UTF-8 {quote(repaired.decode('utf-8'))} decoded as "
                "Windows-1252)",
                text.location,
            )


def _strip_text(location: JsonPath) -> Fix:
    """A fix that strips the text at ``location``, if it is still a string there."""
    return edit_value(
        "strip the text", location, lambda text: text.strip() if isinstance(text, str) else text
    )


@rule(
    "CT005", "surrounding-whitespace", Severity.WARNING, default=False, fixable=True, chat_view=True
)
def surrounding_whitespace(ctx: RecordContext) -> Iterator[Violation]:
    """A text starts or ends with whitespace.

    ## What it does
    Reports message texts (tool results aside) and prompt-completion texts with leading or
    trailing spaces, tabs or newlines. Off by default: it is common in exported data and
    often harmless; enable it to keep training targets tidy.

    ## Why is this bad?
    The model learns to emit the whitespace; tokenizers encode a leading space or a
    trailing newline as tokens of their own, which costs tokens and changes how the
    answer starts.

    ## Example
    ```jsonl
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!\\n\\n"}]}
    ```

    ## How to fix
    Strip the texts: `tunelint check --select CT005 --fix` does it.

    ```jsonl
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]}
    ```
    """
    for text in texts(ctx):
        if text.role in ("tool", "function") or not text.text.strip():
            continue
        sides = [
            side
            for side, stripped in (
                ("leading", text.text.lstrip()),
                ("trailing", text.text.rstrip()),
            )
            if stripped != text.text
        ]
        if sides:
            yield Violation(
                f"{' and '.join(sides)} whitespace", text.location, fix=_strip_text(text.location)
            )
