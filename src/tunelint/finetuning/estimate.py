"""What a job will cost before it starts: examples, billed tokens, epochs, dollars."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from tunelint.engine.settings import Settings
from tunelint.finetuning.providers.presets import Preset
from tunelint.target_stats import dollars
from tunelint.targets.model import Pricing
from tunelint.tokens.models import MODELS, base_name

STAND_IN = {"encoding": "o200k_base", "context": 131_072}
"""How an open model's tokens are counted until tunelint has its tokenizer: an estimate."""

_BILLIONS = re.compile(r"(?<![a-z0-9])(\d+(?:[.p]\d+)?)b(?![a-z])", re.IGNORECASE)


def settings_for(settings: Settings, preset: Preset, model: str) -> Settings:
    """``settings`` for training on ``preset``: its open model in the models table, so it can
    be counted, and its own minimum of examples for DS001.

    OpenAI's models, models the configuration declares and a configured DS001 are kept.
    """
    if preset.name == "openai":
        return settings
    # The targets' minimum (``--target``, openai by default) gives way to the provider's; a
    # minimum the configuration sets is kept.
    targets_minimum = max(target.min_examples or 1 for target in settings.targets)
    if settings.rule_options.get("DS001", {}).get("minimum", targets_minimum) == targets_minimum:
        options = {**settings.rule_options.get("DS001", {})}
        options["minimum"] = preset.limits.min_examples or 1
        settings = replace(settings, rule_options={**settings.rule_options, "DS001": options})
    if base_name(model) in MODELS or model in settings.models:
        return settings
    return replace(settings, models={**settings.models, model: STAND_IN})


def parameters(model: str) -> float | None:
    """Billions of parameters a model's name states (``llama-v3p1-8b`` -> 8.0)."""
    found = _BILLIONS.findall(model.rsplit("/", 1)[-1])
    return float(found[-1].replace("p", ".")) if found else None


def _price(billed: int, model: str, preset: Preset, settings: Settings, usd: float | None) -> str:
    if usd is not None and "price" in settings.models.get(model, {}):
        return f"about ${usd:,.4f} at the configured price"
    pricing = preset.target.pricing
    if pricing is not None and pricing.brackets:
        return _provider_price(billed, model, preset.title, pricing)
    if preset.name == "openai":
        if usd is None:
            return "not billed per token"
        return f"about {dollars(usd)} at OpenAI's list price"
    return f"price: see {preset.title}'s pricing page (none known to tunelint)"


def _provider_price(billed: int, model: str, title: str, pricing: Pricing) -> str:
    """The provider's dated price for the model's size bracket, or every bracket."""
    bracket = pricing.bracket_for(parameters(model))
    if bracket is None:
        rates = ", ".join(
            f"${b.usd_per_million:.2f} per 1M tokens up to {b.up_to_billion_parameters:g}B"
            for b in pricing.brackets
        )
        return f"{title} charges {rates} (checked {pricing.checked})"
    usd = billed * bracket.usd_per_million / 1_000_000
    return (
        f"about ${usd:,.4f} at {title}'s ${bracket.usd_per_million:.2f} per 1M tokens "
        f"for models up to {bracket.up_to_billion_parameters:g}B (checked {pricing.checked})"
    )


def estimate(path: Path, settings: Settings, model: str, epochs: int | None, preset: Preset) -> str:
    """One line about the training file (the file that is billed), from ``tunelint stats``.

    ``model`` must be in the models table (built in, configured, or added by ``settings_for``).
    """
    from tunelint.application.stats import stats_with_progress

    stats = stats_with_progress([path], settings, model, epochs)
    counted = "about " if settings.models.get(model) is STAND_IN else ""
    return (
        f"estimate: {stats.examples:,} training examples, {counted}{stats.billing_tokens:,} "
        f"tokens x {stats.epochs} epochs = {stats.billed_tokens:,} billed tokens, "
        f"{_price(stats.billed_tokens, model, preset, settings, stats.usd)}"
    )
