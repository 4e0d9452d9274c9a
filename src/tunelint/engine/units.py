"""Lint in independent units of work that any scheduler can run: plan, run, merge.

The process pool (``engine.pool``) shares one machine; a cluster (``--executor ray``) or a
batch scheduler (``check --shard I/N``) needs work that names everything it reads and
returns only what the merge needs. A run's files become units, in file order:

- a whole file (small, compressed, remote, or in a layout the targets lint differently),
  whose result is complete;
- a byte range of a large plain file, or a run of whole row groups of a large Parquet
  file, whose result is its findings and the state of the rules that merge across ranges
  (``MergeableCheck``): hashes, counts, positions;
- one ``WHOLE`` unit per split file for what cannot be split: the layout's path-scope
  findings, the rules that need the whole file (near-duplicates, the training file of a
  validation file), and the rules whose state holds record text (``partial_holds_text``),
  which therefore never leaves the worker that read the file.

``merge_units`` turns the units' results, in plan order, into each file's result with the
engine's own merge (``runner.merge_ranges``): the output equals a single process's. It
reads back only the lines of findings reported after the merge (a duplicate's later
copy) to fingerprint them, so the data must be readable where the merge runs.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TypeAlias

import msgspec

from tunelint.engine.balance import runs
from tunelint.engine.errors import TunelintError
from tunelint.engine.findings import FileResult, Finding, described_fixes
from tunelint.engine.fingerprint import fingerprinted
from tunelint.engine.reader import line_boundaries
from tunelint.engine.registry import Scope, all_rules
from tunelint.engine.runner import RangeResult, lint_file, lint_range, merge_ranges
from tunelint.engine.settings import Settings
from tunelint.sources import display_name, source_for
from tunelint.targets.gate import gate

MIN_RANGE = 64 << 10
"""No byte range is smaller than this: below it a task costs more than it saves."""


class Kind(str, enum.Enum):
    FILE = "file"
    RANGE = "range"
    ROWS = "rows"
    WHOLE = "whole"


class Unit(msgspec.Struct, frozen=True):
    """One task: a file of the run (by its index), whole, a byte range of it, or a run of
    its row groups (``ROWS``: ``start`` and ``end`` number row groups, not bytes)."""

    file: int
    kind: Kind
    start: int = 0
    end: int | None = None
    size: int = 0
    """Bytes it reads, to balance shards."""


class Failed(msgspec.Struct, frozen=True):
    """A unit whose file could not be read: the one-line reason, naming the file."""

    message: str


UnitResult: TypeAlias = "FileResult | RangeResult | tuple[Finding, ...] | Failed"


class UnitSettings(msgspec.Struct, frozen=True):
    """A run's settings, and the same split between range units and ``WHOLE`` units."""

    full: Settings
    ranges: Settings
    """Without the rules whose merged state would carry record text."""
    whole: Settings
    """Only what a ``WHOLE`` unit runs: path-scope, whole-file, dataset and text-state rules."""

    @classmethod
    def of(cls, settings: Settings, to_disk: bool = False) -> UnitSettings:
        """``to_disk``: the range units' state is written to files (shards), so the rules
        whose state holds record text run in the ``WHOLE`` units instead."""
        rules = all_rules()
        texty = frozenset(
            code for code, rule in rules.items() if to_disk and rule.partial_holds_text
        )
        whole = frozenset(
            code
            for code, rule in rules.items()
            if rule.scope in (Scope.PATH, Scope.DATASET) or rule.whole_file or code in texty
        )
        return cls(
            settings,
            replace(settings, enabled=settings.enabled - texty),
            replace(settings, enabled=settings.enabled & whole),
        )


