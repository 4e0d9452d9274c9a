"""Facts a target records and the rules and commands that read them, through the real CLI:
the context limit of another provider's model (TK001), a byte-order mark a provider asks
for (JL004), and how a provider bills when its rates are not recorded (``stats``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any

from conftest import WriteJsonl

Cli = Callable[..., CompletedProcess[str]]
SHORT_TARGET = """\
name = "short"
title = "A provider whose model trains on 40 tokens"
kind = "provider"
checked = 2026-12-06
sources = ["https://example.com/docs"]
layouts = ["openai-chat", "vertex-contents"]
roles = ["system", "user", "assistant"]
default_model = "short-1"

[models."short-1"]
context = 40
"""


def chat(answer: str) -> dict[str, Any]:
    return {
        "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": answer}]
    }


def vertex(answer: str) -> dict[str, Any]:
    return {
        "contents": [
            {"role": "user", "parts": [{"text": "Hi"}]},
            {"role": "model", "parts": [{"text": answer}]},
        ]
    }


def codes(result: CompletedProcess[str]) -> list[tuple[int, str]]:
    assert result.returncode in (0, 1), result.stderr
    return [(item["line"], item["code"]) for item in json.loads(result.stdout)]


def test_an_example_over_the_context_the_target_records_for_its_model(
    cli: Cli, write_jsonl: WriteJsonl, tmp_path: Path
) -> None:
    target = tmp_path / "short.toml"
    target.write_text(SHORT_TARGET, encoding="utf-8")
    long = "many words " * 30
    for make in (chat, vertex):  # a Vertex file is counted through its chat view
        path = write_jsonl([make(f"Hello {index}") for index in range(11)] + [make(long)])
        result = cli("check", "--no-cache", "--output-format", "json", "--target", target, path)
        (finding,) = [f for f in json.loads(result.stdout) if f["code"] == "TK001"]
        assert finding["line"] == 12
        assert finding["message"].endswith(
            "tokens (an estimate with o200k_base); short-1 trains on at most 40 and "
            "truncates the rest"
        )
        # The OpenAI default model holds it.
        assert ("TK001" in {code for _, code in codes(cli("check", "--no-cache",
                "--output-format", "json", path))}) is False  # fmt: skip


def test_a_model_of_another_provider_is_named_with_model(cli: Cli, write_jsonl: WriteJsonl) -> None:
    """``--model`` takes a model the target lists: Bedrock's Nova trains on 32,000 tokens."""
    path = write_jsonl([chat("Hi")] * 2)
    result = cli("stats", path, "--target", "bedrock", "--model", "amazon.nova-pro-v1:0")
    assert result.returncode == 0, result.stderr
    unknown = cli("stats", path, "--model", "amazon.nova-pro-v1:0")
    assert unknown.returncode == 2 and "unknown model 'amazon.nova-pro-v1:0'" in unknown.stderr


def test_a_byte_order_mark_is_reported_unless_the_provider_asks_for_one(
    cli: Cli, tmp_path: Path
) -> None:
    path = tmp_path / "bom.jsonl"
    lines = [json.dumps(chat(f"Hello {index}")) for index in range(10)]
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join(lines).encode() + b"\n")

    def check(*options: str) -> list[tuple[int, str]]:
        return codes(cli("check", "--no-cache", "--output-format", "json", path, *options))

    assert (1, "JL004") in check()
    assert (1, "JL004") not in check("--target", "azure")  # Azure's docs ask for the mark
    assert (1, "JL004") in check("--target", "azure,openai")
    assert (1, "JL004") in check("--target", "azure", "--extend-select", "JL004")


def test_how_a_provider_bills_when_its_rates_are_not_recorded(
    cli: Cli, write_jsonl: WriteJsonl
) -> None:
    path = write_jsonl([chat("Hi")] * 2)
    text = cli("stats", path, "--target", "together,fireworks").stdout
    assert "together Qwen/Qwen3-8B: context 32,768 tokens" in text
    assert "; price not recorded; tokens by o200k_base (an estimate)" in text
    assert (
        "  together bills per token processed (training tokens times epochs, plus validation "
        "tokens times evaluations)" in text
    )
    assert "fireworks: no model facts recorded (checked 2026-12-06)" in text
    listed = {t["name"]: t for t in json.loads(cli("targets", "--format", "json").stdout)}
    assert listed["azure"]["byte_order_mark"] == "advised"
    assert listed["azure"]["max_file_bytes"] == 512 * 1024 * 1024
    assert (
        listed["together"]["pricing"]["source"]
        == "https://docs.together.ai/docs/fine-tuning/pricing"
    )
    assert listed["vertex"]["pricing"] is None  # not found in its documentation: not guessed


