"""Formatters: present findings to people (text) and to programs (json, ...)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from tunelint.output.base import Reporter
from tunelint.output.json import JsonReporter
from tunelint.output.statistics import StatisticsReporter
from tunelint.output.text import TextReporter

REPORTERS: dict[str, Callable[[TextIO], Reporter]] = {
    "text": TextReporter,
    "json": JsonReporter,
    "statistics": StatisticsReporter,
}

__all__ = ["REPORTERS", "Reporter"]
