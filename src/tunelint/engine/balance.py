"""Share work (units, row groups) out into parts of about equal bytes."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Sequence


def runs(sizes: Sequence[int], parts: int) -> list[range]:
    """At most ``parts`` runs of consecutive items (of these ``sizes``) of about equal
    bytes, in order: an item goes to the part its middle byte falls in."""
    total = sum(sizes) or 1
    before, found_in = 0, []
    for size in sizes:
        found_in.append(min((2 * before + size) * parts // (2 * total), parts - 1))
        before += size
    found, start = [], 0
    for _, members in itertools.groupby(found_in):
        count = len(list(members))
        found.append(range(start, start + count))
        start += count
    return found


def spread(sizes: Sequence[int], parts: int) -> list[int]:
    """The part (0-based) of each item: the largest first, each to the part with the
    fewest bytes so far (the first of equals), so no part is left empty while another has
    two items. An item of unknown size (0) counts as one byte."""
    loads = [(0, part) for part in range(parts)]
    assigned = [0] * len(sizes)
    for item in sorted(range(len(sizes)), key=lambda item: -sizes[item]):
        load, part = heapq.heappop(loads)
        assigned[item] = part
        heapq.heappush(loads, (load + max(sizes[item], 1), part))
    return assigned
