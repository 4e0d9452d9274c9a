"""tunelint: lint LLM fine-tuning data (JSONL) the way ruff lints code."""

# The one place the version is written (pyproject.toml reads it): asking
# importlib.metadata instead costs every start-up tens of milliseconds.
__version__ = "0.1.0"

__all__ = ["__version__"]
