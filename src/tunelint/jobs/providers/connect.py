"""The backend for a connection: the provider's own SDK, or the ``openai`` SDK."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tunelint.jobs.providers.presets import PRESETS

if TYPE_CHECKING:
    from tunelint.jobs.client import Connection
    from tunelint.jobs.providers.base import Backend


def open_backend(connection: Connection) -> Backend:
    """A client for the provider; a missing SDK, key or endpoint fails before any request."""
    api = PRESETS[connection.provider].api
    if api == "together":
        from tunelint.jobs.providers.together_api import open_together

        return open_together(connection)
    if api == "fireworks":
        from tunelint.jobs.providers.fireworks_api import open_fireworks

        return open_fireworks(connection)
    from tunelint.jobs.providers.openai_api import open_openai

    return open_openai(connection)
