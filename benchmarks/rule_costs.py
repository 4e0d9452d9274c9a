"""Where the CPU time of one ``check`` goes, rule by rule, on one file.

Runs ``tunelint check --no-cache --jobs 1 FILE`` in this process once per round, with every
rule's code wrapped in a CPU timer (a record rule's check and batch forms, a file rule's
visits, ``finish`` and merging), and prints, for each rule, the median over the rounds of
its CPU seconds per 100,000 examples; then what no rule accounts for: reading and decoding
the lines, the triggers' scan, sorting records into runs, turning violations into
findings, and building the plan. The interpreter's and the imports' start-up is not
counted (``targets.py`` measures it). The timers cost a little themselves: a few
microseconds per call, noticeable only for rules run record by record.

The figures answer "what would dropping or speeding up this rule gain", which the
whole-process targets cannot. Rules are wrapped through the registry before the plan is
built, so the engine runs unchanged around them.

    python benchmarks/rule_costs.py FILE [--runs N] [--top N] [-- check options ...]
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import MappingProxyType
from typing import Any

import msgspec

from tunelint import cli
from tunelint.engine import registry
from tunelint.engine.registry import Scope

Clock = collections.Counter[str]

_FILE_METHODS = ("visit", "visit_plain", "visit_typed", "finish", "partial", "absorb", "reference")


def _timed(spent: Clock, code: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """``function``, its CPU time added to ``spent[code]``; an iterator it returns is
    consumed inside the timer (rules yield their violations lazily)."""

    def timed(*arguments: Any) -> Any:
        start = time.process_time()
        try:
            result = function(*arguments)
            if hasattr(result, "__next__"):
                result = list(result)
            return result
        finally:
            spent[code] += time.process_time() - start

    return timed


class _TimedFileCheck:
    """A file rule's check whose methods are timed; everything else passes through."""

    def __init__(self, inner: Any, spent: Clock, code: str) -> None:
        self._inner, self._spent, self._code = inner, spent, code

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._inner, name)
        if name in _FILE_METHODS:
            return _timed(self._spent, self._code, value)
        return value


def _file_factory(spent: Clock, code: str, factory: Callable[..., Any]) -> Callable[..., Any]:
    def create(*arguments: Any) -> _TimedFileCheck:
        return _TimedFileCheck(factory(*arguments), spent, code)

    create.__doc__ = factory.__doc__
    return create


def _wrap_rules(spent: Clock) -> None:
    """Replace every registered rule by a copy whose code is timed."""
    rules = dict(registry.all_rules())
    for code, rule in rules.items():
        changes: dict[str, Any] = {}
        if rule.scope in (Scope.FILE, Scope.DATASET):
            changes["check"] = _file_factory(spent, code, rule.check)
        else:
            changes["check"] = _timed(spent, code, rule.check)
        for form in ("batch", "typed_batch"):
            if getattr(rule, form) is not None:
                changes[form] = _timed(spent, code, getattr(rule, form))
        rules[code] = msgspec.structs.replace(rule, **changes)
    # The registry is private; a benchmark may reach into it to leave the engine untouched.
    registry._RULES.clear()
    registry._RULES.update(rules)
    registry._sorted = MappingProxyType(rules)


def _one_round(arguments: list[str], spent: Clock) -> float:
    """CPU seconds of one ``check`` in this process (its report is not printed)."""
    spent.clear()
    start = time.process_time()
    with contextlib.redirect_stdout(io.StringIO()):
        cli.main(["check", "--no-cache", "--jobs", "1", *arguments])
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--top", type=int, default=20, help="rules to list (the costliest)")
    parser.add_argument("options", nargs="*", help="more options for check, after --")
    arguments = parser.parse_args()
    examples = sum(1 for line in arguments.file.open("rb") if line.strip())
    spent: Clock = collections.Counter()
    _wrap_rules(spent)
    totals: list[float] = []
    by_rule: dict[str, list[float]] = collections.defaultdict(list)
    for _ in range(arguments.runs):
        totals.append(_one_round([str(arguments.file), *arguments.options], spent))
        for code in registry.all_rules():
            by_rule[code].append(spent[code])
    scale = 100_000 / max(examples, 1)
    median = {code: statistics.median(times) for code, times in by_rule.items()}
    total = statistics.median(totals)
    print(f"{arguments.file}: {examples:,} examples, {arguments.runs} rounds, CPU seconds")
    print(f"{'':10}{'median':>10}{'per 100k':>10}{'share':>8}")
    costliest = sorted(median.items(), key=lambda item: -item[1])
    for code, seconds in costliest[: arguments.top]:
        if seconds > 0:
            print(f"{code:10}{seconds:10.3f}{seconds * scale:10.3f}{seconds / total:8.1%}")
    rest = total - sum(median.values())
    print(f"{'no rule':10}{rest:10.3f}{rest * scale:10.3f}{rest / total:8.1%}")
    print(f"{'in all':10}{total:10.3f}{total * scale:10.3f}{1:8.1%}")


if __name__ == "__main__":
    sys.exit(main())
