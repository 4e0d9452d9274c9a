"""Formatters: present findings to people (text) and to programs (json, ...)."""

from __future__ import annotations

import importlib
from typing import TextIO

from tunelint.engine.findings import Severity
from tunelint.output.base import Reporter

# Each format's module is imported only when it is asked for: JUnit's brings ElementTree.
_REPORTERS = {
    "text": ("tunelint.output.text", "TextReporter"),
    "json": ("tunelint.output.json", "JsonReporter"),
    "github": ("tunelint.output.github", "GithubReporter"),
    "sarif": ("tunelint.output.sarif", "SarifReporter"),
    "junit": ("tunelint.output.junit", "JunitReporter"),
    "statistics": ("tunelint.output.finding_counts", "StatisticsReporter"),
}
FORMATS = tuple(name for name in _REPORTERS if name != "statistics")
"""The ``--output-format`` choices (``statistics`` is ``--statistics``)."""


def reporter(name: str, stream: TextIO, fail_on: Severity = Severity.ERROR) -> Reporter:
    """A reporter of the format ``name`` writing to ``stream``; ``fail_on`` is the level
    at which JUnit marks a file failed, as the exit status does."""
    module, cls = _REPORTERS[name]
    factory = getattr(importlib.import_module(module), cls)
    made: Reporter = factory(stream, fail_on) if name == "junit" else factory(stream)
    return made


__all__ = ["FORMATS", "Reporter", "reporter"]
