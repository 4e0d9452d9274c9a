"""Which dialect a record, and a file, is written in: recognised once, before any rule runs.

A record's layout is decided from its keys and the shape of their values alone, in the
order below (the first match wins). A file's layout is read from the head of its data, as
``tunelint.sources`` reads it (decompressed; Parquet rows as JSON lines): first its bytes
(UTF-16, a JSON document instead of JSON Lines, CSV), then its first records: when they all share one layout, that is the file's; when they differ, the
file is *mixed* and every record is judged on its own.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec
import orjson

from tunelint.engine.reader import UTF8_BOM, UTF16_BOMS
from tunelint.sources import open_data

SAMPLE_BYTES = 1 << 18
"""How much of a file's head its diagnosis reads."""
SAMPLE_RECORDS = 200
"""How many records of that head decide the file's layout."""


class Layout(str, enum.Enum):
    """A dialect of fine-tuning data; the value is the name users see and type."""

    OPENAI_CHAT = "openai-chat"
    OPENAI_PREFERENCE = "openai-preference"
    OPENAI_REINFORCEMENT = "openai-reinforcement"
    PROMPT_COMPLETION = "prompt-completion"
    TEXT = "text"
    SHAREGPT = "sharegpt"
    ALPACA = "alpaca"
    PREFERENCE_PAIR = "chosen-rejected"
    LLAMAFACTORY_V1 = "llamafactory-v1"
    VERTEX = "vertex-contents"
    VERTEX_PREFERENCE = "vertex-preference"
    BEDROCK = "bedrock-conversation"
    SQUAD = "squad-document"
    JSON_ARRAY = "json-array"
    CSV = "csv"
    TSV = "tsv"
    UTF16 = "utf-16"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value

    @property
    def description(self) -> str:
        return _DESCRIPTIONS[self]

    @property
    def openai_family(self) -> bool:
        """Records the OpenAI-format rules (SC, CV, TL, PF, TK) know how to read."""
        return self in OPENAI_FAMILY


OPENAI_FAMILY = frozenset(
    {
        Layout.OPENAI_CHAT,
        Layout.OPENAI_PREFERENCE,
        Layout.OPENAI_REINFORCEMENT,
        Layout.PROMPT_COMPLETION,
    }
)

FILE_LEVEL = frozenset(
    {
        Layout.SQUAD,
        Layout.JSON_ARRAY,
        Layout.CSV,
        Layout.TSV,
        Layout.UTF16,
    }
)
"""Layouts a file has as a whole, not record by record: no target reads them as they are."""

_DESCRIPTIONS = {
    Layout.OPENAI_CHAT: "OpenAI chat: {'messages': [{'role', 'content'}, ...]}",
    Layout.OPENAI_PREFERENCE: "OpenAI preference (DPO): input / preferred_output / "
    "non_preferred_output",
    Layout.OPENAI_REINFORCEMENT: "OpenAI reinforcement (RFT): messages without the answer, "
    "plus grader fields",
    Layout.PROMPT_COMPLETION: "prompt / completion pairs",
    Layout.TEXT: "plain text: {'text': ...}",
    Layout.SHAREGPT: "ShareGPT: {'conversations': [{'from', 'value'}, ...]}",
    Layout.ALPACA: "Alpaca: instruction / input / output",
    Layout.PREFERENCE_PAIR: "preference pairs: (prompt,) chosen / rejected",
    Layout.LLAMAFACTORY_V1: "LLaMA-Factory v1: messages of {'type', 'value'} parts with "
    "loss_weight, or chosen_messages / rejected_messages",
    Layout.VERTEX: "Vertex AI Gemini: contents / parts (systemInstruction optional)",
    Layout.VERTEX_PREFERENCE: "Vertex AI Gemini preference: contents plus scored completions",
    Layout.BEDROCK: "Bedrock conversation: schemaVersion, system and content as lists of blocks",
    Layout.SQUAD: "a SQuAD document (one JSON object with 'data' / 'paragraphs')",
    Layout.JSON_ARRAY: "a JSON array written as one document, not JSON Lines",
    Layout.CSV: "comma-separated values",
    Layout.TSV: "tab-separated values",
    Layout.UTF16: "UTF-16 encoded text",
    Layout.UNKNOWN: "no known layout",
}

_PREFERENCE_KEYS = frozenset({"input", "preferred_output", "non_preferred_output"})
_CHAT_KEYS = frozenset({"messages", "tools", "functions", "parallel_tool_calls"})


def record_layout(record: Mapping[str, Any]) -> Layout:
    """The layout of one decoded record (a JSON object)."""
    if isinstance(record.get("data"), list) and "version" in record:
        return Layout.SQUAD
    if "contents" in record:
        return Layout.VERTEX_PREFERENCE if "completions" in record else Layout.VERTEX
    if "chosen_messages" in record or "rejected_messages" in record:
        return Layout.LLAMAFACTORY_V1
    if "messages" in record:
        return _messages_layout(record)
    if "conversations" in record:
        return Layout.SHAREGPT
    if "instruction" in record and "output" in record:
        return Layout.ALPACA  # before preference: Alpaca has an 'input' too
    if not _PREFERENCE_KEYS.isdisjoint(record):
        return Layout.OPENAI_PREFERENCE
    if "chosen" in record and "rejected" in record:
        return Layout.PREFERENCE_PAIR
    if "prompt" in record or "completion" in record:
        return Layout.PROMPT_COMPLETION
    if "text" in record:
        return Layout.TEXT
    return Layout.UNKNOWN


