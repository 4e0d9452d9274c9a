"""The check flow: lint files (in worker processes, through the cache, or fixing them),
leave out suppressed and baseline findings, report, and decide the exit status.

``tunelint check`` (and ``convert --check``, ``train``) run ``check_paths``; the Python
API lints with ``lint_files``, the pytest plugin one file at a time with ``lint_file``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tunelint.engine.discovery import expand_paths

if TYPE_CHECKING:
    from tunelint.checking import CheckExtras
    from tunelint.engine.findings import FileResult
    from tunelint.engine.settings import Settings

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def lint_file(path: Path, settings: Settings) -> FileResult:
    """Lint one file in this process: no cache, no suppressions. Raises ``OSError``."""
    from tunelint.engine.runner import lint_file as lint

    return lint(path, settings)


def lint_files(
    files: Sequence[Path], settings: Settings, jobs: int | None = 1, use_cache: bool = False
) -> Iterator[FileResult]:
    """Lint ``files`` with up to ``jobs`` processes (``None``: one per core), through the
    result cache if asked; results in order, before suppressions."""
    from tunelint.engine.cache import ResultCache
    from tunelint.engine.pool import default_jobs
    from tunelint.engine.pool import lint_files as lint

    cache = ResultCache.for_settings(settings) if use_cache else None
    return lint(files, settings, jobs or default_jobs(), cache)


def check_paths(
    paths: Sequence[Path],
    settings: Settings,
    output_format: str,
    extras: CheckExtras | None = None,
    jobs: int | None = 1,
    use_cache: bool = False,
) -> int:
    """Lint and report files and folders; the exit status of ``tunelint check``.

    ``jobs=None``: a worker process per core.
    """
    from tunelint.checking import CheckExtras, Filters, FixTally
    from tunelint.output import reporter as make_reporter

    extras = extras or CheckExtras()
    files = expand_paths(paths)
    if not files:
        print("tunelint: warning: no JSONL files found", file=sys.stderr)
    filters = Filters(extras, settings)
    fixes = FixTally()
    if extras.fix:
        results: Iterable[FileResult] = (
            fixes.fix(path, settings, filters.suppressions) for path in files
        )
    else:
        results = lint_files(files, settings, jobs, use_cache)
    if extras.add_suppressions:  # suppresses the findings instead of reporting them
        for path, result in zip(files, results, strict=True):
            filters.apply(result, path)
        return filters.write_suppressions()
    reporter = make_reporter("statistics" if extras.statistics else output_format, sys.stdout)
    failed = False
    for path, result in zip(files, results, strict=True):
        result = filters.apply(result, path)
        reporter.report(result)
        failed = failed or result.failed(settings.fail_on)
    reporter.finish()
    filters.warn_stale()
    fixes.summarize()
    changed = extras.exit_non_zero_on_fix and fixes.files > 0
    return EXIT_FINDINGS if failed or changed else EXIT_OK
