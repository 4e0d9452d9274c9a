"""The check flow: lint files (in worker processes, through the cache, or fixing them),
leave out suppressed and baseline findings, report, and decide the exit status.

``tunelint check`` (and ``convert --check``, ``train``) run ``check_paths``, each file
under the configuration that applies to it (``tunelint.inputs.SettingsFinder``); the
Python API lints with ``lint_files``, the pytest plugin one file at a time with
``lint_file``.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from tunelint.engine.discovery import expand_paths
from tunelint.engine.findings import Severity

if TYPE_CHECKING:
    from tunelint.checking import CheckExtras
    from tunelint.engine.findings import FileResult
    from tunelint.engine.ray_executor import Cluster
    from tunelint.engine.settings import Settings
    from tunelint.engine.units import Failed
    from tunelint.inputs import Group, SettingsFinder
    from tunelint.presentation import Presentation

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR, EXIT_CRASH = 0, 1, 2, 3

Linter: TypeAlias = "Callable[[Sequence[Path], Settings], Iterable[FileResult | Failed]]"
"""Lints a group of files elsewhere (Ray, merged shards): each file's result in order, or
``Failed`` for one that could not be read."""


def ray_linter(cluster: Cluster) -> Linter:
    """Lint on a Ray cluster (``--executor ray``)."""
    from tunelint.engine.ray_executor import connect, lint_with_ray

    connect(cluster.address, cluster.cpus)  # before any output: a missing extra, one line

    def lint(files: Sequence[Path], settings: Settings) -> Iterator[FileResult | Failed]:
        return lint_with_ray(files, settings, cluster.address, cluster.cpus)

    return lint


def lint_file(path: Path, settings: Settings) -> FileResult:
    """Lint one file in this process: no cache, no suppressions. Raises ``OSError``."""
    from tunelint.engine.runner import lint_file as lint

    return lint(path, settings)


def lint_files(
    files: Sequence[Path], settings: Settings, jobs: int | None = 1, use_cache: bool = False
) -> Iterator[FileResult]:
    """Lint ``files`` with up to ``jobs`` processes (``None``: one per free core, ``pool.default_jobs``), through the
    result cache if asked; results in order, before suppressions."""
    from tunelint.engine.pool import default_jobs
    from tunelint.engine.pool import lint_files as lint

    cache = None
    if use_cache:
        from tunelint.engine.cache import ResultCache

        cache = ResultCache.for_settings(settings)
    return lint(files, settings, jobs or default_jobs(), cache)


def file_groups(
    paths: Sequence[Path], finder: SettingsFinder, force_exclude: bool = False
) -> list[Group]:
    """The files under ``paths`` (each walked with its own configuration's exclusions),
    grouped by the configuration that applies to them; Hugging Face splits found side by
    side are paired for the dataset rules."""
    from tunelint.sources.walk import dataset_pairs

    files = list(
        dict.fromkeys(
            file
            for path in paths
            for file in expand_paths([path], finder.settings_for(path), force_exclude)
        )
    )
    pairs = tuple((train.resolve(), valid.resolve()) for train, valid in dataset_pairs(files))
    return [
        (dataclasses.replace(settings, datasets=settings.datasets + pairs), group)
        for settings, group in finder.groups(files)
    ]


def check_paths(
    paths: Sequence[Path],
    finder: SettingsFinder,
    presentation: Presentation | None = None,
    extras: CheckExtras | None = None,
    jobs: int | None = 1,
    use_cache: bool = False,
    force_exclude: bool = False,
    linter: Linter | None = None,
) -> int:
    """Lint and report files and folders; the exit status of ``tunelint check``.

    ``presentation``: the format, destination and flags of the report (default: ``full``
    on stdout). ``jobs=None``: a worker process per free core. A ``linter`` lints instead of
    this machine's processes; a file it could not read is a one-line error, and the others
    still report.
    """
    from tunelint.checking import CheckExtras, Filters, FixTally, warn_unused_baseline
    from tunelint.engine.suppressions import load_baseline
    from tunelint.engine.units import Failed
    from tunelint.output.base import Filtered
    from tunelint.output.progress import with_progress
    from tunelint.presentation import Presentation
    from tunelint.sources.rewrite import refuse_unless_rewritable

    presentation = presentation or Presentation()
    extras = extras or CheckExtras()
    groups = file_groups(paths, finder, force_exclude)
    if not groups:
        print("tunelint: warning: no JSONL files found", file=sys.stderr)
    if extras.fix:
        for _, files in groups:
            refuse_unless_rewritable(files, "--fix")
    baseline = load_baseline(extras.baseline) if extras.baseline else None
    fixes = FixTally()
    filtered = Filtered()
    unread = False

    def results_of(
        settings: Settings, files: Sequence[Path], filters: Filters
    ) -> Iterable[FileResult | Failed]:
        made: Iterable[FileResult | Failed]
        if extras.fix:
            made = (fixes.fix(path, settings, filters.suppressions) for path in files)
        elif linter is not None:
            made = linter(files, settings)
        else:
            made = lint_files(files, settings, jobs, use_cache)
        return with_progress(files, made, not presentation.quiet)

    if extras.add_suppressions:  # records the findings instead of reporting them
        for settings, files in groups:
            filters = Filters(extras, settings, baseline, filtered)
            for path, result in zip(files, results_of(settings, files, filters), strict=True):
                if isinstance(result, Failed):
                    unread = _unread(result)
                else:
                    filters.apply(result, path)
            filters.write_suppressions()
        return EXIT_ERROR if unread else EXIT_OK
    # JUnit fails a file at the fail level, as the exit status does (the first
    # configuration's, when files have several).
    fail_on = groups[0][0].fail_on if groups else Severity.ERROR
    failed = False
    with presentation.reporter(extras.statistics, extras.fix, fail_on) as (reporter, options):
        options.filtered = filtered
        for settings, files in groups:
            filters = Filters(extras, settings, baseline, filtered)
            for path, result in zip(files, results_of(settings, files, filters), strict=True):
                if isinstance(result, Failed):
                    unread = _unread(result)
                    continue
                result = filters.apply(result, path)
                reporter.report(result)
                failed = failed or result.failed(settings.fail_on)
            filters.warn_stale()
        reporter.finish()
    if baseline is not None and extras.baseline is not None:
        warn_unused_baseline(baseline, extras.baseline)
    fixes.summarize(presentation.show_fixes)
    changed = extras.exit_non_zero_on_fix and fixes.files > 0
    if unread:
        return EXIT_ERROR
    return EXIT_FINDINGS if presentation.exit_status(failed) or changed else EXIT_OK


def _unread(failed: Failed) -> bool:
    print(f"tunelint: error: {failed.message}", file=sys.stderr)
    return True
