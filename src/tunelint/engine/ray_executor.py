"""Run a lint's units (``engine.units``), or any ordered work, as Ray tasks.

Ray is the ``ray`` extra, imported only when asked for. Without an address, ``ray.init``
joins the cluster this machine runs (``ray start``, ``RAY_ADDRESS``) or starts a local
one. Workers must import the same tunelint and read the same paths. A task whose worker
dies is retried by Ray; a file that cannot be read comes back as ``Failed``; Ctrl-C
cancels the tasks not yet done.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from tunelint.engine.errors import TunelintError, UsageError
from tunelint.engine.findings import FileResult
from tunelint.engine.settings import Settings
from tunelint.engine.units import (
    Failed,
    Unit,
    UnitResult,
    UnitSettings,
    merge_units,
    plan_units,
    run_unit,
)

if TYPE_CHECKING:
    from types import ModuleType

RANGES_PER_CPU = 4
"""Tasks per CPU of the cluster: smaller tasks leave less idle time at the end."""
RETRIES = 3
"""Times Ray runs a task again whose worker died."""
_POLL_SECONDS = 0.25

S = TypeVar("S")
T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Cluster:
    """A Ray cluster to run on (``--executor ray``)."""

    address: str | None = None
    """``--ray-address``; ``None``: ``RAY_ADDRESS``, the local cluster, or a new one."""
    cpus: int | None = None
    """CPUs of a new local instance (``--jobs``)."""


def connect(address: str | None, cpus: int | None) -> ModuleType:
    """The ``ray`` module, connected to ``address`` (or the local cluster, or a new local
    instance with ``cpus`` CPUs)."""
    try:
        import ray
    except ImportError:
        raise UsageError("--executor ray needs Ray: pip install 'tunelint[ray]'") from None
    if not ray.is_initialized():
        options: dict[str, Any] = {"include_dashboard": False, "logging_level": "ERROR"}
        if address is None and cpus is not None:
            options["num_cpus"] = cpus  # only a new local instance takes a CPU count
        try:
            try:
                ray.init(address=address, log_to_driver=False, **options)
            except ValueError:  # joined a running cluster, which takes no CPU count
                options.pop("num_cpus", None)
                ray.init(address=address, log_to_driver=False, **options)
        except (ConnectionError, ValueError, RuntimeError) as error:
            where = address or "the local cluster"
            raise TunelintError(f"cannot connect to Ray at {where}: {error}") from None
    return ray


def _run(shared: tuple[Sequence[Path], UnitSettings], unit: Unit) -> UnitResult:
    files, settings = shared
    return run_unit(files, settings, unit)


def cluster_cpus(ray: ModuleType) -> int:
    return int(ray.cluster_resources().get("CPU", 1))


def lint_with_ray(
    files: Sequence[Path], settings: Settings, address: str | None = None, cpus: int | None = None
) -> Iterator[FileResult | Failed]:
    """Lint ``files`` as Ray tasks; results in order, equal to a single process's."""
    ray = connect(address, cpus)
    if not files:
        return
    unit_settings = UnitSettings.of(settings)
    units = plan_units(files, unit_settings, cluster_cpus(ray) * RANGES_PER_CPU)
    results = ordered_map(ray, _run, (list(files), unit_settings), units)
    yield from merge_units(files, unit_settings, units, results)


def ordered_map(
    ray: ModuleType, function: Callable[[S, T], R], shared: S, items: Sequence[T]
) -> Iterator[R]:
    """``function(shared, item)`` for each item as a Ray task, results in order, each
    dropped from Ray's store once taken (``shared`` is stored once). Tasks run in this
    process's working directory, so relative paths name the same files."""
    stored = ray.put(shared)
    task = ray.remote(max_retries=RETRIES)(_in_folder)
    folder = str(Path.cwd())
    refs: list[Any] = [task.remote(folder, function, stored, item) for item in items]
    try:
        for index in range(len(refs)):
            # ``ray.get`` blocks signals until it returns: waiting in steps lets Ctrl-C in.
            while not ray.wait([refs[index]], timeout=_POLL_SECONDS)[0]:
                pass
            result: R = ray.get(refs[index])
            refs[index] = None
            yield result
    except KeyboardInterrupt:
        for ref in refs:
            if ref is not None:
                ray.cancel(ref, force=True)
        raise
    except ray.exceptions.RayError as error:
        reason = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
        raise TunelintError(f"a Ray task failed: {reason}") from None


def _in_folder(folder: str, function: Callable[[S, T], R], shared: S, item: T) -> R:
    os.chdir(folder)  # each task sets it: workers are reused
    return function(shared, item)
