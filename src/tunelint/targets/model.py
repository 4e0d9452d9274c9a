"""What a target is: the dialect one provider or trainer accepts, as data.

A target is read from a TOML file (``tunelint/targets/data/<name>.toml``, or a file of the
user's own). Each carries the date its facts were checked and where they were read, so a
user can tell how fresh a limit is before trusting it.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

import msgspec

from tunelint.engine.profiles import Profile
from tunelint.targets.layouts import Layout


class ModelFacts(msgspec.Struct, frozen=True):
    """One trainable model: its context limit and its public training price."""

    name: str
    context: int | None = None
    """Tokens per training example (input and output together)."""
    price: float | None = None
    price_unit: str = "per 1M training tokens"
    """What ``price`` (in US dollars) is charged for: tokens, or an hour of training."""
    tokenizer: str | None = None
    """The tokenizer whose counts the provider bills; ``None``: not available offline."""


class PriceBracket(msgspec.Struct, frozen=True):
    """A training rate for base models up to a size, where a provider bills by model size."""

    up_to_billion_parameters: float
    usd_per_million: float
    """US dollars per 1M training tokens (tokens in the data times epochs)."""


class Pricing(msgspec.Struct, frozen=True):
    """How a provider bills training, where it says so, and why a model has no price here."""

    billing: str
    """What is charged for (``per 1M tokens processed, by model size``...)."""
    source: str
    """The provider's page that says so."""
    rates: str = ""
    """Where the rates are, when they are not recorded on the target's models (not
    published in the documentation, or only behind a sign-in), said rather than guessed."""
    brackets: tuple[PriceBracket, ...] = ()
    """Rates by base-model size, smallest first, where the provider publishes them."""
    checked: datetime.date | None = None
    """When ``brackets`` were read at ``source`` (the target's ``checked`` otherwise)."""

    def as_json(self) -> dict[str, Any]:
        found = msgspec.structs.asdict(self)
        found["brackets"] = tuple(map(msgspec.structs.asdict, self.brackets))
        found["checked"] = None if self.checked is None else self.checked.isoformat()
        return found

    def bracket_for(self, billion_parameters: float | None) -> PriceBracket | None:
        """The rate for a model of that size; ``None``: size unknown or above every bracket."""
        if billion_parameters is None:
            return None
        return next(
            (b for b in self.brackets if billion_parameters <= b.up_to_billion_parameters), None
        )


class ImagePolicy(msgspec.Struct, frozen=True):
    per_example: int | None = None
    """Images one example may carry; ``0``: none at all."""
    max_bytes: int | None = None
    roles: frozenset[str] = frozenset({"user"})
    """Roles whose messages may carry an image."""
    kinds: frozenset[str] = frozenset()
    """Image types accepted (``png``, ``jpeg``, ``webp``...); empty: not restricted."""
    urls: bool = True
    """Whether an image may be an ``https://`` URL the provider fetches (else base64 only)."""


class Target(msgspec.Struct, frozen=True):
    name: str
    title: str
    kind: str
    """``provider`` (a hosted fine-tuning service) or ``trainer`` (an open-source library)."""
    layouts: frozenset[Layout]
    """The record layouts it reads as they are."""
    profile: Profile
    """Roles and message keys, as the OpenAI-format rules read them."""
    checked: datetime.date
    sources: tuple[str, ...]
    notes: str = ""
    min_examples: int | None = None
    max_examples: int | None = None
    max_file_bytes: int | None = None
    sample_weight: str = "none"
    """A top-level per-example ``weight``: ``none`` (not accepted), ``non-negative`` or
    ``any`` (any number)."""
    message_weights: frozenset[float] = frozenset({0, 1})
    """Values a per-message ``weight`` may take; empty: the target reads no such key."""
    preference_outputs: str = "one-assistant"
    """A preference (DPO) output: ``one-assistant`` message, or ``assistant-or-tool``
    messages with at least one assistant turn (Azure)."""
    images: ImagePolicy = ImagePolicy()
    models: Mapping[str, ModelFacts] = msgspec.field(default_factory=dict)
    convert_to: str = "openai"
    """The ``tunelint convert --to`` dialect that writes this target's layout."""
    byte_order_mark: str = "avoid"
    """A UTF-8 byte-order mark at the start of a file: ``avoid`` (JSON forbids it; JL004
    warns) or ``advised`` (the provider's documentation asks for one: JL004 is off)."""
    pricing: Pricing | None = None
    default_epochs: int | None = None
    """Epochs a job runs when none are asked for; ``None``: chosen from the data's size, as
    OpenAI does (``n_epochs`` auto)."""
    reserved_keywords: tuple[str, ...] = ()
    """Texts a prompt (a system or user turn) may not hold: the training job fails on them."""

    def accepts(self, layout: Layout) -> bool:
        return layout in self.layouts

    @property
    def source(self) -> str:
        return self.sources[0] if self.sources else ""
