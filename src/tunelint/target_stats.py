"""``stats --target``: each target's models against the data's token counts.

For every model a target lists: its context limit and how many examples exceed it, its
public training price and what the data would cost per epoch count, each with the date the
target's facts were checked. Token counts come from tiktoken; for a provider whose own
tokenizer is not available offline they are labelled an estimate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tunelint.targets.model import ModelFacts, Target
from tunelint.tokens.stats import DatasetStats


def dollars(usd: float) -> str:
    """``$12.34``; a cost under a cent keeps four decimals, so it does not read as nothing."""
    return f"${usd:,.{2 if usd >= 0.01 or usd == 0 else 4}f}"


def _billed(tokens: Sequence[int], context: int | None) -> int:
    """Tokens a provider bills per epoch: an example over the context is cut to it."""
    return sum(count if context is None else min(count, context) for count in tokens)


def epochs_on(target: Target, stats: DatasetStats) -> int:
    """The epochs a job on ``target`` runs: ``--epochs``, else the provider's default, else
    OpenAI's choice from the data's size."""
    if stats.epochs_given or target.default_epochs is None:
        return stats.epochs
    return target.default_epochs


def _bracket_costs(target: Target, stats: DatasetStats) -> list[dict[str, float]]:
    """What the data costs at each of the target's size brackets, for its epochs."""
    if target.pricing is None:
        return []
    billed = _billed(stats.values["tokens_per_example"], None) * epochs_on(target, stats)
    return [
        {
            "up_to_billion_parameters": bracket.up_to_billion_parameters,
            "usd_per_million": bracket.usd_per_million,
            "usd": round(billed * bracket.usd_per_million / 1_000_000, 4),
        }
        for bracket in target.pricing.brackets
    ]


def _row(target: Target, model: ModelFacts | None, stats: DatasetStats) -> dict[str, Any]:
    """One model of the target, or (``model`` None) the target itself when it lists none."""
    tokens = stats.values["tokens_per_example"]
    encoding = stats.model.encoding
    context = None if model is None else model.context
    price = None if model is None else model.price
    row: dict[str, Any] = {
        "target": target.name,
        "model": None if model is None else model.name,
        "context": context,
        "over_context": None if context is None else sum(1 for count in tokens if count > context),
        "price": price,
        "price_unit": None if model is None else model.price_unit,
        "usd": None,
        "epochs": epochs_on(target, stats),
        "checked": target.checked.isoformat(),
        "source": target.source,
        "pricing": None if target.pricing is None else target.pricing.as_json(),
        "usd_by_size": _bracket_costs(target, stats) if price is None else [],
        "tokenizer": encoding,
        "estimate": model is None or model.tokenizer != encoding,
    }
    if model is not None and price is not None and model.price_unit == "per 1M training tokens":
        row["usd"] = round(_billed(tokens, context) * row["epochs"] * price / 1_000_000, 4)
    return row


def target_rows(targets: tuple[Target, ...], stats: DatasetStats) -> list[dict[str, Any]]:
    """A row per model each target lists, and one for a target that lists no model."""
    return [
        _row(target, model, stats)
        for target in targets
        for model in (target.models.values() or [None])
    ]


def _epochs(count: int) -> str:
    return f"{count} epoch{'' if count == 1 else 's'}"


def _pricing_line(target: Target, costs: list[dict[str, float]], epochs: int) -> str:
    """How a target bills, its rates by model size with the data's cost at each, or why no
    rate is recorded."""
    assert target.pricing is not None
    pricing = target.pricing
    details = f"; {pricing.rates}" if pricing.rates else ""
    if costs:
        rates = ", ".join(
            f"${cost['usd_per_million']:.2f} per 1M tokens up to "
            f"{cost['up_to_billion_parameters']:g}B parameters ({dollars(cost['usd'])})"
            for cost in costs
        )
        details += (
            f"; {rates} for these tokens over {_epochs(epochs)}, rates checked {pricing.checked}"
        )
    return f"  {target.name} bills {pricing.billing}{details}: {pricing.source}"


def target_rows_text(targets: tuple[Target, ...], rows: list[dict[str, Any]]) -> str:
    lines = ["", "", "Targets (facts as checked on the date shown; token counts by tiktoken):"]
    for row in rows:
        if row["model"] is None:
            lines.append(f"  {row['target']}: no model facts recorded (checked {row['checked']})")
            continue
        context = "context not recorded"
        if row["context"] is not None:
            context = f"context {row['context']:,} tokens, {row['over_context']} example(s) over it"
        price = "price not recorded"
        if row["price"] is not None:
            price = f"${row['price']:g} {row['price_unit']}"
            if row["usd"] is not None:
                price += f" = {dollars(row['usd'])} for {_epochs(row['epochs'])}"
        count = f"{row['tokenizer']} (an estimate)" if row["estimate"] else row["tokenizer"]
        lines.append(
            f"  {row['target']} {row['model']}: {context}; {price}; "
            f"tokens by {count}; checked {row['checked']}"
        )
    unpriced = {row["target"]: row for row in rows if row["price"] is None}
    lines += [
        _pricing_line(target, unpriced[target.name]["usd_by_size"], unpriced[target.name]["epochs"])
        for target in targets
        if target.pricing is not None and target.name in unpriced
    ]
    return "\n".join(lines)
