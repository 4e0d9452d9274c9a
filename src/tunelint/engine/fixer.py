"""Apply the safe fixes rules attach to their findings (``tunelint check --fix`` / ``--diff``).

The file is streamed: lines with fixes are rewritten, every other line is copied byte for
byte. A fix can make another apply (an emptied message becomes removable), so the fixed
draft is linted again and new fixes are added until nothing changes (at most
``MAX_PASSES`` times). Every fix is kept against the *original* line it came from, which
lets the final content be produced, and diffed, in one pass over the original file.
Drafts are temporary files next to the original; writing is an ``os.replace`` of the last
draft, so the original is never half-written.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from tunelint.engine.atomic import create_beside, flush_to_disk, replace_keeping_mode
from tunelint.engine.findings import FileResult
from tunelint.engine.fixes import Fix
from tunelint.engine.runner import lint_file
from tunelint.engine.settings import Settings
from tunelint.engine.suppressions import Matcher

MAX_PASSES = 5

LinePair = tuple[bytes, "bytes | None"]
"""A line of the original file and what it becomes (``None``: removed), with line endings."""


@dataclass
class FixPlan:
    """The fixes for one file, its fixed draft (if anything changes) and what remains."""

    path: Path
    remaining: FileResult
    """Findings of the fixed content (of the original when nothing changes)."""
    edits: dict[int, list[Fix]] = field(default_factory=dict)
    """Fixes by original line number, in the order they apply."""
    applied: int = 0
    """Fixes that changed a line."""
    draft: Path | None = None
    removed: list[int] = field(default_factory=list)
    """Original line numbers the draft leaves out, ascending."""

    @property
    def changed(self) -> bool:
        return self.draft is not None

    def pairs(self) -> Iterator[LinePair]:
        """Every original line with its fixed version, streamed."""
        with self.path.open("rb") as stream:
            for number, chunk in enumerate(stream, start=1):
                fixes = self.edits.get(number)
                yield chunk, _apply(chunk, fixes)[0] if fixes else chunk

    def write(self) -> None:
        """Replace the file with the fixed draft (keeping its permissions)."""
        if self.draft is None:
            return
        replace_keeping_mode(self.draft, self.path)
        self.draft = None


def _apply(chunk: bytes, fixes: list[Fix]) -> tuple[bytes | None, int]:
    """The chunk after ``fixes`` (its ``\\n`` kept), and how many of them changed it."""
    ending = b"\n" if chunk.endswith(b"\n") else b""
    raw = chunk[: len(chunk) - len(ending)]
    applied = 0
    for fix in fixes:
        new = fix.apply(raw)
        applied += new != raw
        if new is None:
            return None, applied
        raw = new
    return raw + ending, applied


def _original_line(line: int, removed: list[int]) -> int:
    """The original number of a draft's ``line``, given the (sorted) removed originals."""
    for gone in removed:
        if gone > line:
            break
        line += 1
    return line


@contextmanager
def plan_fixes(path: Path, settings: Settings, spared: Matcher | None = None) -> Iterator[FixPlan]:
    """Work out the fixes for ``path``; the draft is deleted on exit unless written.

    Findings that ``spared`` matches (suppressions) are left as they are, as ruff leaves
    a ``noqa``-ed line. Raises ``OSError`` when the file cannot be read or the draft cannot
    be written.
    """
    # Drafts have another name: pin the rules chosen for the real path (per-file ignores).
    pinned = dataclasses.replace(
        settings,
        enabled=frozenset(rule.code for rule in settings.rules_for(path)),
        per_file_ignores=(),
    )
    plan = FixPlan(path, lint_file(path, settings))
    try:
        digest = b""
        for _ in range(MAX_PASSES):
            findings = plan.remaining.findings
            if spared is not None:
                findings = spared.fresh().unmatched(plan.remaining.path, findings)
            new = [(f.line, f.fix) for f in findings if f.fix is not None]
            if not new:
                break
            for line, fix in new:
                plan.edits.setdefault(_original_line(line, plan.removed), []).append(fix)
            draft, new_digest = _write_draft(plan)
            _replace_draft(plan, draft)
            if new_digest == digest:
                break
            digest = new_digest
            plan.remaining = _relabel(lint_file(draft, pinned), path)
        if plan.applied == 0:
            _replace_draft(plan, None)
        yield plan
    finally:
        _replace_draft(plan, None)


def _write_draft(plan: FixPlan) -> tuple[Path, bytes]:
    """Write the original with ``plan.edits`` applied; update the plan's counts."""
    handle, draft = create_beside(plan.path, suffix=".tunelint-fix")
    plan.applied, plan.removed = 0, []
    digest = hashlib.sha256()
    try:
        with os.fdopen(handle, "wb") as out, plan.path.open("rb") as stream:
            for number, chunk in enumerate(stream, start=1):
                fixes = plan.edits.get(number)
                new, count = _apply(chunk, fixes) if fixes else (chunk, 0)
                plan.applied += count
                if new is None:
                    plan.removed.append(number)
                else:
                    out.write(new)
                    digest.update(new)
            flush_to_disk(out)  # the draft may become the file: on disk before the rename
    except BaseException:
        draft.unlink(missing_ok=True)
        raise
    return draft, digest.digest()


def _replace_draft(plan: FixPlan, draft: Path | None) -> None:
    if plan.draft is not None and plan.draft != draft:
        with suppress(FileNotFoundError):
            plan.draft.unlink()
    plan.draft = draft


def _relabel(result: FileResult, path: Path) -> FileResult:
    display = str(path)
    return dataclasses.replace(
        result,
        path=display,
        findings=tuple(dataclasses.replace(f, path=display) for f in result.findings),
    )
