"""Cut a sequence of work (units, row groups) into consecutive parts of about equal bytes."""

from __future__ import annotations

import itertools
from collections.abc import Sequence


def part_of_each(sizes: Sequence[int], parts: int) -> list[int]:
    """The part (0-based, of ``parts``) of each item of these ``sizes``: the one its middle
    byte falls in. An item of unknown size (0) counts as one byte."""
    weights = [max(size, 1) for size in sizes]
    total = sum(weights)
    assigned, before = [], 0
    for weight in weights:
        assigned.append(min((2 * before + weight) * parts // (2 * total), parts - 1))
        before += weight
    return assigned


def runs(sizes: Sequence[int], parts: int) -> list[range]:
    """At most ``parts`` runs of consecutive items of about equal bytes, in order."""
    found, start = [], 0
    for _, members in itertools.groupby(part_of_each(sizes, parts)):
        count = len(list(members))
        found.append(range(start, start + count))
        start += count
    return found
