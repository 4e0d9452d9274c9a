"""Settings for a run, built one way for the CLI, the pytest plugin and the Python API."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import msgspec

from tunelint.engine.config import find_config, load_config, resolve_settings
from tunelint.engine.errors import UsageError
from tunelint.engine.settings import Settings


class Overrides(msgspec.Struct, frozen=True):
    """Values given for this run (flags, pytest options, API arguments) that win over the
    configuration file; ``None`` leaves the file's value."""

    profile: str | None = None
    target: Sequence[str] | None = None
    model: str | None = None
    select: Sequence[str] | None = None
    extend_select: Sequence[str] | None = None
    ignore: Sequence[str] | None = None
    fail_on: str | None = None
    grader: Path | None = None
    """``--grader``: the reinforcement grader whose ``{{item.<field>}}`` records need (SC012)."""
    more: Mapping[str, Any] = msgspec.field(default_factory=dict)
    """Other configuration keys given for the run (the chat template's flags)."""

    def values(self) -> dict[str, Any]:
        """As configuration keys (``extend-select``), lists as lists."""
        return {
            "profile": self.profile,
            "target": _listed(self.target),
            "model": self.model,
            "select": _listed(self.select),
            "extend-select": _listed(self.extend_select),
            "ignore": _listed(self.ignore),
            "fail-on": self.fail_on,
            **self.more,
        }


def _listed(selectors: Sequence[str] | None) -> list[str] | None:
    return None if selectors is None else list(selectors)


def build_settings(
    overrides: Overrides | None = None,
    *,
    config: Path | None = None,
    start: Path | None = None,
    dataset: tuple[Path, Path] | None = None,
) -> Settings:
    """The run's settings: ``config`` (which must exist), else the configuration nearest to
    ``start`` (the working directory), with ``overrides`` on top. ``dataset`` pairs a
    training file with its validation file."""
    return settings_from(config_path(config, start), overrides, dataset)


def config_path(config: Path | None, start: Path | None = None) -> Path | None:
    """The configuration file of a run: ``config`` (which must exist), else the nearest to
    ``start`` (the working directory), else ``None`` (defaults)."""
    return checked_config(config) or find_config(start or Path.cwd())


def checked_config(config: Path | None) -> Path | None:
    """``config`` (``--config``), which must be a file."""
    if config is not None and not config.is_file():
        raise UsageError(f"{config}: no such configuration file")
    return config


def settings_from(
    config: Path | None,
    overrides: Overrides | None = None,
    dataset: tuple[Path, Path] | None = None,
) -> Settings:
    """The settings of the configuration file ``config`` (``None``: defaults only) with
    ``overrides`` on top: the one place settings are made (``build_settings`` and, file by
    file, ``tunelint.inputs.SettingsFinder`` call it)."""
    overrides = overrides or Overrides()
    values = overrides.values()
    if dataset is not None:
        values["datasets"] = [{"train": str(dataset[0]), "validation": str(dataset[1])}]
    loaded = load_config(config)
    if overrides.grader is not None:  # the file's other rule options stay
        rules = dict(loaded.values.get("rules", {}))
        given = {**rules.get("missing-grader-field", {}), "grader": str(overrides.grader)}
        values["rules"] = {**rules, "missing-grader-field": given}
    settings = resolve_settings(loaded, values)
    if settings.options("SC012")["grader"]:
        from tunelint.rules.grader import grader_fields

        grader_fields(settings.options("SC012")["grader"])  # a bad file: a one-line error
    return settings
