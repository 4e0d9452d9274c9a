"""Data regression snapshots: a file's statistics, recorded once, compared on later runs.

A snapshot is the ``tunelint stats --format json`` object of one file, kept in
``__snapshots__/<file name>.json`` next to the data (or under a configured folder). A
tolerance names a figure of it by its dotted path and how far it may move relative to the
snapshot: ``examples -5%`` (may drop by 5 %), ``tokens_per_example.p95 +20%`` (may grow by
20 %), ``cost.usd 10%`` (either way). Distribution names may leave out ``distributions.``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tunelint.engine.atomic import atomic_write
from tunelint.engine.errors import ConfigError

FOLDER = "__snapshots__"
DEFAULT_TOLERANCES = ("examples -5%", "tokens_per_example.p95 +20%")

_TOLERANCE = re.compile(r"^(?P<metric>[a-z0-9_.]+)\s+(?P<sign>[-+±]?)(?P<percent>\d+(\.\d+)?)\s*%$")


@dataclass(frozen=True, slots=True)
class Tolerance:
    metric: str
    """Dotted path into the statistics, e.g. ``distributions.tokens_per_example.p95``."""
    percent: float
    direction: str
    """``-``: only a drop beyond ``percent`` fails; ``+``: only a growth; ``""``: either."""

    def __str__(self) -> str:
        return f"{self.direction or '±'}{self.percent:g}%"

    def exceeded(self, change: float) -> bool:
        """Whether a relative ``change`` (0.1 = +10 %) goes beyond this tolerance."""
        limit = self.percent / 100
        return (self.direction != "+" and change < -limit) or (
            self.direction != "-" and change > limit
        )


def parse_tolerances(texts: Iterable[str]) -> list[Tolerance]:
    tolerances = []
    for text in texts:
        match = _TOLERANCE.match(text.strip())
        if match is None:
            raise ConfigError(
                f"snapshot tolerance {text!r}: expected '<figure> [-|+]<percent>%', "
                "e.g. 'examples -5%'"
            )
        sign = match["sign"].replace("±", "")
        tolerances.append(Tolerance(match["metric"], float(match["percent"]), sign))
    return tolerances


def snapshot_path(data: Path, root: Path, folder: Path | None) -> Path:
    """Where the snapshot of ``data`` lives: beside it, or mirrored under ``folder``."""
    if folder is None:
        return data.parent / FOLDER / f"{data.name}.json"
    try:
        relative = data.resolve().relative_to(root.resolve())
    except ValueError:
        relative = Path(data.name)
    return folder / relative.parent / f"{relative.name}.json"


def read_snapshot(path: Path) -> Mapping[str, Any] | None:
    """The recorded statistics, ``None`` when nothing was recorded."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigError(f"{path}: not a snapshot ({error})") from None
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: not a snapshot (expected a JSON object)")
    return value


def write_snapshot(path: Path, statistics: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as stream:
        stream.write(json.dumps(statistics, indent=2).encode() + b"\n")


def _figure(statistics: Mapping[str, Any], metric: str) -> tuple[bool, Any]:
    """(found, value) of a dotted path; distributions may be named without their table."""
    for path in (metric, f"distributions.{metric}"):
        value: Any = statistics
        for part in path.split("."):
            if not isinstance(value, Mapping) or part not in value:
                break
            value = value[part]
        else:
            return True, value
    return False, None


def drift(
    recorded: Mapping[str, Any], current: Mapping[str, Any], tolerances: Iterable[Tolerance]
) -> list[str]:
    """One line per figure that moved beyond its tolerance, saying how far."""
    moved = []
    for tolerance in tolerances:
        found, now = _figure(current, tolerance.metric)
        if not found or isinstance(now, Mapping):
            raise ConfigError(f"snapshot tolerance: no figure named {tolerance.metric!r}")
        _, before = _figure(recorded, tolerance.metric)
        if not isinstance(before, (int, float)) or not isinstance(now, (int, float)):
            continue  # not recorded, or no value (an empty file, a model without a price)
        if before == now:
            continue
        change = (now - before) / before if before else float("inf") * (now - before)
        if tolerance.exceeded(change):
            moved.append(
                f"{tolerance.metric}: {before:.10g} -> {now:.10g} ({change:+.1%}, allowed {tolerance})"
            )
    return moved
