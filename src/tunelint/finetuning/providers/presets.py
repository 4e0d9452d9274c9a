"""How tunelint reaches each fine-tuning provider: its API, key, endpoint and methods.

What data a provider accepts (example counts, file size, roles) and what it charges are the
facts of its target (``tunelint/targets/data/<name>.toml``, dated, with sources), read here so
``train`` and ``check --target`` never disagree; only limits of tunelint's own upload path
(``upload_limit``) and how the API is reached live here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from tunelint.finetuning.method import Method
from tunelint.targets.catalogue import get_target
from tunelint.targets.model import Target

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


def _limits(
    target: Target, upload_limit: tuple[int, str] | None = None, system_first: bool = False
) -> Limits:
    """The target's data limits, with tunelint's own upload limit where it is smaller."""
    max_file_bytes, reason = target.max_file_bytes, None
    if upload_limit is not None and (max_file_bytes is None or upload_limit[0] < max_file_bytes):
        max_file_bytes, reason = upload_limit
    return Limits(
        min_examples=target.min_examples,
        max_examples=target.max_examples,
        max_file_bytes=max_file_bytes,
        max_file_reason=reason,
        roles=target.profile.roles,
        system_first=system_first,
    )


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
    """(URL, date read) of the API documents; the data facts cite their own in the target."""
    base_url: str | None = None
    """The endpoint, with ``{placeholders}`` filled from ``url_variables``."""
    url_variables: dict[str, str] = field(default_factory=dict)
    """Placeholder -> the environment variable that fills it."""
    api_version: str | None = None
    extra: str | None = None
    """The pip extra that installs the provider's SDK."""
    example_url: str | None = None
    """The endpoint as the user writes it, in messages and help."""
    refuses: frozenset[str] = frozenset()
    """``train`` flags the provider's API has no field for."""

    @property
    def target(self) -> Target:
        """The provider's target: the data it accepts and how it bills, with their dates."""
        return get_target(self.name)

    @property
    def default_epochs(self) -> int | None:
        """Epochs when ``--epochs`` is not given; ``None``: chosen from the data (OpenAI's auto)."""
        return self.target.default_epochs


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
            _limits(
                get_target("openai"),
                upload_limit=(8 * _GB, "OpenAI's Uploads API takes in one file"),
            ),
            _OPENAI_SOURCES,
        ),
        Preset(
            "azure",
            "Azure OpenAI",
            "openai",
            ("AZURE_OPENAI_API_KEY",),
            ("supervised", "dpo", "reinforcement"),
            _limits(get_target("azure")),
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
            _limits(get_target("nebius")),
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
            _limits(get_target("bedrock-openai")),
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
            _limits(get_target("together")),
            (("https://docs.together.ai/docs/fine-tuning/data-preparation", "2026-12-06"),),
            extra="together",
            refuses=frozenset({"--learning-rate-multiplier", "--metadata"}),
        ),
        Preset(
            "fireworks",
            "Fireworks AI",
            "fireworks",
            ("FIREWORKS_API_KEY",),
            ("supervised",),
            _limits(
                get_target("fireworks"),
                upload_limit=(
                    150 * _MB,
                    "tunelint uploads to Fireworks in one request (larger: firectl)",
                ),
                system_first=True,
            ),
            (("https://docs.fireworks.ai/fine-tuning/fine-tuning-models", "2026-12-06"),),
            extra="fireworks",
            refuses=frozenset({"--learning-rate-multiplier", "--metadata", "--seed"}),
        ),
    )
}
