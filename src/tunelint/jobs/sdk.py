"""Provider SDKs are extras (``tunelint[openai]``, ``[together]``, ...): linting never needs them."""

from __future__ import annotations

import importlib
from types import ModuleType

from tunelint.engine.errors import UsageError


def import_sdk(module: str, extra: str, needed_by: str) -> ModuleType:
    """The SDK ``module``; missing, one line naming the extra that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise UsageError(f"{needed_by} needs its SDK: pip install 'tunelint[{extra}]'") from None
