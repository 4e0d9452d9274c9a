"""How many tokens a training example holds: the cookbook formula, extended.

The OpenAI cookbook ("Data preparation and analysis for chat model fine-tuning") counts 3
tokens per message, the tokens of every value, 1 more per ``name`` and 3 for the reply. It
crashes on anything that is not a string; here:

- ``weight`` and other non-text values (numbers, booleans, null) count nothing;
- content parts: text parts are tokenized; images are *estimated* from OpenAI's documented
  figures: 85 tokens at ``detail: low``, 765 otherwise (a 1024x1024 image at high detail,
  85 + 4 tiles x 170; the real figure depends on the image's size, which is not read);
- ``tool_calls`` and ``function_call``: the function name and the arguments text;
- tool definitions (``tools``, legacy ``functions``): the per-function overheads of OpenAI's
  "How to count tokens with tiktoken" guide (nested object properties are not counted).

The formula is written once over a *measure* of text: exact token counts, or UTF-8 byte
lengths. A BPE token covers at least one byte, so the byte measure is an upper bound of the
token count that needs no tokenizer.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from msgspec import UNSET, Struct

from tunelint.engine.plain import PlainMessage

Measure = Callable[[str], int]

TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
TOKENS_PER_REPLY = 3
IMAGE_TOKENS_LOW = 85
IMAGE_TOKENS_HIGH = 765

# Function definitions (OpenAI's token-counting guide): a function costs 7 tokens on
# o200k_base models (gpt-4o family) and 10 on cl100k_base ones, plus its parameters.
FUNCTION_INIT = {"o200k_base": 7, "cl100k_base": 10}
PROPERTIES_INIT = 3
PROPERTY_KEY = 3
ENUM_INIT = -3
ENUM_ITEM = 3
FUNCTIONS_END = 12

# Texts up to this length are counted once per process (system prompts and tool schemas
# repeat in every example); the cache holds at most this many of them.
_CACHED_TEXT_LENGTH = 8192
_CACHE_SIZE = 4096


class ExampleCount(Struct, frozen=True):
    """One per example: a Struct, built faster than a named tuple (and its class costs less
    to make at every start-up)."""

    messages: int
    tokens: int
    """The whole example as the model reads it in training."""
    assistant_tokens: int
    """What the assistant says: its content, refusals and tool calls."""


def utf8_length(text: str) -> int:
    """Bytes of ``text`` in UTF-8: an upper bound of its token count in any BPE encoding."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


@functools.cache
def token_measure(encoding: str, fast: bool = False) -> Measure:
    """Exact token count in ``encoding``; special-token text counts as ordinary text.

    Remembers the counts of short texts, for those that repeat. ``fast`` as in
    ``token_count``.
    """
    count = token_count(encoding, fast)
    cached = functools.lru_cache(maxsize=_CACHE_SIZE)(count)

    def measure(text: str) -> int:
        return cached(text) if len(text) <= _CACHED_TEXT_LENGTH else count(text)

    return measure


def token_count(encoding: str, fast: bool = False) -> Measure:
    """Exact token count in ``encoding``, without a cache: for texts seldom seen twice.

    ``fast``: counted by bpe-openai where it is installed and has the encoding (the same
    counts in less time, once its tables are loaded), by tiktoken otherwise. Both count a
    long text in the same pieces, so that its count is the same too.
    """
    from tunelint.tokens.bpe import bpe_count  # the tokenizers: only for exact counts

    count_piece = (bpe_count(encoding) if fast else None) or _tiktoken_count(encoding)

    def count(text: str) -> int:
        if len(text) <= _LONGEST_PIECE:
            return count_piece(text)
        return sum(count_piece(piece) for piece in _pieces(text))

    return count


def _tiktoken_count(encoding: str) -> Measure:
    from tunelint.tokens.encoding import get_encoding

    encode = get_encoding(encoding).encode_ordinary
    return lambda text: len(encode(text))


_LONGEST_PIECE = 1 << 13


def _pieces(text: str) -> Iterator[str]:
    """``text`` in pieces of about ``_LONGEST_PIECE`` characters, for the tokenizer, whose
    merging takes time quadratic in the length of a word (a megabyte of "x" took minutes).

    A cut falls before a space between two words, where the tokenizer's own pre-split cuts
    too, so the count stays exact; a piece with no such space (no text a person writes) is
    cut where it is, which may count a token more at the cut.
    """
    start = 0
    while len(text) - start > _LONGEST_PIECE:
        end = start + _LONGEST_PIECE
        low = end - _LONGEST_PIECE // 4
        cut = text.rfind(" ", low, end)
        while cut > low and (text[cut - 1].isspace() or text[cut + 1].isspace()):
            cut = text.rfind(" ", low, cut)
        cut = cut if cut > low else end
        yield text[start:cut]
        start = cut
    yield text[start:]


_REPEATING_ROLES = frozenset({"system", "developer"})
"""Whose texts are the same in many examples: a dataset shares its system prompt."""


