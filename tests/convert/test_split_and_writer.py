"""``--split``: disjoint, reproducible, duplicates together; the writer never loses data."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tunelint.convert.base import InputError, Options
from tunelint.convert.run import convert_file
from tunelint.convert.writer import Split
from tunelint.engine.errors import UsageError


def write_pairs(path: Path, answers: list[str]) -> Path:
    lines = [json.dumps({"prompt": f"질문 {i}", "completion": a}) for i, a in enumerate(answers)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def split_files(source: Path, fraction: float, seed: int) -> tuple[list[str], list[str]]:
    summary = convert_file(
        "prompt-completion",
        source,
        source.with_name("out.jsonl"),
        Options(),
        None,
        Split("validation", fraction, seed),
    )
    train, held_out = (path.read_text(encoding="utf-8").splitlines() for path in summary.written)
    assert list(summary.written.values()) == [len(train), len(held_out)]
    return train, held_out


def test_split_is_disjoint_complete_ordered_and_reproducible(tmp_path: Path) -> None:
    source = write_pairs(tmp_path / "in.jsonl", [f"답 {i}" for i in range(40)])
    train, held_out = split_files(source, 0.1, seed=1)
    assert (len(train), len(held_out)) == (36, 4)
    everything = [json.dumps(json.loads(line), ensure_ascii=False) for line in train + held_out]
    assert len(set(everything)) == 40
    numbers = [int(json.loads(line)["messages"][0]["content"].split()[1]) for line in train]
    assert numbers == sorted(numbers)  # each file keeps the input's order
    assert split_files(source, 0.1, seed=1) == (train, held_out)
    assert split_files(source, 0.1, seed=2)[1] != held_out


def test_identical_examples_land_on_the_same_side(tmp_path: Path) -> None:
    # Same prompt and completion repeated: identical output lines.
    lines = [json.dumps({"prompt": "같은 질문", "completion": "같은 답"})] * 5
    lines += [json.dumps({"prompt": f"q{i}", "completion": "a"}) for i in range(15)]
    source = tmp_path / "dup.jsonl"
    source.write_text("\n".join(lines), encoding="utf-8")
    for seed in range(10):
        train, held_out = split_files(source, 0.2, seed)
        assert not set(train) & set(held_out)
        assert len(train) + len(held_out) == 20


def test_small_files_hold_out_at_least_one_and_never_all(tmp_path: Path) -> None:
    source = write_pairs(tmp_path / "in.jsonl", ["a", "b", "c"])
    assert [len(part) for part in split_files(source, 0.01, 0)] == [2, 1]
    assert [len(part) for part in split_files(source, 0.99, 0)] == [1, 2]


@pytest.mark.parametrize(
    "text", ["validation", "validation=0", "validation=1", "=0.1", "train=0.1", "a/b=0.1", "v=x"]
)
def test_bad_split_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match="expected NAME=FRACTION"):
        Split.parse(text, 0)


def test_split_names_its_files() -> None:
    assert Split.parse("val=0.2", 7).paths(Path("d/korquad.jsonl")) == (
        Path("d/korquad.train.jsonl"),
        Path("d/korquad.val.jsonl"),
    )


def test_failed_conversion_keeps_the_previous_output(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"prompt": "a", "completion": "b"}\n{"prompt": 3}\n', encoding="utf-8")
    output = tmp_path / "out.jsonl"
    output.write_text("previous\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"in\.jsonl:2: 'prompt' must be a string"):
        convert_file("prompt-completion", source, output, Options())
    assert output.read_text(encoding="utf-8") == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]


def test_refuses_to_overwrite_the_input(tmp_path: Path) -> None:
    source = write_pairs(tmp_path / "in.jsonl", ["a"])
    before = source.read_bytes()
    with pytest.raises(UsageError, match="refusing to overwrite the input"):
        convert_file("prompt-completion", source, tmp_path / "." / "in.jsonl", Options())
    assert source.read_bytes() == before
    held_out = write_pairs(tmp_path / "x.validation.jsonl", ["a"])
    split = Split("validation", 0.5)
    with pytest.raises(UsageError, match="refusing to overwrite the input"):
        convert_file("prompt-completion", held_out, tmp_path / "x.jsonl", Options(), None, split)
    os.link(source, tmp_path / "hard.jsonl")  # another name for the same file
    with pytest.raises(UsageError, match="refusing to overwrite the input"):
        convert_file("prompt-completion", tmp_path / "hard.jsonl", source, Options())


def test_output_permissions_follow_the_umask(tmp_path: Path) -> None:
    source = write_pairs(tmp_path / "in.jsonl", ["a"])
    umask = os.umask(0o027)
    try:
        convert_file("prompt-completion", source, tmp_path / "out.jsonl", Options())
    finally:
        os.umask(umask)
    assert (tmp_path / "out.jsonl").stat().st_mode & 0o777 == 0o640


def test_any_integer_is_a_seed(tmp_path: Path) -> None:
    source = write_pairs(tmp_path / "in.jsonl", ["a", "b", "c", "d"])
    train, held_out = split_files(source, 0.5, seed=-(10**100))
    assert (len(train), len(held_out)) == (2, 2)


def test_copies_of_one_example_are_never_all_held_out(tmp_path: Path) -> None:
    source = tmp_path / "same.jsonl"
    source.write_text('{"prompt": "q", "completion": "a"}\n' * 5, encoding="utf-8")
    assert [len(part) for part in split_files(source, 0.2, 0)] == [5, 0]
