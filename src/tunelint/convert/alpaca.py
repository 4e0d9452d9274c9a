"""Alpaca: ``instruction`` / ``input`` / ``output`` records (a JSON array or JSONL).

The user turn is the instruction, followed by the input after a blank line when there is
one; an optional ``system`` field becomes the system message, and an optional ``history``
(``[[user, assistant], ...]``, as LLaMA-Factory writes it) becomes the earlier turns.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tunelint.convert.base import (
    Example,
    InputError,
    Item,
    Options,
    Skip,
    chat,
    expect,
    optional_text,
    records,
    text,
)


def convert(path: Path, options: Options) -> Iterator[Item]:
    for where, record in records(path):
        yield convert_record(record, where)


def convert_record(record: Any, where: str) -> Example | Skip:
    instruction = text(record, "instruction", where).strip()
    extra = (optional_text(record, "input", where) or "").strip()
    output = text(record, "output", where).strip()
    history = _history(record.get("history"), where)
    if not instruction or not output or not all(history):
        return Skip("empty instruction, output or history turn", where)
    user = f"{instruction}\n\n{extra}" if extra else instruction
    system = optional_text(record, "system", where)
    return Example(chat(user, output, system, history), where)


def _history(value: Any, where: str) -> list[str]:
    """The earlier turns, flattened (user, assistant, user, ...) and stripped."""
    if value is None:
        return []
    turns: list[str] = []
    for index, pair in enumerate(expect(value, list, where, "'history'")):
        pair_where = f"{where}: history[{index}]"
        if not isinstance(pair, list) or len(pair) != 2:
            raise InputError(f"{pair_where}: expected a [user, assistant] pair")
        turns.extend(expect(turn, str, pair_where, "a turn").strip() for turn in pair)
    return turns
