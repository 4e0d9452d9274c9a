"""Compact fingerprints of examples for the dataset-wide rules (duplicates, overlap, leakage).

File-scope rules must not hold records, so they keep a few bytes per example: a 64-bit hash
of the canonical JSON for exact comparisons, and a 64-value MinHash signature of 16-bit
values (128 bytes) for near-duplicate search. numpy is imported only where a signature is
computed or a large file is sorted, so small runs stay light.
"""

from __future__ import annotations

import bisect
import functools
import unicodedata
from array import array
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from tunelint.rules.authoring import (
    RecordContext,
    RecordRun,
    Violation,
    canonical_json,
    xxh3_64,
)
from tunelint.rules.walk import SYSTEM_ROLES, PerRecord, messages, texts

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Signatures = npt.NDArray[np.uint16]

SIGNATURE = 64
"""MinHash values per example; the similarity estimate's standard error is about 0.05."""
SHINGLE = 5
"""Characters per shingle, so scripts without spaces between words compare as well."""
_BATCH = 512
_NUMPY_FROM = 250_000
"""Below this many keys a dict finds repeats faster than importing numpy and sorting
(0.06 s against 0.2 s for 100,000 keys; 0.8 s against 0.4 s for a million)."""


def digest(value: Any) -> int:
    """A 64-bit hash (XXH3) of a JSON value in canonical form (sorted keys, compact)."""
    return xxh3_64(canonical_json(value))


_record_digests = PerRecord(lambda ctx: (digest(ctx.record),))


def record_digest(ctx: RecordContext) -> int:
    """``digest(ctx.record)``, computed once per record for the rules that each keep it."""
    return _record_digests(ctx)[0]


def repeats(keys: Sequence[int]) -> Iterator[tuple[int, int]]:
    """``(index, first)`` for every key equal to an earlier one, ``first`` its first index."""
    if len(keys) < _NUMPY_FROM:
        seen: dict[int, int] = {}
        for index, key in enumerate(keys):
            first = seen.setdefault(key, index)
            if first != index:
                yield index, first
        return
    import numpy as np

    values = np.asarray(keys, dtype=np.uint64)
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    firsts = np.repeat(order[starts], np.diff(np.r_[starts, len(order)]))
    again = np.flatnonzero(order != firsts)
    yield from zip(order[again].tolist(), firsts[again].tolist(), strict=True)


def conversation_text(ctx: RecordContext) -> str:
    """What an example says, for similarity: every text but system prompts, and tool calls.

    A system prompt shared by a whole dataset would otherwise make every pair look alike.
    """
    parts = [text.text for text in texts(ctx) if text.role not in SYSTEM_ROLES]
    for _, message in messages(ctx):
        calls = message.get("tool_calls")
        for call in calls if isinstance(calls, list) else ():
            function = call.get("function") if isinstance(call, dict) else None
            if isinstance(function, dict):
                parts.extend(str(function.get(key, "")) for key in ("name", "arguments"))
    return "\n".join(parts)


@functools.cache
def _separator_codes() -> list[int]:
    """Punctuation, symbols, spaces and controls of the Basic Multilingual Plane, and ``_``."""
    return [
        code
        for code in range(0x10000)
        if unicodedata.category(chr(code))[0] in "PSZC" or code == ord("_")
    ]


@functools.cache
def _separators() -> dict[int, str]:
    """``_separator_codes()`` as spaces, for ``str.translate``."""
    return dict.fromkeys(_separator_codes(), " ")


def normalise(text: str) -> str:
    """Case-folded words separated by single spaces: punctuation and spacing do not count."""
    return " ".join(text.casefold().translate(_separators()).split())


@functools.cache
def _separator_table() -> npt.NDArray[np.bool_]:
    """Whether each code point of the Basic Multilingual Plane is a separator
    (``_separator_codes``), for ``normalise_all``."""
    import numpy as np

    table = np.zeros(0x10000, dtype=bool)
    table[_separator_codes()] = True
    return table


def normalise_all(texts: Sequence[str]) -> list[str]:
    """``normalise`` of each of ``texts``, for all at once.

    ``str.translate`` looks a character up in a dict, then in a Python call per character
    beyond ASCII (a third of DS004's time); here the texts are joined, one code point per
    array cell, and every character is classified at once. A word is a run of other
    characters; a run of separators between two words of one text becomes one space.
    """
    import numpy as np

    if not texts:
        return []
    folded = list(map(str.casefold, texts))
    # The texts' ends are marked by a line feed, a separator that stays in the output.
    joined = "\n".join(folded).encode("utf-32-le", "surrogatepass")
    codes = np.frombuffer(joined, dtype="<u4")
    word = (codes > 0xFFFF) | ~_separator_table()[np.minimum(codes, 0xFFFF)]
    ends = np.cumsum(np.fromiter(map(len, folded), dtype=np.intp, count=len(folded)) + 1) - 1
    # The first separator after a word, unless it ends the text, or only separators
    # follow it up to the text's end.
    gaps = np.flatnonzero(~word[1:] & word[:-1]) + 1
    words_at = np.flatnonzero(word)
    next_word = np.append(words_at, len(codes))[np.searchsorted(words_at, gaps)]
    spaces = gaps[next_word < ends[np.searchsorted(ends, gaps)]]
    kept = word.copy()
    kept[spaces] = True
    kept[ends[:-1]] = True
    written = codes.copy()
    written[spaces] = ord(" ")
    words: bytes = written[kept].tobytes()
    return words.decode("utf-32-le").split("\n")


