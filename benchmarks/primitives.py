"""The C-level work the default rules cannot do without, and nothing else: a lower bound.

    python benchmarks/primitives.py [--walk] FILE

Reads ``FILE`` in blocks and makes, on every line, only the calls into C that default
``check`` makes on a valid record and that no rewrite of its Python could spare without
changing what the rules compute:

- the decoding, one pass a line: a plain record into ``PlainRecord``, a tool-calling
  record or preference pair into the typed shapes (msgspec), each call's arguments
  decoded (``orjson``);
- the triggers of the default rules, searched in one RE2 pass over the line;
- each record's canonical JSON and its XXH3 hash (the exact duplicates, DS003);
- the folded line (lower case, no punctuation or spacing) and its hash (DS007).

No rule's Python runs, no finding is made. With ``--walk``, a tool-calling record or
preference pair also goes through the typed path's walk (``engine.typed``), the one piece
of Python that lets ``check`` skip the structural rules on it: the bound for a ``check``
whose walk stays in Python. ``benchmarks/targets.py`` times this against the
read + ``orjson`` floor: when it alone costs more than a target allows, no Python
around it can meet that target.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import msgspec
import orjson

from tunelint.engine.batch import canonical_json, xxh3_64
from tunelint.engine.config import ConfigFile, resolve_settings
from tunelint.engine.formats import Format
from tunelint.engine.plain import decode_plain
from tunelint.engine.plan import plan_for
from tunelint.engine.typed import _Chat, _Pair, _walk
from tunelint.rules.dataset import _each_folded

_BLOCK = 1 << 16


_TYPED_DECODERS = tuple(msgspec.json.Decoder(shape).decode for shape in (_Chat, _Pair))


def _decode(raw: bytes, walk: bool) -> Any:
    """A line decoded as a valid record of its kind, in one pass: a plain record, then a
    tool-calling record or a preference pair straight into the typed shapes (cheaper than
    ``check``'s ``orjson`` then conversion), each call's arguments decoded too; with
    ``walk``, by the typed path's own walk, which proves the rest of it well formed."""
    try:
        return decode_plain(raw)
    except msgspec.DecodeError:
        pass
    for decode in _TYPED_DECODERS:
        try:
            value = decode(raw)
        except msgspec.DecodeError:
            continue
        if isinstance(value, _Pair):
            prompt = value.input
            form = Format.PREFERENCE
            conversations = [prompt.messages, value.preferred_output, value.non_preferred_output]
        else:
            prompt, form, conversations = value, Format.CHAT, [value.messages]
        if walk:
            _walk(form, conversations, prompt.tools)
            return value
        for messages in conversations:
            for message in messages:
                for call in getattr(message, "tool_calls", None) or ():
                    orjson.loads(call.function.arguments)
        return value
    return orjson.loads(raw)


def main(path: Path, walk: bool) -> None:
    settings = resolve_settings(ConfigFile(None), {})
    triggers = plan_for(settings, settings.rules_for(path)).triggers
    assert triggers is not None
    match = triggers._matcher.Match
    with path.open("rb") as stream:
        while lines := stream.readlines(_BLOCK):
            values = [_decode(line, walk) for line in lines]
            list(map(match, lines))
            canonical = list(map(canonical_json, values))
            list(map(xxh3_64, canonical))
            list(map(xxh3_64, _each_folded(canonical)))


if __name__ == "__main__":
    main(Path(sys.argv[-1]), walk=sys.argv[1] == "--walk")
