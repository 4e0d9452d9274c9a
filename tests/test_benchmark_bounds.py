"""The lower bounds of ``benchmarks/targets.py`` measure what they claim to.

``benchmarks/primitives.py`` reaches into the engine (its typed shapes, its walk, the
duplicate rules' folding); a renamed or changed piece must break this test, not quietly
turn the bound into a measure of something cheaper.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator
from types import ModuleType

import pytest

from tunelint.engine.formats import Format
from tunelint.engine.plain import PlainRecord
from tunelint.engine.typed import TypedRecord, _Chat, _Pair, _walk

from conftest import REPO, WriteJsonl, run_python

BENCHMARKS = REPO / "benchmarks"
PLAIN = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hey"}]}


@pytest.fixture
def benchmark_modules() -> Iterator[tuple[ModuleType, ModuleType]]:
    """``benchmarks/primitives.py`` and ``benchmarks/targets.py``, imported."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import primitives
        import targets

        yield primitives, targets
    finally:
        sys.path.remove(str(BENCHMARKS))


def test_benchmark_records_take_their_typed_route_through_a_whole_walk(
    benchmark_modules: tuple[ModuleType, ModuleType], write_jsonl: WriteJsonl
) -> None:
    primitives, targets = benchmark_modules
    rng = random.Random(1)
    chat = write_jsonl([targets.tool_example(rng, 0)], "tools.jsonl").read_bytes()
    pair = write_jsonl([targets.preference_example(rng, 0)], "pairs.jsonl").read_bytes()
    plain = write_jsonl([PLAIN], "plain.jsonl").read_bytes()
    for walk in (False, True):
        assert type(primitives._decode(chat, walk)) is _Chat
        assert type(primitives._decode(pair, walk)) is _Pair
        assert type(primitives._decode(plain, walk)) is PlainRecord
    # The walk accepts both: the bound pays for a whole walk, not for an early refusal.
    decoded_chat = primitives._decode(chat, False)
    decoded_pair = primitives._decode(pair, False)
    walked_chat = _walk(Format.CHAT, [decoded_chat.messages], decoded_chat.tools)
    prompt = decoded_pair.input
    conversations = [prompt.messages, decoded_pair.preferred_output]
    walked_pair = _walk(
        Format.PREFERENCE, [*conversations, decoded_pair.non_preferred_output], prompt.tools
    )
    assert isinstance(walked_chat, TypedRecord) and walked_chat.calls
    assert isinstance(walked_pair, TypedRecord)


@pytest.mark.parametrize("options", [(), ("--walk",)])
def test_primitives_runs_over_a_file_of_every_kind(
    benchmark_modules: tuple[ModuleType, ModuleType],
    write_jsonl: WriteJsonl,
    options: tuple[str, ...],
) -> None:
    _, targets = benchmark_modules
    rng = random.Random(2)
    other = {"prompt": "not a chat", "completion": "decoded all the same"}
    path = write_jsonl(
        [PLAIN, targets.tool_example(rng, 1), targets.preference_example(rng, 1), other]
    )
    result = run_python(BENCHMARKS / "primitives.py", *options, path)
    assert result.returncode == 0, result.stderr
