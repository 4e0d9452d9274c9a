"""Turn selectors (codes, prefixes, names, cookbook aliases, ``ALL``) into rule codes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from tunelint.engine.errors import ConfigError
from tunelint.engine.patterns import LazyPattern
from tunelint.engine.registry import Rule
from tunelint.engine.suggest import did_you_mean

_PREFIX = LazyPattern(r"^[A-Z]{2}[0-9]{0,3}$")


def split_selectors(text: str) -> list[str]:
    """Selectors from a comma-separated command-line value (``"SC005, CV"``)."""
    return [item.strip() for item in text.split(",") if item.strip()]


def resolve_selector(selector: str, rules: Mapping[str, Rule]) -> frozenset[str]:
    """Codes a single selector stands for; an unknown selector is a configuration error."""
    if selector == "ALL":
        return frozenset(rules)
    if _PREFIX.match(selector):
        codes = frozenset(code for code in rules if code.startswith(selector))
        if codes:
            return codes
    for rule in rules.values():
        if selector == rule.name or selector in rule.aliases:
            return frozenset({rule.code})
    names = [*rules, *(rule.name for rule in rules.values())]
    names += [alias for rule in rules.values() for alias in rule.aliases]
    hint = did_you_mean(selector, names)
    raise ConfigError(f"unknown rule selector {selector!r}{hint or ' (try `tunelint rules`)'}")


def resolve_selectors(selectors: Iterable[str], rules: Mapping[str, Rule]) -> frozenset[str]:
    codes: frozenset[str] = frozenset()
    for selector in selectors:
        codes |= resolve_selector(selector, rules)
    return codes