class Positions:
    """Line and example number of each remembered example, as runs.

    A run is examples remembered one after another on consecutive lines, numbered
    consecutively: all of a file's examples without blank or broken lines between them,
    as the rules that remember every example see them. A run costs 12 bytes however long,
    so such a file costs nothing per example (one number each made 8 bytes apiece).
    """

    def __init__(self) -> None:
        self._starts = array("I")
        """Index of each run's first example, in order."""
        self._lines = array("I")
        """Line of each run's first example."""
        self._examples = array("I")
        """Example number of each run's first example."""
        self._count = 0

    def add(self, ctx: RecordContext) -> None:
        self.add_at(ctx.line, ctx.example)

    def add_at(self, line: int, example: int) -> None:
        self._extend(line, example, 1)

    def add_batch(self, batch: RecordRun) -> None:
        if len(batch):
            self._extend(batch.lines[0], batch.examples[0], len(batch))

    def _extend(self, line: int, example: int, count: int) -> None:
        """Remember ``count`` examples on consecutive lines from ``line`` and ``example``."""
        if self._starts:
            into = self._count - self._starts[-1]
            if line != self._lines[-1] + into or example != self._examples[-1] + into:
                self._run(self._count, line, example)
        else:
            self._run(0, line, example)
        self._count += count

    def _run(self, start: int, line: int, example: int) -> None:
        self._starts.append(start)
        self._lines.append(line)
        self._examples.append(example)

    def __len__(self) -> int:
        return self._count

    def absorb(self, other: Positions, lines_before: int, examples_before: int) -> None:
        """Append a later byte range's positions, renumbered to the whole file."""
        for start, line, example in zip(other._starts, other._lines, other._examples, strict=True):
            self._run(self._count + start, line + lines_before, example + examples_before)
        self._count += other._count

    def line(self, index: int) -> int:
        """The line of the remembered example ``index``."""
        return self._position(index)[0]

    def violation(self, index: int, message: str) -> Violation:
        """A finding on the remembered example ``index``, reported after the fact."""
        line, example = self._position(index)
        return Violation(message, line=line, example=example)

    def _position(self, index: int) -> tuple[int, int]:
        run = bisect.bisect_right(self._starts, index) - 1
        into = index - self._starts[run]
        return self._lines[run] + into, self._examples[run] + into


