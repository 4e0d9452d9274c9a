"""Fireworks AI through its official SDK (``pip install 'tunelint[fireworks]'``).

A file becomes a dataset (``datasets.create``, then ``datasets.upload``, one request up to
150 MB) that Fireworks validates until it is ``READY``; a supervised job is a
``supervisedFineTuningJob`` of the account in ``FIREWORKS_ACCOUNT_ID``. Fireworks keeps no job
events: ``jobs events`` shows the job's state and status message.
"""

from __future__ import annotations

import hashlib
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from tunelint.finetuning.client import (
    Connection,
    ProviderError,
    api_key,
    json_only_client,
    one_line,
)
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

ACCOUNT_VARIABLE = "FIREWORKS_ACCOUNT_ID"
_STATUS = {
    "JOB_STATE_CREATING": "queued",
    "JOB_STATE_PENDING": "queued",
    "JOB_STATE_IDLE": "queued",
    "JOB_STATE_RE_QUEUEING": "queued",
    "JOB_STATE_CREATING_INPUT_DATASET": "validating_files",
    "JOB_STATE_VALIDATING": "validating_files",
    "JOB_STATE_RUNNING": "running",
    "JOB_STATE_WRITING_RESULTS": "running",
    "JOB_STATE_COMPLETED": "succeeded",
    "JOB_STATE_EARLY_STOPPED": "succeeded",
    "JOB_STATE_FAILED": "failed",
    "JOB_STATE_EXPIRED": "failed",
    "JOB_STATE_CANCELLING": "cancelling",
    "JOB_STATE_CANCELLED": "cancelled",
}
_HASH_BLOCK = 1 << 20


def dataset_id(path: Path) -> str:
    """A dataset id Fireworks accepts (``[a-z0-9-]``, 63 at most), the same for the same bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(_HASH_BLOCK):
            digest.update(block)
    stem = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")[:40] or "data"
    return f"tunelint-{stem}-{digest.hexdigest()[:12]}"


def count_examples(path: Path) -> int:
    """Non-blank lines: the example count Fireworks expects with a dataset."""
    with path.open("rb") as stream:
        return sum(1 for line in stream if line.strip())


def _seconds(value: Any) -> int | None:
    return int(value.timestamp()) if isinstance(value, datetime) else None


def _short(name: str | None) -> str:
    return (name or "").rsplit("/", 1)[-1]


class FireworksBackend(SdkBackend):
    name = "fireworks"

    def __init__(self, sdk: Any, client: Any, account: str) -> None:
        super().__init__(sdk, client)
        self.account = account

    def _delete(self, file_id: str) -> object:
        return self.client.datasets.delete(file_id)

    def _job(self, job: Any) -> Job:
        status = _STATUS.get(job.state or "", (job.state or "unknown").lower())
        message = job.status.message if job.status is not None else None
        details = (
            ("dataset", job.dataset),
            ("validation dataset", job.evaluation_dataset),
            ("epochs", job.epochs),
            ("learning rate", job.learning_rate),
            ("state", job.state),
        )
        return Job(
            id=_short(job.name),
            status=status,
            model=job.base_model,
            created_at=_seconds(job.create_time),
            finished_at=_seconds(job.completed_time),
            fine_tuned_model=job.output_model if status == "succeeded" else None,
            error=message if status == "failed" else None,
            details=details,
        )

    def upload(self, path: Path) -> RemoteFile:
        """A dataset named after the file's bytes: the same file again reuses a ready one."""
        name = dataset_id(path)
        dataset = {"user_uploaded": {}, "example_count": str(count_examples(path))}
        with self._errors(f"uploading {path}"):
            try:
                state = self.client.datasets.get(name).state
            except self.sdk.NotFoundError:
                state = None
            if state == "READY":
                print(f"{path} is already uploaded as {name}")
                return RemoteFile(name, path)
            if state is not None:  # an upload that never finished
                self.client.datasets.delete(name)
            self.client.datasets.create(dataset_id=name, dataset=dataset)
            with path.open("rb") as stream:
                self.client.datasets.upload(name, file=(path.name, stream))
        return RemoteFile(name, path)

    def wait_until_ready(self, file: RemoteFile, poll_interval: float) -> None:
        def ready() -> bool:
            with self._errors(f"waiting for {file.id} ({file.path})"):
                dataset = self.client.datasets.get(file.id)
            status = dataset.status
            if status is not None and status.code not in (None, "OK") and status.message:
                reason = one_line(status.message)
                raise Rejected(
                    file.path, f"Fireworks rejected {file.id}: {reason}", named_line(reason)
                )
            return dataset.state in (None, "READY")

        poll(file, ready, poll_interval, "ready")

    def _dataset(self, file: RemoteFile) -> str:
        return f"accounts/{self.account}/datasets/{file.id}"

    def create_job(self, spec: JobSpec, training: RemoteFile, validation: RemoteFile | None) -> Job:
        hyper = spec.hyperparameters
        options = present(
            dataset=self._dataset(training),
            base_model=spec.model,
            evaluation_dataset=self._dataset(validation) if validation else None,
            epochs=hyper.n_epochs,
            batch_size_samples=hyper.batch_size,
            display_name=spec.suffix,
        )
        with self._errors("starting the job"):
            return self._job(self.client.supervised_fine_tuning_jobs.create(**options))

    def list_jobs(self, limit: int) -> list[Job]:
        with self._errors("listing jobs"):
            page = self.client.supervised_fine_tuning_jobs.list(
                page_size=limit, order_by="create_time desc"
            )
        return [self._job(job) for job in page.supervised_fine_tuning_jobs[:limit]]

    def get_job(self, job_id: str) -> Job:
        with self._errors(f"job {job_id}"):
            return self._job(self.client.supervised_fine_tuning_jobs.get(job_id))

    def events(self, job_id: str, limit: int) -> list[Event]:
        """Fireworks keeps no event log: the job's state, with its status message."""
        with self._errors(f"job {job_id}"):
            job = self.client.supervised_fine_tuning_jobs.get(job_id)
        message = job.status.message if job.status is not None and job.status.message else ""
        text = f"{job.state}: {message}" if message else str(job.state)
        level = "error" if _STATUS.get(job.state or "") == "failed" else "info"
        when = _seconds(job.update_time) or _seconds(job.create_time)
        return [Event(f"{job.state}:{message}", when, level, text)][:limit]

    def new_events(self, job_id: str, seen: set[str]) -> list[Event]:
        return []  # follow prints the status changes; there is no log to add

    def cancel(self, job_id: str) -> Job:
        with self._errors(f"cancelling job {job_id}"):
            self.client.supervised_fine_tuning_jobs.cancel(job_id, body={})
        return self.get_job(job_id)


def open_fireworks(connection: Connection) -> FireworksBackend:
    preset = PRESETS["fireworks"]
    sdk = import_sdk("fireworks", "fireworks", f"--provider {preset.name}")
    key = api_key(preset)
    account = os.environ.get(ACCOUNT_VARIABLE)
    if not account:
        raise ProviderError(f"{ACCOUNT_VARIABLE} is not set: export your Fireworks account id")
    client = sdk.Fireworks(
        api_key=key,
        account_id=account,
        base_url=connection.base_url,
        max_retries=connection.max_retries,
        timeout=connection.timeout,
        http_client=json_only_client(sdk, connection.timeout),
    )
    return FireworksBackend(sdk, client, account)