def _messages_layout(record: Mapping[str, Any]) -> Layout:
    """``messages`` is shared by OpenAI, Bedrock and ShareGPT written with role tags."""
    if "schemaVersion" in record or isinstance(record.get("system"), list):
        return Layout.BEDROCK
    messages = record["messages"]
    if not isinstance(messages, list):
        return Layout.OPENAI_CHAT  # broken: the OpenAI rules say how
    first = next((item for item in messages if isinstance(item, dict)), None)
    if first is not None and "from" in first and "value" in first:
        return Layout.SHAREGPT
    if first is not None and _bedrock_blocks(first.get("content")):
        return Layout.BEDROCK
    if first is not None and ("loss_weight" in first or _value_parts(first.get("content"))):
        return Layout.LLAMAFACTORY_V1
    has_answer = any(isinstance(m, dict) and m.get("role") == "assistant" for m in messages)
    if not has_answer and not record.keys() <= _CHAT_KEYS:
        return Layout.OPENAI_REINFORCEMENT
    return Layout.OPENAI_CHAT


def _bedrock_blocks(content: object) -> bool:
    """Bedrock content blocks are ``{"text": ...}`` objects without OpenAI's ``type``."""
    return (
        isinstance(content, list)
        and bool(content)
        and all(isinstance(block, dict) and "type" not in block for block in content)
        and any(key in content[0] for key in ("text", "image", "video", "document"))
    )


def _value_parts(content: object) -> bool:
    """LLaMA-Factory v1 parts carry their text as ``value``, where OpenAI's use ``text``."""
    return (
        isinstance(content, list)
        and bool(content)
        and isinstance(content[0], dict)
        and "value" in content[0]
        and "type" in content[0]
    )


class Diagnosis(msgspec.Struct, frozen=True):
    """What a file's head shows: its layout, or ``None`` when its records mix layouts."""

    layout: Layout | None
    counts: Mapping[Layout, int]
    """Records of each layout among those sampled (empty for a file-level layout)."""
    first_line: int = 1
    """Line of the first sampled record (where a file-level finding points)."""

    @property
    def mixed(self) -> bool:
        return self.layout is None


def diagnose(path: Path) -> Diagnosis:
    """Read the head of ``path`` and say which layout it is written in.

    Raises ``OSError`` when it cannot be read, ``SourceError`` for corrupt compressed data. A file with no records is ``UNKNOWN``
    with no counts: nothing to judge.
    """
    with open_data(path) as stream:  # decompressed, Parquet rows as JSON, stdin's spool
        head = _read_up_to(stream, SAMPLE_BYTES)
        complete = not stream.read(1)
    byte_layout = _byte_layout(head)
    if byte_layout is not None:
        return Diagnosis(byte_layout, {})
    body = head.removeprefix(UTF8_BOM)
    stripped = body.lstrip()
    if stripped.startswith(b"[") and stripped[1:].lstrip()[:1] in (b"{", b"]"):
        return Diagnosis(Layout.JSON_ARRAY, {})  # an array of records, not JSON Lines
    lines = body.split(b"\n")
    if not complete:
        lines.pop()  # cut in the middle
    counts: Counter[Layout] = Counter()
    first_line = 0
    undecoded: list[bytes] = []
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError:
            undecoded.append(raw)
            continue
        if not isinstance(value, dict):
            continue
        first_line = first_line or number
        counts[record_layout(value)] += 1
        if sum(counts.values()) >= SAMPLE_RECORDS:
            break
    if not counts:
        table = _table_layout(undecoded)
        if table is not None:
            return Diagnosis(table, {})
        if stripped.startswith(b"{") and b'"paragraphs"' in head:
            return Diagnosis(Layout.SQUAD, {})  # pretty-printed, or one line too long to sample
        return Diagnosis(Layout.UNKNOWN, {})
    if len(counts) == 1:
        return Diagnosis(next(iter(counts)), dict(counts), first_line)
    return Diagnosis(None, dict(counts), first_line)


def _read_up_to(stream: Any, size: int) -> bytes:
    """``size`` bytes, or all there are: a decompressing stream may return fewer at once."""
    chunks = []
    while size > 0 and (chunk := stream.read(size)):
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _byte_layout(head: bytes) -> Layout | None:
    if head.startswith(UTF16_BOMS) or (len(head) >= 4 and (head[1:4:2] == b"\0\0")):
        return Layout.UTF16
    return None


def _table_layout(lines: list[bytes]) -> Layout | None:
    """A header line and rows with the same number of separators: CSV or TSV."""
    if len(lines) < 2:
        return None
    for separator, layout in ((b"\t", Layout.TSV), (b",", Layout.CSV)):
        header = lines[0].count(separator)
        if header and all(line.count(separator) >= header for line in lines[1:5]):
            return layout
    return None
