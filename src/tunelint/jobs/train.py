"""``tunelint train``: lint, check the method, estimate, confirm, upload, start, follow."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunelint.engine.errors import UsageError
from tunelint.engine.settings import Settings
from tunelint.jobs.client import (
    Connection,
    ProviderError,
    TrainingNotAvailable,
    redacted_output,
)
from tunelint.jobs.estimate import estimate
from tunelint.jobs.method import (
    Hyperparameters,
    Method,
    check_arguments,
    check_format,
    load_grader,
)
from tunelint.jobs.providers import limits
from tunelint.jobs.providers.base import Job, JobSpec, Rejected, RemoteFile, named_line
from tunelint.jobs.providers.presets import OPENAI_STOPS, PRESETS, Preset

if TYPE_CHECKING:
    from tunelint.jobs.providers.base import Backend

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
    job_fields: dict[str, Any] = field(default_factory=dict)
    """Provider-specific fields of the job creation (Azure's ``trainingType``)."""


def connection_flags(connection: Connection) -> str:
    """The flags that reach the same provider again, for the hints printed to the user."""
    flags = "" if connection.provider == "openai" else f" --provider {connection.provider}"
    return flags + (f" --base-url {connection.base_url}" if connection.base_url else "")


def _confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        raise UsageError("standard input is not a terminal: pass --yes to upload and train")
    print(f"{question} [y/N] ", end="", file=sys.stderr, flush=True)
    return sys.stdin.readline().strip().lower() in {"y", "yes"}


def winding_down_note(today: date) -> str | None:
    """The line ``--provider openai`` prints once, until OpenAI stops taking new jobs."""
    stops = date.fromisoformat(OPENAI_STOPS)
    if today >= stops:
        return None
    return (
        f"note: OpenAI takes no new self-serve fine-tuning jobs from {OPENAI_STOPS} "
        f"({(stops - today).days} days left); see --provider in tunelint train --help"
    )


def _print_rejection(error: Rejected, preset: Preset) -> None:
    line = error.line or 1
    print(f"{error.path}:{line}:1: {preset.name} [error] {error.message}")


def train(request: TrainRequest, settings: Settings, lint: Lint) -> int:
    """Start a job only for data that passes; nothing is uploaded unless every check passes."""
    preset = PRESETS[request.connection.provider]
    if request.method not in preset.methods:
        raise UsageError(
            f"{preset.title} does not train --method {request.method} "
            f"(it trains: {', '.join(preset.methods)})"
        )
    hyper = request.hyperparameters
    given = {
        "--suffix": request.suffix is not None,
        "--seed": request.seed is not None,
        "--metadata": bool(request.metadata),
        "--learning-rate-multiplier": hyper.learning_rate_multiplier is not None,
    }
    for flag in sorted(preset.refuses):
        if given[flag]:
            raise UsageError(f"{preset.title} has no {flag}")
    check_arguments(request.method, hyper, request.validation, request.grader)
    grader = load_grader(request.grader) if request.grader else None
    files = [request.training] + ([request.validation] if request.validation else [])
    if lint(files):
        print("tunelint: nothing uploaded: fix the findings above first", file=sys.stderr)
        return 1
    for path in files:
        check_format(path, request.method)
    if found := limits.check(files, preset):
        print("\n".join(found))
        print(
            f"tunelint: nothing uploaded: {preset.title} would refuse this data (above)",
            file=sys.stderr,
        )
        return 1
    epochs = hyper.n_epochs or preset.default_epochs
    print(estimate(request.training, settings, request.model, epochs, preset))
    openai_itself = request.connection == replace(
        request.connection, provider="openai", base_url=None
    )
    if openai_itself and (note := winding_down_note(date.today())):
        print(note)
    if request.dry_run:
        print("dry run: nothing uploaded")
        return 0
    from tunelint.jobs.providers.connect import open_backend

    backend = open_backend(request.connection)
    with redacted_output():
        return _upload_and_start(backend, request, preset, grader, files)


def _upload_and_start(
    backend: Backend,
    request: TrainRequest,
    preset: Preset,
    grader: dict[str, Any] | None,
    files: list[Path],
) -> int:
    if not request.yes and not _confirm(
        f"Upload {len(files)} file(s) to {preset.title} and start a {request.method} job "
        f"on {request.model}?"
    ):
        print("tunelint: nothing uploaded", file=sys.stderr)
        return 1
    uploaded = []
    for path in files:
        uploaded.append(backend.upload(path))
        print(f"uploaded {path} as {uploaded[-1].id}")
    spec = JobSpec(
        request.model,
        request.method,
        request.hyperparameters,
        grader,
        request.suffix,
        request.seed,
        request.metadata,
        request.job_fields,
    )
    try:
        job = _start(backend, spec, uploaded, request.poll_interval)
    except Rejected as error:
        _print_rejection(error, preset)
        print(f"tunelint: no job started; {backend.discard(uploaded)}", file=sys.stderr)
        return 1
    except TrainingNotAvailable:
        raise ProviderError(_move_on(request, backend.discard(uploaded))) from None
    except ProviderError as error:  # files no job will use: not left behind in the account
        raise ProviderError(f"{error}; {backend.discard(uploaded)}") from None
    print(f"started job {job.id} ({job.status})")
    flags = connection_flags(request.connection)
    if not request.wait:
        print(f"follow it: tunelint jobs wait {job.id}{flags}")
        return 0
    return _follow(backend, job, request, flags, preset)


def _move_on(request: TrainRequest, discarded: str) -> str:
    """OpenAI's refusal to start jobs, and where the same data trains instead."""
    others = limits.passing_providers(request.training, request.method, "openai")
    where = (
        f"{request.training} also passes for {', '.join(others)}: tunelint train "
        f"{request.training} --provider {others[0]} --model MODEL"
        if others
        else "no other provider tunelint knows trains this data as it is"
    )
    return (
        f"OpenAI starts no fine-tuning jobs for this organisation (403 training_not_available; "
        f"new self-serve jobs end on {OPENAI_STOPS}); {where}; {discarded}"
    )


def _start(
    backend: Backend, spec: JobSpec, uploaded: list[RemoteFile], poll_interval: float
) -> Job:
    """Start the job once the provider has processed the uploaded files."""
    # The provider processes the files side by side; a job can start only from processed ones.
    for file in uploaded:
        backend.wait_until_ready(file, poll_interval)
    return backend.create_job(spec, uploaded[0], uploaded[1] if len(uploaded) > 1 else None)


def _follow(backend: Backend, job: Job, request: TrainRequest, flags: str, preset: Preset) -> int:
    """``--wait``: a job that fails on the data prints the report at the line it names."""
    from tunelint.jobs.follow import wait

    def blame(failed: Job) -> None:
        reason = failed.error or ""
        line = named_line(reason)
        if line is None:
            return
        validation = request.validation and "validation" in reason.lower()
        path = request.validation if validation and request.validation else request.training
        _print_rejection(Rejected(path, reason, line), preset)

    return wait(backend, job.id, request.poll_interval, flags, blame)
