"""Apply the safe fixes rules attach to their findings (``tunelint check --fix`` / ``--diff``).

The file is opened once, and everything the fixer reads (the lint, each pass, the diff, the
new content) comes through that one descriptor, so the fixes apply to the very bytes that
were linted even if the file is replaced meanwhile. A fix can make another apply (an
emptied message becomes removable), so the fixed content is linted again and new fixes are
added until nothing changes (at most ``MAX_PASSES`` times); it is never written to disk
for that (``FixedContent`` makes it on demand), so ``--diff`` writes nothing.

Every fix is kept against the *original* line it came from, with the fingerprint of the
line it judged: a fix is applied only to a line that still is what the rule saw. Writing
goes to a hidden draft beside the file (named with the process id, so that a later run
removes drafts a killed run left), which replaces the file with ``os.replace`` only after
the file is checked to be the one that was linted: same device, inode, size, modification
time and content hash. Otherwise nothing is written and the run stops with one line. A
read-only file is refused. Replacing the file gives it a new inode: hard links to the old
one keep the old content.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import xxhash

from tunelint.engine.atomic import atomic_write
from tunelint.engine.errors import TunelintError
from tunelint.engine.findings import FileResult
from tunelint.engine.fingerprint import record_hash
from tunelint.engine.fixed_content import FixedContent, chunks_from, lines_from
from tunelint.engine.fixes import Fix
from tunelint.engine.runner import lint_file
from tunelint.engine.settings import Settings
from tunelint.engine.suppressions import Matcher

MAX_PASSES = 5
_DRAFT_MARK = ".tunelint-fix-"

LinePair = tuple[bytes, "bytes | None"]
"""A line of the original file and what it becomes (``None``: removed), with line endings."""


class FixError(TunelintError):
    """A file cannot be fixed safely (read-only, or changed while it was being fixed)."""


class Edit(NamedTuple):
    """A fix found on pass ``stage``, for the line whose fingerprint was ``judged`` then."""

    stage: int
    judged: str
    fix: Fix


class Identity(NamedTuple):
    """What must not have changed between reading a file and replacing it."""

    device: int
    inode: int
    size: int
    modified: int
    digest: str

    @classmethod
    def of(cls, descriptor: int, digest: str | None = None) -> Identity:
        """The identity of the open file; its content is hashed unless ``digest`` is given."""
        facts = os.fstat(descriptor)
        if digest is None:
            digest = content_digest(chunks_from(descriptor))
        return cls(facts.st_dev, facts.st_ino, facts.st_size, facts.st_mtime_ns, digest)


def content_digest(chunks: Iterator[bytes]) -> str:
    digest = xxhash.xxh3_128()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


@dataclass
class FixPlan:
    """The fixes for one file, what they make of it, and what remains to report."""

    path: Path
    descriptor: int
    """The file, open for reading: every read of the original goes through it."""
    identity: Identity
    remaining: FileResult
    """Findings of the fixed content (of the original when nothing changes)."""
    edits: dict[int, list[Edit]] = field(default_factory=dict)
    """Fixes by original line number, in the order they apply."""
    applied: int = 0
    """Fixes that changed a line."""
    removed: list[int] = field(default_factory=list)
    """Original line numbers the fixed content leaves out, ascending."""

    @property
    def changed(self) -> bool:
        return self.applied > 0

    def pairs(self) -> Iterator[LinePair]:
        """Every original line with its fixed version, streamed."""
        for number, chunk in enumerate(lines_from(self.descriptor), start=1):
            yield chunk, self.rewrite(number, chunk)

    def rewrite(self, number: int, chunk: bytes) -> bytes | None:
        edits = self.edits.get(number)
        return _apply(chunk, edits)[0] if edits else chunk

    def write(self) -> None:
        """Replace the file with the fixed content (keeping its permissions), if the file is
        still the one that was linted; raises ``FixError`` otherwise."""
        if not self.changed:
            return
        _refuse_read_only(self.path)
        remove_stale_drafts(self.path)
        read = xxhash.xxh3_128()
        prefix = f".{self.path.name}{_DRAFT_MARK}{os.getpid()}-"

        def still_the_same() -> None:
            if not self._unchanged(read.hexdigest()):
                raise FixError(
                    f"{self.path}: the file changed while it was being fixed; "
                    "nothing was written (run the fix again)"
                )

        with atomic_write(self.path, prefix=prefix, before_replace=still_the_same) as out:
            for chunk, new in self.pairs():
                read.update(chunk)
                if new:
                    out.write(new)

    def _unchanged(self, read: str) -> bool:
        """Whether what was just read, and the file now at the path, are what was linted."""
        if Identity.of(self.descriptor, read) != self.identity:
            return False
        try:
            with self.path.open("rb", buffering=0) as now:
                return Identity.of(now.fileno()) == self.identity
        except OSError:
            return False


def _refuse_read_only(path: Path) -> None:
    """A file without write permission is not replaced (a rename would ignore its mode)."""
    mode = path.stat().st_mode
    if not mode & stat.S_IWUSR or not os.access(path, os.W_OK):
        raise FixError(f"{path}: the file is read-only (mode {stat.S_IMODE(mode):04o}); not fixed")


def remove_stale_drafts(path: Path) -> None:
    """Remove drafts of ``path`` left by fixing runs that were killed."""
    target = path.resolve()
    for draft in target.parent.glob(f".{glob_escape(target.name)}{_DRAFT_MARK}*"):
        owner = draft.name.removeprefix(f".{target.name}{_DRAFT_MARK}").split("-", 1)[0]
        if owner.isdigit() and not _alive(int(owner)):
            with contextlib.suppress(OSError):
                draft.unlink()


def glob_escape(name: str) -> str:
    return "".join(f"[{char}]" if char in "*?[]" else char for char in name)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's process
    return True


def _apply(chunk: bytes, edits: list[Edit]) -> tuple[bytes | None, int]:
    """The chunk after ``edits`` (its ``\\n`` kept), and how many of them changed it.

    The fixes of each pass apply only if the line is still what that pass judged.
    """
    ending = b"\n" if chunk.endswith(b"\n") else b""
    raw = chunk[: len(chunk) - len(ending)]
    applied = 0
    stage, seen = -1, ""
    for edit in edits:
        if edit.stage != stage:
            stage, seen = edit.stage, record_hash(raw)
        if edit.judged != seen:
            continue
        new = edit.fix.apply(raw)
        applied += new != raw
        if new is None:
            return None, applied
        raw = new
    return raw + ending, applied


def _original_line(line: int, removed: list[int]) -> int:
    """The original number of a fixed content's ``line``, given the removed originals."""
    for gone in removed:
        if gone > line:
            break
        line += 1
    return line


