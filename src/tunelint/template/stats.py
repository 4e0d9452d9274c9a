"""``tunelint stats --tokenizer DIR``: what open-model training sees of a dataset.

Exact token counts with the model's tokenizer and chat template, the tokens trained per
example under the loss mode (those truncation keeps), the share of tokens trained, the
examples over the maximum sequence length, and how full packed sequences of that length
would be (TRL's best-fit-decreasing packing). One streaming pass keeps two integers per
example; files over a few megabytes are read by several processes.
"""

from __future__ import annotations

import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tunelint.engine.discovery import expand_paths
from tunelint.engine.pool import POOL_BYTES, Part, process_pool, split_work
from tunelint.engine.reader import LineProblem, read_lines
from tunelint.engine.settings import Settings
from tunelint.engine.template_settings import TemplateSettings
from tunelint.sources import RowGroups, source_for
from tunelint.template.analysis import Analysis, analyzer_for
from tunelint.tokens.stats import distribution, histogram

DISTRIBUTIONS = ("tokens_per_example", "trained_tokens_per_example")


@dataclass(slots=True)
class _Tally:
    tokens: array.array[int] = field(default_factory=lambda: array.array("I"))
    trained: array.array[int] = field(default_factory=lambda: array.array("I"))
    skipped: int = 0
    """Non-blank lines that are not JSON objects."""
    unsupported: int = 0
    """Records of no shape a chat template renders (no messages, no prompt/completion)."""
    failed: int = 0
    """Records the template fails to render."""

    def add(self, other: _Tally) -> None:
        self.tokens.extend(other.tokens)
        self.trained.extend(other.trained)
        self.skipped += other.skipped
        self.unsupported += other.unsupported
        self.failed += other.failed


def kept_trained(analysis: Analysis, limit: int | None, side: str) -> int:
    """The trained tokens that truncation to ``limit`` on ``side`` keeps."""
    total = len(analysis.ids)
    if limit is None or total <= limit:
        return analysis.trained_count
    low, high = (0, limit) if side == "right" else (total - limit, total)
    if analysis.train_all:
        return limit
    return sum(
        max(0, min(tokens.stop, high) - max(tokens.start, low))
        for tokens in map(analysis.token_range, analysis.trained_turns)
    )


def _tally(settings: TemplateSettings, path: Path, part: Part = (0, None, None)) -> _Tally:
    """The tally of ``path``, or of one part of it (``pool.split_work``)."""
    analyzer = analyzer_for(settings)
    limit, side = analyzer.max_length, settings.truncation_side
    tally = _Tally()
    start, end, groups = part
    for line in read_lines(path if groups is None else RowGroups(path, groups), start, end):
        record = line.value
        if type(record) is not dict:
            tally.skipped += line.problem is not LineProblem.BLANK
            continue
        analysis = analyzer.analyze(record)
        if analysis is None:
            tally.unsupported += 1
        elif analysis.failure is not None:
            tally.failed += 1
        else:
            tally.tokens.append(len(analysis.ids))
            tally.trained.append(kept_trained(analysis, limit, side))
    return tally


def _tallies(settings: TemplateSettings, files: list[Path], jobs: int) -> Iterator[_Tally]:
    sources = [source_for(path) for path in files]
    # Standard input is read by this process alone.
    if (
        jobs <= 1
        or sum(source.size() for source in sources) < POOL_BYTES
        or not all(source.forkable for source in sources)
    ):
        yield from (_tally(settings, path) for path in files)
        return
    analyzer_for(settings)  # loaded once: forked workers inherit it
    with process_pool(jobs, _no_setup, ()) as pool:
        pending = [
            pool.submit(_tally, settings, source.path, part)
            for source in sources
            for part in split_work(source, jobs)
        ]
        for part in pending:
            yield part.result()


def _no_setup() -> None:
    """Workers need nothing but their arguments."""


