"""Legacy ``prompt`` / ``completion`` JSONL (babbage-002, davinci-002) into chat turns.

Surrounding whitespace is stripped: the legacy format asked for a leading space on the
completion and often a separator at the end of the prompt, which chat models do not need.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from tunelint.convert.base import Example, Item, Options, Skip, chat, records, text


def convert(path: Path, options: Options) -> Iterator[Item]:
    for where, record in records(path):
        prompt = text(record, "prompt", where).strip()
        completion = text(record, "completion", where).strip()
        if prompt and completion:
            yield Example(chat(prompt, completion), where)
        else:
            yield Skip("empty prompt or completion", where)
