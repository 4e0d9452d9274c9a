"""``tunelint jobs list | show | events | wait | cancel``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from tunelint.jobs.follow import event_line, timestamp

if TYPE_CHECKING:
    from tunelint.jobs.providers.base import Backend, Job


def list_jobs(backend: Backend, limit: int, output_format: str = "text") -> int:
    jobs = backend.list_jobs(limit)
    if output_format == "json":
        print(json.dumps([job_to_dict(job) for job in jobs], indent=2))
        return 0
    if not jobs:
        print("no fine-tuning jobs")
    for job in jobs:
        print(
            f"{job.id}  {job.status:<16}  {timestamp(job.created_at)}  {job.model}"
            f"  {job.fine_tuned_model or '-'}"
        )
    return 0


def describe(job: Job) -> list[str]:
    rows = [
        ("id", job.id),
        ("status", job.status),
        ("model", job.model),
        *job.details,
        ("created", timestamp(job.created_at)),
        ("finished", timestamp(job.finished_at) if job.finished_at else None),
        ("fine-tuned model", job.fine_tuned_model),
        ("error", job.error),
    ]
    return [f"{name + ':':<18}{value}" for name, value in rows if value is not None]


def job_to_dict(job: Job) -> dict[str, Any]:
    """The job as JSON: its fields, and the provider's details under snake_case names."""
    return {
        "id": job.id,
        "status": job.status,
        "model": job.model,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "fine_tuned_model": job.fine_tuned_model,
        "error": job.error,
        **{name.replace(" ", "_"): value for name, value in job.details},
    }


def show_job(backend: Backend, job_id: str, output_format: str = "text") -> int:
    job = backend.get_job(job_id)
    if output_format == "json":
        print(json.dumps(job_to_dict(job), indent=2))
        return 0
    print("\n".join(describe(job)))
    return 0


def show_events(backend: Backend, job_id: str, limit: int) -> int:
    for event in backend.events(job_id, limit):
        print(event_line(event))
    return 0


def cancel_job(backend: Backend, job_id: str) -> int:
    job = backend.cancel(job_id)
    print(f"{job.id}: {job.status}")
    return 0
