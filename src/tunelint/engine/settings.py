"""Resolved settings for one run: the profile, the enabled rules and their options."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tunelint.engine.context import Origin
from tunelint.engine.findings import Severity
from tunelint.engine.profiles import OPENAI, Profile
from tunelint.engine.registry import Rule, Scope, all_rules
from tunelint.engine.template_settings import TemplateSettings
from tunelint.sources.walk import DEFAULT_EXCLUDE, Exclusions
from tunelint.targets.catalogue import get_target
from tunelint.targets.model import Target

ChatView = Callable[[dict[str, Any]], "tuple[dict[str, Any], Origin] | None"]
"""A record in another dialect as OpenAI chat, with where its texts are (``None``: the
record is in OpenAI's own format)."""


def _default_targets() -> tuple[Target, ...]:
    return (get_target("openai"),)


@dataclass(frozen=True, slots=True)
class Settings:
    profile: Profile = OPENAI
    model: str | None = None
    enabled: frozenset[str] = frozenset()
    """Codes of the enabled rules before per-file ignores."""
    severities: Mapping[str, Severity] = field(default_factory=dict)
    """Severity overrides by code."""
    fail_on: Severity = Severity.ERROR
    per_file_ignores: tuple[tuple[str, frozenset[str]], ...] = ()
    """(glob relative to ``root``, codes ignored in matching files)."""
    rule_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Options by code, defaults already merged in."""
    models: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """``[tool.tunelint.models]``: entries added to or replacing the built-in models table."""
    root: Path = field(default_factory=Path.cwd)
    """Folder of the configuration file; per-file-ignores globs are relative to it."""
    datasets: tuple[tuple[Path, Path], ...] = ()
    """(training file, validation file) pairs, resolved, for the dataset-scope rules."""
    config_file: Path | None = None
    """The configuration file these settings were read from (``None``: defaults only)."""
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    """Patterns (gitignore syntax, relative to ``root``) that folder walks leave out."""
    respect_gitignore: bool = True
    template: TemplateSettings | None = None
    """The open model's tokenizer and trainer settings (``tokenizer``), for the TM rules."""
    targets: tuple[Target, ...] = field(default_factory=_default_targets)
    """The providers or trainers the data is for (``--target``): it must pass them all."""
    view: ChatView | None = None
    """How the rules that judge roles and texts alone (``Rule.chat_view``) read a record in
    another dialect than OpenAI's; ``None``: they leave it alone. Set per file by the
    layout gate (``tunelint.targets.gate``) when the targets read the file's layout."""

    def exclusions(self, force: bool = False) -> Exclusions:
        """What walks leave out under these settings (``force``: named files too)."""
        return Exclusions(self.exclude, self.root, self.respect_gitignore, force)

    @property
    def image_roles(self) -> frozenset[str]:
        """Roles whose messages may carry an image under every target."""
        roles = self.targets[0].images.roles
        for target in self.targets[1:]:
            roles &= target.images.roles
        return roles

    @property
    def message_weights(self) -> frozenset[float]:
        """Values a per-message ``weight`` may take under every target."""
        allowed = self.targets[0].message_weights
        for target in self.targets[1:]:
            allowed &= target.message_weights
        return allowed

    def severity_of(self, rule: Rule) -> Severity:
        return self.severities.get(rule.code, rule.severity)

    def options(self, code: str) -> Mapping[str, Any]:
        return self.rule_options.get(code) or all_rules()[code].options

    def training_file_for(self, path: Path) -> Path | None:
        """The training file that ``path`` is the validation file of, if any."""
        resolved = path.resolve()
        return next((train for train, valid in self.datasets if valid == resolved), None)

    def rules_for(self, path: Path) -> list[Rule]:
        """The enabled rules for ``path``, per-file ignores applied, in code order.

        The dataset-scope rules apply only to a configured validation file, which in turn
        leaves out the rules that do not apply to one.
        """
        enabled = self.enabled - self._ignored_for(path)
        validation = self.training_file_for(path) is not None
        return [
            rule
            for code, rule in all_rules().items()
            if code in enabled
            and (rule.on_validation or not validation)
            and (rule.scope is not Scope.DATASET or validation)
        ]

    def _ignored_for(self, path: Path) -> frozenset[str]:
        if not self.per_file_ignores:
            return frozenset()
        relative = relative_path(path, self.root)
        ignored: frozenset[str] = frozenset()
        for pattern, codes in self.per_file_ignores:
            if fnmatch.fnmatchcase(relative, pattern) or fnmatch.fnmatchcase(path.name, pattern):
                ignored |= codes
        return ignored


def relative_path(path: str | Path, root: Path) -> str:
    """``path`` relative to ``root`` with forward slashes (as given when outside it)."""
    resolved = Path(path).resolve()
    try:
        return resolved.relative_to(root.resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()
