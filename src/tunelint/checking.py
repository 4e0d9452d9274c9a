"""The ``check`` command's extras around the engine: fixes, diffs, suppressions, baselines.

Messages about the run (what was fixed, stale suppressions) go to stderr so that stdout
stays the chosen output format.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import msgspec

from tunelint.engine.findings import FileResult
from tunelint.engine.settings import Settings
from tunelint.engine.suppressions import Matcher, Suppressions
from tunelint.output.base import Filtered


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


class FixTally:
    """Applies fixes file by file and counts what changed."""

    def __init__(self) -> None:
        self.fixes = self.files = 0
        self.kinds: dict[str, Counter[str]] = {}
        """Per fixed file, how many fixes of each description were applied."""

    def fix(self, path: Path, settings: Settings, suppressions: Suppressions) -> FileResult:
        """Fix ``path`` in place, but not its suppressed findings; the findings that remain."""
        from tunelint.engine.fixer import plan_fixes

        with plan_fixes(path, settings, suppressions) as plan:
            if plan.changed:
                plan.write()
                self.fixes += plan.applied
                self.files += 1
                self.kinds[str(path)] = Counter(
                    edit.fix.description for edits in plan.edits.values() for edit in edits
                )
            return plan.remaining

    def summarize(self, show_fixes: bool = False) -> None:
        if self.files:
            print(
                f"tunelint: fixed {_plural(self.fixes, 'finding')} "
                f"in {_plural(self.files, 'file')}",
                file=sys.stderr,
            )
        if show_fixes:
            for path, kinds in self.kinds.items():
                print(f"Fixed in {path}:", file=sys.stderr)
                for description, count in sorted(kinds.items()):
                    print(f"  {count} x {description}", file=sys.stderr)


def show_diff(groups: Sequence[tuple[Settings, Sequence[Path]]]) -> int:
    """Print what ``--fix`` would change in files grouped by their settings; exit status 1
    when it would change something."""
    from tunelint.engine.fixer import plan_fixes
    from tunelint.output.diff import unified_diff
    from tunelint.sources.rewrite import refuse_unless_rewritable

    changed = 0
    for settings, files in groups:
        refuse_unless_rewritable(files, "--diff")
        suppressions = Suppressions.load(settings.root)
        for path in files:
            with plan_fixes(path, settings, suppressions) as plan:
                if plan.changed:
                    changed += 1
                    sys.stdout.writelines(unified_diff(plan.pairs(), path.as_posix()))
    if changed:
        print(f"tunelint: would fix {_plural(changed, 'file')}", file=sys.stderr)
    return 1 if changed else 0


class CheckExtras(msgspec.Struct, frozen=True):
    """The ``check`` flags beyond linting and reporting."""

    fix: bool = False
    exit_non_zero_on_fix: bool = False
    statistics: bool = False
    add_suppressions: bool = False
    prune_suppressions: bool = False
    baseline: Path | None = None

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> CheckExtras:
        return cls(**{name: getattr(args, name) for name in cls.__struct_fields__})


class Filters:
    """Suppressions from the sidecar and the ``--baseline`` report, applied to each result."""

    def __init__(
        self,
        extras: CheckExtras,
        settings: Settings,
        baseline: Matcher | None,
        filtered: Filtered | None = None,
    ) -> None:
        self.settings = settings
        self.suppressions = Suppressions.load(settings.root)
        self.baseline = baseline
        self.adding = extras.add_suppressions
        self.pruning = extras.prune_suppressions
        self.seen: list[FileResult] = []
        self.filtered = filtered or Filtered()
        """What suppressions and the baseline hid, counted across the run."""

    def apply(self, result: FileResult, path: Path) -> FileResult:
        if self.adding:
            self.suppressions.mark_checked(path, self.settings)
            self.seen.append(result)
            return result
        unsuppressed = self.suppressions.apply(path, result.findings, self.settings)
        kept = (
            unsuppressed if self.baseline is None else self.baseline.unmatched(path, unsuppressed)
        )
        self.filtered.suppressed += len(result.findings) - len(unsuppressed)
        self.filtered.baselined += len(unsuppressed) - len(kept)
        return dataclasses.replace(result, findings=kept)

    def write_suppressions(self) -> int:
        """Write every finding seen to the sidecar (``--add-suppressions``)."""
        count = self.suppressions.suppress(self.seen)
        print(
            f"tunelint: recorded {_plural(count, 'finding')} in {self.suppressions.file}",
            file=sys.stderr,
        )
        return 0

    def warn_stale(self) -> None:
        """Report stale suppressions, or drop them under ``--prune-suppressions``."""
        if self.pruning:
            dropped = self.suppressions.prune()
            print(
                f"tunelint: dropped {_plural(dropped, 'stale suppression')} "
                f"from {self.suppressions.file}",
                file=sys.stderr,
            )
            return
        stale = self.suppressions.stale()
        for key in stale:
            print(f"tunelint: warning: {self.suppressions.describe_stale(key)}", file=sys.stderr)
        if stale:
            print(
                "tunelint: run `tunelint check --prune-suppressions` to drop stale suppressions",
                file=sys.stderr,
            )


def warn_unused_baseline(baseline: Matcher, file: Path) -> None:
    """Say so when no entry of the baseline matched: its paths likely point elsewhere."""
    if baseline.counts and not baseline.used:
        print(
            f"tunelint: warning: {file}: no entry of the baseline matched a finding "
            "(its paths are relative to the baseline's folder)",
            file=sys.stderr,
        )
