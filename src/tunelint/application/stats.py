"""Token statistics for ``tunelint stats``, ``train``'s estimate and the Python API."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from tunelint.engine.settings import Settings
from tunelint.output.stats_report import ProgressBar
from tunelint.tokens.stats import DatasetStats, compute_stats

if TYPE_CHECKING:
    from tunelint.engine.ray_executor import Cluster


def stats_with_progress(
    paths: Iterable[Path],
    settings: Settings,
    model: str | None,
    epochs: int | None,
    jobs: int | None = None,
    cluster: Cluster | None = None,
) -> DatasetStats:
    """``compute_stats`` with ``jobs`` processes (``None``: one per core) or Ray tasks on
    ``cluster``, and a progress bar on stderr when it is a terminal."""
    progress = ProgressBar(sys.stderr) if sys.stderr.isatty() else None
    try:
        count = worker_count(jobs)
        return compute_stats(paths, settings, model, epochs, progress, count, cluster)
    finally:
        if progress is not None:
            progress.close()


def worker_count(jobs: int | None) -> int:
    """``jobs``, or one worker process per core."""
    from tunelint.engine.pool import default_jobs

    return jobs or default_jobs()
