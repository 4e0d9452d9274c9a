"""What a run's targets mean for the rules: one profile and the rule options they imply.

With several targets the data must pass them all, so their policies intersect: a role or
key is accepted only when every target accepts it, and the highest minimum applies.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from tunelint.engine.profiles import Profile
from tunelint.engine.registry import Rule
from tunelint.targets.model import Target


def target_profile(targets: tuple[Target, ...]) -> Profile:
    """The profile every target agrees on (the first target's, narrowed by the others)."""
    profile = targets[0].profile
    for target in targets[1:]:
        other = target.profile
        roles = set(profile.message_keys) | set(other.message_keys)
        profile = msgspec.structs.replace(
            profile,
            name=f"{profile.name}+{other.name}",
            roles=profile.roles & other.roles,
            message_keys={
                role: profile.allowed_keys(role) & other.allowed_keys(role) for role in roles
            },
            top_level_keys=profile.top_level_keys & other.top_level_keys,
        )
    return profile


def target_rule_options(
    targets: tuple[Target, ...], rules: Mapping[str, Rule]
) -> dict[str, Mapping[str, Any]]:
    """Rule options the targets set (the configuration's own still win)."""
    options: dict[str, Mapping[str, Any]] = {}
    if "DS001" in rules:  # a target with no documented minimum takes any non-empty file
        minimum = max(target.min_examples or 1 for target in targets)
        options["DS001"] = {**rules["DS001"].options, "minimum": minimum}
    images = [t.images.per_example for t in targets if t.images.per_example is not None]
    if images and "SC011" in rules:
        options["SC011"] = {**rules["SC011"].options, "maximum": min(images)}
    return options


def target_quiet_codes(targets: tuple[Target, ...]) -> frozenset[str]:
    """Default rules the targets make moot: JL004 when every target asks for a byte-order
    mark (Azure's documentation does)."""
    if all(target.byte_order_mark == "advised" for target in targets):
        return frozenset({"JL004"})
    return frozenset()
