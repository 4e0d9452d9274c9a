"""``tunelint train``: lint, check the method, estimate, confirm, upload, start, follow."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunelint.engine.errors import UsageError
from tunelint.engine.settings import Settings
from tunelint.jobs.client import (
    Connection,
    ProviderError,
    connect,
    provider_errors,
    redacted_output,
)
from tunelint.jobs.estimate import estimate
from tunelint.jobs.follow import wait
from tunelint.jobs.method import (
    Hyperparameters,
    Method,
    check_arguments,
    check_format,
    load_grader,
    method_object,
)
from tunelint.jobs.upload import (
    FILE_POLL_INTERVAL,
    check_size,
    discard,
    upload,
    wait_until_processed,
)

if TYPE_CHECKING:
    from openai import OpenAI
    from openai.types import FileObject
    from openai.types.fine_tuning import FineTuningJob

Lint = Callable[[Sequence[Path]], bool]
"""Lints files and prints the findings as ``check`` does; True when something fails."""


@dataclass(frozen=True, slots=True)
class TrainRequest:
    training: Path
    model: str
    method: Method = "supervised"
    validation: Path | None = None
    hyperparameters: Hyperparameters = field(default_factory=Hyperparameters)
    grader: Path | None = None
    suffix: str | None = None
    seed: int | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    connection: Connection = field(default_factory=Connection)
    dry_run: bool = False
    wait: bool = False
    yes: bool = False
    poll_interval: float = 10.0


def connection_flags(connection: Connection) -> str:
    """The flags that reach the same provider again, for the hints printed to the user."""
    flags = "" if connection.provider == "openai" else f" --provider {connection.provider}"
    return flags + (f" --base-url {connection.base_url}" if connection.base_url else "")


def _confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        raise UsageError("standard input is not a terminal: pass --yes to upload and train")
    print(f"{question} [y/N] ", end="", file=sys.stderr, flush=True)
    return sys.stdin.readline().strip().lower() in {"y", "yes"}


def train(request: TrainRequest, settings: Settings, lint: Lint) -> int:
    """Start a job only for data that passes; nothing is uploaded unless every check passes."""
    hyper = request.hyperparameters
    check_arguments(request.method, hyper, request.validation, request.grader)
    grader = load_grader(request.grader) if request.grader else None
    files = [request.training] + ([request.validation] if request.validation else [])
    if lint(files):
        print("tunelint: nothing uploaded: fix the findings above first", file=sys.stderr)
        return 1
    for path in files:
        check_format(path, request.method)
        check_size(path)
    print(estimate(request.training, settings, request.model, hyper.n_epochs))
    if request.dry_run:
        print("dry run: nothing uploaded")
        return 0
    client = connect(request.connection)
    with redacted_output():
        return _upload_and_start(client, request, grader, files)


def _upload_and_start(
    client: OpenAI, request: TrainRequest, grader: dict[str, Any] | None, files: list[Path]
) -> int:
    if not request.yes and not _confirm(
        f"Upload {len(files)} file(s) and start a {request.method} job on {request.model}?"
    ):
        print("tunelint: nothing uploaded", file=sys.stderr)
        return 1
    uploaded = []
    for path in files:
        uploaded.append(upload(client, path))
        print(f"uploaded {path} as {uploaded[-1].id}")
    try:
        job = _start(client, request, grader, files, uploaded)
    except ProviderError as error:  # files no job will use: not left behind in the account
        raise ProviderError(f"{error}; {discard(client, uploaded)}") from None
    print(f"started job {job.id} ({job.status})")
    flags = connection_flags(request.connection)
    if not request.wait:
        print(f"follow it: tunelint jobs wait {job.id}{flags}")
        return 0
    return wait(client, job.id, request.poll_interval, flags)


def _start(
    client: OpenAI,
    request: TrainRequest,
    grader: dict[str, Any] | None,
    files: list[Path],
    uploaded: list[FileObject],
) -> FineTuningJob:
    """Start the job once the provider has processed the uploaded files."""
    hyper = request.hyperparameters
    # The provider processes the files side by side; a job can start only from processed ones.
    for path, file in zip(files, uploaded, strict=True):
        wait_until_processed(client, file, path, min(request.poll_interval, FILE_POLL_INTERVAL))
    file_ids = [file.id for file in uploaded]
    options: dict[str, Any] = {
        "model": request.model,
        "training_file": file_ids[0],
        "method": method_object(request.method, hyper, grader),
    }
    if request.validation:
        options["validation_file"] = file_ids[1]
    if request.suffix is not None:
        options["suffix"] = request.suffix
    if request.seed is not None:
        options["seed"] = request.seed
    if request.metadata:
        options["metadata"] = request.metadata
    with provider_errors("starting the job"):
        return client.fine_tuning.jobs.create(**options)
