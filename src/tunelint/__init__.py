"""tunelint: lint LLM fine-tuning data (JSONL) the way ruff lints code."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tunelint")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
