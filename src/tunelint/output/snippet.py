"""An excerpt of the record a finding is about, with a caret under the JSON location.

The ``full`` format shows it under each finding, as ruff shows the code around a diagnostic::

      |
    2 | {"messages": [{"role": "human", "content": "안녕하세요"}]}
      |                         ^^^^^^^ SC005
      |

A record is one line, often thousands of characters long: the excerpt keeps a window of the
line around the column and marks what it left out with ``…``. It is shown the way a person
reads JSON: ``\\n`` and ``\\"`` stay escapes, ``\\uc548`` is shown as the character (Korean as
text), control and invisible characters in the raw line are escaped, and secrets are masked
before anything is cut, so that no cut can reveal part of one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

import msgspec

from tunelint.engine.findings import Finding
from tunelint.engine.patterns import LazyPattern
from tunelint.engine.quoting import escape_char, mask

WIDTH = 96
"""Display columns of the line shown; a longer line is elided around the column."""
LEAD = 32
"""Display columns kept before the column when the line is elided."""
_BEFORE, _AFTER = 256, 640
"""Characters before and after the column that are decoded at all: enough for LEAD and
WIDTH columns even of escapes (12 characters for one wide one); the rest is never shown."""
_LONGEST_READ = 1 << 20
"""Bytes of a line read for an excerpt; a finding further into a longer line gets none."""
_SKIP_BLOCK = 1 << 20
"""Bytes read at a time while moving past the lines before a finding's."""

_ESCAPE = LazyPattern(r"\\(?:u([0-9a-fA-F]{4})(?:\\u([dD][c-fC-F][0-9a-fA-F]{2}))?|.)", re.DOTALL)
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_PLAIN = LazyPattern(r"[ -\[\]-~]+")
"""Printable ASCII but the backslash: shown as it is, one column a character."""


def with_lines(path: str, findings: Iterable[Finding]) -> Iterator[tuple[Finding, str | None]]:
    """Each finding with the text of its line (decoded, without its line ending), read as
    the findings go: one line is held at a time, and findings in line order (as a result
    gives them) read the file once. ``None`` for input that is not a plain local file."""
    lines = _Lines(path)
    try:
        for finding in findings:
            yield finding, lines.get(finding.line)
    finally:
        lines.close()


def _plain_local_file(path: str) -> bool:
    """A JSONL file on disk, read again cheaply: not compressed, Parquet, stdin or a URL
    (their findings are shown without an excerpt)."""
    from tunelint.sources.base import Where, source_for

    try:
        source = source_for(Path(path))
    except OSError:
        return False
    return source.where is Where.FILE and source.codec is None


class _Lines:
    def __init__(self, path: str) -> None:
        self.path = path
        self.stream: BinaryIO | None = None
        self.number = 0
        self.text: str | None = None
        self.failed = not _plain_local_file(path)

    def get(self, number: int) -> str | None:
        if self.failed:
            return None
        try:
            if self.stream is None or number < self.number:
                self.close()
                self.stream = Path(self.path).open("rb")  # noqa: SIM115 (closed by close())
                self.number, self.text = 0, None
            if self.number < number - 1:  # the lines before are counted, not decoded
                self.number += self._skip(self.stream, number - 1 - self.number)
            while self.number < number:
                self.text = self._next(self.stream)
                self.number += 1
                if self.text is None:
                    break
        except OSError:
            self.failed = True
            return None
        return self.text if self.number == number else None

    @staticmethod
    def _skip(stream: BinaryIO, lines: int) -> int:
        """Move past ``lines`` lines (fewer at the end of the file); returns how many."""
        skipped = 0
        while skipped < lines:
            start = stream.tell()
            block = stream.read(_SKIP_BLOCK)
            if not block:
                break
            ends = block.count(b"\n")
            if skipped + ends < lines:
                skipped += ends
                continue
            end = -1
            for _ in range(lines - skipped):
                end = block.index(b"\n", end + 1)
            stream.seek(start + end + 1)
            return lines
        return skipped

    @staticmethod
    def _next(stream: BinaryIO) -> str | None:
        chunk = stream.readline(_LONGEST_READ)
        if not chunk:
            return None
        text = chunk.decode("utf-8", "replace").rstrip("\r\n")
        while not chunk.endswith(b"\n"):  # longer than what is read: skip the rest
            chunk = stream.readline(_LONGEST_READ)
            if not chunk:
                break
        return text.removeprefix("\ufeff")  # columns count from after it

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()
            self.stream = None


def value_end(text: str, start: int) -> int:
    """Where the JSON value starting at ``start`` ends (exclusive); ``start + 1`` when there
    is no well-formed value there."""
    if start >= len(text):
        return start + 1
    opener = text[start]
    if opener == '"':
        match = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL).match(text, start)
        return match.end() if match else start + 1
    if opener in "{[":
        depth = 0
        for match in re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]]', re.DOTALL).finditer(text, start):
            token = match.group()
            if token in "{[":
                depth += 1
            elif token in "}]":
                depth -= 1
                if depth == 0:
                    return match.end()
        return start + 1
    match = re.compile(r"-?[0-9][0-9.eE+-]*|true|false|null").match(text, start)
    return match.end() if match else start + 1


def _masked_spans(text: str) -> dict[int, int]:
    """Start -> end of each secret and piece of personal data in ``text`` (the PV rules'),
    overlapping ones merged."""
    from tunelint.rules.privacy import sensitive_spans

    spans: dict[int, int] = {}
    last_start, last_end = -1, -1
    for start, end in sorted(sensitive_spans(text)):
        if start < last_end:  # overlaps the previous span: widen it
            last_end = max(last_end, end)
            spans[last_start] = last_end
            continue
        spans[start] = end
        last_start, last_end = start, end
    return spans


