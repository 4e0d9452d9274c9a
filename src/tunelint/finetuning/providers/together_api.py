"""Together AI through its official SDK (``pip install 'tunelint[together]'``).

Files go up with ``files.upload`` (a signed URL, then ``/preprocess``); Together validates a file
after upload and keeps a ``validation_report``; jobs are ``/v1/fine-tunes``.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from tunelint.finetuning.client import Connection, api_key, json_only_client, one_line
from tunelint.finetuning.providers.base import (
    Event,
    Job,
    JobSpec,
    Rejected,
    RemoteFile,
    named_line,
    poll,
    present,
)
from tunelint.finetuning.providers.presets import PRESETS
from tunelint.finetuning.providers.sdk import SdkBackend
from tunelint.finetuning.sdk import import_sdk

_STATUS = {
    "pending": "queued",
    "queued": "queued",
    "running": "running",
    "compressing": "running",
    "uploading": "running",
    "cancel_requested": "cancelling",
    "cancelled": "cancelled",
    "error": "failed",
    "user_error": "failed",
    "completed": "succeeded",
}


def _seconds(value: Any) -> int | None:
    if isinstance(value, datetime):
        return int(value.timestamp())
    if isinstance(value, str) and value:
        try:
            return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
        except ValueError:
            return None
    return None


def _status(job: Any) -> str:
    status = getattr(job, "status", None)
    text = str(getattr(status, "value", status) or "unknown")
    return _STATUS.get(text, text)


def _event(event: Any, index: int) -> Event:
    level = getattr(event, "level", None)
    return Event(
        id=getattr(event, "hash", None) or f"{index}",
        created_at=_seconds(getattr(event, "created_at", None)),
        level=str(getattr(level, "value", level) or "info").lower(),
        message=getattr(event, "message", None) or "",
    )


class TogetherBackend(SdkBackend):
    name = "together"

    def _delete(self, file_id: str) -> object:
        return self.client.files.delete(file_id)

    def _job(self, job: Any, error: str | None = None) -> Job:
        method = getattr(job, "training_method", None)
        method_name = getattr(method, "method", None)
        details = (
            ("method", method_name),
            ("training file", getattr(job, "training_file", None)),
            ("validation file", getattr(job, "validation_file", None) or None),
            ("epochs", getattr(job, "n_epochs", None)),
            ("batch size", getattr(job, "batch_size", None)),
            ("learning rate", getattr(job, "learning_rate", None)),
            ("trained tokens", getattr(job, "token_count", None)),
        )
        status = _status(job)
        return Job(
            id=job.id,
            status=status,
            model=getattr(job, "model", None),
            created_at=_seconds(getattr(job, "created_at", None)),
            finished_at=_seconds(getattr(job, "updated_at", None))
            if status in ("succeeded", "failed", "cancelled")
            else None,
            fine_tuned_model=getattr(job, "output_name", None)
            or getattr(job, "x_model_output_name", None)
            or (job.model_extra or {}).get("model_output_name"),
            error=error,
            details=details,
        )

    def upload(self, path: Path) -> RemoteFile:
        with self._errors(f"uploading {path}"):
            # tunelint has linted the file; the SDK's own check would read it once more.
            file = self.client.files.upload(file=path, purpose="fine-tune", check=False)
        return RemoteFile(file.id, path)

    def wait_until_ready(self, file: RemoteFile, poll_interval: float) -> None:
        def validated() -> bool:
            with self._errors(f"waiting for {file.id} ({file.path})"):
                found = self.client.files.retrieve(file.id)
            status, report = found.processing_status, found.validation_report
            if report is not None and not report.valid:
                reason = one_line(report.error or f"invalid ({report.error_type or status})")
                raise Rejected(
                    file.path, f"Together rejected {file.id}: {reason}", named_line(reason)
                )
            if status in ("FAILED", "INVALID_FORMAT"):
                raise Rejected(file.path, f"Together rejected {file.id}: {status}")
            return status is None or status == "COMPLETED"

        poll(file, validated, poll_interval, "validated")

    def create_job(self, spec: JobSpec, training: RemoteFile, validation: RemoteFile | None) -> Job:
        hyper = spec.hyperparameters
        options = present(
            training_file=training.id,
            model=spec.model,
            training_method="dpo" if spec.method == "dpo" else "sft",
            train_on_inputs="auto" if spec.method == "supervised" else None,
            validation_file=validation.id if validation else None,
            # Together evaluates on the validation file only when asked to.
            n_evals=1 if validation else None,
            n_epochs=hyper.n_epochs,
            batch_size=hyper.batch_size,
            dpo_beta=hyper.beta,
            suffix=spec.suffix,
            random_seed=spec.seed,
        )
        with self._errors("starting the job"):
            return self._job(self.client.fine_tuning.create(**options))

    def list_jobs(self, limit: int) -> list[Job]:
        with self._errors("listing jobs"):
            jobs = self.client.fine_tuning.list().data or []
        newest = sorted(jobs, key=lambda job: _seconds(job.created_at) or 0, reverse=True)
        return [self._job(job) for job in newest[:limit]]

    def get_job(self, job_id: str) -> Job:
        with self._errors(f"job {job_id}"):
            job = self.client.fine_tuning.retrieve(job_id)
        error = None
        if _status(job) == "failed":  # Together keeps the reason in the job's events
            failures = [e for e in self.events(job_id, 1000) if e.level == "error"]
            error = failures[-1].message if failures else None
        return self._job(job, error)

    def events(self, job_id: str, limit: int) -> list[Event]:
        with self._errors(f"job {job_id}"):
            events = self.client.fine_tuning.list_events(job_id).data or []
        return [_event(event, i) for i, event in enumerate(events)][-limit:]

    def new_events(self, job_id: str, seen: set[str]) -> list[Event]:
        fresh = [event for event in self.events(job_id, 1000) if event.id not in seen]
        seen.update(event.id for event in fresh)
        return fresh

    def cancel(self, job_id: str) -> Job:
        with self._errors(f"cancelling job {job_id}"):
            return self._job(self.client.fine_tuning.cancel(job_id))


def open_together(connection: Connection) -> TogetherBackend:
    preset = PRESETS["together"]
    sdk = import_sdk("together", "together", f"--provider {preset.name}")
    client = sdk.Together(
        api_key=api_key(preset),
        base_url=connection.base_url,
        max_retries=connection.max_retries,
        timeout=connection.timeout,
        http_client=json_only_client(sdk, connection.timeout),
    )
    return TogetherBackend(sdk, client)
