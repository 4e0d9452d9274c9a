"""Find the column where a JSON location starts inside a record's line.

Rules report locations as paths (``("messages", 2, "role")``); editors, GitHub annotations
and SARIF want a column. Only lines with findings are scanned, with a tokenizer that treats
strings as single tokens, so the cost stays proportional to one line.
"""

from __future__ import annotations

from tunelint.engine.findings import JsonPath
from tunelint.engine.patterns import LazyPattern

# A string (escapes included, unrolled for speed) or a structural character.
_TOKEN = LazyPattern(r'"[^"\\]*(?:\\.[^"\\]*)*"|[{}\[\],:]')
_SPACE = LazyPattern(r"[ \t\r\n]*")
_LONGEST_SCANNED = 1 << 20


def _skip_space(text: str, position: int) -> int:
    if text[position : position + 1] not in " \t\r\n":  # compact JSON: no search
        return position
    match = _SPACE.match(text, position)
    return match.end() if match else position


def _key(token: str) -> str:
    # Keys with escapes are rare; compare their decoded form only when needed.
    if "\\" not in token:
        return token[1:-1]
    import json

    decoded: str = json.loads(token)
    return decoded


def _child_start(text: str, start: int, part: str | int) -> int | None:
    """Where the member ``part`` of the object/array starting at ``start`` begins."""
    opener = text[start : start + 1]
    if opener not in ("{", "[") or (opener == "{") != isinstance(part, str):
        return None
    if isinstance(part, str) and '"' not in part and "\\" not in part:
        # Most often the key sought is the object's first, written as is: no token walk.
        first = _skip_space(text, start + 1)
        if text.startswith(f'"{part}"', first):
            colon = _skip_space(text, first + len(part) + 2)
            if text.startswith(":", colon):
                return _skip_space(text, colon + 1)
    depth = index = 0
    key_next = matched = False
    for match in _TOKEN.finditer(text, start):
        token = match.group()
        if token in ("{", "["):
            depth += 1
            if depth == 1 and opener == "[" and part == 0:
                first = _skip_space(text, match.end())
                return None if text.startswith("]", first) else first
            key_next = depth == 1
        elif token in ("}", "]"):
            depth -= 1
            if depth == 0:
                return None
        elif depth != 1:
            continue
        elif token == ",":
            index += 1
            if opener == "[" and index == part:
                return _skip_space(text, match.end())
            key_next = True
        elif token == ":":
            if matched:
                return _skip_space(text, match.end())
        elif opener == "{" and key_next:
            key_next = False
            matched = _key(token) == part
    return None


def locate_column(raw: bytes, path: JsonPath) -> int:
    """1-based character column of the value at ``path`` (the deepest part found)."""
    if not path or len(raw) > _LONGEST_SCANNED:
        return 1
    text = raw.decode("utf-8", "replace").removeprefix("\ufeff")
    position = _skip_space(text, 0)
    for part in path:
        child = _child_start(text, position, part)
        if child is None:
            break
        position = child
    return position + 1
