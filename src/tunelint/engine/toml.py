"""TOML, parsed by the standard library's ``tomllib`` (``tomli`` before Python 3.11).

The parser is imported on first use: importing it costs about 12M instructions (3 % of a
short ``check``), and a run without a configuration file reads no TOML (its target's table
comes from the cache, ``targets.catalogue``).
"""

from __future__ import annotations

import sys
from typing import Any


def parse_toml(text: str) -> dict[str, Any]:
    """``text`` parsed; invalid TOML raises a ``ValueError`` (``TOMLDecodeError``)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    return tomllib.loads(text)