def plan_units(files: Sequence[Path], settings: UnitSettings, pieces: int) -> list[Unit]:
    """The units of ``files``: a plain local file larger than a ``pieces``-th of the data
    is cut into byte ranges of about that size, a local Parquet file into runs of whole
    row groups. A file that cannot be read is one ``FILE`` unit, which then fails on its
    own."""
    sizes = []
    for path in files:
        try:
            sizes.append(source_for(path).size())
        except (OSError, TunelintError):
            sizes.append(0)
    share = max(math.ceil(sum(sizes) / max(pieces, 1)), MIN_RANGE)
    units: list[Unit] = []
    for index, (path, size) in enumerate(zip(files, sizes, strict=True)):
        try:
            parts = _parts(index, path, settings.full, size, share)
        except (OSError, TunelintError):
            parts = []
        if len(parts) < 2:
            units.append(Unit(index, Kind.FILE, size=size))
            continue
        reads = any(rule.scope is not Scope.PATH for rule in settings.whole.rules_for(path))
        units.append(Unit(index, Kind.WHOLE, size=size if reads else 0))
        units.extend(parts)
    return units


def _parts(index: int, path: Path, settings: Settings, size: int, share: int) -> list[Unit]:
    """The ``RANGE`` or ``ROWS`` units of about ``share`` bytes of a file, or none: a file
    to lint in one task."""
    source = source_for(path)
    if not (source.local and size > share):
        return []
    if source.splittable:
        ranges = line_boundaries(path, math.ceil(size / share))
        cut = [Unit(index, Kind.RANGE, start, end, end - start) for start, end in ranges]
    else:
        sizes = source.row_groups()
        cut = [
            Unit(index, Kind.ROWS, run.start, run.stop, sum(sizes[run.start : run.stop]))
            for run in runs(sizes, math.ceil(size / share))
        ]
    if len(cut) > 1 and gate(path, settings).settings is not settings:
        return []  # a layout the targets read with fewer rules (or not at all)
    return cut


def run_unit(files: Sequence[Path], settings: UnitSettings, unit: Unit) -> UnitResult:
    """Lint one unit (in any process); a file that cannot be read gives ``Failed``."""
    path = files[unit.file]
    try:
        if unit.kind is Kind.FILE:
            return lint_file(path, settings.full).without_fixes()
        if unit.kind is Kind.RANGE:
            return lint_range(path, settings.ranges, unit.start, unit.end)
        if unit.kind is Kind.ROWS:
            assert unit.end is not None, "a ROWS unit names its last row group"
            return lint_range(path, settings.ranges, groups=range(unit.start, unit.end))
        return _whole(path, settings.whole)
    except OSError as error:
        return Failed(f"{display_name(path)}: {error.strerror or error}")
    except TunelintError as error:  # corrupt compressed data, a missing extra
        return Failed(f"{display_name(path)}: {error}")


def _whole(path: Path, settings: Settings) -> tuple[Finding, ...]:
    """The findings of what cannot be split, fingerprinted where the file is read."""
    if all(rule.scope is Scope.PATH for rule in settings.rules_for(path)):
        return fingerprinted(path, gate(path, settings).findings)  # reads no record
    return described_fixes(lint_file(path, settings).findings)


def merge_units(
    files: Sequence[Path],
    settings: UnitSettings,
    units: Sequence[Unit],
    results: Iterable[UnitResult],
) -> Iterator[FileResult | Failed]:
    """Each file's result, in order, from its units' results in plan order (consumed one
    file at a time, so only one file's state is held): ``Failed`` for a file with a unit
    that could not be read."""
    pending = iter(results)
    position = 0
    while position < len(units):
        index = units[position].file
        end = position
        while end < len(units) and units[end].file == index:
            end += 1
        parts = [next(pending) for _ in range(end - position)]
        position = end
        failed = next((part for part in parts if isinstance(part, Failed)), None)
        if failed is not None:
            yield failed
        elif isinstance(parts[0], FileResult):
            yield parts[0]
        else:
            whole, *ranges = parts
            assert isinstance(whole, tuple), "a split file's units start with its WHOLE unit"
            yield merge_ranges(
                files[index],
                settings.ranges,
                (part for part in ranges if isinstance(part, RangeResult)),
                list(whole),
            )
