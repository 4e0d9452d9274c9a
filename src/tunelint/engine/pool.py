"""Lint with several processes: files across workers, and a large file in byte ranges.

Results come back in file order and equal a single process's exactly. A large file is cut
on newline boundaries; workers run the line and record rules on the ranges, numbering
lines from each range's start, and the file-scope rules whose state merges (a count, the
first record's format: ``MergeableCheck``), whose partial states this process combines in
file order before finishing them. File-scope rules that cannot merge (duplicates across
the file) run here over the whole file while the workers work, as simple as they are
written. The ranges' findings are renumbered and merged with theirs.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from tunelint.engine.balance import runs
from tunelint.engine.errors import TunelintError
from tunelint.engine.findings import FileResult
from tunelint.engine.reader import line_boundaries
from tunelint.engine.runner import (
    RangeResult,
    lint_file,
    lint_range,
    lint_whole_file_rules,
    merge_ranges,
)
from tunelint.engine.settings import Settings
from tunelint.sources import Source, source_for
from tunelint.targets.gate import gate

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

    from tunelint.engine.cache import ResultCache

POOL_BYTES = 4 << 20
"""Below this much data in all, starting worker processes costs more than it saves."""
SPLIT_BYTES = POOL_BYTES
"""Files at least this large are split into byte ranges: a file worth starting workers
for is worth sharing among them (whole, it would keep one busy while the others wait)."""
RANGES_PER_JOB = 4
"""Workers take ranges as they free up: smaller ranges leave less idle time at the end."""

_settings: Settings | None = None
T = TypeVar("T")


def default_jobs() -> int:
    """Worker processes when no ``--jobs`` is given: one, and one more for each core this
    process may run on that other work leaves free, rounded (1: lint in this process).

    This process has its share of a core however busy the machine is; workers beyond it
    pay only with cores to spare. On busy cores they take turns with the work already
    there, and splitting costs a merge and a second read of a split file: ``--jobs 2``
    lost a third to one process on two cores at load 5, and won a third at load 1.2. How
    busy is judged from the one-minute load average, which counts the whole machine: each
    of this process's cores is taken to be as busy as the average one.
    """
    machine = os.cpu_count() or 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else machine
    cores = cores or 1
    busy = os.getloadavg()[0] / machine if hasattr(os, "getloadavg") else 0.0
    free = max(0.0, cores * (1 - busy))
    return min(cores, 1 + int(free + 0.5))


class WorkerDied(TunelintError):
    """A worker process ended without an answer (the OOM killer, ``kill -9``)."""


@contextmanager
def process_pool(
    jobs: int, initializer: Callable[..., None], initargs: tuple[Any, ...]
) -> Iterator[ProcessPoolExecutor]:
    """A pool of ``jobs`` worker processes, each set up by ``initializer(*initargs)``.

    Unlike ``multiprocessing.Pool``, which waits forever for the work of a worker that was
    killed, the executor notices the death: a result asked for, or work handed out, in the
    block then raises ``WorkerDied``. Work not yet started is cancelled when the block ends
    early.
    """
    import multiprocessing  # only now: small runs never pay for its import
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    # fork starts workers in milliseconds with the rules already imported; other platforms
    # spawn fresh interpreters.
    method = "fork" if sys.platform == "linux" else None
    context = multiprocessing.get_context(method)
    start = (initializer, *initargs)
    pool = ProcessPoolExecutor(jobs, context, initializer=_start_worker, initargs=start)
    try:
        yield pool
    except BrokenProcessPool:
        raise WorkerDied(
            "a worker process died before it finished (killed, or out of memory); "
            "the run is incomplete: run again, with fewer --jobs if memory is short"
        ) from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _start_worker(initializer: Callable[..., None], *initargs: Any) -> None:
    _forget_unfinished_imports()
    initializer(*initargs)


def _forget_unfinished_imports() -> None:
    """Forget, in a forked worker, the imports other threads of the parent had under way.

    fork copies the forking thread only. A module another thread was importing stays
    half-run in ``sys.modules``, its import lock held by a thread that does not exist here:
    the worker's first import of it (the line rules import ``re2`` there, near-duplicates
    ``numpy``), or pickling a result that names it, would wait forever. Forgotten, the
    module is imported afresh when needed. The locks are CPython's own table in
    ``importlib._bootstrap``; where it has none, there is nothing to forget.
    """
    import importlib._bootstrap as bootstrap
    import threading

    me = threading.get_ident()
    locks: dict[str, Any] = getattr(bootstrap, "_module_locks", {})
    for name, ref in list(locks.items()):
        lock = ref()
        if lock is None or not getattr(lock, "count", 0) or getattr(lock, "owner", me) == me:
            continue
        del locks[name]
        module = sys.modules.get(name)
        if getattr(getattr(module, "__spec__", None), "_initializing", False):
            del sys.modules[name]


def outcomes(work: list[Future[T]]) -> Iterator[T]:
    """The results of ``work`` in order, each future let go (taken out of ``work``) as its
    result is handed on: a consumer that merges results one by one then holds one at a
    time, not every finished range's state at once."""
    work.reverse()
    while work:
        yield work.pop().result()


