"""Upload a dataset with purpose ``fine-tune``: the Files API, or the Uploads API when large."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tunelint.engine.errors import UsageError
from tunelint.jobs.client import ProviderError, provider_errors

if TYPE_CHECKING:
    from openai import OpenAI

FILES_API_LIMIT = 512 * 1024**2
"""Largest file the Files API takes in one request."""
UPLOADS_API_LIMIT = 8 * 1024**3
"""Largest file the Uploads API assembles from parts."""


def check_size(path: Path) -> int:
    size = path.stat().st_size
    if size > UPLOADS_API_LIMIT:
        raise UsageError(
            f"{path}: {size / 1024**3:.1f} GB is over the 8 GB a fine-tuning upload may hold"
        )
    return size


def upload(client: OpenAI, path: Path, files_api_limit: int = FILES_API_LIMIT) -> str:
    """Upload ``path`` and return its file id; the file is streamed, never read whole."""
    size = check_size(path)
    with provider_errors(f"uploading {path}"):
        if size > files_api_limit:
            # The SDK sends 64 MB parts one after the other, then assembles them.
            done = client.uploads.upload_file_chunked(
                file=path, mime_type="application/jsonl", purpose="fine-tune", bytes=size
            )
            if done.file is None:
                raise ProviderError(f"uploading {path}: the provider assembled no file")
            return done.file.id
        with path.open("rb") as stream:
            created = client.files.create(file=(path.name, stream), purpose="fine-tune")
        return created.id
