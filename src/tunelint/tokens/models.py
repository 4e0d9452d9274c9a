"""The fine-tunable models: encoding, context limit per example and training price.

One table, overridable under ``[tool.tunelint.models.<name>]`` (``encoding``, ``context``,
``price``). A model is looked up by name after stripping ``ft:`` (a fine-tuned model keeps
its base model's tokenizer) and a dated snapshot suffix (``-0125``, ``-2024-07-18``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import msgspec

from tunelint.engine.errors import ConfigError
from tunelint.tokens.encoding import ENCODINGS

if TYPE_CHECKING:
    from tunelint.engine.settings import Settings


class ModelInfo(msgspec.Struct, frozen=True):
    name: str
    """The name as the user gave it (``ft:`` prefix and snapshot date included)."""
    encoding: str
    context: int
    """Most tokens one training example may hold; longer examples are truncated."""
    price: float | None
    """Training price in USD per 1M trained tokens; ``None`` when not billed per token."""
    estimated: bool = False
    """Its tokens are counted with another tokenizer than its own (not available offline)."""


# Prices: OpenAI's fine-tuning pricing page; o4-mini (reinforcement fine-tuning) is billed
# per hour of training, not per token.
MODELS: Mapping[str, ModelInfo] = {
    info.name: info
    for info in (
        ModelInfo("gpt-4.1", "o200k_base", 65_536, 25.0),
        ModelInfo("gpt-4.1-mini", "o200k_base", 65_536, 5.0),
        ModelInfo("gpt-4.1-nano", "o200k_base", 32_768, 1.5),
        ModelInfo("gpt-4o", "o200k_base", 65_536, 25.0),
        ModelInfo("gpt-4o-mini", "o200k_base", 65_536, 3.0),
        ModelInfo("o4-mini", "o200k_base", 65_536, None),
        ModelInfo("gpt-3.5-turbo", "cl100k_base", 16_385, 8.0),
        ModelInfo("gpt-3.5-turbo-0613", "cl100k_base", 4_096, 8.0),
    )
}

# A snapshot suffix: ``-0125``, ``-1106`` or ``-2024-07-18``.
_SNAPSHOT = re.compile(r"-(?:\d{4}|\d{4}-\d{2}-\d{2})$")


def base_name(model: str) -> str:
    """``ft:gpt-4.1-mini-2025-04-14:org::id`` -> ``gpt-4.1-mini-2025-04-14``."""
    if model.startswith("ft:"):
        return model[3:].split(":", 1)[0]
    return model


def resolve_model(
    model: str, overrides: Mapping[str, Mapping[str, Any]] | None = None
) -> ModelInfo:
    """The table entry for ``model`` (config overrides applied); unknown: ``ConfigError``."""
    table = merged_table(overrides or {})
    # The most specific entry wins: a configured fine-tuned model, a snapshot, its family.
    name = base_name(model)
    candidates = (model, name, _SNAPSHOT.sub("", name))
    key = next((candidate for candidate in candidates if candidate in table), None)
    if key is None:
        known = ", ".join(sorted(table))
        raise ConfigError(
            f"unknown model {model!r} (known: {known}; add it under [tool.tunelint.models])"
        )
    return msgspec.structs.replace(table[key], name=model)


ESTIMATING_ENCODING = "o200k_base"
"""The tokenizer that stands in for a provider's own when that is not available offline."""


def model_for(settings: Settings, model: str | None = None) -> ModelInfo:
    """The model a run targets: ``model``, else the configured one, else the profile's (the
    first target's default model).

    A model of the table (``[tool.tunelint.models]`` included) is taken from it; else one a
    target lists with its context (``gemini-2.5-flash`` for ``vertex``), its tokens counted
    with its own tokenizer when available offline, else estimated with o200k_base.
    """
    name = model or settings.model or settings.profile.default_model
    if name not in merged_table(settings.models):
        for target in settings.targets:
            facts = target.models.get(name)
            if facts is not None and facts.context is not None:
                encoding = facts.tokenizer if facts.tokenizer in ENCODINGS else None
                price = facts.price if facts.price_unit == "per 1M training tokens" else None
                return ModelInfo(
                    name, encoding or ESTIMATING_ENCODING, facts.context, price, encoding is None
                )
    return resolve_model(name, settings.models)


def merged_table(overrides: Mapping[str, Mapping[str, Any]]) -> dict[str, ModelInfo]:
    """The built-in table with configured entries added or partly replaced."""
    table = dict(MODELS)
    for name, values in overrides.items():
        if name in table:
            table[name] = msgspec.structs.replace(table[name], **values)
        else:
            table[name] = ModelInfo(
                name, values["encoding"], values["context"], values.get("price")
            )
    return table


def check_models_table(key: str, value: Any) -> dict[str, dict[str, Any]]:
    """Validate ``[tool.tunelint.models]``: a table of model name -> encoding/context/price."""
    if not isinstance(value, dict):
        raise ConfigError(f"{key} must be a table")
    checked: dict[str, dict[str, Any]] = {}
    for name, entry in value.items():
        where = f"{key}.{name}"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where} must be a table")
        unknown = sorted(set(entry) - {"encoding", "context", "price"})
        if unknown:
            raise ConfigError(
                f"{where}: unknown key {unknown[0]!r} (known: encoding, context, price)"
            )
        if name not in MODELS and not {"encoding", "context"} <= entry.keys():
            raise ConfigError(f"{where}: a new model needs 'encoding' and 'context'")
        if "encoding" in entry and entry["encoding"] not in ENCODINGS:
            raise ConfigError(f"{where}.encoding must be one of {', '.join(ENCODINGS)}")
        context = entry.get("context", 1)
        if not isinstance(context, int) or isinstance(context, bool) or context < 1:
            raise ConfigError(f"{where}.context must be a positive integer")
        price = entry.get("price", 0.0)
        if not isinstance(price, int | float) or isinstance(price, bool) or price < 0:
            raise ConfigError(f"{where}.price must be a non-negative number (USD per 1M tokens)")
        checked[name] = {k: float(v) if k == "price" else v for k, v in entry.items()}
    return checked
