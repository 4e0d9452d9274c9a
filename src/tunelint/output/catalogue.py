"""Render the rule catalogue (``tunelint rules``) and one rule's documentation."""

from __future__ import annotations

import json
from collections.abc import Mapping

from tunelint import REPOSITORY_URL
from tunelint.engine.profiles import PROFILES
from tunelint.engine.registry import Rule, all_rules
from tunelint.engine.selection import resolve_selectors

DOCS_URL = f"{REPOSITORY_URL}/blob/main/docs/rules.md#{{anchor}}"
"""Where a rule's documentation is published (``docs/rules.md``, which
``tunelint rules --output-format markdown`` writes): one place to change when it moves."""


def rule_url(code: str) -> str:
    """The documentation link of the rule ``code``, which JSON and SARIF output carry."""
    return DOCS_URL.format(anchor=code.lower())


def _defaults(rule: Rule) -> list[str]:
    """Names of the profiles that enable the rule by default."""
    rules = all_rules()
    return [
        profile.name
        for profile in PROFILES.values()
        if (
            rule.default
            if profile.default_select is None
            else rule.code in resolve_selectors(profile.default_select, rules)
        )
    ]


def catalogue_text(rules: Mapping[str, Rule]) -> str:
    """A table whose columns are as wide as their longest value, the summary last."""
    rows = [("code", "name", "severity", "scope", "fix", "default in", "summary")]
    rows += [
        (
            rule.code,
            rule.name,
            rule.severity.label,
            rule.scope.value,
            "[*]" if rule.fixable else "",
            ",".join(_defaults(rule)) or "-",
            rule.summary,
        )
        for rule in rules.values()
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]) - 1)]
    lines = [
        " ".join(
            [*(f"{cell:<{width}}" for cell, width in zip(row[:-1], widths, strict=True)), row[-1]]
        )
        for row in rows
    ]
    lines.append("[*] has a safe fix: tunelint check --fix")
    return "\n".join(lines)


def catalogue_json(rules: Mapping[str, Rule]) -> str:
    return json.dumps(
        [
            {
                "code": rule.code,
                "name": rule.name,
                "severity": rule.severity.label,
                "scope": rule.scope.value,
                "formats": sorted(str(f) for f in rule.formats),
                "aliases": list(rule.aliases),
                "default_in": _defaults(rule),
                "options": dict(rule.options),
                "fixable": rule.fixable,
                "summary": rule.summary,
                "url": rule_url(rule.code),
            }
            for rule in rules.values()
        ],
        indent=2,
    )


def catalogue_markdown(rules: Mapping[str, Rule]) -> str:
    """``docs/rules.md``: every rule's facts and documentation under a heading that is its
    code, so that ``rule_url`` finds it; the rule's own sections one level down."""
    lines = [
        "# Rules",
        "",
        "Written by `tunelint rules --output-format markdown` from each rule's documentation.",
    ]
    for rule in rules.values():
        facts = _facts(rule)
        doc = rule.documentation.replace("\n## ", "\n### ")
        lines += ["", f"## {rule.code}", "", f"`{rule.name}`", "", *(f"- {f}" for f in facts)]
        lines += ["", doc]
    return "\n".join(lines)


def _facts(rule: Rule) -> list[str]:
    facts = [
        f"Default severity: {rule.severity.label}",
        f"Scope: {rule.scope.value}",
        f"Formats: {', '.join(sorted(str(f) for f in rule.formats))}",
        f"Enabled by default in: {', '.join(_defaults(rule)) or 'no profile (select it)'}",
    ]
    if rule.fixable:
        facts.append("Fix: safe, applied by `tunelint check --fix`")
    if rule.aliases:
        facts.append(f"Cookbook alias: {', '.join(rule.aliases)}")
    if rule.options:
        facts.append(
            "Options: " + ", ".join(f"{key} = {value!r}" for key, value in rule.options.items())
        )
    return facts


def rule_text(rule: Rule) -> str:
    header = f"{rule.code} ({rule.name})"
    return "\n".join([header, "=" * len(header), "", *_facts(rule), "", rule.documentation])
