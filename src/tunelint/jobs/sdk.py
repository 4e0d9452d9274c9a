"""The OpenAI SDK is an extra (``tunelint[openai]``): linting never needs it."""

from __future__ import annotations

from tunelint.engine.errors import UsageError

INSTALL = "pip install 'tunelint[openai]'"


def require_sdk(command: str) -> None:
    """A one-line error naming the install command when the SDK cannot be imported."""
    try:
        import openai  # noqa: F401  (only whether it imports)
    except ImportError:
        raise UsageError(f"`tunelint {command}` needs the OpenAI SDK: {INSTALL}") from None
