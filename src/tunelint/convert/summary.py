"""What a conversion did, in numbers: read, written, skipped and why, noted and why."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tunelint.convert.base import Note, Skip
from tunelint.engine.quoting import clean


@dataclass
class Summary:
    source: Path
    source_format: str
    read: int = 0
    written: dict[Path, int] = field(default_factory=dict)
    skipped: Counter[str] = field(default_factory=Counter)
    noted: Counter[str] = field(default_factory=Counter)
    first_place: dict[tuple[str, str], str] = field(default_factory=dict)
    """Where each reason was first seen, by (kind, reason)."""
    split_rule: str = ""

    def skip(self, item: Skip) -> None:
        self.read += 1
        self.skipped[item.reason] += 1
        self.first_place.setdefault(("skipped", item.reason), item.where)

    def note(self, item: Note) -> None:
        self.noted[item.text] += 1
        self.first_place.setdefault(("noted", item.text), item.where)

    def render(self) -> str:
        kept = self.read - self.skipped.total()
        lines = [
            f"Read {_count(self.read, 'record')} from {self.source} ({self.source_format}): "
            f"{kept} converted, {self.skipped.total()} skipped."
        ]
        for kind, counts in (("skipped", self.skipped), ("noted", self.noted)):
            for reason, count in counts.most_common():
                first = self.first_place[(kind, reason)]
                lines.append(clean(f"  {count} {kind}: {reason} (first: {first})"))
        (path, count), *others = self.written.items()
        written = [f"{_count(count, 'example')} to {path}", *(f"{n} to {p}" for p, n in others)]
        lines.append(f"Wrote {' and '.join(written)}.{self.split_rule}")
        return "\n".join(lines)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
