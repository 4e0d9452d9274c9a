"""Token statistics for ``tunelint stats``, ``train``'s estimate and the Python API."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tunelint.engine.settings import Settings
from tunelint.output.progress import progress_wanted
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
    """``compute_stats`` with ``jobs`` processes (``None``: one per free core, ``pool.default_jobs``) or Ray tasks on
    ``cluster``, and a progress bar on stderr when it is a terminal outside pre-commit and
    CI (``progress_wanted``)."""
    progress = ProgressBar(sys.stderr) if progress_wanted(sys.stderr) else None
    try:
        count = worker_count(jobs)
        return compute_stats(paths, settings, model, epochs, progress, count, cluster)
    finally:
        if progress is not None:
            progress.close()


def worker_count(jobs: int | None) -> int:
    """``jobs``, or one worker process per free core (``pool.default_jobs``)."""
    from tunelint.engine.pool import default_jobs

    return jobs or default_jobs()


def count_findings(
    paths: Sequence[Path], settings: Settings, jobs: int | None = None
) -> list[tuple[str, str, int]]:
    """(code, name, count) of what ``tunelint check`` finds in ``paths``, most frequent first;
    the committed suppressions apply, as they do in ``check``."""
    from tunelint.application.check import lint_files
    from tunelint.engine.discovery import expand_paths
    from tunelint.engine.suppressions import Suppressions

    files = expand_paths(paths)
    suppressions = Suppressions.load(settings.root)
    counts: Counter[tuple[str, str]] = Counter()
    results = lint_files(files, settings, jobs, use_cache=True)
    for path, result in zip(files, results, strict=True):
        for finding in suppressions.apply(path, result.findings, settings):
            counts[finding.code, finding.name] += 1
    return [(code, name, count) for (code, name), count in counts.most_common()]


def write_html_report(
    file: Path, stats: DatasetStats, paths: Sequence[Path], settings: Settings, jobs: int | None
) -> None:
    """``stats --html``: lint ``paths`` too, and write the page to ``file``."""
    from tunelint.output.html_report import write_report

    write_report(file, stats, count_findings(paths, settings, jobs), paths)