def packed_sequences(lengths: Iterable[int], size: int) -> int:
    """How many sequences of ``size`` tokens best-fit-decreasing packing fills (TRL's
    ``bfd``: an example longer than ``size`` is truncated to it).

    Open sequences are counted by remaining room; a bit set per room that some sequence
    has finds the tightest fit with one shift.
    """
    by_room = [0] * (size + 1)
    rooms = 0  # bit r set: some open sequence has exactly r tokens of room
    sequences = 0
    for length in sorted((min(length, size) for length in lengths), reverse=True):
        if length == 0:
            continue
        fitting = rooms >> length
        if fitting:
            room = length + (fitting & -fitting).bit_length() - 1
            by_room[room] -= 1
            if by_room[room] == 0:
                rooms &= ~(1 << room)
            left = room - length
        else:
            sequences += 1
            left = size - length
        if left:
            by_room[left] += 1
            rooms |= 1 << left
    return sequences


@dataclass(frozen=True, slots=True)
class TemplateStats:
    settings: TemplateSettings
    files: int
    values: dict[str, array.array[int]]
    max_length: int | None
    skipped: int
    unsupported: int
    failed: int

    @property
    def examples(self) -> int:
        return len(self.values["tokens_per_example"])

    def distribution(self, name: str) -> dict[str, float | int | None]:
        return distribution(self.values[name])

    def histogram(self, name: str, bins: int) -> list[tuple[int, int, int]]:
        return histogram(self.values[name], bins)

    @property
    def tokens(self) -> int:
        """Tokens training reads: each example truncated to the maximum length."""
        limit = self.max_length
        values = self.values["tokens_per_example"]
        return sum(values) if limit is None else sum(min(count, limit) for count in values)

    @property
    def trained(self) -> int:
        return sum(self.values["trained_tokens_per_example"])

    @property
    def untrained_examples(self) -> int:
        return self.values["trained_tokens_per_example"].count(0)

    @property
    def over_length(self) -> int | None:
        limit = self.max_length
        if limit is None:
            return None
        return sum(1 for count in self.values["tokens_per_example"] if count > limit)

    def packing(self) -> dict[str, Any] | None:
        """Sequences of ``max_length`` tokens the examples pack into, and how full."""
        if self.max_length is None or not self.examples:
            return None
        sequences = packed_sequences(self.values["tokens_per_example"], self.max_length)
        return {
            "sequence_length": self.max_length,
            "sequences": sequences,
            "fill": round(self.tokens / (sequences * self.max_length), 4) if sequences else None,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "tokenizer": self.settings.tokenizer,
            "loss": self.settings.loss,
            "examples": self.examples,
            "distributions": {name: self.distribution(name) for name in DISTRIBUTIONS},
            "tokens": self.tokens,
            "trained_tokens": self.trained,
            "trained_share": round(self.trained / self.tokens, 4) if self.tokens else None,
            "examples_without_trained_tokens": self.untrained_examples,
            "max_seq_len": self.max_length,
            "truncation_side": self.settings.truncation_side,
            "over_max_seq_len": self.over_length,
            "packing": self.packing(),
            "not_rendered": {
                "template_fails": self.failed,
                "not_chat_records": self.unsupported,
                "not_json_objects": self.skipped,
            },
        }


def compute_template_stats(
    paths: Iterable[Path], settings: Settings, jobs: int = 1
) -> TemplateStats:
    """The statistics of ``paths`` (files, folders, ``-``) with ``settings.template``."""
    template = settings.template
    assert template is not None, "template statistics need a tokenizer"
    files = expand_paths(paths, settings)
    total = _Tally()
    for tally in _tallies(template, files, jobs):
        total.add(tally)
    return TemplateStats(
        settings=template,
        files=len(files),
        values={"tokens_per_example": total.tokens, "trained_tokens_per_example": total.trained},
        max_length=analyzer_for(template).max_length,
        skipped=total.skipped,
        unsupported=total.unsupported,
        failed=total.failed,
    )
