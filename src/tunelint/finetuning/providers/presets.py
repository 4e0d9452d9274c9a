"""What tunelint knows about each fine-tuning provider, as data with its sources and dates.

Until the targets package (``--target``) holds these facts, each provider's documented data
limits live here; ``limits.check`` reads them. Every fact names where it was read and when.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from tunelint.finetuning.method import Method

ProviderName = Literal["openai", "azure", "nebius", "bedrock-openai", "together", "fireworks"]
PROVIDERS: tuple[ProviderName, ...] = (
    "openai",
    "azure",
    "nebius",
    "bedrock-openai",
    "together",
    "fireworks",
)
Api = Literal["openai", "together", "fireworks"]

OPENAI_STOPS = "2027-01-06"
"""The day OpenAI takes no new self-serve fine-tuning jobs."""


@dataclass(frozen=True, slots=True)
class Price:
    """A public training price: USD per 1M trained tokens, for base models up to a size."""

    usd_per_million: float
    up_to_billion_parameters: float
    checked: str
    source: str


@dataclass(frozen=True, slots=True)
class Limits:
    """The data a provider accepts; ``None``: no documented limit."""

    min_examples: int | None = None
    max_examples: int | None = None
    max_file_bytes: int | None = None
    max_file_reason: str | None = None
    """Why files stop at ``max_file_bytes`` when it is not the provider's own limit."""
    roles: frozenset[str] = frozenset({"system", "developer", "user", "assistant", "tool"})
    system_first: bool = False
    """A system message, when present, must be the first message."""


@dataclass(frozen=True, slots=True)
class Preset:
    name: ProviderName
    title: str
    api: Api
    key_variables: tuple[str, ...]
    """Environment variables that may hold the key, the first one set wins."""
    methods: tuple[Method, ...]
    limits: Limits
    sources: tuple[tuple[str, str], ...]
    """(URL, date read) of the documents the facts here come from."""
    base_url: str | None = None
    """The endpoint, with ``{placeholders}`` filled from ``url_variables``."""
    url_variables: dict[str, str] = field(default_factory=dict)
    """Placeholder -> the environment variable that fills it."""
    api_version: str | None = None
    extra: str | None = None
    """The pip extra that installs the provider's SDK."""
    prices: tuple[Price, ...] = ()
    example_url: str | None = None
    """The endpoint as the user writes it, in messages and help."""
    default_epochs: int | None = None
    """Epochs when ``--epochs`` is not given; ``None``: chosen from the data (OpenAI's auto)."""
    refuses: frozenset[str] = frozenset()
    """``train`` flags the provider's API has no field for."""


_GB = 1024**3
_MB = 1024**2
_OPENAI_SOURCES = (
    ("https://platform.openai.com/docs/guides/supervised-fine-tuning", "2026-12-06"),
)

PRESETS: dict[ProviderName, Preset] = {
    preset.name: preset
    for preset in (
        Preset(
            "openai",
            "OpenAI",
            "openai",
            ("OPENAI_API_KEY",),
            ("supervised", "dpo", "reinforcement"),
            Limits(min_examples=10, max_file_bytes=8 * _GB),
            _OPENAI_SOURCES,
        ),
        Preset(
            "azure",
            "Azure OpenAI",
            "openai",
            ("AZURE_OPENAI_API_KEY",),
            ("supervised", "dpo", "reinforcement"),
            Limits(min_examples=10, max_file_bytes=512 * _MB),
            (
                (
                    "https://learn.microsoft.com/azure/ai-foundry/openai/how-to/fine-tuning",
                    "2026-12-06",
                ),
                (
                    "https://learn.microsoft.com/azure/ai-services/openai/reference-preview",
                    "2026-12-06",
                ),
            ),
            base_url="{endpoint}",
            url_variables={"endpoint": "AZURE_OPENAI_ENDPOINT"},
            api_version="2025-04-01-preview",
            example_url="https://RESOURCE.openai.azure.com",
        ),
        Preset(
            "nebius",
            "Nebius Token Factory",
            "openai",
            ("NEBIUS_API_KEY",),
            ("supervised",),
            Limits(),  # its documentation states no limit beyond OpenAI's format
            (
                ("https://docs.tokenfactory.nebius.com/api-reference/introduction", "2026-12-06"),
                ("https://docs.tokenfactory.nebius.com/post-training/models", "2026-12-06"),
            ),
            base_url="https://api.tokenfactory.nebius.com/v1",
        ),
        Preset(
            "bedrock-openai",
            "Amazon Bedrock (OpenAI-compatible endpoint)",
            "openai",
            ("AWS_BEARER_TOKEN_BEDROCK", "OPENAI_API_KEY"),
            ("reinforcement",),
            Limits(),
            (
                (
                    "https://docs.aws.amazon.com/bedrock/latest/userguide/fine-tuning-openai-apis.html",
                    "2026-12-06",
                ),
                (
                    "https://docs.aws.amazon.com/bedrock/latest/userguide/fine-tuning-openai-job-create.html",
                    "2026-12-06",
                ),
            ),
            base_url="https://bedrock-mantle.{region}.api.aws/v1",
            url_variables={"region": "AWS_REGION"},
            refuses=frozenset({"--suffix"}),
            example_url="https://bedrock-mantle.REGION.api.aws/v1",
        ),
        Preset(
            "together",
            "Together AI",
            "together",
            ("TOGETHER_API_KEY",),
            ("supervised", "dpo"),
            Limits(
                min_examples=1,
                max_file_bytes=100 * _GB,
                roles=frozenset({"system", "user", "assistant", "tool"}),
            ),
            (
                ("https://docs.together.ai/docs/fine-tuning/data-preparation", "2026-12-06"),
                ("https://docs.together.ai/docs/fine-tuning/pricing", "2026-12-06"),
            ),
            extra="together",
            default_epochs=1,  # the SDK's n_epochs default
            refuses=frozenset({"--learning-rate-multiplier", "--metadata"}),
        ),
        Preset(
            "fireworks",
            "Fireworks AI",
            "fireworks",
            ("FIREWORKS_API_KEY",),
            ("supervised",),
            Limits(
                min_examples=3,
                max_examples=3_000_000,
                max_file_bytes=150 * _MB,
                max_file_reason="tunelint uploads to Fireworks in one request (larger: firectl)",
                roles=frozenset({"system", "user", "assistant"}),
                system_first=True,
            ),
            (
                ("https://docs.fireworks.ai/fine-tuning/fine-tuning-models", "2026-12-06"),
                ("https://fireworks.ai/pricing", "2026-12-06"),
            ),
            extra="fireworks",
            default_epochs=1,
            refuses=frozenset({"--learning-rate-multiplier", "--metadata", "--seed"}),
            prices=(
                Price(0.50, 16, "2026-12-06", "https://fireworks.ai/pricing"),
                Price(3.00, 80, "2026-12-06", "https://fireworks.ai/pricing"),
            ),
        ),
    )
}
