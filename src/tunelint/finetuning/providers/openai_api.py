"""OpenAI's fine-tuning API through the ``openai`` SDK: OpenAI, Azure, Nebius, Bedrock, any
compatible ``--base-url``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunelint.finetuning.client import Connection, connect, provider_errors
from tunelint.finetuning.method import method_object
from tunelint.finetuning.providers.base import (
    Event,
    Job,
    JobSpec,
    RemoteFile,
    first_message,
    present,
)
from tunelint.finetuning.upload import FILE_POLL_INTERVAL, discard, upload, wait_until_processed

if TYPE_CHECKING:
    from openai import OpenAI
    from openai.types import FileObject
    from openai.types.fine_tuning import FineTuningJob, FineTuningJobEvent


def _job(job: FineTuningJob) -> Job:
    method = None
    if job.method:
        settings = job.method.model_dump(exclude_none=True).get(job.method.type, {})
        method = f"{job.method.type} {json.dumps(settings)}" if settings else job.method.type
    details = (
        ("method", method),
        ("training file", job.training_file),
        ("validation file", job.validation_file),
        ("seed", job.seed),
        ("metadata", json.dumps(job.metadata) if job.metadata else None),
        ("trained tokens", job.trained_tokens),
    )
    return Job(
        id=job.id,
        status=job.status,
        model=job.model,
        created_at=job.created_at,
        finished_at=job.finished_at,
        fine_tuned_model=job.fine_tuned_model,
        error=job.error.message if job.error and job.error.message else None,
        details=details,
    )


def _event(event: FineTuningJobEvent) -> Event:
    metrics = event.data if event.type == "metrics" and isinstance(event.data, dict) else None
    return Event(event.id, event.created_at, event.level, event.message, metrics)


class OpenAIBackend:
    def __init__(self, client: OpenAI, name: str) -> None:
        self.client = client
        self.name = name
        self._uploaded: dict[str, FileObject] = {}

    def upload(self, path: Path) -> RemoteFile:
        file = upload(self.client, path)
        self._uploaded[file.id] = file
        return RemoteFile(file.id, path)

    def wait_until_ready(self, file: RemoteFile, poll_interval: float) -> None:
        uploaded = self._uploaded[file.id]
        wait_until_processed(
            self.client, uploaded, file.path, min(poll_interval, FILE_POLL_INTERVAL)
        )

    def create_job(self, spec: JobSpec, training: RemoteFile, validation: RemoteFile | None) -> Job:
        options = present(
            model=spec.model,
            training_file=training.id,
            method=method_object(spec.method, spec.hyperparameters, spec.grader),
            validation_file=validation.id if validation else None,
            suffix=spec.suffix,
            seed=spec.seed,
            metadata=spec.metadata or None,
            extra_body=spec.fields or None,
        )
        with provider_errors("starting the job"):
            return _job(self.client.fine_tuning.jobs.create(**options))

    def discard(self, files: Sequence[RemoteFile]) -> str:
        return discard(self.client, [file.id for file in files])

    def list_jobs(self, limit: int) -> list[Job]:
        with provider_errors("listing jobs"):
            return [_job(job) for job in self.client.fine_tuning.jobs.list(limit=limit).data]

    def get_job(self, job_id: str) -> Job:
        with provider_errors(f"job {job_id}"):
            return _job(self.client.fine_tuning.jobs.retrieve(job_id))

    def events(self, job_id: str, limit: int) -> list[Event]:
        with provider_errors(f"job {job_id}"):
            events = self.client.fine_tuning.jobs.list_events(job_id, limit=limit).data
        return [_event(event) for event in reversed(events)]

    def new_events(self, job_id: str, seen: set[str]) -> list[Event]:
        """Events not seen yet, oldest first (the API lists newest first, page after page)."""
        fresh = []
        with provider_errors(f"following job {job_id}"):
            for event in self.client.fine_tuning.jobs.list_events(job_id, limit=100):
                if event.id in seen:
                    break
                fresh.append(_event(event))
        seen.update(event.id for event in fresh)
        fresh.reverse()
        return fresh

    def cancel(self, job_id: str) -> Job:
        with provider_errors(f"cancelling job {job_id}"):
            return _job(self.client.fine_tuning.jobs.cancel(job_id))

    def chat(self, action: str, request: dict[str, Any]) -> dict[str, Any] | None:
        with provider_errors(action):
            return first_message(self.client.chat.completions.create(**request))


def open_openai(connection: Connection) -> OpenAIBackend:
    return OpenAIBackend(connect(connection), connection.provider)