def _readable_escape(match: re.Match[str]) -> str:
    """A JSON escape as a person reads it: a printable non-ASCII character as itself."""
    high, low = match.group(1), match.group(2)
    if high is None:
        return match.group()
    code = int(high, 16)
    if low is not None and 0xD800 <= code < 0xDC00:
        code = 0x10000 + ((code - 0xD800) << 10) + (int(low, 16) - 0xDC00)
    elif low is not None:
        return match.group()  # a lone escape followed by an unrelated one: keep both
    char = chr(code)
    if code < 0x80 or unicodedata.category(char) in _INVISIBLE:
        return match.group()
    return char


def shown_char(char: str) -> str:
    """A character as a snippet shows it: a control or invisible character (bidi overrides
    included) as its escape; others, separators such as a no-break space too, as they are."""
    return escape_char(char) if unicodedata.category(char) in _INVISIBLE else char


class Chunk(msgspec.Struct, frozen=True):
    """A piece of a line as shown: ``text`` for the characters ``start``..``end``."""

    start: int
    end: int
    text: str
    width: int
    plain: bool
    """Printable ASCII, shown as it is: one column a character, so it can be cut anywhere."""


def shown_chunks(text: str, secrets: dict[int, int]) -> list[Chunk]:
    """``text`` cut into the pieces it is shown as, given where its ``secrets`` start and
    end: the one function that makes a record's text safe to print (secrets masked, control
    characters escaped). Secrets are masked as every other output masks them
    (``engine.quoting.mask``); characters are escaped one by one, so that columns still
    line up under the caret.
    """
    chunks: list[Chunk] = []
    index = 0
    while index < len(text):
        if index in secrets:
            end = secrets[index]
            shown = mask(text[index:end])
        elif plain := _PLAIN.match(text, index):
            end = min([plain.end(), *(start for start in secrets if index < start < plain.end())])
            chunks.append(Chunk(index, end, text[index:end], end - index, True))
            index = end
            continue
        elif text[index] == "\\" and (match := _ESCAPE.match(text, index)):
            end = match.end()
            shown = "".join(map(shown_char, _readable_escape(match)))
        else:
            end = index + 1
            shown = shown_char(text[index])
        chunks.append(Chunk(index, end, shown, display_width(shown), False))
        index = end
    return chunks


def display_width(text: str) -> int:
    """Terminal columns of ``text``: two for wide (CJK) characters, none for combining ones."""
    return sum(
        0 if unicodedata.combining(char) else 2 if unicodedata.east_asian_width(char) in "WF" else 1
        for char in text
    )


class Excerpt(msgspec.Struct, frozen=True):
    text: str
    """The line as shown (a window of it, with ``…`` where it was cut)."""
    caret: int
    """Display columns before the caret."""
    length: int
    """Display columns the caret spans (at least one)."""


def _column_of(chunks: list[Chunk], positions: list[int], index: int, total: int) -> int:
    """The display column where the source character ``index`` is shown."""
    for chunk, at in zip(chunks, positions, strict=True):
        if index < chunk.end:
            return at + (index - chunk.start if chunk.plain and index > chunk.start else 0)
    return total


def excerpt(line: str, column: int, end_column: int, width: int = WIDTH) -> Excerpt:
    """The shown form of ``line`` with the caret from ``column`` to ``end_column`` (1-based,
    exclusive end, in characters of the line)."""
    secrets = _masked_spans(line)  # on the whole line, so that no cut splits one
    start, stop = max(0, column - 1 - _BEFORE), column - 1 + _AFTER
    for secret, end in secrets.items():
        if secret < start < end:
            start = secret
        if secret < stop < end:
            stop = end
    window = line[start:stop]
    cut_before, cut_after = start > 0, len(line) > stop
    local = {secret - start: end - start for secret, end in secrets.items() if secret >= start}
    chunks = shown_chunks(window, local)
    positions, total = [], 0
    for chunk in chunks:
        positions.append(total)
        total += chunk.width
    caret_at = _column_of(chunks, positions, column - 1 - start, total)
    caret_end = _column_of(chunks, positions, end_column - 1 - start, total)
    # The window of display columns shown: all of it when it fits, else from LEAD before the
    # caret (or less, at the start of the line).
    if total <= width and not cut_before and not cut_after:
        low, high = 0, total
    else:
        low = max(0, min(caret_at - LEAD, total - width))
        high = low + width
    parts = []
    for chunk, at in zip(chunks, positions, strict=True):
        if at >= low and at + chunk.width <= high:
            parts.append(chunk.text)
        elif chunk.plain and at < high and at + chunk.width > low:
            parts.append(chunk.text[max(0, low - at) : high - at])
    prefix = "…" if low > 0 or cut_before else ""
    suffix = "…" if high < total or cut_after else ""
    caret = len(prefix) + max(0, caret_at - low)
    length = max(1, min(caret_end, high) - max(caret_at, low))
    return Excerpt(prefix + "".join(parts) + suffix, caret, length)


def finding_span(finding: Finding, line: str | None) -> tuple[int, int]:
    """1-based start and exclusive end column of what ``finding`` points at in ``line``.

    A location inside the record spans its value; a finding about the whole record (column
    1, empty pointer) spans the line; one at a column of its own (invalid JSON) or about the
    whole file (no example) one character.
    """
    if line is None or finding.example is None:
        return finding.column, finding.column + 1
    if finding.pointer:
        return finding.column, value_end(line, finding.column - 1) + 1
    if finding.column == 1:
        return 1, max(2, len(line) + 1)
    return finding.column, finding.column + 1
