"""Write converted records as JSONL without ever leaving a half-written output behind.

Each output is written to a temporary file in its own folder and moved into place with
``os.replace`` only when every record has been written (``engine.atomic``); an error on the
way removes it.

``--split NAME=FRACTION`` is decided by a hash of each example's bytes keyed with the seed:
the examples with the smallest hashes (the fraction of them, at least one, never all) go to
NAME. This streams (only the 8-byte hashes are kept, the examples wait in an unnamed
temporary file), is reproducible for a given seed, and puts identical examples on the same
side, so no example is in both files (copies tied at the cut all go to NAME).
"""

from __future__ import annotations

import heapq
import re
import sys
import tempfile
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from hashlib import blake2b
from pathlib import Path

from tunelint.engine.atomic import atomic_write
from tunelint.engine.errors import UsageError

_SPLIT_NAME = re.compile(r"[A-Za-z0-9_-]+")
_BUFFER = 1 << 20
STDOUT = "-"


@dataclass(frozen=True, slots=True)
class Split:
    name: str
    fraction: float
    seed: int = 0

    @classmethod
    def from_arguments(cls, text: str | None, seed: int | None) -> Split | None:
        """The split ``--split TEXT --seed SEED`` ask for, if any."""
        if text is None:
            if seed is not None:
                raise UsageError("--seed applies to --split only")
            return None
        return cls.parse(text, seed or 0)

    @classmethod
    def parse(cls, text: str, seed: int) -> Split:
        """``validation=0.1`` -> ``Split("validation", 0.1, seed)``."""
        name, _, fraction = text.partition("=")
        try:
            value = float(fraction)
        except ValueError:
            value = -1.0
        if not _SPLIT_NAME.fullmatch(name) or name == "train" or not 0 < value < 1:
            raise UsageError(
                f"--split {text!r}: expected NAME=FRACTION (NAME a word other than 'train', "
                "0 < FRACTION < 1), e.g. validation=0.1"
            )
        return cls(name, value, seed)

    def paths(self, output: Path) -> tuple[Path, Path]:
        """``out.jsonl`` -> ``out.train.jsonl``, ``out.validation.jsonl``."""
        return (
            output.with_name(f"{output.stem}.train{output.suffix}"),
            output.with_name(f"{output.stem}.{self.name}{output.suffix}"),
        )


def write(lines: Iterable[bytes], output: Path) -> int:
    """Write JSONL lines (without their newline) to ``output`` (``-``: stdout); return how
    many."""
    count = 0
    if str(output) == STDOUT:
        for line in lines:
            sys.stdout.buffer.write(line + b"\n")
            count += 1
        sys.stdout.buffer.flush()
        return count
    with atomic_write(output, buffering=_BUFFER) as stream:
        for line in lines:
            stream.write(line + b"\n")
            count += 1
    return count


def write_split(lines: Iterable[bytes], output: Path, split: Split) -> tuple[int, int]:
    """Write the train and the held-out file of ``split``; return their sizes."""
    hashes = array("Q")
    key = blake2b(str(split.seed).encode(), digest_size=32).digest()  # any int fits a key
    with tempfile.TemporaryFile(dir=output.parent) as staged:
        for line in lines:
            staged.write(line + b"\n")
            hashes.append(int.from_bytes(blake2b(line, digest_size=8, key=key).digest(), "big"))
        held_out = _held_out_count(len(hashes), split.fraction)
        cut = heapq.nsmallest(held_out, hashes)[-1] if held_out else -1
        if cut >= max(hashes, default=0):
            cut = -1  # every example is a copy of the held-out ones: keep them for training
        staged.seek(0)
        train_path, other_path = split.paths(output)
        sizes = [0, 0]
        with (
            atomic_write(train_path, buffering=_BUFFER) as train,
            atomic_write(other_path, buffering=_BUFFER) as other,
        ):
            for line, digest in zip(staged, hashes, strict=True):
                side = digest <= cut
                (other if side else train).write(line)
                sizes[side] += 1
    return sizes[0], sizes[1]


def _held_out_count(total: int, fraction: float) -> int:
    """The fraction of ``total``, rounded, but at least one and never all of them."""
    if total < 2:
        return 0
    return min(max(round(total * fraction), 1), total - 1)
