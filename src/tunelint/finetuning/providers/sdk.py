"""What the backends over a provider's own SDK (Together, Fireworks) share."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any

from tunelint.finetuning.client import provider_errors
from tunelint.finetuning.providers.base import RemoteFile, first_message
from tunelint.finetuning.upload import discarded


class SdkBackend:
    """A backend holding the provider's SDK module (for its errors) and its client."""

    def __init__(self, sdk: Any, client: Any) -> None:
        self.sdk = sdk
        self.client = client

    def _errors(self, action: str) -> AbstractContextManager[None]:
        return provider_errors(action, self.sdk)

    def _delete(self, file_id: str) -> object:
        """Delete an uploaded file (a dataset on Fireworks)."""
        raise NotImplementedError

    def discard(self, files: Sequence[RemoteFile]) -> str:
        return discarded([file.id for file in files], self._delete, self.sdk)

    def chat(self, action: str, request: dict[str, Any]) -> dict[str, Any] | None:
        with self._errors(action):
            return first_message(self.client.chat.completions.create(**request))
