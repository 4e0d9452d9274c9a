"""Present ``tunelint stats``: a text report with small histograms, JSON, a progress bar.

(``finding_counts`` is ``check --statistics``, a count of findings per rule.)
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Protocol, TextIO

from tunelint.output.progress import PROGRESS_MIN_BYTES
from tunelint.tokens.stats import DatasetStats

HISTOGRAM_BINS = 8
BAR_WIDTH = 30

_TITLES = {
    "messages_per_example": "Messages per example",
    "tokens_per_example": "Tokens per example",
    "assistant_tokens_per_example": "Assistant tokens per example",
}


def stats_json(stats: DatasetStats) -> str:
    return json.dumps(stats.to_dict(), indent=2)


def _number(value: float | int | None) -> str:
    if value is None:
        return "-"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _block(stream: TextIO) -> str:
    """A full block where the output encoding has one, ``#`` elsewhere."""
    try:
        "█".encode(stream.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return "#"
    return "█"


class Distributions(Protocol):
    """Statistics with named distributions of one integer per example."""

    def distribution(self, name: str) -> dict[str, float | int | None]: ...

    def histogram(self, name: str, bins: int) -> list[tuple[int, int, int]]: ...


def _histogram(stats: Distributions, name: str, block: str) -> list[str]:
    bins = stats.histogram(name, HISTOGRAM_BINS)
    if not bins:
        return []
    tallest = max(count for _, _, count in bins)
    labels = [f"{low:,}" if low == high else f"{low:,}-{high:,}" for low, high, _ in bins]
    label_width = max(len(label) for label in labels)
    lines = []
    for label, (_, _, count) in zip(labels, bins, strict=True):
        length = 0 if count == 0 else max(1, round(BAR_WIDTH * count / tallest))
        lines.append(f"  {label:>{label_width}} | {block * length:<{BAR_WIDTH}} {count:,}")
    return lines


def distribution_lines(stats: Distributions, titles: Mapping[str, str], block: str) -> list[str]:
    """Each distribution (by name, with its title) summarised, with its histogram."""
    lines = []
    for name, title in titles.items():
        figures = stats.distribution(name)
        summary = "  ".join(f"{key} {_number(value)}" for key, value in figures.items())
        lines += [f"{title}: {summary}", *_histogram(stats, name, block), ""]
    return lines


def stats_text(stats: DatasetStats, stream: TextIO) -> str:
    model = stats.model
    block = _block(stream)
    lines = [
        f"{_plural(stats.examples, 'example')} in {_plural(stats.files, 'file')}; "
        f"model {model.name} ({model.encoding}, {model.context:,}-token limit)",
        "",
    ]
    lines += distribution_lines(stats, _TITLES, block)
    lines += [
        f"Missing a system message: {_plural(stats.missing_system, 'example')}",
        f"Missing a user message: {_plural(stats.missing_user, 'example')}",
        f"Over the {model.context:,}-token limit (truncated in training): "
        f"{_plural(stats.over_limit, 'example')}",
        "",
    ]
    how = "given" if stats.epochs_given else f"default for {_plural(stats.examples, 'example')}"
    cost = (
        "not billed per token"
        if stats.usd is None
        else f"${stats.usd:,.2f} at ${model.price:,.2f} per 1M tokens"
    )
    lines += [
        f"Billing tokens per epoch: {stats.billing_tokens:,}",
        f"Epochs: {stats.epochs} ({how})",
        f"Billed tokens: {stats.billed_tokens:,}",
        f"Estimated training cost: {cost}",
    ]
    return "\n".join(lines)


class ProgressBar:
    """Bytes read so far, redrawn in place at most ten times a second, for large input only.

    Give it a terminal (``progress_wanted``): under pre-commit or CI, draw nothing.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.drawn_at = 0.0
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if total < PROGRESS_MIN_BYTES or (now - self.drawn_at < 0.1 and done < total):
            return
        self.drawn_at = now
        fraction = min(done / total, 1.0) if total else 1.0  # compressed input reads more
        filled = round(BAR_WIDTH * fraction)
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        self.stream.write(f"\rreading [{bar}] {fraction:4.0%} of {total / 2**20:,.0f} MiB")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
