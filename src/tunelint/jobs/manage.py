"""``tunelint jobs list | show | events | wait | cancel``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tunelint.jobs.follow import event_line, timestamp

if TYPE_CHECKING:
    from tunelint.jobs.providers.base import Backend, Job


def list_jobs(backend: Backend, limit: int) -> int:
    jobs = backend.list_jobs(limit)
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


def show_job(backend: Backend, job_id: str) -> int:
    print("\n".join(describe(backend.get_job(job_id))))
    return 0


def show_events(backend: Backend, job_id: str, limit: int) -> int:
    for event in backend.events(job_id, limit):
        print(event_line(event))
    return 0


def cancel_job(backend: Backend, job_id: str) -> int:
    job = backend.cancel(job_id)
    print(f"{job.id}: {job.status}")
    return 0
