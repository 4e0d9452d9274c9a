"""``stats --target``: each target's models against the data's token counts.

For every model a target lists: its context limit and how many examples exceed it, its
public training price and what the data would cost per epoch count, each with the date the
target's facts were checked. Token counts come from tiktoken; for a provider whose own
tokenizer is not available offline they are labelled an estimate.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from tunelint.targets.model import ModelFacts, Target
from tunelint.tokens.stats import DatasetStats


def _model_row(target: Target, model: ModelFacts, stats: DatasetStats) -> dict[str, Any]:
    tokens = stats.values["tokens_per_example"]
    encoding = stats.model.encoding
    exact = model.tokenizer == encoding
    row: dict[str, Any] = {
        "target": target.name,
        "model": model.name,
        "context": model.context,
        "over_context": None
        if model.context is None
        else sum(1 for count in tokens if count > model.context),
        "price": model.price,
        "price_unit": model.price_unit,
        "usd": None,
        "checked": target.checked.isoformat(),
        "source": target.source,
        "pricing": None if target.pricing is None else dataclasses.asdict(target.pricing),
        "tokenizer": encoding,
        "estimate": not exact,
    }
    if model.price is not None and model.price_unit == "per 1M training tokens":
        billed = sum(
            count if model.context is None else min(count, model.context) for count in tokens
        )
        row["usd"] = round(billed * stats.epochs * model.price / 1_000_000, 4)
    return row


def target_rows(targets: tuple[Target, ...], stats: DatasetStats) -> list[dict[str, Any]]:
    return [
        _model_row(target, model, stats) for target in targets for model in target.models.values()
    ]


def _pricing_line(target: Target) -> str:
    """How a target bills, where it says so, and why no price is recorded."""
    assert target.pricing is not None
    pricing = target.pricing
    rates = f"; {pricing.rates}" if pricing.rates else ""
    return f"  {target.name} bills {pricing.billing}{rates}: {pricing.source}"


def target_rows_text(targets: tuple[Target, ...], rows: list[dict[str, Any]]) -> str:
    lines = ["", "", "Targets (facts as checked on the date shown; token counts by tiktoken):"]
    for target in targets:
        if not any(row["target"] == target.name for row in rows):
            lines.append(f"  {target.name}: no model facts recorded (checked {target.checked})")
    for row in rows:
        context = "context not recorded"
        if row["context"] is not None:
            context = f"context {row['context']:,} tokens, {row['over_context']} example(s) over it"
        price = "price not recorded"
        if row["price"] is not None:
            price = f"${row['price']:g} {row['price_unit']}"
            if row["usd"] is not None:
                price += f" = ${row['usd']:,.2f} for these epochs"
        count = f"{row['tokenizer']} (an estimate)" if row["estimate"] else row["tokenizer"]
        lines.append(
            f"  {row['target']} {row['model']}: {context}; {price}; "
            f"tokens by {count}; checked {row['checked']}"
        )
    unpriced = {row["target"] for row in rows if row["price"] is None}
    lines += [
        _pricing_line(target)
        for target in targets
        if target.pricing is not None and (target.name in unpriced or not target.models)
    ]
    return "\n".join(lines)
