"""The cookbook notebook's procedure (seeds/002), as a script, for timing against tunelint.

The code below is the notebook's ("Data preparation and analysis for chat model
fine-tuning"), in its order: load every line with ``json.loads`` into a list, count the
format errors, then (``--full``) count tokens, print the distributions and the cost
estimate. Two deviations, both outside the measured work's substance: the notebook's
output is printed in English, and the figures are also printed as one JSON line (prefixed
``FIGURES``) so that the benchmark can compare them with ``tunelint stats``; that line adds
the true 5th/95th percentiles the notebook mislabels (it computes the 10th/90th).

    python benchmarks/cookbook.py DATA.jsonl [--full]
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from typing import Any


def format_checks(dataset: list[Any]) -> None:
    format_errors: defaultdict[str, int] = defaultdict(int)

    for ex in dataset:
        if not isinstance(ex, dict):
            format_errors["data_type"] += 1
            continue

        messages = ex.get("messages", None)
        if not messages:
            format_errors["missing_messages_list"] += 1
            continue

        for message in messages:
            if "role" not in message or "content" not in message:
                format_errors["message_missing_key"] += 1

            if any(
                k not in ("role", "content", "name", "function_call", "weight") for k in message
            ):
                format_errors["message_unrecognized_key"] += 1

            if message.get("role", None) not in ("system", "user", "assistant", "function"):
                format_errors["unrecognized_role"] += 1

            content = message.get("content", None)
            function_call = message.get("function_call", None)

            if (not content and not function_call) or not isinstance(content, str):
                format_errors["missing_content"] += 1

        if not any(message.get("role", None) == "assistant" for message in messages):
            format_errors["example_missing_assistant_message"] += 1

    if format_errors:
        print("Found errors:")
        for k, v in format_errors.items():
            print(f"{k}: {v}")
    else:
        print("No errors found")


def token_analysis(dataset: list[Any]) -> dict[str, Any]:
    import numpy as np

    from tunelint.tokens.encoding import get_encoding

    # tiktoken's cl100k_base, loaded offline (tiktoken would download it).
    encoding = get_encoding("cl100k_base")

    def num_tokens_from_messages(
        messages: list[dict[str, Any]], tokens_per_message: int = 3, tokens_per_name: int = 1
    ) -> int:
        num_tokens = 0
        for message in messages:
            num_tokens += tokens_per_message
            for key, value in message.items():
                num_tokens += len(encoding.encode(value))
                if key == "name":
                    num_tokens += tokens_per_name
        num_tokens += 3
        return num_tokens

    def num_assistant_tokens_from_messages(messages: list[dict[str, Any]]) -> int:
        num_tokens = 0
        for message in messages:
            if message["role"] == "assistant":
                num_tokens += len(encoding.encode(message["content"]))
        return num_tokens

    def print_distribution(values: list[int], name: str) -> dict[str, float]:
        print(f"\n#### Distribution of {name}:")
        print(f"min / max: {min(values)}, {max(values)}")
        print(f"mean / median: {np.mean(values)}, {np.median(values)}")
        print(f"p5 / p95: {np.quantile(values, 0.1)}, {np.quantile(values, 0.9)}")
        return {
            "min": min(values),
            "max": max(values),
            "mean": float(np.mean(values)),
            "median": float(np.median(values)),
            "p5": float(np.quantile(values, 0.05)),
            "p95": float(np.quantile(values, 0.95)),
        }

    n_missing_system = 0
    n_missing_user = 0
    n_messages = []
    convo_lens = []
    assistant_message_lens = []

    for ex in dataset:
        messages = ex["messages"]
        if not any(message["role"] == "system" for message in messages):
            n_missing_system += 1
        if not any(message["role"] == "user" for message in messages):
            n_missing_user += 1
        n_messages.append(len(messages))
        convo_lens.append(num_tokens_from_messages(messages))
        assistant_message_lens.append(num_assistant_tokens_from_messages(messages))

    print("Num examples missing system message:", n_missing_system)
    print("Num examples missing user message:", n_missing_user)
    distributions = {
        "messages_per_example": print_distribution(n_messages, "num_messages_per_example"),
        "tokens_per_example": print_distribution(convo_lens, "num_total_tokens_per_example"),
        "assistant_tokens_per_example": print_distribution(
            assistant_message_lens, "num_assistant_tokens_per_example"
        ),
    }
    n_too_long = sum(length > 16385 for length in convo_lens)
    print(f"\n{n_too_long} examples may be over the 16,385 token limit")

    MAX_TOKENS_PER_EXAMPLE = 16385
    TARGET_EPOCHS = 3
    MIN_TARGET_EXAMPLES = 100
    MAX_TARGET_EXAMPLES = 25000
    MIN_DEFAULT_EPOCHS = 1
    MAX_DEFAULT_EPOCHS = 25

    n_epochs = TARGET_EPOCHS
    n_train_examples = len(dataset)
    if n_train_examples * TARGET_EPOCHS < MIN_TARGET_EXAMPLES:
        n_epochs = min(MAX_DEFAULT_EPOCHS, MIN_TARGET_EXAMPLES // n_train_examples)
    elif n_train_examples * TARGET_EPOCHS > MAX_TARGET_EXAMPLES:
        n_epochs = max(MIN_DEFAULT_EPOCHS, MAX_TARGET_EXAMPLES // n_train_examples)

    n_billing_tokens_in_dataset = sum(min(MAX_TOKENS_PER_EXAMPLE, length) for length in convo_lens)
    print(f"Dataset has ~{n_billing_tokens_in_dataset} tokens that will be charged for")
    print(f"By default, you'll train for {n_epochs} epochs on this dataset")
    print(f"By default, you'll be charged for ~{n_epochs * n_billing_tokens_in_dataset} tokens")
    return {
        "examples": n_train_examples,
        "missing_system": n_missing_system,
        "missing_user": n_missing_user,
        "distributions": distributions,
        "over_limit": n_too_long,
        "billing_tokens": n_billing_tokens_in_dataset,
        "epochs": n_epochs,
        "billed_tokens": n_epochs * n_billing_tokens_in_dataset,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    parser.add_argument("--full", action="store_true", help="also count tokens and cost")
    args = parser.parse_args()

    with open(args.data, encoding="utf-8") as f:  # noqa: PTH123 (the notebook's code)
        dataset = [json.loads(line) for line in f]
    print("Num examples:", len(dataset))

    format_checks(dataset)
    if args.full:
        figures = token_analysis(dataset)
        print("FIGURES " + json.dumps(figures))


if __name__ == "__main__":
    main()
