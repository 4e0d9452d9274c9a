"""A file in another dialect that its target reads is judged by the content and privacy
rules through its chat view, and each finding points into the record as written; exact
copies are found in any layout."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any

import pytest

from conftest import WriteJsonl

Cli = Callable[..., CompletedProcess[str]]
ADDRESS = "jane.kim@gmail.com"
SAY = f"Write to {ADDRESS} today."

# layout: (target, a valid record, the same record with SAY at the pointer, that pointer)
CASES: dict[str, tuple[str, dict[str, Any], dict[str, Any], str]] = {
    "sharegpt": (
        "llamafactory",
        {"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello"}]},
        {"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": SAY}]},
        "/conversations/1/value",
    ),
    "sharegpt-preference": (
        "llamafactory",
        {
            "conversations": [{"from": "human", "value": "Hi"}],
            "chosen": {"from": "gpt", "value": "Hello"},
            "rejected": {"from": "gpt", "value": SAY},  # not judged: meant to be bad
        },
        {
            "conversations": [{"from": "human", "value": "Hi"}],
            "chosen": {"from": "gpt", "value": SAY},
            "rejected": {"from": "gpt", "value": "Go away"},
        },
        "/chosen/value",
    ),
    "alpaca": (  # the instruction and the input are one user turn, each located apart
        "axolotl",
        {"instruction": "Greet", "input": "Sam", "output": "Hi Sam"},
        {"instruction": "Greet", "input": SAY, "output": "Hi Sam"},
        "/input",
    ),
    "text": ("together", {"text": "A document."}, {"text": SAY}, "/text"),
    "chosen-rejected": (
        "trl",
        {"prompt": "Sky?", "chosen": "Blue.", "rejected": SAY},
        {"prompt": "Sky?", "chosen": SAY, "rejected": "Green."},
        "/chosen",
    ),
    "vertex-contents": (
        "vertex",
        {
            "systemInstruction": {"parts": [{"text": "Be brief."}]},
            "contents": [
                {"role": "user", "parts": [{"text": "Hi"}]},
                {"role": "model", "parts": [{"text": "Hello"}]},
            ],
        },
        {
            "systemInstruction": {"parts": [{"text": "Be brief."}]},
            "contents": [
                {"role": "user", "parts": [{"text": "Hi"}]},
                {"role": "model", "parts": [{"text": "Hello. "}, {"text": SAY}]},
            ],
        },
        "/contents/1/parts/1/text",
    ),
    "bedrock-conversation": (
        "bedrock",
        {
            "schemaVersion": "bedrock-conversation-2024",
            "system": [{"text": "Be brief."}],
            "messages": [
                {"role": "user", "content": [{"text": "Hi"}]},
                {"role": "assistant", "content": [{"text": "Hello"}]},
            ],
        },
        {
            "schemaVersion": "bedrock-conversation-2024",
            "system": [{"text": SAY}],
            "messages": [
                {"role": "user", "content": [{"text": "Hi"}]},
                {"role": "assistant", "content": [{"text": "Hello"}]},
            ],
        },
        "/system/0/text",
    ),
    "llamafactory-v1": (
        "llamafactory",
        {
            "messages": [
                {"role": "user", "content": [{"type": "text", "value": "Hi"}], "loss_weight": 0},
                {"role": "assistant", "content": [{"type": "text", "value": "Hello"}]},
            ]
        },
        {
            "messages": [
                {"role": "user", "content": [{"type": "text", "value": "Hi"}], "loss_weight": 0},
                {"role": "assistant", "content": [{"type": "text", "value": SAY}]},
            ]
        },
        "/messages/1/content/0/value",
    ),
}


def check(cli: Cli, path: Path, *options: str) -> list[dict[str, Any]]:
    result = cli("check", "--no-cache", "--output-format", "json", path, *options)
    assert result.returncode in (0, 1), result.stderr
    found: list[dict[str, Any]] = json.loads(result.stdout)
    return found


@pytest.mark.parametrize("layout", CASES)
def test_a_finding_in_another_dialect_points_into_the_record_as_written(
    cli: Cli, write_jsonl: WriteJsonl, layout: str
) -> None:
    target, valid, flagged, pointer = CASES[layout]
    records = [valid] * 11
    records.insert(4, flagged)
    path = write_jsonl([json.dumps(record) for record in records])
    # The flagged record repeats the valid ones but for its answer: DS003 and DS006 say so.
    found = [f for f in check(cli, path, "--target", target) if f["code"] not in {"DS003", "DS006"}]
    assert [(f["code"], f["line"], f["pointer"]) for f in found] == [("PV002", 5, pointer)]
    line = path.read_text(encoding="utf-8").splitlines()[4]
    value, _ = json.JSONDecoder().raw_decode(line, found[0]["column"] - 1)
    assert ADDRESS in value  # the column is where the text starts on the line
    # Under a target that does not read the layout: one finding, no more.
    assert [f["code"] for f in check(cli, path, "--target", "openai")] == ["TG001"]


def test_content_rules_judge_answers_of_another_dialect(cli: Cli, write_jsonl: WriteJsonl) -> None:
    """An Alpaca identity file with unfilled placeholders, as LLaMA-Factory ships it."""
    records = [
        {"instruction": f"Who are you? ({index})", "input": "", "output": "I am {{name}}."}
        for index in range(12)
    ]
    path = write_jsonl(records)
    (finding,) = check(cli, path, "--target", "llamafactory")
    assert (finding["code"], finding["line"], finding["pointer"]) == ("CT007", 1, "/output")
    assert "'{{name}}' (and in 11 more example(s))" in finding["message"]


def test_exact_copies_are_found_in_any_layout(cli: Cli, write_jsonl: WriteJsonl) -> None:
    sharegpt = {"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Yo"}]}
    records = [
        {"conversations": [*sharegpt["conversations"], {"from": "human", "value": str(index)}]}
        for index in range(10)
    ]
    path = write_jsonl([sharegpt, *records, sharegpt])
    found = check(cli, path, "--target", "llamafactory")
    assert [(f["code"], f["line"]) for f in found] == [("DS003", 12)]


QUESTIONS = [
    "How do I renew a passport that expired last year?",
    "Which vegetables grow well on a shaded balcony?",
    "Why does my bread collapse after it comes out of the oven?",
    "What is the difference between a Roth and a traditional retirement account?",
    "How can I stop my cat from scratching the sofa?",
    "Which trains run overnight between Seoul and Busan?",
    "How long should I boil an egg for a runny yolk?",
    "What does a tenant need to check before signing a lease?",
]
ANSWERS = [
    "Fill in the renewal form online, attach a recent photo and mail your old passport.",
    "Lettuce, spinach, mint and parsley tolerate shade and grow in small pots.",
    "It was probably underbaked: bake it longer until the crust sounds hollow.",
    "Roth contributions are taxed now and withdrawn tax free; traditional ones the reverse.",
    "Give it a sturdy scratching post near the sofa and reward it for using it.",
    "No regular trains run overnight; the last KTX leaves around eleven at night.",
    "Six minutes in boiling water, then cool it in cold water for a minute.",
    "The deposit terms, who pays for repairs, and how the lease can be ended early.",
]


def sharegpt(question: str, answer: str) -> dict[str, Any]:
    return {
        "conversations": [{"from": "human", "value": question}, {"from": "gpt", "value": answer}]
    }


def test_overlap_and_near_duplicates_are_found_through_the_chat_view(
    cli: Cli, write_jsonl: WriteJsonl
) -> None:
    """ShareGPT training and validation files, as axolotl and LLaMA-Factory read them: a
    validation example copied from training (DS005, exact), one reworded (DS005, near),
    and a near-copy within the training file (DS004, opt-in)."""
    pairs = list(zip(QUESTIONS, ANSWERS, strict=True))
    reworded = (QUESTIONS[2].replace("my bread", "the bread"), ANSWERS[2])
    near = (QUESTIONS[4].replace("How can I", "How do I"), ANSWERS[4])
    train = write_jsonl([sharegpt(*pair) for pair in [*pairs[:6], reworded]], "train.jsonl")
    validation = write_jsonl(
        [sharegpt(*pairs[6]), sharegpt(*pairs[1]), sharegpt(*near), sharegpt(*pairs[7])],
        "valid.jsonl",
    )
    paired = (train, "--validation-file", validation, "--extend-select", "DS004")
    found = check(cli, *paired, "--target", "llamafactory")
    assert [(Path(f["path"]).name, f["line"], f["code"], f["message"]) for f in found] == [
        ("train.jsonl", 7, "DS004", "nearly the same as the example on line 3 (similarity 0.89)"),
        ("valid.jsonl", 2, "DS005", "exact copy of the training file's line 2"),
        (
            "valid.jsonl",
            3,
            "DS005",
            "nearly the same as the training file's line 5 (similarity 0.94)",
        ),
    ]
    # Under a target that does not read the layout: the layout's finding alone.
    assert [f["code"] for f in check(cli, *paired, "--target", "openai")] == ["TG001", "TG001"]
