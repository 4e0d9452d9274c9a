"""TOML, parsed by the standard library's ``tomllib`` (``tomli`` before Python 3.11).

The parser is imported on first use: importing it costs about 12M instructions, a third of
what a short ``check`` without a configuration file spends on its own work, and such a
run reads no TOML (its target comes from the cache, ``targets.catalogue``).
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