@contextmanager
def plan_fixes(path: Path, settings: Settings, spared: Matcher | None = None) -> Iterator[FixPlan]:
    """Work out the fixes for ``path``.

    Findings that ``spared`` matches (suppressions) are left as they are, as ruff leaves
    a ``noqa``-ed line. Raises ``OSError`` when the file cannot be read.
    """
    with path.open("rb", buffering=0) as source:
        descriptor = source.fileno()
        identity = Identity.of(descriptor)
        plan = FixPlan(path, descriptor, identity, lint_file(path, settings, source))
        for stage in range(MAX_PASSES):
            findings = plan.remaining.findings
            if spared is not None:
                findings = spared.fresh().unmatched(plan.remaining.path, findings)
            new = [f for f in findings if f.fix is not None]
            if not new:
                break
            for finding in new:
                assert finding.fix is not None
                edit = Edit(stage, finding.fingerprint, finding.fix)
                plan.edits.setdefault(_original_line(finding.line, plan.removed), []).append(edit)
            before = plan.applied
            _tally(plan)
            if plan.applied == before:  # the new fixes change nothing
                break
            plan.remaining = lint_file(path, settings, FixedContent(descriptor, plan.rewrite))
        yield plan


def _tally(plan: FixPlan) -> None:
    """Count the fixes that change a line, and the lines removed."""
    plan.applied, plan.removed = 0, []
    for number, chunk in enumerate(lines_from(plan.descriptor), start=1):
        edits = plan.edits.get(number)
        if edits:
            new, count = _apply(chunk, edits)
            plan.applied += count
            if new is None:
                plan.removed.append(number)
