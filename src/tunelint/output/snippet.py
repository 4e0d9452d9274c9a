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
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tunelint.engine.findings import Finding

WIDTH = 96
"""Display columns of the line shown; a longer line is elided around the column."""
LEAD = 32
"""Display columns kept before the column when the line is elided."""
_WINDOW = 2048
"""Characters either side of the column that are decoded at all (the rest is never shown)."""
_LONGEST_READ = 1 << 20
"""Bytes of a line read for an excerpt; a finding further into a longer line gets none."""
_COMPRESSED = (".gz", ".bz2", ".xz", ".zst", ".zip")

_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})(?:\\u([dD][c-fC-F][0-9a-fA-F]{2}))?|.)", re.DOTALL)
_SHORT_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def read_lines(path: str, wanted: Iterable[int]) -> dict[int, str]:
    """The lines numbered ``wanted`` (1-based) of the file ``path``, decoded, without their
    line ending; none for a file that cannot be read again as plain text."""
    numbers = set(wanted)
    if not numbers or path.endswith(_COMPRESSED):
        return {}
    last, found = max(numbers), {}
    try:
        with Path(path).open("rb") as stream:
            for number in range(1, last + 1):
                chunk = stream.readline(_LONGEST_READ)
                if not chunk:
                    break
                if number in numbers:
                    text = chunk.decode("utf-8", "replace").rstrip("\r\n")
                    found[number] = text.removeprefix("\ufeff")  # columns count from after it
                while not chunk.endswith(b"\n"):  # longer than what is read: skip the rest
                    chunk = stream.readline(_LONGEST_READ)
                    if not chunk:
                        break
    except OSError:
        return {}
    return found


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
    """Start -> end of each secret in ``text`` (the PV001 shapes)."""
    from tunelint.rules.privacy import SECRETS

    spans: dict[int, int] = {}
    for _, literal, pattern in SECRETS:
        if literal in text:
            for match in pattern.finditer(text):
                spans.setdefault(match.start(), match.end())
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


def escape_char(char: str) -> str:
    """A raw control or invisible character (bidi overrides included) as an escape."""
    if unicodedata.category(char) not in _INVISIBLE:
        return char
    if char in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[char]
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def shown_chunks(text: str) -> list[tuple[int, str]]:
    """``text`` cut into (source index, what is shown for it): the one function that makes
    a record's text safe to print (secrets masked, control characters escaped).

    # TODO(issue 17): route through the shared escaping-and-masking function at merge.
    """
    from tunelint.rules.privacy import mask

    secrets = _masked_spans(text)
    chunks: list[tuple[int, str]] = []
    index = 0
    while index < len(text):
        if index in secrets:
            end = secrets[index]
            chunks.append((index, mask(text[index:end])))
        elif text[index] == "\\" and (match := _ESCAPE.match(text, index)):
            end = match.end()
            chunks.append((index, "".join(map(escape_char, _readable_escape(match)))))
        else:
            end = index + 1
            chunks.append((index, escape_char(text[index])))
        index = end
    return chunks


def display_width(text: str) -> int:
    """Terminal columns of ``text``: two for wide (CJK) characters, none for combining ones."""
    return sum(
        0 if unicodedata.combining(char) else 2 if unicodedata.east_asian_width(char) in "WF" else 1
        for char in text
    )


@dataclass(frozen=True)
class Excerpt:
    text: str
    """The line as shown (a window of it, with ``…`` where it was cut)."""
    caret: int
    """Display columns before the caret."""
    length: int
    """Display columns the caret spans (at least one)."""


def excerpt(line: str, column: int, end_column: int, width: int = WIDTH) -> Excerpt:
    """The shown form of ``line`` with the caret from ``column`` to ``end_column`` (1-based,
    exclusive end, in characters of the line)."""
    start = max(0, column - 1 - _WINDOW)
    window = line[start : column - 1 + _WINDOW]
    cut_before, cut_after = start > 0, len(line) > start + len(window)
    chunks = [(index + start, shown) for index, shown in shown_chunks(window)]
    widths = [display_width(shown) for _, shown in chunks]
    positions, total = [], 0
    for value in widths:
        positions.append(total)
        total += value
    first = next((i for i, (index, _) in enumerate(chunks) if index >= column - 1), len(chunks))
    last = next((i for i, (index, _) in enumerate(chunks) if index >= end_column - 1), len(chunks))
    caret_at = positions[first] if first < len(chunks) else total
    caret_end = positions[last] if last < len(chunks) else total
    # The window of display columns shown: all of it when it fits, else from LEAD before the
    # caret (or less, at the start of the line).
    if total <= width and not cut_before and not cut_after:
        low, high = 0, total
    else:
        low = max(0, min(caret_at - LEAD, total - width))
        high = low + width
    shown_chunks_ = [
        shown
        for (_, shown), at, size in zip(chunks, positions, widths, strict=True)
        if at >= low and at + size <= high
    ]
    prefix = "…" if low > 0 or cut_before else ""
    suffix = "…" if high < total or cut_after else ""
    caret = len(prefix) + max(0, caret_at - low)
    length = max(1, min(caret_end, high) - max(caret_at, low))
    return Excerpt(prefix + "".join(shown_chunks_) + suffix, caret, length)


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
