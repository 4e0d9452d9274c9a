"""Token statistics and training cost of a dataset, computed in one streaming pass.

Only three small integers per example are kept (in compact arrays), never the records.
The figures follow the OpenAI cookbook notebook "Data preparation and analysis for chat
model fine-tuning"; unlike it, ``p5``/``p95`` are the true 5th and 95th percentiles (the
notebook prints its 10th and 90th under those labels).
"""

from __future__ import annotations

import array
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tunelint.engine.errors import UsageError
from tunelint.engine.reader import LineProblem, read_lines
from tunelint.engine.runner import expand_paths
from tunelint.engine.settings import Settings
from tunelint.rules.walk import SYSTEM_ROLES
from tunelint.tokens.counting import ExampleCounter, token_measure
from tunelint.tokens.models import ModelInfo, model_for

# The provider's default number of epochs: 3, raised or lowered so that a job sees
# 100 to 25,000 examples, within 1 to 25 epochs (as the cookbook reproduces it).
TARGET_EPOCHS = 3
MIN_TARGET_EXAMPLES = 100
MAX_TARGET_EXAMPLES = 25_000
MIN_DEFAULT_EPOCHS = 1
MAX_DEFAULT_EPOCHS = 25

DISTRIBUTIONS = ("messages_per_example", "tokens_per_example", "assistant_tokens_per_example")

Progress = Callable[[int, int], None]
"""Called with (bytes read, bytes in all files) as the files are read."""


def default_epochs(examples: int) -> int:
    """The number of epochs a job runs for when none is given."""
    if examples * TARGET_EPOCHS < MIN_TARGET_EXAMPLES:
        return min(MAX_DEFAULT_EPOCHS, MIN_TARGET_EXAMPLES // max(examples, 1))
    if examples * TARGET_EPOCHS > MAX_TARGET_EXAMPLES:
        return max(MIN_DEFAULT_EPOCHS, MAX_TARGET_EXAMPLES // examples)
    return TARGET_EPOCHS


@dataclass(frozen=True, slots=True)
class DatasetStats:
    model: ModelInfo
    files: int
    values: Mapping[str, array.array[int]]
    """One integer per example for each name in ``DISTRIBUTIONS``."""
    missing_system: int
    missing_user: int
    epochs: int
    epochs_given: bool
    skipped: int
    """Non-blank lines that are not JSON objects (invalid JSON, arrays, …): not counted."""

    @property
    def examples(self) -> int:
        return len(self.values["tokens_per_example"])

    @property
    def over_limit(self) -> int:
        return sum(1 for tokens in self.values["tokens_per_example"] if tokens > self.model.context)

    @property
    def billing_tokens(self) -> int:
        """Tokens trained per epoch; an example beyond the context limit is truncated to it."""
        context = self.model.context
        return sum(min(tokens, context) for tokens in self.values["tokens_per_example"])

    @property
    def billed_tokens(self) -> int:
        return self.billing_tokens * self.epochs

    @property
    def usd(self) -> float | None:
        if self.model.price is None:
            return None
        return round(self.billed_tokens * self.model.price / 1_000_000, 4)

    def distribution(self, name: str) -> dict[str, float | int | None]:
        """min, max, mean, median and the true 5th/95th percentiles (numpy's linear method)."""
        values = self.values[name]
        if not values:
            return dict.fromkeys(("min", "max", "mean", "median", "p5", "p95"))
        import numpy as np

        data = np.frombuffer(values, dtype=np.dtype(values.typecode))
        p5, median, p95 = (float(q) for q in np.percentile(data, [5, 50, 95]))
        return {
            "min": int(data.min()),
            "max": int(data.max()),
            "mean": float(data.mean()),
            "median": median,
            "p5": p5,
            "p95": p95,
        }

    def histogram(self, name: str, bins: int) -> list[tuple[int, int, int]]:
        """``(low, high, count)`` over at most ``bins`` bins of equal integer width.

        ``low`` and ``high`` are both included; a narrow range gets one bin per value.
        """
        values = self.values[name]
        if not values:
            return []
        import numpy as np

        data = np.frombuffer(values, dtype=np.dtype(values.typecode)).astype(np.int64)
        low, high = int(data.min()), int(data.max())
        width = -(-(high - low + 1) // bins)
        counts = np.bincount((data - low) // width)
        return [
            (low + i * width, min(high, low + (i + 1) * width - 1), int(count))
            for i, count in enumerate(counts)
        ]

    def to_dict(self) -> dict[str, Any]:
        """The ``tunelint stats --format json`` object (DESIGN.md, Output and exit codes)."""
        return {
            "examples": self.examples,
            "distributions": {name: self.distribution(name) for name in DISTRIBUTIONS},
            "missing_system": self.missing_system,
            "missing_user": self.missing_user,
            "over_limit": self.over_limit,
            "cost": {
                "billing_tokens": self.billing_tokens,
                "epochs": self.epochs,
                "billed_tokens": self.billed_tokens,
                "usd": self.usd,
            },
        }


def _roles(record: Mapping[str, Any]) -> set[object] | None:
    """Roles of the record's conversation; ``None`` when it has no message list."""
    messages = record.get("messages")
    prompt = record.get("input")
    if not isinstance(messages, list) and isinstance(prompt, dict):
        messages = prompt.get("messages")
    if not isinstance(messages, list):
        return None
    return {message.get("role") for message in messages if isinstance(message, dict)}


def compute_stats(
    paths: Iterable[Path],
    settings: Settings,
    model: str | None = None,
    epochs: int | None = None,
    progress: Progress | None = None,
) -> DatasetStats:
    """Statistics over every example of ``paths`` (files or folders) taken as one dataset.

    ``model`` overrides the configured model; ``epochs`` the default-epochs heuristic.
    Raises ``ConfigError`` for an unknown model, ``UsageError`` for a missing path or a
    non-positive ``epochs``, ``OSError`` when a file cannot be read.
    """
    if epochs is not None and epochs < 1:
        raise UsageError(f"--epochs must be at least 1, not {epochs}")
    info = model_for(settings, model)
    files = expand_paths(paths)
    counter = ExampleCounter(token_measure(info.encoding), info.encoding)
    system_roles = {"system"} if settings.profile.cookbook_semantics else SYSTEM_ROLES
    values = {name: array.array("I") for name in DISTRIBUTIONS}
    missing_system = missing_user = skipped = 0
    total = sum(path.stat().st_size for path in files)
    done = 0
    for path in files:
        for line in read_lines(path):
            done += len(line.raw) + 1
            if progress is not None:
                progress(done, total)
            record = line.value
            if not isinstance(record, dict):
                skipped += line.problem is not LineProblem.BLANK
                continue
            count = counter.count(record)
            values["messages_per_example"].append(count.messages)
            values["tokens_per_example"].append(count.tokens)
            values["assistant_tokens_per_example"].append(count.assistant_tokens)
            roles = _roles(record)
            if roles is not None:
                missing_system += roles.isdisjoint(system_roles)
                missing_user += "user" not in roles
    examples = len(values["tokens_per_example"])
    return DatasetStats(
        model=info,
        files=len(files),
        values=values,
        missing_system=missing_system,
        missing_user=missing_user,
        epochs=epochs if epochs is not None else default_epochs(examples),
        epochs_given=epochs is not None,
        skipped=skipped,
    )
