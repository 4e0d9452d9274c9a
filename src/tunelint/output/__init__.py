"""Formatters: present findings to people (full, concise, grouped) and to programs (json, ...)."""

from __future__ import annotations

import importlib
from typing import TextIO

from tunelint.output.base import Reporter, ReportOptions

# Each format's module is imported only when it is asked for: JUnit's brings ElementTree.
_REPORTERS = {
    "full": ("tunelint.output.text", "FullReporter"),
    "concise": ("tunelint.output.text", "ConciseReporter"),
    "grouped": ("tunelint.output.text", "GroupedReporter"),
    "json": ("tunelint.output.json", "JsonReporter"),
    "json-lines": ("tunelint.output.json", "JsonLinesReporter"),
    "github": ("tunelint.output.github", "GithubReporter"),
    "gitlab": ("tunelint.output.gitlab", "GitlabReporter"),
    "sarif": ("tunelint.output.sarif", "SarifReporter"),
    "junit": ("tunelint.output.junit", "JunitReporter"),
    "statistics": ("tunelint.output.finding_counts", "StatisticsReporter"),
    "statistics-json": ("tunelint.output.finding_counts", "StatisticsJsonReporter"),
}
ALIASES = {"text": "full"}
"""Names kept from earlier versions."""
FORMATS = (*(name for name in _REPORTERS if not name.startswith("statistics")), *ALIASES)
"""The ``--output-format`` choices (``statistics`` is ``--statistics``)."""


def reporter(name: str, stream: TextIO, options: ReportOptions | None = None) -> Reporter:
    """A reporter of the format ``name`` writing to ``stream``."""
    module, cls = _REPORTERS[ALIASES.get(name, name)]
    made: Reporter = getattr(importlib.import_module(module), cls)(stream, options)
    return made


__all__ = ["FORMATS", "ReportOptions", "Reporter", "reporter"]
