"""Upload a dataset with purpose ``fine-tune`` (the Files API, or the Uploads API when large)
and wait until the provider has processed it: a job cannot start from a file before then."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunelint.engine.errors import UsageError
from tunelint.finetuning.client import ProviderError, one_line, provider_errors
from tunelint.finetuning.providers.base import Rejected, named_line

if TYPE_CHECKING:
    from openai import OpenAI
    from openai.types import FileObject

FILES_API_LIMIT = 512 * 1024**2
"""Largest file the Files API takes in one request."""
UPLOADS_API_LIMIT = 8 * 1024**3
"""Largest file the Uploads API assembles from parts."""
FILE_POLL_INTERVAL = 5.0
"""Longest pause between two looks at a file being processed (the SDK's default)."""
MAX_PROCESSING_WAIT = 30 * 60.0
"""How long a file may stay in processing before tunelint gives up (the SDK's default)."""


def check_size(path: Path) -> int:
    size = path.stat().st_size
    if size > UPLOADS_API_LIMIT:
        raise UsageError(
            f"{path}: {size / 1024**3:.1f} GB is over the 8 GB a fine-tuning upload may hold"
        )
    return size


def upload(client: OpenAI, path: Path, files_api_limit: int = FILES_API_LIMIT) -> FileObject:
    """Upload ``path`` and return the provider's file; the file is streamed, never read whole."""
    size = check_size(path)
    with provider_errors(f"uploading {path}"):
        if size > files_api_limit:
            # The SDK sends 64 MB parts one after the other, then assembles them.
            done = client.uploads.upload_file_chunked(
                file=path, mime_type="application/jsonl", purpose="fine-tune", bytes=size
            )
            if done.file is None:
                raise ProviderError(f"uploading {path}: the provider assembled no file")
            return done.file
        with path.open("rb") as stream:
            return client.files.create(file=(path.name, stream), purpose="fine-tune")


def wait_until_processed(
    client: OpenAI,
    file: FileObject,
    path: Path,
    poll_interval: float = FILE_POLL_INTERVAL,
    max_wait: float = MAX_PROCESSING_WAIT,
) -> None:
    """Return once the provider has validated ``file`` (uploaded from ``path``).

    A file the provider rejected, deleted or never finished is a ``ProviderError``. A file
    without a status (some compatible endpoints) has nothing to wait for.
    """
    if file.status not in (None, "processed"):
        print(f"waiting for {file.id} to be processed")
        with provider_errors(f"waiting for {file.id} ({path})"):
            try:
                file = client.files.wait_for_processing(
                    file.id, poll_interval=poll_interval, max_wait_seconds=max_wait
                )
            except RuntimeError:  # the SDK's timeout
                raise ProviderError(
                    f"{path}: {file.id} is still not processed after {max_wait / 60:g} minutes; "
                    "no job was started"
                ) from None
    if file.status == "error":
        reason = one_line(file.status_details or "no reason given")
        raise Rejected(path, f"the provider rejected {file.id}: {reason}", named_line(reason))
    if file.status not in (None, "processed"):  # "deleted", where the SDK stops waiting too
        raise ProviderError(f"{path}: {file.id} is {file.status}, not processed")


def discard(client: OpenAI, file_ids: Sequence[str]) -> str:
    """Delete files uploaded for a job that could not start; says what became of them.

    Best effort: a file that cannot be deleted is named, for the user to delete.
    """
    return discarded(file_ids, lambda file_id: client.files.delete(file_id))


def discarded(file_ids: Sequence[str], delete: Callable[[str], object], sdk: Any = None) -> str:
    """Delete each file with ``delete`` (a call of ``sdk``); names the deleted and the kept."""
    deleted, kept = [], []
    for file_id in file_ids:
        try:
            with provider_errors(f"deleting {file_id}", sdk):
                delete(file_id)
            deleted.append(file_id)
        except ProviderError:
            kept.append(file_id)
    said = [f"deleted the uploaded {', '.join(deleted)}"] if deleted else []
    if kept:
        said.append(f"could not delete the uploaded {', '.join(kept)}")
    return "; ".join(said)
