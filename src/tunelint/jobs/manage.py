"""``tunelint jobs list | show | events | wait | cancel``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from tunelint.jobs.client import provider_errors
from tunelint.jobs.follow import event_line, timestamp

if TYPE_CHECKING:
    from openai import OpenAI
    from openai.types.fine_tuning import FineTuningJob


def list_jobs(client: OpenAI, limit: int, output_format: str = "text") -> int:
    with provider_errors("listing jobs"):
        jobs = client.fine_tuning.jobs.list(limit=limit).data
    if output_format == "json":
        print(json.dumps([job.model_dump(mode="json") for job in jobs], indent=2))
        return 0
    if not jobs:
        print("no fine-tuning jobs")
    for job in jobs:
        print(
            f"{job.id}  {job.status:<16}  {timestamp(job.created_at)}  {job.model}"
            f"  {job.fine_tuned_model or '-'}"
        )
    return 0


def describe(job: FineTuningJob) -> list[str]:
    method = None
    if job.method:
        settings = job.method.model_dump(exclude_none=True).get(job.method.type, {})
        method = f"{job.method.type} {json.dumps(settings)}" if settings else job.method.type
    rows = [
        ("id", job.id),
        ("status", job.status),
        ("model", job.model),
        ("method", method),
        ("training file", job.training_file),
        ("validation file", job.validation_file),
        ("seed", job.seed),
        ("metadata", json.dumps(job.metadata) if job.metadata else None),
        ("created", timestamp(job.created_at)),
        ("finished", timestamp(job.finished_at) if job.finished_at else None),
        ("trained tokens", job.trained_tokens),
        ("fine-tuned model", job.fine_tuned_model),
        ("error", job.error.message if job.error else None),
    ]
    return [f"{name + ':':<18}{value}" for name, value in rows if value is not None]


def show_job(client: OpenAI, job_id: str, output_format: str = "text") -> int:
    with provider_errors(f"job {job_id}"):
        job = client.fine_tuning.jobs.retrieve(job_id)
    if output_format == "json":
        print(json.dumps(job.model_dump(mode="json"), indent=2))
        return 0
    print("\n".join(describe(job)))
    return 0


def show_events(client: OpenAI, job_id: str, limit: int) -> int:
    with provider_errors(f"job {job_id}"):
        events = client.fine_tuning.jobs.list_events(job_id, limit=limit).data
    for event in reversed(events):
        print(event_line(event))
    return 0


def cancel_job(client: OpenAI, job_id: str) -> int:
    with provider_errors(f"cancelling job {job_id}"):
        job = client.fine_tuning.jobs.cancel(job_id)
    print(f"{job.id}: {job.status}")
    return 0
