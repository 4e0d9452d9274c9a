"""Profiles: which format rules apply, and how strictly.

``openai`` follows the provider's current fine-tuning format; ``cookbook`` reproduces the
OpenAI cookbook notebook "Data preparation and analysis for chat model fine-tuning" exactly
(its role and key whitelists, its content test, its 16,385-token limit), so results can be
compared with it.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from tunelint.engine.errors import ConfigError


class Profile(msgspec.Struct, frozen=True):
    name: str
    description: str
    roles: frozenset[str]
    """Message roles the provider accepts."""
    message_keys: Mapping[str, frozenset[str]]
    """Keys a message may carry, by role; ``"*"`` applies to every role."""
    cookbook_semantics: bool
    """Reproduce the notebook's exact tests (and its quirks) instead of the API's."""
    default_select: tuple[str, ...] | None
    """Selectors enabled when the configuration selects nothing; ``None``: rule defaults."""
    default_model: str = "gpt-4o-mini"
    """Model whose tokenizer and context limit apply when none is configured."""
    top_level_keys: frozenset[str] = frozenset()
    """Record keys accepted beyond those of the record's format (a target's own)."""

    def allowed_keys(self, role: object) -> frozenset[str]:
        by_role = self.message_keys.get(role) if isinstance(role, str) else None
        return self.message_keys["*"] | (by_role or frozenset())


_COMMON = frozenset({"role", "content", "name", "weight"})

OPENAI = Profile(
    name="openai",
    description="the OpenAI fine-tuning API's current format (default)",
    roles=frozenset({"system", "developer", "user", "assistant", "tool", "function"}),
    message_keys={
        "*": _COMMON,
        "assistant": frozenset({"tool_calls", "function_call", "refusal"}),
        "tool": frozenset({"tool_call_id"}),
    },
    cookbook_semantics=False,
    default_select=None,
)

COOKBOOK = Profile(
    name="cookbook",
    description="exactly the checks of the OpenAI cookbook notebook, for comparison",
    roles=frozenset({"system", "user", "assistant", "function"}),
    message_keys={"*": frozenset({"role", "content", "name", "function_call", "weight"})},
    cookbook_semantics=True,
    default_select=(
        "JL001",
        "JL002",
        "SC001",
        "SC003",
        "SC004",
        "SC005",
        "SC006",
        "CV001",
        "CV002",
        "CV003",
        "TK001",
    ),
    default_model="gpt-3.5-turbo",
)

PROFILES: Mapping[str, Profile] = {profile.name: profile for profile in (OPENAI, COOKBOOK)}


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        choices = ", ".join(PROFILES)
        raise ConfigError(f"unknown profile {name!r} (expected one of {choices})") from None
