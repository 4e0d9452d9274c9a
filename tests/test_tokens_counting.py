"""The counting formula: the cookbook's figures, tools, tool calls, images, the byte bound."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from tunelint.rules.tokens import fits_by_size
from tunelint.tokens.counting import (
    IMAGE_TOKENS_HIGH,
    IMAGE_TOKENS_LOW,
    ExampleCounter,
    token_count,
    token_measure,
    utf8_length,
)
from tunelint.tokens.encoding import get_encoding

from conftest import TOY

# OpenAI's token-counting guide: these messages and this tool cost 105 prompt tokens on
# gpt-3.5-turbo / gpt-4 (cl100k_base) and 101 on gpt-4o / gpt-4o-mini (o200k_base), as
# the API reported them.
GUIDE_TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_current_weather",
            "description": "Get the current weather in a given location",
            "parameters": {
                "type": "object",
                "properties": {
                    "location": {
                        "type": "string",
                        "description": "The city and state, e.g. San Francisco, CA",
                    },
                    "unit": {
                        "type": "string",
                        "description": "The unit of temperature to return",
                        "enum": ["celsius", "fahrenheit"],
                    },
                },
                "required": ["location"],
            },
        },
    }
]
GUIDE_MESSAGES = [
    {
        "role": "system",
        "content": "You are a helpful assistant that can answer to questions about the weather.",
    },
    {"role": "user", "content": "What's the weather like in San Francisco?"},
]


def counter(encoding: str = "cl100k_base") -> ExampleCounter:
    return ExampleCounter(token_measure(encoding), encoding)


def tokens(text: str, encoding: str = "cl100k_base") -> int:
    return len(get_encoding(encoding).encode_ordinary(text))


def test_cookbook_toy_file_per_example() -> None:
    records = [json.loads(line) for line in TOY.read_text(encoding="utf-8").splitlines()]
    counts = [counter().count(record) for record in records]
    assert [c.tokens for c in counts] == [45, 111, 26, 28, 8032]
    assert [c.assistant_tokens for c in counts] == [10, 28, 9, 4, 8000]
    assert [c.messages for c in counts] == [3, 9, 2, 2, 3]


@pytest.mark.parametrize(("encoding", "expected"), [("cl100k_base", 105), ("o200k_base", 101)])
def test_tool_definitions_match_the_guide(encoding: str, expected: int) -> None:
    record = {"messages": GUIDE_MESSAGES, "tools": GUIDE_TOOLS}
    assert counter(encoding).count(record).tokens == expected
    # The legacy ``functions`` key holds the same definitions without the wrapper.
    legacy = {"messages": GUIDE_MESSAGES, "functions": [GUIDE_TOOLS[0]["function"]]}
    assert counter(encoding).count(legacy).tokens == expected


@pytest.mark.parametrize("encoding", ["cl100k_base", "o200k_base"])
def test_korean_and_english_text(encoding: str) -> None:
    korean = "내일 서울 날씨가 어떤지 자세히 알려 주세요."
    english = "Sunny and warm, up to 25 degrees."
    record = {
        "messages": [
            {"role": "user", "content": korean},
            {"role": "assistant", "content": english},
        ]
    }
    count = counter(encoding).count(record)
    expected = 3 + tokens("user", encoding) + tokens(korean, encoding)
    expected += 3 + tokens("assistant", encoding) + tokens(english, encoding) + 3
    assert count.tokens == expected
    assert count.assistant_tokens == tokens(english, encoding)


def test_weight_is_not_tokenized_and_name_costs_one_more() -> None:
    plain = {
        "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}]
    }
    weighted: dict[str, Any] = json.loads(json.dumps(plain))
    weighted["messages"][1]["weight"] = 0
    named: dict[str, Any] = json.loads(json.dumps(plain))
    named["messages"][0]["name"] = "alice"
    assert counter().count(weighted).tokens == counter().count(plain).tokens == 13
    assert counter().count(named).tokens == 13 + 1 + tokens("alice")


def test_tool_calls_count_name_and_arguments() -> None:
    arguments = '{"location": "서울", "unit": "celsius"}'
    call = {
        "role": "assistant",
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "get_current_weather", "arguments": arguments},
            }
        ],
    }
    result = {"role": "tool", "tool_call_id": "call_1", "content": "25"}
    record = {"messages": [{"role": "user", "content": "Weather?"}, call, result]}
    count = counter().count(record)
    spoken = tokens("get_current_weather") + tokens(arguments)
    assert count.assistant_tokens == spoken
    expected = 3 + tokens("user") + tokens("Weather?") + 3 + tokens("assistant") + spoken
    expected += 3 + tokens("tool") + tokens("call_1") + tokens("25") + 3
    assert count.tokens == expected


def test_images_are_estimated_from_the_documented_figures() -> None:
    def image(detail: str | None) -> dict[str, Any]:
        url: dict[str, Any] = {"url": "https://example.com/cat.png"}
        if detail:
            url["detail"] = detail
        return {"type": "image_url", "image_url": url}

    parts = [{"type": "text", "text": "What is this?"}, image("low"), image("high"), image(None)]
    record = {
        "messages": [
            {"role": "user", "content": parts},
            {"role": "assistant", "content": "A cat."},
        ]
    }
    count = counter().count(record)
    content = tokens("What is this?") + IMAGE_TOKENS_LOW + 2 * IMAGE_TOKENS_HIGH
    assert (IMAGE_TOKENS_LOW, IMAGE_TOKENS_HIGH) == (85, 765)
    assert count.tokens == 3 + tokens("user") + content + 3 + tokens("assistant") + 3 + 3


def test_prompt_completion_records() -> None:
    count = counter().count({"prompt": "2+2=", "completion": " four"})
    completion = tokens(" four")
    assert completion == 1
    assert (count.messages, count.tokens, count.assistant_tokens) == (0, 4 + 1, 1)
    assert tokens("2+2=") == 4


def test_special_token_text_counts_as_text() -> None:
    record = {"messages": [{"role": "assistant", "content": "<|endoftext|>"}]}
    assert counter().count(record).tokens == 3 + tokens("assistant") + tokens("<|endoftext|>") + 3


@pytest.mark.parametrize("encoding", ["cl100k_base", "o200k_base"])
def test_byte_bound_is_never_below_the_count(encoding: str) -> None:
    records: list[dict[str, Any]] = [
        json.loads(line) for line in TOY.read_text(encoding="utf-8").splitlines()
    ]
    records.append({"messages": GUIDE_MESSAGES, "tools": GUIDE_TOOLS})
    records.append({"messages": [{"role": "user", "content": "😀 안녕 " * 50}]})
    bound = ExampleCounter(utf8_length, encoding)
    for record in records:
        assert bound.count(record).tokens >= counter(encoding).count(record).tokens


DENSE_RECORDS: list[dict[str, Any]] = [
    {"messages": [{}] * 50},
    {"messages": [{"name": ""}] * 50},
    {"messages": [{"role": "user", "content": [[], {}, {"type": "text"}]}], "functions": [{}] * 50},
    {"messages": [], "tools": [{"function": {}}] * 50},
    {
        "messages": [],
        "functions": [
            {"parameters": {"properties": {"a": {"enum": [0] * 200, "type": ["x", "y"]}}}}
        ],
    },
    {"input": {"messages": [{}] * 20}, "preferred_output": [{}], "non_preferred_output": [{}]},
    {"messages": [{"role": "assistant", "tool_calls": [{}] * 30, "function_call": {}}]},
]


@pytest.mark.parametrize("record", DENSE_RECORDS)
@pytest.mark.parametrize("encoding", ["cl100k_base", "o200k_base"])
def test_size_bound_holds_for_the_densest_records(record: dict[str, Any], encoding: str) -> None:
    raw = json.dumps(record, separators=(",", ":")).encode()
    # Size proves "fits" only when even the byte bound (>= the exact count) fits.
    bound = ExampleCounter(utf8_length, encoding).count(record).tokens
    assert bound >= counter(encoding).count(record).tokens
    assert not fits_by_size(raw, bound - 1)


def test_size_bound_is_not_used_for_images_or_ascii_escapes() -> None:
    image = b'{"messages":[{"role":"user","content":[{"type":"image_url"}]}]}'
    escaped = b'{"messages":[{"role":"user","content":[{"type":"\\u0069mage_url"}]}]}'
    assert not fits_by_size(image, 10**9)
    assert not fits_by_size(escaped, 10**9)
    assert fits_by_size(b'{"messages":[{"role":"user","content":"\\uc548\\ub155"}]}', 10**9)


def test_a_long_text_is_counted_in_pieces_to_the_same_total() -> None:
    """The tokenizer is quadratic in a word's length, so long texts are cut before spaces
    between words, where its own pre-split cuts: the count stays exact."""
    rng = random.Random(3)
    words = ["hello", "world", "  ", "\n", "123456", "naïve", "안녕하세요", "x" * 30, ",", "!!"]
    text = " ".join(rng.choice(words) for _ in range(20_000))
    for name in ("cl100k_base", "o200k_base"):
        assert token_count(name)(text) == len(get_encoding(name).encode_ordinary(text))
