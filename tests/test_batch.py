"""The batch path's pieces do what their line-by-line counterparts do, on real bytes.

Plain records are recognised by a typed decoder instead of by inspecting decoded objects,
blocks of lines replace a line iterator, CT001 searches whole runs of records before it
looks at one, and a merged file's positions keep their ranges' numbering: each is checked
here against the straightforward version it replaces.
"""

from __future__ import annotations

import json
import random
import typing
from pathlib import Path
from typing import Any

import msgspec
import orjson
import pytest
from test_plain import PLAIN, decoded_without_the_fast_path, plain_roles

from tunelint.engine import runner
from tunelint.engine.batch import canonical_json
from tunelint.engine.config import ConfigFile, resolve_settings
from tunelint.engine.context import RecordContext
from tunelint.engine.formats import Format
from tunelint.engine.plain import PLAIN_ROLES, PlainMessage, decode_plain
from tunelint.engine.reader import pick_lines, read_blocks, read_lines
from tunelint.engine.settings import Settings
from tunelint.rules.content import repeated_unit, repetition_candidates
from tunelint.rules.similarity import Positions, normalise, normalise_all

from conftest import WriteJsonl

Record = dict[str, Any]


def is_plain(value: Any) -> bool:
    """The definition of a plain record, written out on a decoded value."""
    if type(value) is not dict or value.keys() != {"messages"}:
        return False
    messages = value["messages"]
    if type(messages) is not list or not messages:
        return False
    for message in messages:
        if type(message) is not dict or not {"role", "content"} <= message.keys():
            return False
        if not message.keys() <= {"role", "content", "name"}:
            return False
        if "name" in message and type(message["name"]) is not str:
            return False
        if type(message["role"]) is not str or message["role"] not in PLAIN_ROLES:
            return False
        if type(message["content"]) is not str or not message["content"].strip():
            return False
    return any(message["role"] == "assistant" for message in messages)


def test_the_typed_message_accepts_exactly_the_plain_roles() -> None:
    role = next(field for field in msgspec.structs.fields(PlainMessage) if field.name == "role")
    assert set(typing.get_args(role.type)) == PLAIN_ROLES


def writings(record: Record) -> list[bytes]:
    """The record as several writers would write it: key orders, spacing, escapes."""
    reordered = {
        key: [dict(reversed(message.items())) for message in value] for key, value in record.items()
    }
    return [
        json.dumps(record).encode(),
        json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode(),
        json.dumps(reordered, indent=None, separators=(" , ", " : ")).encode(),
        orjson.dumps(record),
    ]


def test_a_plain_record_encodes_as_the_object_it_was_decoded_from() -> None:
    for record in PLAIN:
        for raw in writings(record):
            assert canonical_json(decode_plain(raw)) == canonical_json(orjson.loads(raw)), raw


def mutations(raw: bytes, rng: random.Random) -> list[bytes]:
    """``raw`` with one byte deleted, doubled or replaced, at every position."""
    alphabet = b' "{}[]:,\\\x00\x1f\x7f\xc3\xa9\xed\xa0nlu0'
    found = []
    for at in range(len(raw)):
        found.append(raw[:at] + raw[at + 1 :])
        found.append(raw[:at] + raw[at : at + 1] * 2 + raw[at + 1 :])
        found.append(raw[:at] + bytes([rng.choice(alphabet)]) + raw[at + 1 :])
    return found


