"""A provider's documented data limits, checked on the files before anything is uploaded.

The rules engine checks what every provider shares; these are the differences (roles a
provider refuses, its minimum and maximum example counts, its largest file). Each finding
prints like ``check``'s: ``path:line:col: <provider> [error] message``. The facts are the
provider's target's, as ``presets`` reads them, with the limits of tunelint's own upload.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from tunelint.engine.reader import read_lines
from tunelint.finetuning.providers.presets import PRESETS, Preset, ProviderName


def _messages(record: dict[str, Any]) -> list[tuple[str, Any]]:
    """(JSON location, messages list) of a chat, preference or reinforcement record."""
    found = []
    if isinstance(record.get("messages"), list):
        found.append(("messages", record["messages"]))
    source = record.get("input")
    if isinstance(source, dict) and isinstance(source.get("messages"), list):
        found.append(("input.messages", source["messages"]))
    return found


def _record_problems(record: dict[str, Any], preset: Preset) -> Iterator[str]:
    roles = preset.limits.roles
    for where, messages in _messages(record):
        for i, message in enumerate(messages):
            role = message.get("role") if isinstance(message, dict) else None
            if not isinstance(role, str):
                continue  # the rules engine reports a missing role
            if role not in roles:
                yield (
                    f"{where}[{i}].role: {preset.title} accepts the roles "
                    f"{', '.join(sorted(roles))}, not {role!r}"
                )
            elif role == "system" and i > 0 and preset.limits.system_first:
                yield f"{where}[{i}]: {preset.title} accepts a system message only first"


def findings(path: Path, preset: Preset, training: bool = True) -> Iterator[str]:
    """Every way ``path`` breaks ``preset``'s limits, one printable finding each.

    Example counts apply to a training file only (``training``).
    """
    limits = preset.limits
    tag = f"{preset.name} [error]"
    size = path.stat().st_size
    if limits.max_file_bytes is not None and size > limits.max_file_bytes:
        why = limits.max_file_reason or f"a {preset.title} training file may hold"
        yield f"{path}:1:1: {tag} {size:,} bytes is over the {limits.max_file_bytes:,} bytes {why}"
    examples = 0
    for line in read_lines(path):
        if not isinstance(line.value, dict):
            continue
        examples += 1
        for problem in _record_problems(line.value, preset):
            yield f"{path}:{line.number}:1: {tag} {problem}"
    if not training:
        return
    if limits.min_examples is not None and examples < limits.min_examples:
        yield (
            f"{path}:1:1: {tag} {examples} examples, but {preset.title} needs at least "
            f"{limits.min_examples}"
        )
    if limits.max_examples is not None and examples > limits.max_examples:
        yield (
            f"{path}:1:1: {tag} {examples:,} examples, over the {limits.max_examples:,} "
            f"{preset.title} takes in one dataset"
        )


def check(paths: Sequence[Path], preset: Preset) -> list[str]:
    """Findings of the training file (first) and the validation file (no example counts)."""
    training, *others = paths
    found = list(findings(training, preset))
    for path in others:
        found += findings(path, preset, training=False)
    return found


def passing_providers(path: Path, method: str, skip: ProviderName) -> list[ProviderName]:
    """The providers, other than ``skip``, that train ``method`` on data ``path`` holds."""
    return [
        name
        for name, preset in PRESETS.items()
        if name != skip and method in preset.methods and next(findings(path, preset), None) is None
    ]
