"""The backend for a connection: the provider's own SDK, or the ``openai`` SDK."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tunelint.finetuning.providers.presets import PRESETS

if TYPE_CHECKING:
    from tunelint.finetuning.client import Connection
    from tunelint.finetuning.providers.base import Backend


def open_backend(connection: Connection) -> Backend:
    """A client for the provider; a missing SDK, key or endpoint fails before any request."""
    api = PRESETS[connection.provider].api
    if api == "together":
        from tunelint.finetuning.providers.together_api import open_together

        return open_together(connection)
    if api == "fireworks":
        from tunelint.finetuning.providers.fireworks_api import open_fireworks

        return open_fireworks(connection)
    from tunelint.finetuning.providers.openai_api import open_openai

    return open_openai(connection)