def test_the_typed_decoder_takes_exactly_the_plain_lines() -> None:
    """Whatever the bytes, a line is taken for a plain record exactly when orjson decodes it
    to one, and then to the same record."""
    rng = random.Random(5)
    seeds = [
        *(raw for record in PLAIN[::7] for raw in writings(record)),
        b'{"messages": [{"role": "assistant", "content": "caf\\u00e9 \\ud83d\\ude00", "name": "a"}]}',
        b'{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": " "}]}',
    ]
    tried = 0
    for seed in seeds:
        for raw in [seed, *mutations(seed, rng)]:
            tried += 1
            try:
                value = orjson.loads(raw)
            except orjson.JSONDecodeError:
                assert plain_roles(raw) is None, raw
                continue
            roles = plain_roles(raw)
            assert (roles is not None) == is_plain(value), raw
            if roles is not None:
                assert roles == tuple(message["role"] for message in value["messages"])
                assert canonical_json(decode_plain(raw)) == canonical_json(value)
    assert tried > 5000


def with_repeat(rng: random.Random, words: list[str], minimum: int) -> str:
    unit_length = rng.choice([2, 3, 4, 5, 6, 7, 11, 23, 50, 99, 100])
    unit = "".join(rng.choice("ab 가나!x\u00e9") for _ in range(unit_length))
    copies = rng.choice([minimum - 1, minimum, minimum + 3])
    before = " ".join(rng.choices(words, k=rng.randint(0, 30)))
    after = " ".join(rng.choices(words, k=rng.randint(0, 30)))
    return before + unit * copies + after


def test_repetition_candidates_include_every_text_with_a_repeat() -> None:
    """The prefilter of CT001's batch form never leaves out a text ``repeated_unit`` reports."""
    rng = random.Random(11)
    words = [
        "the",
        "a",
        "flight",
        "hotel",
        "booking",
        "안녕하세요",
        "항공권",
        "예약",
        "😀",
        "ha",
        "ha",
        "ha",
    ]
    for minimum in (2, 3, 4, 10, 12):
        texts = [
            with_repeat(rng, words, minimum)
            if rng.random() < 0.3
            else " ".join(rng.choices(words, k=rng.randint(1, 80)))
            for _ in range(600)
        ]
        reported = {i for i, text in enumerate(texts) if repeated_unit(text, minimum) is not None}
        assert len(reported) > 50
        assert reported <= repetition_candidates(texts, minimum)
    assert repetition_candidates(["ab" * 5], 2) == {0}  # too few copies to prefilter at all


def test_texts_normalised_together_are_each_normalised_alone() -> None:
    """DS004's batch form normalises a run's texts at once: the same words as one by one,
    whatever the characters (case folding that lengthens, marks, spaces of every kind,
    controls, lone surrogates, characters beyond the Basic Multilingual Plane)."""
    rng = random.Random(3)
    alphabet = [
        *"ab Z,.!_-\n\t\r\u00a0\u3000\u200b\u2028\x00\x1c\x85",
        *"가나é\u0301ßİΣςﬁ\U0001f600\U0001d400\ud800\udfff\uffff",
        *(chr(rng.randrange(0x110000)) for _ in range(300)),
    ]
    for _ in range(3000):
        texts = [
            "".join(rng.choices(alphabet, k=rng.randint(0, 30))) for _ in range(rng.randint(1, 12))
        ]
        assert normalise_all(texts) == [normalise(text) for text in texts], texts
    assert normalise_all([]) == []


def test_a_long_run_of_one_character_is_searched_in_linear_time() -> None:
    """Runs of one character (``ㅋㅋㅋ``, ``=====``) are ruled out once per phrase length,
    not again at every probe: a quadratic search would take minutes here."""
    assert repeated_unit("ㅋ" * 200_000, 10) is None
    assert repeated_unit("=" * 100_000 + "ab" * 10, 10) == ("ab", 10)


