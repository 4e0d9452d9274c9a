"""A unified diff of what ``--fix`` would change, streamed from (original, fixed) line pairs.

Fixes only rewrite or remove lines, never insert them, so the two files are aligned by
construction: no diff algorithm (and no whole file in memory) is needed, only the grouping
of changes into hunks with ``context`` unchanged lines around them, as ``diff -u`` does.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator

from tunelint.engine.fixer import LinePair
from tunelint.engine.quoting import escape, mask_secrets

_NO_NEWLINE = "\\ No newline at end of file\n"


def _text(mark: str, chunk: bytes) -> str:
    """One diff line: records are shown with secrets masked and control characters escaped
    (a carriage return shows as ``\\r``), like every quoted value."""
    body = chunk.removesuffix(b"\n")
    text = mark + escape(mask_secrets(body.decode("utf-8", "replace"))) + "\n"
    return text if len(body) < len(chunk) else text + _NO_NEWLINE


class _Hunk:
    def __init__(self, old_base: int, new_base: int) -> None:
        self.old_base, self.new_base = old_base, new_base
        self.lines: list[str] = []
        self.old_len = self.new_len = 0

    def add(self, mark: str, chunk: bytes) -> None:
        self.lines.append(_text(mark, chunk))
        self.old_len += mark != "+"
        self.new_len += mark != "-"

    def render(self) -> str:
        def span(base: int, length: int) -> str:
            return f"{base + 1 if length else base},{length}"

        header = (
            f"@@ -{span(self.old_base, self.old_len)} +{span(self.new_base, self.new_len)} @@\n"
        )
        return header + "".join(self.lines)


def unified_diff(pairs: Iterable[LinePair], name: str, context: int = 3) -> Iterator[str]:
    """Yield the diff's text (file header, then each hunk); nothing when no line changes."""
    before: deque[bytes] = deque(maxlen=context)
    hunk: _Hunk | None = None
    trailing = gap = 0
    old_no = new_no = 0
    header = f"--- {name}\n+++ {name}\n"
    for old, new in pairs:
        old_no += 1
        if new == old:
            new_no += 1
            if hunk is not None and trailing < context:
                hunk.add(" ", old)
                trailing += 1
                continue
            before.append(old)
            gap += 1
            if hunk is not None and gap > context:
                yield header + hunk.render()
                header, hunk = "", None
            continue
        if hunk is None:
            kept = len(before)
            hunk = _Hunk(old_no - 1 - kept, new_no - kept)
        for chunk in before:
            hunk.add(" ", chunk)
        before.clear()
        trailing = gap = 0
        hunk.add("-", old)
        if new is not None:
            hunk.add("+", new)
            new_no += 1
    if hunk is not None:
        yield header + hunk.render()
