"""Token statistics and training cost of a dataset, computed in one streaming pass.

Only three small integers per example are kept (in compact arrays), never the records.
The figures follow the OpenAI cookbook notebook "Data preparation and analysis for chat
model fine-tuning"; unlike it, ``p5``/``p95`` are the true 5th and 95th percentiles (the
notebook prints its 10th and 90th under those labels).
"""

from __future__ import annotations

import array
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunelint.engine.batch import UNDECODED, decode_block
from tunelint.engine.discovery import expand_paths
from tunelint.engine.errors import UsageError
from tunelint.engine.formats import SYSTEM_ROLES
from tunelint.engine.pool import POOL_BYTES, Part, process_pool, split_work
from tunelint.engine.reader import Block, Line, LineProblem, decode_line, read_blocks
from tunelint.engine.settings import Settings
from tunelint.sources import RowGroups, Source, source_for
from tunelint.targets.views import chat_view
from tunelint.tokens.counting import ExampleCounter, token_count, token_measure
from tunelint.tokens.models import ModelInfo, model_for

if TYPE_CHECKING:
    from tunelint.engine.ray_executor import Cluster

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
    uncountable: int
    """Records with no message text to count (another layout, or empty messages): not
    counted either, so that no figure is a confident zero."""
    first_uncountable: str | None
    """``path:line`` of the first of them."""
    over_limit: int
    """Examples with more tokens than the model's context."""
    billing_tokens: int
    """Tokens trained per epoch; an example beyond the context limit is truncated to it."""

    @property
    def examples(self) -> int:
        return len(self.values["tokens_per_example"])

    @property
    def billed_tokens(self) -> int:
        return self.billing_tokens * self.epochs

    @property
    def usd(self) -> float | None:
        if self.model.price is None:
            return None
        return round(self.billed_tokens * self.model.price / 1_000_000, 4)

    def distribution(self, name: str) -> dict[str, float | int | None]:
        return distribution(self.values[name])

    def histogram(self, name: str, bins: int) -> list[tuple[int, int, int]]:
        return histogram(self.values[name], bins)

    def to_dict(self) -> dict[str, Any]:
        """The ``tunelint stats --format json`` object (DESIGN.md, Output and exit codes)."""
        return {
            "examples": self.examples,
            "distributions": {name: self.distribution(name) for name in DISTRIBUTIONS},
            "missing_system": self.missing_system,
            "missing_user": self.missing_user,
            "over_limit": self.over_limit,
            "uncounted": self.uncountable,
            "cost": {
                "billing_tokens": self.billing_tokens,
                "epochs": self.epochs,
                "billed_tokens": self.billed_tokens,
                "usd": self.usd,
            },
        }


def distribution(values: Sequence[int]) -> dict[str, float | int | None]:
    """min, max, mean, median and the true 5th/95th percentiles (numpy's linear method)."""
    if not values:
        return dict.fromkeys(("min", "max", "mean", "median", "p5", "p95"))
    ordered = sorted(values)
    return {
        "min": ordered[0],
        "max": ordered[-1],
        # An integer sum is exact, as numpy's float sum of integers below 2**53 is.
        "mean": sum(ordered) / len(ordered),
        "median": percentile(ordered, 50),
        "p5": percentile(ordered, 5),
        "p95": percentile(ordered, 95),
    }


