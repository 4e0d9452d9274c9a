"""tunelint: lint LLM fine-tuning data (JSONL) the way ruff lints code.

The Python API (``tunelint.api``): ``lint_files``, ``lint_records`` and ``get_stats``,
with their result types. Each is imported on first use, so ``import tunelint`` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# The one place the version is written (pyproject.toml reads it): asking
# importlib.metadata instead costs every start-up tens of milliseconds.
__version__ = "0.1.0"
# Where the project lives (pyproject.toml's [project.urls] says the same; a test holds them
# equal): SARIF's tool.driver.informationUri.
REPOSITORY_URL = "https://github.com/tunelint/tunelint"

if TYPE_CHECKING:
    from tunelint.api import get_stats, lint_files, lint_records
    from tunelint.engine.errors import TunelintError
    from tunelint.engine.findings import FileResult, Finding, Severity
    from tunelint.tokens.stats import DatasetStats

_PUBLIC = {
    "lint_files": "tunelint.api",
    "lint_records": "tunelint.api",
    "get_stats": "tunelint.api",
    "FileResult": "tunelint.engine.findings",
    "Finding": "tunelint.engine.findings",
    "Severity": "tunelint.engine.findings",
    "DatasetStats": "tunelint.tokens.stats",
    "TunelintError": "tunelint.engine.errors",
}


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'tunelint' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "REPOSITORY_URL",
    "DatasetStats",
    "FileResult",
    "Finding",
    "Severity",
    "TunelintError",
    "__version__",
    "get_stats",
    "lint_files",
    "lint_records",
]