class ExampleCounter:
    """Counts examples of any format with one measure of text.

    ``turn_measure``, if given, measures the texts of users' and assistants' turns, which
    rarely repeat: a cache would spend more on them than it saves.
    """

    def __init__(self, measure: Measure, encoding: str, turn_measure: Measure | None = None):
        self.measure = measure
        self.turn_measure = turn_measure or measure
        self.function_init = FUNCTION_INIT[encoding]

    def count(self, record: Mapping[str, Any]) -> ExampleCount:
        messages = record.get("messages")
        if isinstance(messages, list):
            return self._conversation(messages, record)
        prompt = record.get("input")
        if isinstance(prompt, dict):  # preference pair: the longer of the two conversations
            context = _as_list(prompt.get("messages"))
            return max(
                (
                    self._conversation(context + _as_list(record.get(side)), prompt)
                    for side in ("preferred_output", "non_preferred_output")
                ),
                key=lambda count: count.tokens,
            )
        completion = self._text(record.get("completion"))
        return ExampleCount(0, self._text(record.get("prompt")) + completion, completion)

    def count_plain(self, messages: Sequence[PlainMessage]) -> ExampleCount:
        """``count`` of a plain record (``engine.plain``: role, content and perhaps name,
        no tools), read from its decoded messages: the same figures, without the look at
        every key that any other record needs."""
        tokens = TOKENS_PER_REPLY
        assistant = 0
        measure = self.measure
        for message in messages:
            role = message.role
            spoken = (measure if role in _REPEATING_ROLES else self.turn_measure)(message.content)
            tokens += TOKENS_PER_MESSAGE + spoken + measure(role)
            if message.name is not UNSET:
                tokens += TOKENS_PER_NAME + measure(message.name)
            if role == "assistant":
                assistant += spoken
        return ExampleCount(len(messages), tokens, assistant)

    def _conversation(self, messages: list[Any], definitions: Mapping[str, Any]) -> ExampleCount:
        tokens = TOKENS_PER_REPLY + self._tools(definitions)
        assistant = 0
        measure = self.measure
        for message in messages:
            if not isinstance(message, dict):
                continue
            role = message.get("role")
            content = message.get("content")
            if len(message) == 2 and type(content) is str and type(role) is str:
                # The common message, a role and a text: what the loop below counts, sooner.
                spoken = (measure if role in _REPEATING_ROLES else self.turn_measure)(content)
                tokens += TOKENS_PER_MESSAGE + spoken + measure(role)
                if role == "assistant":
                    assistant += spoken
                continue
            spoken = sum(
                self._value(value)
                for key, value in message.items()
                if key not in ("role", "name", "weight")
            )
            tokens += TOKENS_PER_MESSAGE + spoken + self._text(role)
            if isinstance(message.get("name"), str):
                tokens += TOKENS_PER_NAME + measure(message["name"])
            if role == "assistant":
                assistant += spoken
        return ExampleCount(len(messages), tokens, assistant)

    def _text(self, value: Any) -> int:
        return self.measure(value) if isinstance(value, str) else 0

    def _value(self, value: Any) -> int:
        """Tokens of a message value: text, content parts, tool calls, a function call."""
        if isinstance(value, str):
            return self.measure(value)
        if isinstance(value, list):
            return sum(self._value(item) for item in value)
        if not isinstance(value, dict):
            return 0
        kind = value.get("type")
        if kind == "text":
            return self._text(value.get("text"))
        if kind == "image_url":
            image = value.get("image_url")
            low = isinstance(image, dict) and image.get("detail") == "low"
            return IMAGE_TOKENS_LOW if low else IMAGE_TOKENS_HIGH
        function = value.get("function")
        call = function if isinstance(function, dict) else value
        return self._text(call.get("name")) + self._text(call.get("arguments"))

    def _tools(self, record: Mapping[str, Any]) -> int:
        if "tools" not in record and "functions" not in record:
            return 0
        functions = [
            tool["function"]
            for tool in _as_list(record.get("tools"))
            if isinstance(tool, dict) and isinstance(tool.get("function"), dict)
        ]
        functions += [f for f in _as_list(record.get("functions")) if isinstance(f, dict)]
        if not functions:
            return 0
        return FUNCTIONS_END + sum(self._function(function) for function in functions)

    def _function(self, function: Mapping[str, Any]) -> int:
        tokens = self.function_init
        tokens += self.measure(f"{_string(function.get('name'))}:{_description(function)}")
        parameters = function.get("parameters")
        properties = parameters.get("properties") if isinstance(parameters, dict) else None
        if not isinstance(properties, dict) or not properties:
            return tokens
        tokens += PROPERTIES_INIT
        for key, schema in properties.items():
            schema = schema if isinstance(schema, dict) else {}
            tokens += PROPERTY_KEY
            enum = schema.get("enum")
            if isinstance(enum, list):
                tokens += ENUM_INIT + sum(ENUM_ITEM + self.measure(_string(i)) for i in enum)
            kind = _string(schema.get("type"))
            tokens += self.measure(f"{key}:{kind}:{_description(schema)}")
        return tokens


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _string(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _description(schema: Mapping[str, Any]) -> str:
    return _string(schema.get("description")).removesuffix(".")
