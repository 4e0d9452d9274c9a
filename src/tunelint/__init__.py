"""tunelint: lint LLM fine-tuning data (JSONL) the way ruff lints code."""

# The one place the version is written (pyproject.toml reads it): asking
# importlib.metadata instead costs every start-up tens of milliseconds.
__version__ = "0.1.0"
# Where the project lives (pyproject.toml's [project.urls] says the same; a test holds them
# equal): SARIF's tool.driver.informationUri.
REPOSITORY_URL = "https://github.com/tunelint/tunelint"

__all__ = ["REPOSITORY_URL", "__version__"]
