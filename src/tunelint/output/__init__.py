"""Formatters: present findings to people (text) and to programs (json, ...)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from tunelint.output.base import Reporter
from tunelint.output.github import GithubReporter
from tunelint.output.json import JsonReporter
from tunelint.output.junit import JunitReporter
from tunelint.output.sarif import SarifReporter
from tunelint.output.statistics import StatisticsReporter
from tunelint.output.text import TextReporter

REPORTERS: dict[str, Callable[[TextIO], Reporter]] = {
    "text": TextReporter,
    "json": JsonReporter,
    "github": GithubReporter,
    "sarif": SarifReporter,
    "junit": JunitReporter,
    "statistics": StatisticsReporter,
}

__all__ = ["REPORTERS", "Reporter"]