def test_a_provider_that_bills_by_model_size_gets_the_cost_at_each_size(
    cli: Cli, write_jsonl: WriteJsonl
) -> None:
    """Fireworks' rates by base-model size, dated, and what this data costs at each."""
    path = write_jsonl([chat(f"Question {index}") for index in range(10)])
    result = cli("stats", path, "--target", "fireworks", "--epochs", "3", "--output-format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    billed = report["cost"]["billing_tokens"] * 3
    (row,) = report["targets"]
    assert row["model"] is None
    assert row["pricing"]["checked"] == "2026-12-07"
    assert row["pricing"]["source"] == "https://fireworks.ai/pricing"
    assert row["usd_by_size"] == [
        {"up_to_billion_parameters": 16.0, "usd_per_million": 0.5,
         "usd": round(billed * 0.5 / 1_000_000, 4)},
        {"up_to_billion_parameters": 80.0, "usd_per_million": 3.0,
         "usd": round(billed * 3.0 / 1_000_000, 4)},
    ]  # fmt: skip
    text = cli("stats", path, "--target", "fireworks", "--epochs", "3").stdout
    assert (
        f"$0.50 per 1M tokens up to 16B parameters (${billed * 0.5 / 1_000_000:.4f}), "
        f"$3.00 per 1M tokens up to 80B parameters (${billed * 3.0 / 1_000_000:.4f}) for these "
        "tokens over 3 epochs, rates checked 2026-12-07: https://fireworks.ai/pricing"
    ) in text
    # Without --epochs, a Fireworks job runs its default epoch, not OpenAI's choice by size.
    default = json.loads(
        cli("stats", path, "--target", "fireworks,openai", "--output-format", "json").stdout
    )
    assert default["cost"]["epochs"] > 1
    epochs = {row["target"]: row["epochs"] for row in default["targets"]}
    assert epochs == {"fireworks": 1, "openai": default["cost"]["epochs"]}
    (once,) = [row for row in default["targets"] if row["target"] == "fireworks"]
    assert once["usd_by_size"][0]["usd"] == round(
        default["cost"]["billing_tokens"] * 0.5 / 1_000_000, 4
    )


def test_price_brackets_in_a_target_file_are_checked(cli: Cli, tmp_path: Path) -> None:
    """Rates without the day they were read, or out of order, are a configuration error."""
    base = (Path(__file__).parents[1] / "src/tunelint/targets/data/fireworks.toml").read_text()
    undated = tmp_path / "undated.toml"
    undated.write_text(base.replace("checked = 2026-12-07\n", ""))
    unordered = tmp_path / "unordered.toml"
    unordered.write_text(
        base.replace("up_to_billion_parameters = 16", "up_to_billion_parameters = 99")
    )
    data = tmp_path / "data.jsonl"
    data.write_text(json.dumps(chat("Hi")) + "\n")
    for target, message in (
        (undated, "pricing.brackets needs pricing.checked"),
        (unordered, "brackets must go from the smallest models to the largest"),
    ):
        result = cli("check", "--no-cache", data, "--target", str(target))
        assert result.returncode == 2, result.stdout
        assert message in result.stderr and "Traceback" not in result.stderr


def test_a_providers_own_model_is_its_default(cli: Cli, write_jsonl: WriteJsonl) -> None:
    """Under ``--target together`` the counts and limits are a Together model's, and no
    OpenAI price is shown for data that will not train on OpenAI."""
    path = write_jsonl([chat(f"Question {index}") for index in range(10)])
    result = cli("stats", path, "--target", "together", "--output-format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["cost"]["usd"] is None
    text = cli("stats", path, "--target", "together").stdout
    assert text.startswith(
        "10 examples in 1 file; model meta-llama/Meta-Llama-3.1-8B-Instruct-Reference "
        "(o200k_base, 131,072-token limit)"
    )