class Rows:
    """A 2-D numpy array that grows by whole rows, amortised, for streaming state."""

    def __init__(self, dtype: Any, width: int) -> None:
        import numpy as np

        self._data = np.empty((1024, width), dtype=dtype)
        self._size = 0

    def extend(self, rows: Any) -> None:
        end = self._size + len(rows)
        if end > len(self._data):
            # A quarter more each time, not double: near-duplicates' signatures are most of
            # a merge's memory, and doubling could leave half of them allocated unused.
            capacity = max(end, len(self._data) + len(self._data) // 4)
            self._data.resize((capacity, self._data.shape[1]), refcheck=False)
        self._data[self._size : end] = rows
        self._size = end

    def __len__(self) -> int:
        return self._size

    @property
    def values(self) -> Any:
        return self._data[: self._size]


class MinHasher:
    """Streams texts into MinHash signatures, computed in batches with numpy.

    One-permutation MinHash: texts are normalised and cut into overlapping 5-character
    shingles, each hashed once to 64 bits; the top 6 bits pick one of 64 bins and each bin
    keeps the smallest value of the other bits. A bin no shingle fell into borrows from
    the next filled bin, shifted by the distance (rotation densification). Two texts then
    agree on a bin with a probability equal to the Jaccard similarity of their shingle
    sets, at the cost of one hash per shingle rather than 64. Empty texts are skipped:
    ``add`` returns whether the text was kept.
    """

    def __init__(self) -> None:
        import numpy as np

        self._pending: list[str] = []
        self.signatures = Rows(np.uint16, SIGNATURE)

    def add(self, text: str) -> bool:
        return self.add_normalised(normalise(text))

    def add_normalised(self, words: str) -> bool:
        """``add`` for a text already normalised (``normalise``)."""
        if not words:
            return False
        self._pending.append(words.ljust(SHINGLE))
        if len(self._pending) >= _BATCH:
            self.flush()
        return True

    def flush(self) -> None:
        if self._pending:
            self.signatures.extend(self._sign(self._pending))
            self._pending = []

    @staticmethod
    def _sign(batch: list[str]) -> Signatures:
        import numpy as np

        codes = np.frombuffer("".join(batch).encode("utf-32-le"), dtype=np.uint32)
        codes = codes.astype(np.uint64)
        windows = len(codes) - SHINGLE + 1
        hashes = codes[:windows].copy()  # in place from here: no array per step
        for offset in range(1, SHINGLE):
            hashes *= np.uint64(0x100000001B3)
            hashes += codes[offset : offset + windows]
        for shift, multiplier in ((29, 0xBF58476D1CE4E5B9), (32, 0x94D049BB133111EB)):
            hashes ^= hashes >> np.uint64(shift)
            hashes *= np.uint64(multiplier)
        hashes ^= hashes >> np.uint64(31)
        # Keep the windows that lie inside one text; each text has at least one.
        lengths = np.fromiter(map(len, batch), dtype=np.int64, count=len(batch))
        counts = lengths - SHINGLE + 1
        firsts = np.cumsum(counts) - counts
        starts = np.cumsum(lengths) - lengths
        inside = np.repeat(starts - firsts, counts) + np.arange(counts.sum())
        hashes = hashes[inside]
        rows = len(batch)
        bins = np.repeat(np.arange(rows) * SIGNATURE, counts)
        bins += (hashes >> np.uint64(58)).astype(np.intp)
        smallest = np.full(rows * SIGNATURE, 0xFFFFFFFF, dtype=np.uint32)
        np.minimum.at(smallest, bins, (hashes & np.uint64(0xFFFFFFFF)).astype(np.uint32))
        filled = np.zeros(rows * SIGNATURE, dtype=bool)
        filled[bins] = True
        # Densify: the next filled bin to the right, wrapping around, and its distance.
        columns = np.arange(SIGNATURE)
        where = np.where(filled.reshape(rows, SIGNATURE), columns, 3 * SIGNATURE)
        twice = np.concatenate([where, where + SIGNATURE], axis=1)
        nearest = np.minimum.accumulate(twice[:, ::-1], axis=1)[:, ::-1][:, :SIGNATURE]
        borrowed = smallest.reshape(rows, SIGNATURE)[np.arange(rows)[:, None], nearest % SIGNATURE]
        borrowed += (nearest - columns).astype(np.uint32) * np.uint32(0x9E3779B1)
        signatures: Signatures = (borrowed & np.uint32(0xFFFF)).astype(np.uint16)
        return signatures


def similar_pairs(signatures: Signatures, threshold: float) -> Iterator[tuple[int, int, float]]:
    """``(later, earlier, similarity)`` for the signature rows whose estimated Jaccard
    similarity reaches ``threshold``.

    LSH banding proposes candidates: rows equal on one band of values. Bands are 4 values
    high (16 bands: a pair at 0.7 is proposed 99 times in 100), 2 below a threshold of 0.7
    and 1 below 0.4. Each row is paired with the first and the previous row of its bucket,
    and every candidate is verified on the full signature, so banding never decides a
    finding by itself.
    """
    import numpy as np

    count = len(signatures)
    if count < 2:
        return
    band = np.uint64 if threshold >= 0.7 else np.uint32 if threshold >= 0.4 else np.uint16
    bands = np.ascontiguousarray(signatures).view(band)
    candidates = []
    for band in bands.T:
        order = np.argsort(band, kind="stable")
        ordered = band[order]
        same = np.flatnonzero(ordered[1:] == ordered[:-1]) + 1
        if not len(same):
            continue
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        group_first = order[starts[np.searchsorted(starts, same, side="right") - 1]]
        candidates.append(np.stack([order[same], order[same - 1]], axis=1))
        candidates.append(np.stack([order[same], group_first], axis=1))
    if not candidates:
        return
    ordered_pairs = np.sort(np.concatenate(candidates), axis=1).astype(np.int64)
    # Each pair as one number, later * count + earlier: a 1-D unique sorts several times
    # faster than rows do, in the same order (by the later row, then the earlier).
    keys = np.unique(ordered_pairs[:, 1] * count + ordered_pairs[:, 0])
    pairs = np.stack([keys // count, keys % count], axis=1)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    for chunk in range(0, len(pairs), 65536):
        later, earlier = pairs[chunk : chunk + 65536].T
        similarity = (signatures[later] == signatures[earlier]).mean(axis=1)
        keep = similarity >= threshold
        yield from zip(
            later[keep].tolist(), earlier[keep].tolist(), similarity[keep].tolist(), strict=True
        )