def histogram(values: Sequence[int], bins: int) -> list[tuple[int, int, int]]:
    """``(low, high, count)`` over at most ``bins`` bins of equal integer width.

    ``low`` and ``high`` are both included; a narrow range gets one bin per value.
    """
    if not values:
        return []
    low, high = min(values), max(values)
    width = -(-(high - low + 1) // bins)
    counts = [0] * ((high - low) // width + 1)
    for value in values:
        counts[(value - low) // width] += 1
    return [
        (low + i * width, min(high, low + (i + 1) * width - 1), count)
        for i, count in enumerate(counts)
    ]


def percentile(ordered: Sequence[int], q: float) -> float:
    """``numpy.percentile(values, q)`` (the default, linear method) of sorted integers.

    The same arithmetic in the same order as numpy, so the same float to the last bit,
    without importing numpy for three numbers.
    """
    index = (len(ordered) - 1) * (q / 100)
    below = math.floor(index)
    fraction = index - below
    low, high = ordered[below], ordered[min(below + 1, len(ordered) - 1)]
    if fraction >= 0.5:
        return high - (high - low) * (1 - fraction)
    return low + (high - low) * fraction


def _messages(record: Mapping[str, Any]) -> list[Any] | None:
    """The record's conversation: ``messages``, or a preference pair's ``input.messages``."""
    messages = record.get("messages")
    prompt = record.get("input")
    if not isinstance(messages, list) and isinstance(prompt, dict):
        messages = prompt.get("messages")
    return messages if isinstance(messages, list) else None


def _roles(record: Mapping[str, Any]) -> set[str] | None:
    """Roles of the record's conversation; ``None`` when it has no message list.

    Only string roles: any other (a list, an object) is no role, and cannot be hashed.
    """
    messages = _messages(record)
    if messages is None:
        return None
    return {
        role
        for message in messages
        if isinstance(message, dict) and isinstance(role := message.get("role"), str)
    }


def _countable(record: Mapping[str, Any]) -> bool:
    """Whether a record has message text to count: a chat, reinforcement or preference
    record with a non-empty text or a call in some message."""
    for message in _messages(record) or ():
        if not isinstance(message, dict):
            continue
        content = message.get("content")
        if (isinstance(content, str) and content.strip()) or message.get("tool_calls"):
            return True
        if isinstance(content, list) and content:
            return True
        if message.get("function_call"):
            return True
    return False


@dataclass(slots=True)
class _Tally:
    """What a stretch of examples adds to the statistics."""

    values: dict[str, array.array[int]]
    missing_system: int = 0
    missing_user: int = 0
    skipped: int = 0
    uncountable: int = 0
    first_uncountable: tuple[str, int] | None = None
    """``(path, line)`` of the first record with nothing to count, the line counted from
    the start of the stretch (``_numbered`` counts it from the file's)."""
    bytes_read: int = 0
    lines: int = 0
    """Lines in the stretch."""

    @classmethod
    def empty(cls) -> _Tally:
        return cls({name: array.array("I") for name in DISTRIBUTIONS})

    def add(self, other: _Tally) -> None:
        for name, values in other.values.items():
            self.values[name].extend(values)
        self.missing_system += other.missing_system
        self.missing_user += other.missing_user
        self.skipped += other.skipped
        self.uncountable += other.uncountable
        self.first_uncountable = self.first_uncountable or other.first_uncountable
        self.bytes_read += other.bytes_read


def _tally(
    blocks: Iterable[Block],
    encoding: str,
    cookbook: bool,
    path: Path,
) -> Iterator[_Tally]:
    """Count the lines of ``blocks`` (of ``path``, or a stretch of it), with bpe-openai
    where it is installed (``counting.token_count``); yields the same growing tally after
    every block (for progress).

    A plain record (``engine.plain``), decoded typed with the rest of its block, is counted
    from its messages (``ExampleCounter.count_plain``); any other line as ``_count_line``
    does. ``tests/test_tokens_stats.py`` compares the two on a large sample.
    """
    counter = ExampleCounter(
        token_measure(encoding, fast=True), encoding, token_count(encoding, fast=True)
    )
    system_roles = {"system"} if cookbook else SYSTEM_ROLES
    tally = _Tally.empty()
    add_messages = tally.values["messages_per_example"].append
    add_tokens = tally.values["tokens_per_example"].append
    add_assistant_tokens = tally.values["assistant_tokens_per_example"].append
    for block in blocks:
        values, plain = decode_block(block.raws)
        if block.bom:
            values[0], plain[0] = UNDECODED, None  # the line reader strips the mark
        for offset, (raw, value, roles) in enumerate(zip(block.raws, values, plain, strict=True)):
            tally.bytes_read += len(raw) + 1
            if roles is not None:
                count = counter.count_plain(value.messages)
                add_messages(count.messages)
                add_tokens(count.tokens)
                add_assistant_tokens(count.assistant_tokens)
                # A plain record has no developer message: only "system" is a system role.
                tally.missing_system += "system" not in roles
                tally.missing_user += "user" not in roles
                continue
            number = block.first + offset
            if value is UNDECODED:
                line = decode_line(number, raw, block.bom and offset == 0)
            else:
                line = Line(number, raw, value)
            _count_line(line, counter, system_roles, tally, path)
        tally.lines = block.first + len(block.raws) - 1
        yield tally


def _count_line(
    line: Line,
    counter: ExampleCounter,
    system_roles: Set[str],
    tally: _Tally,
    path: Path,
) -> None:
    """Add a line that is not a plain record to ``tally``."""
    record = line.value
    if not isinstance(record, dict):
        tally.skipped += line.problem is not LineProblem.BLANK
        return
    record = chat_view(record) or record  # another dialect: counted as its messages
    if not _countable(record):
        tally.uncountable += 1
        tally.first_uncountable = tally.first_uncountable or (str(path), line.number)
        return
    count = counter.count(record)
    tally.values["messages_per_example"].append(count.messages)
    tally.values["tokens_per_example"].append(count.tokens)
    tally.values["assistant_tokens_per_example"].append(count.assistant_tokens)
    roles = _roles(record)
    if roles is not None:
        tally.missing_system += roles.isdisjoint(system_roles)
        tally.missing_user += "user" not in roles


def _tally_part(path: Path, part: Part, encoding: str, cookbook: bool) -> _Tally:
    """The tally of one part of ``path`` (``pool.split_work``)."""
    start, end, groups = part
    tally = _Tally.empty()
    blocks = read_blocks(path if groups is None else RowGroups(path, groups), start, end)
    for tally in _tally(blocks, encoding, cookbook, path):  # noqa: B007
        pass
    return tally


def _ray_part(shared: tuple[str, bool], part: tuple[Path, Part]) -> _Tally:
    return _tally_part(*part, *shared)


def _numbered(tallies: Iterable[tuple[Path, _Tally]]) -> Iterator[_Tally]:
    """The tallies of consecutive parts of files, in file order, each first uncountable
    record's line counted from the start of its file instead of its part's."""
    lines_before: dict[Path, int] = {}
    for path, tally in tallies:
        before = lines_before.get(path, 0)
        if tally.first_uncountable is not None:
            where, line = tally.first_uncountable
            tally.first_uncountable = where, before + line
        lines_before[path] = before + tally.lines
        yield tally


def _ray_tallies(
    sources: list[Source], encoding: str, cookbook: bool, cluster: Cluster
) -> Iterator[_Tally]:
    """Tallies of the files' byte ranges as Ray tasks, in file order."""
    from tunelint.engine.ray_executor import RANGES_PER_CPU, cluster_cpus, connect, ordered_map

    ray = connect(cluster.address, cluster.cpus)
    pieces = cluster_cpus(ray) * RANGES_PER_CPU
    parts = [(source.path, part) for source in sources for part in split_work(source, pieces)]
    tallies = ordered_map(ray, _ray_part, (encoding, cookbook), parts)
    yield from _numbered(zip([path for path, _ in parts], tallies, strict=True))


def _tallies(
    files: list[Path],
    encoding: str,
    cookbook: bool,
    jobs: int,
    progress: Progress | None,
    cluster: Cluster | None = None,
) -> Iterator[_Tally]:
    """Tallies of the files' parts, in file order; several processes for large data (URLs
    included), or Ray tasks on ``cluster`` (for local files: standard input and URLs are
    read here).
    """
    sources = [source_for(path) for path in files]
    total = sum(source.size() for source in sources)
    if cluster is not None and all(source.local for source in sources):
        yield from _ray_tallies(sources, encoding, cookbook, cluster)
        return
    # Standard input is read by this process alone.
    if jobs <= 1 or total < POOL_BYTES or not all(source.forkable for source in sources):
        done = 0
        for path in files:
            tally = _Tally.empty()
            for tally in _tally(read_blocks(path), encoding, cookbook, path):
                if progress is not None:
                    progress(done + tally.bytes_read, total)
            done += tally.bytes_read
            yield tally
        return
    token_measure(encoding, fast=True)  # load the vocabulary once: forked workers inherit it
    with process_pool(jobs, _no_setup, ()) as pool:
        pending = [
            (source.path, pool.submit(_tally_part, source.path, part, encoding, cookbook))
            for source in sources
            for part in split_work(source, jobs)
        ]
        done = 0
        for tally in _numbered((path, work.result()) for path, work in pending):
            done += tally.bytes_read
            if progress is not None:
                progress(done, total)
            yield tally


def _no_setup() -> None:
    """Workers need nothing but their arguments."""


def compute_stats(
    paths: Iterable[Path],
    settings: Settings,
    model: str | None = None,
    epochs: int | None = None,
    progress: Progress | None = None,
    jobs: int = 1,
    cluster: Cluster | None = None,
) -> DatasetStats:
    """Statistics over every example of ``paths`` (files or folders) taken as one dataset.

    ``model`` overrides the configured model; ``epochs`` the default-epochs heuristic.
    Large data is counted by ``jobs`` processes, each over byte ranges of the files, or by
    Ray tasks on ``cluster``.
    Raises ``ConfigError`` for an unknown model, ``UsageError`` for a missing path or a
    non-positive ``epochs``, ``OSError`` when a file cannot be read.
    """
    if epochs is not None and epochs < 1:
        raise UsageError(f"--epochs must be at least 1, not {epochs}")
    info = model_for(settings, model)
    files = expand_paths(paths, settings)
    cookbook = settings.profile.cookbook_semantics
    total = _Tally.empty()
    for tally in _tallies(files, info.encoding, cookbook, jobs, progress, cluster):
        total.add(tally)
    tokens = total.values["tokens_per_example"]
    first = total.first_uncountable
    return DatasetStats(
        model=info,
        files=len(files),
        values=total.values,
        missing_system=total.missing_system,
        missing_user=total.missing_user,
        epochs=epochs if epochs is not None else default_epochs(len(tokens)),
        epochs_given=epochs is not None,
        skipped=total.skipped,
        uncountable=total.uncountable,
        first_uncountable=None if first is None else f"{first[0]}:{first[1]}",
        # Summed once here: the report and the estimate read them several times.
        over_limit=sum(1 for count in tokens if count > info.context),
        billing_tokens=sum(min(count, info.context) for count in tokens),
    )
