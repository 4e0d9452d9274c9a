"""Shards any scheduler can run: ``check --shard I/N --state-out FILE``, then ``merge``.

Every shard plans the whole run the same way (the files, each configuration's settings,
the units of ``engine.units``), runs the units that fall to it and writes their results
with the plan (``engine.shard_state``). ``tunelint merge`` checks that the state files are
the N shards of one run (same command, tunelint, settings and files, unchanged since),
then reports through the same flow as ``check``: the output equals ``check --jobs 1``'s.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TypeAlias

import tunelint
from tunelint.application.check import EXIT_OK
from tunelint.engine.balance import spread
from tunelint.engine.cache import settings_fingerprint
from tunelint.engine.errors import UsageError
from tunelint.engine.findings import FileResult
from tunelint.engine.pool import default_jobs, outcomes, process_pool
from tunelint.engine.registry import all_rules
from tunelint.engine.settings import Settings
from tunelint.engine.shard_state import ShardState, StateError, read_state, write_state
from tunelint.engine.units import (
    Failed,
    Kind,
    Unit,
    UnitResult,
    UnitSettings,
    merge_units,
    plan_units,
    run_unit,
)
from tunelint.inputs import Group
from tunelint.sources import display_name, source_for

UNITS_PER_SHARD = 4
"""Units a large file is cut into per shard: work for a shard's ``--jobs`` processes, the
same whatever ``--jobs`` each shard is given (the plan must not depend on it)."""
WHOLE_SHARE = 16
"""A ``WHOLE`` unit reads its whole file but runs only the rules that cannot be cut: it
counts as this fraction of its bytes (on ``bench_scale.py``'s million examples it took 5 s
where the ranges of the same bytes took 115 s)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Shard:
    index: int
    """1-based."""
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``I/N`` with ``1 <= I <= N``."""
        index, _, count = text.partition("/")
        if not (index.isdigit() and count.isdigit()) or not 1 <= int(index) <= int(count):
            raise UsageError(f"--shard takes I/N with 1 <= I <= N (like 2/8), not {text!r}")
        return cls(int(index), int(count))


def _build() -> str:
    """What the shards of a run must share besides settings: tunelint and its rules."""
    return f"tunelint {tunelint.__version__}: {','.join(all_rules())}"


def _identity(path: Path) -> list[Any]:
    """What tells a file changed between the shards and the merge."""
    source = source_for(path)
    if not source.local:  # an object's size as listed (0: not listed, or empty)
        return [display_name(path), source.size() or None, None]
    stat = path.stat()
    return [display_name(path), stat.st_size, stat.st_mtime_ns]


def _describe(settings: Settings, files: Sequence[Path], units: Sequence[Unit]) -> dict[str, Any]:
    identities = []
    for path in files:
        try:
            identities.append(_identity(path))
        except OSError:
            identities.append([display_name(path), None, None])  # fails in its unit
    return {
        "settings": settings_fingerprint(settings, _build()),
        "files": identities,
        "units": [[u.file, u.kind.value, u.start, u.end, u.size] for u in units],
    }


def write_shard(
    groups: Sequence[Group],
    shard: Shard,
    state_out: Path,
    command: Sequence[str],
    jobs: int | None = 1,
) -> int:
    """Run shard ``I/N`` of the run ``command`` over ``groups`` with up to ``jobs``
    processes (``None``: one per free core, ``pool.default_jobs``) and write its state."""
    described: list[dict[str, Any]] = []
    work: list[tuple[Sequence[Path], UnitSettings, Unit]] = []
    for settings, files in groups:
        split = UnitSettings.of(settings, to_disk=True)
        units = plan_units(files, split, shard.count * UNITS_PER_SHARD)
        described.append(_describe(settings, files, units))
        work.extend((files, split, unit) for unit in units)
    owners = spread([_weight(unit) for _, _, unit in work], shard.count)
    owned = [number for number, owner in enumerate(owners) if owner == shard.index - 1]
    results: dict[int, UnitResult] = {}
    processes = jobs or default_jobs()
    for number, result in zip(owned, _run_units(work, owned, processes), strict=True):
        if isinstance(result, Failed):
            print(f"tunelint: error: {result.message}", file=sys.stderr)
        results[number] = result
    run = {"command": list(command), "groups": described}
    write_state(state_out, ShardState(shard.index, shard.count, run, results))
    print(
        f"tunelint: shard {shard.index}/{shard.count}: {len(results)} of {len(work)} "
        f"unit(s) written to {state_out}",
        file=sys.stderr,
    )
    return EXIT_OK


def _weight(unit: Unit) -> int:
    """What a unit costs, in bytes read at the rate of a range."""
    return unit.size // WHOLE_SHARE if unit.kind is Kind.WHOLE else unit.size


_Work: TypeAlias = "list[tuple[Sequence[Path], UnitSettings, Unit]]"
_work: _Work = []
"""The run's units, in a worker process (set by the pool's initializer)."""


def _run_units(work: _Work, numbers: Sequence[int], jobs: int) -> Iterator[UnitResult]:
    """The results of the units ``numbers`` of ``work``, in order, on up to ``jobs``
    processes of this machine."""
    if jobs <= 1 or len(numbers) < 2:
        yield from (run_unit(*work[number]) for number in numbers)
        return
    with process_pool(min(jobs, len(numbers)), _set_work, (work,)) as pool:
        running = [pool.submit(_run_numbered, number) for number in numbers]
        yield from outcomes(running)


def _set_work(work: _Work) -> None:
    global _work
    _work = work


def _run_numbered(number: int) -> UnitResult:
    return run_unit(*_work[number])


@dataclasses.dataclass
class MergedRun:
    """The shards of one run, read and checked: what ``check`` would have linted."""

    command: list[str]
    groups: list[dict[str, Any]]
    results: dict[int, UnitResult]
    _next_group: int = 0
    _next_unit: int = 0

    @classmethod
    def read(cls, paths: Sequence[Path]) -> MergedRun:
        states = [read_state(path) for path in paths]
        first, first_path = states[0], paths[0]
        seen: dict[int, Path] = {}
        for path, state in zip(paths, states, strict=True):
            if state.shards != first.shards or state.run != first.run:
                raise StateError(
                    f"{path}: from another run than {first_path} (command, settings, rules "
                    "or files differ)"
                )
            if state.shard in seen:
                raise StateError(
                    f"{path}: shard {state.shard}/{state.shards} again ({seen[state.shard]})"
                )
            seen[state.shard] = path
        missing = [str(i) for i in range(1, first.shards + 1) if i not in seen]
        if missing:
            raise StateError(f"missing shard(s) {', '.join(missing)} of {first.shards}")
        results: dict[int, UnitResult] = {}
        for state in states:
            results.update(state.results)
        return cls(first.run["command"], first.run["groups"], results)

    def lint(self, files: Sequence[Path], settings: Settings) -> Iterator[FileResult | Failed]:
        """The next group's results, in place of linting it (``check_paths``' ``lint``)."""
        if self._next_group >= len(self.groups):
            raise StateError("the state files hold fewer configurations than this run has")
        recorded = self.groups[self._next_group]
        self._next_group += 1
        if settings_fingerprint(settings, _build()) != recorded["settings"]:
            raise StateError(
                "the settings differ from the shards' (configuration, rules or tunelint "
                "changed since)"
            )
        for path, identity in zip(files, recorded["files"], strict=False):
            try:
                now = _identity(path)
            except OSError:
                now = [display_name(path), None, None]
            if now != identity:
                raise StateError(f"{display_name(path)}: changed since the shards ran")
        if len(files) != len(recorded["files"]):
            raise StateError("the files differ from the shards' (added or removed since)")
        units = [
            Unit(file, Kind(kind), start, end, size)
            for file, kind, start, end, size in recorded["units"]
        ]
        first = self._next_unit
        self._next_unit += len(units)
        results = (self.results.pop(number) for number in range(first, first + len(units)))
        return merge_units(files, UnitSettings.of(settings, to_disk=True), units, results)

    def finish(self) -> None:
        if self._next_group != len(self.groups):
            raise StateError("the state files hold more configurations than this run has")


_PER_SHARD = {"--shard", "--state-out", "--jobs", "-j", "--executor", "--ray-address"}
"""Flags a shard may set differently from the others (values follow them)."""
_PER_SHARD_SWITCHES = {"--no-cache"}


def run_command(argv: Sequence[str]) -> list[str]:
    """``argv`` without the flags that may differ between the shards of one run."""
    kept: list[str] = []
    skip = False
    for token in argv:
        if skip:
            skip = False
            continue
        flag = token.partition("=")[0]
        if flag in _PER_SHARD_SWITCHES or (token.startswith("-j") and token[2:].isdigit()):
            continue
        if flag in _PER_SHARD:
            skip = "=" not in token
            continue
        kept.append(token)
    return kept
