"""What a job will cost before it starts: examples, billed tokens, epochs, dollars."""

from __future__ import annotations

from pathlib import Path

from tunelint.engine.settings import Settings


def estimate(path: Path, settings: Settings, model: str, epochs: int | None) -> str:
    """One line about the training file (the file that is billed), from ``tunelint stats``.

    ``model`` must be in the models table (built in, or ``[tool.tunelint.models]`` for a
    compatible endpoint's own model): linting already refuses an unknown one.
    """
    from tunelint.application.stats import stats_with_progress

    stats = stats_with_progress([path], settings, model, epochs)
    usd = stats.usd
    cost = "not billed per token" if usd is None else f"about ${usd:,.{2 if usd >= 0.01 else 4}f}"
    return (
        f"estimate: {stats.examples:,} training examples, {stats.billing_tokens:,} tokens "
        f"x {stats.epochs} epochs = {stats.billed_tokens:,} billed tokens, {cost}"
    )
