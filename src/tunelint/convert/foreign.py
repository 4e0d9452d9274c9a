"""Sources whose records are already whole examples in another dialect, or in none.

- ``vertex`` and ``bedrock``: each record translated to OpenAI chat (``convert.dialects``);
- ``openai``: OpenAI chat JSONL as it is, to be written in another dialect with ``--to``;
- ``json-array``: a JSON array written as one document, each element written as one line
  unchanged (whatever its layout);
- ``together-text``: ``{"text": ...}`` records, each written as one assistant turn (a
  text has no prompt: the note says so);
- ``llamafactory``: each record by its own layout (Alpaca, ShareGPT, OpenAI-style
  ``messages``, ``text``), as LLaMA-Factory's ``dataset_info.json`` allows in one folder.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tunelint.convert import alpaca, sharegpt
from tunelint.convert.base import Example, Item, Note, Options, Record, Skip, records, text
from tunelint.convert.dialects import Translation, Unconvertible, from_bedrock, from_vertex

TEXT_NOTE = "a text record has no prompt: written as a lone assistant turn"


def _translated(
    translate: Callable[[Record], Translation],
) -> Callable[[Path, Options], Iterator[Item]]:
    def convert(path: Path, options: Options) -> Iterator[Item]:
        for where, record in records(path):
            if not isinstance(record, dict):
                yield Skip("a record that is not an object", where)
                continue
            try:
                converted, notes = translate(record)
            except Unconvertible as reason:
                yield Skip(str(reason), where)
                continue
            yield from (Note(note, where) for note in notes)
            yield Example(converted, where)

    return convert


def _openai(record: Record) -> Translation:
    if not isinstance(record.get("messages"), list):
        raise Unconvertible("no 'messages' list")
    return record, []


vertex = _translated(from_vertex)
bedrock = _translated(from_bedrock)
openai = _translated(_openai)


def json_array(path: Path, options: Options) -> Iterator[Item]:
    for where, record in records(path):
        if isinstance(record, dict):
            yield Example(record, where)
        else:
            yield Skip("an element that is not an object", where)


def _text_record(record: Any, where: str) -> Iterator[Item]:
    value = text(record, "text", where)
    if not value.strip():
        yield Skip("empty text", where)
        return
    yield Note(TEXT_NOTE, where)
    yield Example({"messages": [{"role": "assistant", "content": value}]}, where)


def together_text(path: Path, options: Options) -> Iterator[Item]:
    for where, record in records(path):
        yield from _text_record(record, where)


def llamafactory(path: Path, options: Options) -> Iterator[Item]:
    for where, record in records(path):
        if not isinstance(record, dict):
            yield Skip("a record that is not an object", where)
        elif "instruction" in record:
            yield alpaca.convert_record(record, where)
        elif "conversations" in record:
            yield sharegpt.convert_record(record, where)
        elif isinstance(record.get("messages"), list):
            yield Example(record, where)
        elif "text" in record:
            yield from _text_record(record, where)
        else:
            yield Skip(
                "no LLaMA-Factory layout (instruction, conversations, messages, text)", where
            )