@pytest.mark.parametrize("ending", [b"\n", b""])
def test_blocks_hold_the_lines_a_line_iterator_gives(tmp_path: Path, ending: bytes) -> None:
    path = tmp_path / "data.jsonl"
    lines = [b"x" * length for length in (0, 1, 70_000, 5, 200_000, 0, 3)]
    path.write_bytes(b"\n".join(lines) + ending)
    blocks = list(read_blocks(path))
    numbered = [(block.first + i, raw) for block in blocks for i, raw in enumerate(block.raws)]
    assert numbered == list(enumerate(lines, start=1))
    data = path.read_bytes()
    for block in blocks:
        assert data[block.offset :].startswith(b"\n".join(block.raws))
        assert block.offset == 0 or data[block.offset - 1 : block.offset] == b"\n"
    assert [line.raw for line in read_lines(path)] == lines
    start = len(lines[0]) + len(lines[1]) + 2
    end = start + len(lines[2]) + len(lines[3]) + 2
    assert [raw for block in read_blocks(path, start, end) for raw in block.raws] == lines[2:4]
    assert pick_lines(path, [7, 3, 5, 99]) == {3: lines[2], 5: lines[4], 7: lines[6]}
    assert pick_lines(path, [2], start) == {2: lines[3]}


def test_positions_absorbed_in_ranges_read_as_if_numbered_once() -> None:
    settings = Settings()

    def context(line: int, example: int) -> RecordContext:
        return RecordContext({}, b"", line, example, Format.CHAT, settings)

    whole, merged = Positions(), Positions()
    # Runs of consecutive lines, broken by a blank line (3, 2), a broken one (5, 4) and a
    # line whose example does not follow (6, 7: examples counted elsewhere).
    ranges = [[(1, 1), (3, 2)], [], [(1, 1), (2, 2), (3, 3), (5, 4), (6, 7)], [(2, 1)]]
    expected: list[tuple[int, int]] = []
    lines_before = examples_before = 0
    for part in ranges:
        positions = Positions()
        for line, example in part:
            positions.add(context(line, example))
            whole.add(context(line + lines_before, example + examples_before))
            expected.append((line + lines_before, example + examples_before))
        merged.absorb(positions, lines_before, examples_before)
        lines_before += 6
        examples_before += 5
    merged.add(context(30, 30))
    whole.add(context(30, 30))
    expected.append((30, 30))
    assert len(merged) == len(whole) == len(expected) == 9
    for index, (line, example) in enumerate(expected):
        assert merged.line(index) == whole.line(index) == line
        assert merged.violation(index, "x") == whole.violation(index, "x")
        assert (whole.violation(index, "x").line, whole.violation(index, "x").example) == (
            line,
            example,
        )


def test_plain_records_after_a_stretch_without_them_take_the_fast_path_again(
    write_jsonl: WriteJsonl, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Blocks after one without plain records skip the typed decoder, but for every
    sixteenth: plain records later in the file are found, and linted the same."""
    tool_call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    with_tools = {
        "messages": [
            {"role": "user", "content": "Call f. " * 20},
            {"role": "assistant", "content": None, "tool_calls": [tool_call]},
            {"role": "tool", "tool_call_id": "c1", "content": "{}"},
            {"role": "assistant", "content": "Done."},
        ]
    }
    plain = [*PLAIN, {"messages": [{"role": "assistant", "content": "Eat a banana! " * 12}]}]
    path = write_jsonl([with_tools] * 4000 + plain * 40)
    settings = resolve_settings(ConfigFile(None))
    batched: list[int] = []
    run_plain = runner._FileLinter._run_plain

    def counted(
        self: Any, block: Any, values: Any, roles: Any, start: int, stop: int, examples: int
    ) -> int:
        batched.append(stop - start)
        return run_plain(self, block, values, roles, start, stop, examples)

    with monkeypatch.context() as patch:
        patch.setattr(runner._FileLinter, "_run_plain", counted)
        fast = runner.lint_file(path, settings)
    assert sum(batched) > len(plain) * 30  # the plain records, nearly all
    with monkeypatch.context() as patch:
        patch.setattr(runner, "decode_block", decoded_without_the_fast_path)
        slow = runner.lint_file(path, settings)
    assert fast == slow
    assert {"CT001", "CV002", "DS003"} <= {finding.code for finding in fast.findings}
