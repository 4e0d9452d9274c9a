"""Converting between dialects: round trips through Vertex AI and Bedrock give the same
records, and whatever cannot be carried is counted with its reason."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any

import pytest

from tunelint.convert.base import Options
from tunelint.convert.run import convert_file

from conftest import WriteJsonl

PIXEL = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
SYSTEM = {"role": "system", "content": "You are a concise assistant."}


def turns(*texts: Any) -> list[dict[str, Any]]:
    return [{"role": ("user", "assistant")[i % 2], "content": text} for i, text in enumerate(texts)]


RECORDS = [
    {"messages": [SYSTEM, *turns("What is the capital of France?", "Paris.")]},
    {"messages": turns("프랑스의 수도는?", "파리입니다.", "And Spain?", "Madrid.")},
    {
        "messages": [
            SYSTEM,
            *turns(
                [{"type": "text", "text": "Two parts:"}, {"type": "text", "text": " one, two."}],
                "Understood.",
            ),
        ]
    },
]
WITH_IMAGE = {
    "messages": turns(
        [{"type": "text", "text": "Colour?"}, {"type": "image_url", "image_url": {"url": PIXEL}}],
        "Red.",
    )
}


def read(path: Path) -> list[Any]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def convert(source_format: str, source: Path, to: str = "openai", name: str = "out.jsonl") -> Any:
    output = source.with_name(name)
    summary = convert_file(source_format, source, output, Options(), to=to)
    return read(output), summary


@pytest.mark.parametrize(
    ("dialect", "records"), [("vertex", [*RECORDS, WITH_IMAGE]), ("bedrock", RECORDS)]
)
def test_openai_round_trip_gives_the_same_records(
    write_jsonl: WriteJsonl, dialect: str, records: list[Any]
) -> None:
    source = write_jsonl(records, "openai.jsonl")
    there, summary = convert("openai", source, to=dialect, name=f"{dialect}.jsonl")
    assert summary.skipped.total() == 0 and not summary.noted
    assert len(there) == len(records)
    back, _ = convert(dialect, source.with_name(f"{dialect}.jsonl"), name="back.jsonl")
    assert back == records


def test_vertex_output_is_the_documented_layout(write_jsonl: WriteJsonl) -> None:
    (record,), _ = convert("openai", write_jsonl([RECORDS[0]]), to="vertex")
    assert record == {
        "systemInstruction": {"parts": [{"text": "You are a concise assistant."}]},
        "contents": [
            {"role": "user", "parts": [{"text": "What is the capital of France?"}]},
            {"role": "model", "parts": [{"text": "Paris."}]},
        ],
    }


def test_bedrock_output_is_the_documented_layout(write_jsonl: WriteJsonl) -> None:
    (record,), _ = convert("openai", write_jsonl([RECORDS[0]]), to="bedrock")
    assert record == {
        "schemaVersion": "bedrock-conversation-2024",
        "system": [{"text": "You are a concise assistant."}],
        "messages": [
            {"role": "user", "content": [{"text": "What is the capital of France?"}]},
            {"role": "assistant", "content": [{"text": "Paris."}]},
        ],
    }


def test_what_cannot_be_carried_is_counted_with_its_reason(write_jsonl: WriteJsonl) -> None:
    url_image = {
        "messages": turns(
            [{"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}], "A cat."
        )
    }
    weighted = {"messages": [*turns("Hi"), {"role": "assistant", "content": "Yo", "weight": 0}]}
    tool = {"messages": [*turns("Hi"), {"role": "tool", "content": "42", "tool_call_id": "c"}]}
    source = write_jsonl([RECORDS[0], url_image, weighted, tool])
    records, summary = convert("openai", source, to="vertex")
    assert len(records) == 2
    assert summary.skipped == {
        "an image given as a URL, which Vertex AI cannot fetch (for vertex)": 1,
        "a 'tool' message has no counterpart (for vertex)": 1,
    }
    assert summary.noted == {"message 'weight' dropped": 1}
    assert "2 converted, 2 skipped" in summary.render()


def test_vertex_preference_becomes_an_openai_preference_record(write_jsonl: WriteJsonl) -> None:
    model = lambda text: {"role": "model", "parts": [{"text": text}]}  # noqa: E731
    source = write_jsonl(
        [
            {
                "contents": [{"role": "user", "parts": [{"text": "Favourite fruit?"}]}],
                "completions": [
                    {"score": 0, "completion": model("Your favourite fruit is apple.")},
                    {"score": 1, "completion": model("Apple! Apple!")},
                ],
            }
        ]
    )
    (record,), _ = convert("vertex", source)
    assert record == {
        "input": {"messages": [{"role": "user", "content": "Favourite fruit?"}]},
        "preferred_output": [{"role": "assistant", "content": "Apple! Apple!"}],
        "non_preferred_output": [
            {"role": "assistant", "content": "Your favourite fruit is apple."}
        ],
    }


def test_llamafactory_json_array_of_its_layouts(tmp_path: Path) -> None:
    source = tmp_path / "mixed.json"
    source.write_text(
        json.dumps(
            [
                {"instruction": "Say hi", "input": "", "output": "Hi!"},
                {
                    "conversations": [
                        {"from": "human", "value": "Hi"},
                        {"from": "gpt", "value": "Hello"},
                    ]
                },
                {
                    "messages": [
                        {"role": "user", "content": "Q"},
                        {"role": "assistant", "content": "A"},
                    ]
                },
                {"unknown": 1},
            ]
        ),
        encoding="utf-8",
    )
    records, summary = convert("llamafactory", source)
    assert records == [
        {"messages": turns("Say hi", "Hi!")},
        {"messages": turns("Hi", "Hello")},
        {"messages": turns("Q", "A")},
    ]
    assert summary.skipped.total() == 1


def test_together_text_and_json_array(tmp_path: Path, write_jsonl: WriteJsonl) -> None:
    records, summary = convert("together-text", write_jsonl([{"text": "Once upon a time."}]))
    assert records == [{"messages": [{"role": "assistant", "content": "Once upon a time."}]}]
    assert sum(summary.noted.values()) == 1
    array = tmp_path / "array.json"
    array.write_text(json.dumps([RECORDS[0], RECORDS[1]], ensure_ascii=False), encoding="utf-8")
    assert convert("json-array", array)[0] == RECORDS[:2]


def test_convert_to_vertex_on_the_command_line_checks_for_vertex(
    cli: Callable[..., CompletedProcess[str]], write_jsonl: WriteJsonl
) -> None:
    source = write_jsonl(RECORDS)
    output = source.with_name("vertex.jsonl")
    result = cli("convert", "--from", "openai", "--to", "vertex", source, "-o", output, "--check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "(openai to vertex): 3 converted, 0 skipped" in result.stdout
    assert "All checks passed" in result.stdout
