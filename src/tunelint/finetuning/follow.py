"""Follow a job until it ends: status changes, new events, a progress bar from step metrics."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TextIO

from tunelint.finetuning.providers.base import FINISHED, Event, Job

if TYPE_CHECKING:
    from tunelint.finetuning.providers.base import Backend

_BAR_WIDTH = 30


def timestamp(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(seconds))


def event_line(event: Event) -> str:
    return f"{timestamp(event.created_at)}  {event.level:<5}  {event.message}"


class ProgressBar:
    """One line on a terminal, redrawn after each poll from the ``metrics`` events' steps."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.text = ""

    def update(self, data: Mapping[str, Any]) -> None:
        step, total = data.get("step"), data.get("total_steps")
        if not isinstance(step, int) or not isinstance(total, int) or total <= 0:
            return
        done = min(step, total) * _BAR_WIDTH // total
        loss = data.get("train_loss")
        tail = f"  loss {loss:.4f}" if isinstance(loss, (int, float)) else ""
        self.text = f"[{'#' * done}{'.' * (_BAR_WIDTH - done)}] step {step}/{total}{tail}"

    def clear(self) -> None:
        if self.text:
            self.stream.write("\r\x1b[K")
            self.stream.flush()

    def redraw(self) -> None:
        if self.text:
            self.stream.write(f"\r\x1b[K{self.text}")
            self.stream.flush()

    def close(self) -> None:
        if self.text:
            self.stream.write("\n")
            self.stream.flush()


def follow(backend: Backend, job_id: str, poll_interval: float, out: TextIO, err: TextIO) -> Job:
    """Print the job's progress until it finishes, and return its final state."""
    seen: set[str] = set()
    status = None
    bar = ProgressBar(err) if err.isatty() else None
    try:
        while True:
            job = backend.get_job(job_id)
            events = backend.new_events(job_id, seen)
            if bar:
                bar.clear()
            if job.status != status:
                status = job.status
                print(f"status: {status}", file=out, flush=True)
            for event in events:
                if bar and event.metrics is not None:
                    bar.update(event.metrics)
                else:
                    print(event_line(event), file=out, flush=True)
            if bar:
                bar.redraw()
            if job.status in FINISHED:
                return job
            time.sleep(poll_interval)
    finally:
        if bar:
            bar.close()


def wait(
    backend: Backend,
    job_id: str,
    poll_interval: float,
    connection_flags: str,
    on_failure: Callable[[Job], None] | None = None,
) -> int:
    """Follow a job; exit status 0 when it succeeds, 1 when it fails or is cancelled.

    ``on_failure`` sees a failed job before its reason is printed.

    Ctrl-C stops following only: the job keeps running on the provider's side.
    """
    try:
        job = follow(backend, job_id, poll_interval, sys.stdout, sys.stderr)
    except KeyboardInterrupt:
        print(
            f"\ntunelint: stopped following; job {job_id} keeps running\n"
            f"  follow it: tunelint jobs wait {job_id}{connection_flags}\n"
            f"  cancel it: tunelint jobs cancel {job_id}{connection_flags}",
            file=sys.stderr,
        )
        return 130
    if job.status == "succeeded":
        print(f"fine-tuned model: {job.fine_tuned_model}")
        return 0
    if job.status == "failed":
        if on_failure:
            on_failure(job)
        print(f"tunelint: job {job_id} failed: {job.error or 'no reason given'}", file=sys.stderr)
    else:
        print(f"tunelint: job {job_id} was {job.status}", file=sys.stderr)
    return 1
