"""The one-line errors of reading inputs."""

from __future__ import annotations

from tunelint.engine.errors import TunelintError


class SourceError(TunelintError):
    """An input cannot be read: corrupt compressed data, an unreachable URL, a bad Parquet file."""


class MissingExtra(TunelintError):
    """An input needs an optional dependency that is not installed."""


def require(module: str, extra: str, what: str) -> None:
    """Raise ``MissingExtra`` naming the install command when ``module`` is missing."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise MissingExtra(f"{what} needs {module}: pip install 'tunelint[{extra}]'")