Part: TypeAlias = tuple[int, int | None, range | None]
"""A worker's share of a file: the bytes ``[start, end)`` of a plain file (``None``: to its
end), or, with a range of row groups, the rows of those groups of a Parquet file or split."""


def split_work(source: Source, jobs: int) -> list[Part]:
    """Parts of ``source`` to hand to workers, several per job: byte ranges of a large
    plain file, runs of whole row groups of a large local Parquet file or split; one part,
    the whole, of any other (compressed, small, unreadable: whoever reads it says why)."""
    size = source.size()
    if source.splittable:
        if size < SPLIT_BYTES:
            return [(0, size, None)]
        parts = line_boundaries(source.path, jobs * RANGES_PER_JOB)
        return [(start, end, None) for start, end in parts]
    if size >= SPLIT_BYTES:
        try:
            groups = runs(source.row_groups(), jobs * RANGES_PER_JOB)
        except TunelintError:
            groups = []
        if len(groups) > 1:
            return [(0, None, run) for run in groups]
    return [(0, None, None)]


def _init_worker(settings: Settings) -> None:
    global _settings
    _settings = settings


def _worker_settings() -> Settings:
    assert _settings is not None, "worker not initialised"
    return _settings


def _lint_file(path: Path) -> FileResult:
    return lint_file(path, _worker_settings()).without_fixes()


def _lint_range(path: Path, start: int, end: int | None, groups: range | None) -> RangeResult:
    return lint_range(path, _worker_settings(), start, end, groups)


Pending: TypeAlias = "FileResult | Future[FileResult] | list[Future[RangeResult]]"


def lint_files(
    files: Sequence[Path], settings: Settings, jobs: int = 1, cache: ResultCache | None = None
) -> Iterator[FileResult]:
    """Lint ``files`` with up to ``jobs`` processes and yield their results in order.

    With a ``cache``, a file whose content, settings and tunelint build match an earlier run
    is not linted again; its stored result is yielded. Raises ``OSError`` for a file that
    cannot be read.
    """
    digests: dict[Path, str] = {}
    if cache is not None:
        from tunelint.engine.cache import lint_digest  # hashlib: only for a run with a cache

        cacheable = (path for path in files if _cacheable(path, settings))
        digests = {path: lint_digest(path, settings) for path in cacheable}
    cached = {
        path: hit
        for path in digests
        if cache and (hit := cache.get(path, digests[path])) is not None
    }
    for path, result in _lint_all(files, settings, jobs, cached):
        if cache and path in digests and path not in cached:
            cache.put(path, digests[path], result)
        yield result


def _cacheable(path: Path, settings: Settings) -> bool:
    """Whether ``path`` (and its training file) are local files: streams and the shards of a
    split are linted afresh."""
    training = settings.training_file_for(path)
    return all(source_for(file).cacheable for file in (path, *filter(None, [training])))


def _lint_all(
    files: Sequence[Path], settings: Settings, jobs: int, cached: dict[Path, FileResult]
) -> Iterator[tuple[Path, FileResult]]:
    sources = {path: source_for(path) for path in files if path not in cached}
    if jobs <= 1 or sum(source.size() for source in sources.values()) < POOL_BYTES:
        for path in files:
            yield path, cached[path] if path in cached else lint_file(path, settings)
        return
    with process_pool(jobs, _init_worker, (settings,)) as pool:
        pending: list[tuple[Path, Pending]] = []
        for path in files:
            if path in cached:
                pending.append((path, cached[path]))
            elif not sources[path].forkable:  # a stream is read by this process only
                pending.append((path, lint_file(path, settings)))
            elif len(pieces := split_work(sources[path], jobs)) < 2:
                pending.append((path, pool.submit(_lint_file, path)))
            elif gate(path, settings).settings is not settings:
                # A layout the targets do not read, or read with fewer rules: one process.
                pending.append((path, lint_file(path, settings)))
            else:
                ranges = [pool.submit(_lint_range, path, *piece) for piece in pieces]
                pending.append((path, ranges))
        for path, work in pending:
            if isinstance(work, FileResult):
                yield path, work
            elif isinstance(work, list):
                whole = lint_whole_file_rules(path, settings)  # while the workers run
                whole += gate(path, settings).findings
                # Each range is merged as soon as it is done, while the later ones run.
                parts = outcomes(work)
                yield path, merge_ranges(path, settings, parts, whole)
            else:
                yield path, work.result()
