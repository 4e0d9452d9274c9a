"""``tunelint sample``: ask a tuned model the dataset's first prompts, show expected vs actual."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunelint.engine.errors import UsageError
from tunelint.engine.formats import Format, detect_format
from tunelint.engine.quoting import escape, mask_secrets
from tunelint.engine.reader import read_lines

if TYPE_CHECKING:
    from tunelint.jobs.providers.base import Backend

_LABEL_WIDTH = 10


@dataclass(frozen=True, slots=True)
class Prompt:
    line: int
    messages: list[Any]
    tools: list[Any] | None
    expected: str | None
    """The answer the dataset teaches; reinforcement data has none (its grader decides)."""


def message_text(message: Any) -> str:
    """A message's text: its content (text parts joined) or the tool calls it makes."""
    if not isinstance(message, dict):
        return ""
    content = message.get("content")
    if isinstance(content, list):
        content = "".join(
            part["text"]
            for part in content
            if isinstance(part, dict) and isinstance(part.get("text"), str)
        ) or json.dumps(content, ensure_ascii=False)
    if content:
        return str(content)
    calls = message.get("tool_calls")
    return json.dumps(calls, ensure_ascii=False) if calls else ""


def _prompt(record: dict[str, Any], line: int) -> Prompt | None:
    data_format = detect_format(record)
    tools = record.get("tools")
    if data_format is Format.PREFERENCE:
        source = record.get("input")
        if not isinstance(source, dict):
            return None
        preferred = record.get("preferred_output")
        answer = preferred[-1] if isinstance(preferred, list) and preferred else None
        messages, tools, expected = source.get("messages"), source.get("tools"), answer
    elif data_format is Format.CHAT:
        messages = record.get("messages")
        if not isinstance(messages, list):
            return None
        answers = [
            i
            for i, m in enumerate(messages)
            if isinstance(m, dict) and m.get("role") == "assistant"
        ]
        if not answers:
            return None
        messages, expected = messages[: answers[-1]], messages[answers[-1]]
    elif data_format is Format.REINFORCEMENT:
        messages, expected = record.get("messages"), None
    else:
        return None
    if not isinstance(messages, list) or not messages:
        return None
    return Prompt(
        line,
        messages,
        tools if isinstance(tools, list) else None,
        None if expected is None else message_text(expected),
    )


def prompts(path: Path, count: int) -> Iterator[Prompt]:
    """The first ``count`` records that hold a prompt, streamed from the file."""
    found = (
        _prompt(line.value, line.number)
        for line in read_lines(path)
        if isinstance(line.value, dict)
    )
    return islice((prompt for prompt in found if prompt is not None), count)


def _field(label: str, text: str) -> str:
    """A labelled text, its lines indented; secrets masked and control characters escaped
    as in any other output (a dataset's texts and a model's answers are data)."""
    indent = "\n" + " " * (_LABEL_WIDTH + 2)
    lines = [escape(line) for line in mask_secrets(text).splitlines()]
    return f"  {label + ':':<{_LABEL_WIDTH}}{indent.join(lines or [''])}"


def sample(
    backend: Backend,
    model: str,
    path: Path,
    count: int,
    temperature: float | None,
    output_format: str = "text",
) -> int:
    asked = matched = 0
    answers: list[dict[str, Any]] = []
    for prompt in prompts(path, count):
        options: dict[str, Any] = {"model": model, "messages": prompt.messages}
        if prompt.tools:
            options["tools"] = prompt.tools
        if temperature is not None:
            options["temperature"] = temperature
        actual = message_text(backend.chat(f"asking {model} ({path}:{prompt.line})", options))
        asked += 1
        same = prompt.expected is not None and actual.strip() == prompt.expected.strip()
        matched += same
        if output_format == "json":
            answers.append(
                {
                    "path": str(path),
                    "line": prompt.line,
                    "prompt": message_text(prompt.messages[-1]),
                    "expected": prompt.expected,
                    "actual": actual,
                    "matches": same,
                }
            )
            continue
        print(f"[{asked}] {path}:{prompt.line}")
        print(_field("prompt", message_text(prompt.messages[-1])))
        if prompt.expected is not None:
            print(_field("expected", prompt.expected))
        print(_field("actual", actual))
    if not asked:
        raise UsageError(f"{path}: no record holds a prompt to send")
    if output_format == "json":
        summary = {"model": model, "asked": asked, "matched": matched, "answers": answers}
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        return 0
    print(f"{matched} of {asked} answers equal the expected ones")
    return 0
