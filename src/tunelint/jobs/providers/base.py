"""What ``train``, ``jobs`` and ``sample`` need from a provider, whatever its API looks like.

Each provider module turns its SDK's objects into these plain records, so following, showing
and sampling are written once.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from tunelint.engine.errors import TunelintError
from tunelint.jobs.method import Hyperparameters, Method

FINISHED = frozenset({"succeeded", "failed", "cancelled"})
"""Statuses a job never leaves; every provider's are mapped onto OpenAI's names."""


@dataclass(frozen=True, slots=True)
class RemoteFile:
    id: str
    path: Path
    """The local file it was uploaded from."""


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    status: str
    """One of OpenAI's: validating_files, queued, running, succeeded, failed, cancelled."""
    model: str | None = None
    created_at: int | None = None
    finished_at: int | None = None
    fine_tuned_model: str | None = None
    error: str | None = None
    details: tuple[tuple[str, Any], ...] = ()
    """Further rows for ``jobs show``: method, files, hyperparameters, as the provider has them."""


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    created_at: int | None
    level: str
    message: str
    metrics: dict[str, Any] | None = None
    """Step metrics (``step``, ``total_steps``, ``train_loss``) when the event carries them."""


@dataclass(frozen=True, slots=True)
class JobSpec:
    """The job ``train`` asks for, in tunelint's terms."""

    model: str
    method: Method
    hyperparameters: Hyperparameters = field(default_factory=Hyperparameters)
    grader: dict[str, Any] | None = None
    suffix: str | None = None
    seed: int | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)
    """Provider-specific fields sent as they are (Azure's ``trainingType``)."""


class Rejected(TunelintError):
    """The provider refused a file's data; ``line`` when its report names one."""

    def __init__(self, path: Path, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.message = message
        self.line = line


_LINE = re.compile(r"\b(?:line|row|example)\s*(?:#|number\s*)?(\d+)", re.IGNORECASE)


def named_line(report: str) -> int | None:
    """The 1-based line a provider's report names (``line 5``, ``Line #5``), if any."""
    found = _LINE.search(report)
    return int(found.group(1)) if found and int(found.group(1)) > 0 else None


class Backend(Protocol):
    """One provider's fine-tuning API; every method raises ``ProviderError`` on failure."""

    name: str

    def upload(self, path: Path) -> RemoteFile: ...

    def wait_until_ready(self, file: RemoteFile, poll_interval: float) -> None:
        """Return once ``file`` may train a job; its rejection is ``Rejected``."""

    def create_job(
        self, spec: JobSpec, training: RemoteFile, validation: RemoteFile | None
    ) -> Job: ...

    def discard(self, files: Sequence[RemoteFile]) -> str:
        """Delete files no job will use; says what became of them."""

    def list_jobs(self, limit: int) -> list[Job]: ...

    def get_job(self, job_id: str) -> Job: ...

    def events(self, job_id: str, limit: int) -> list[Event]:
        """The job's most recent events, oldest first."""

    def new_events(self, job_id: str, seen: set[str]) -> list[Event]:
        """Events whose ids are not in ``seen``, oldest first; adds their ids to ``seen``."""

    def cancel(self, job_id: str) -> Job: ...

    def chat(self, action: str, request: dict[str, Any]) -> dict[str, Any] | None:
        """The answer message to a chat completion request (``model``, ``messages``, ...)."""


def first_message(response: Any) -> dict[str, Any] | None:
    """The first choice's message of a chat completion, as a plain dict."""
    if not response.choices:
        return None
    message: dict[str, Any] = response.choices[0].message.model_dump()
    return message


def poll(file: RemoteFile, ready: Callable[[], bool], poll_interval: float, state: str) -> None:
    """Call ``ready`` until it is true; says once that it waits for ``file`` to be ``state``.

    A file that is still not ready after ``MAX_PROCESSING_WAIT`` is a ``ProviderError``.
    """
    from tunelint.jobs.client import ProviderError
    from tunelint.jobs.upload import MAX_PROCESSING_WAIT

    deadline = time.monotonic() + MAX_PROCESSING_WAIT
    announced = False
    while not ready():
        if time.monotonic() > deadline:
            raise ProviderError(
                f"{file.path}: {file.id} is still not {state} after "
                f"{MAX_PROCESSING_WAIT / 60:g} minutes; no job was started"
            )
        if not announced:
            print(f"waiting for {file.id} to be {state}")
            announced = True
        time.sleep(poll_interval)


def present(**fields: Any) -> dict[str, Any]:
    """The fields that are not ``None``: the options a request sends."""
    return {name: value for name, value in fields.items() if value is not None}
