"""Data-quality rules through the real CLI: training/validation pairs, masking, real data."""

from __future__ import annotations

import json
import random
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from tunelint.rules import similarity

from conftest import TOY, WriteJsonl, run_tunelint


def chat(question: str, answer: str) -> dict[str, object]:
    return {
        "messages": [
            {"role": "user", "content": question},
            {"role": "assistant", "content": answer},
        ]
    }


TRAIN = [chat(f"What is {n} times 7?", f"{n} times 7 is {n * 7}.") for n in range(12)]
VALIDATION = [
    chat("What is 3 times 7?", "3 times 7 is 21."),  # exact copy of line 4
    chat("what is 5 times 7", "5 times 7 is 35!"),  # near copy of line 6
    chat("Name a prime number above 100.", "101 is prime."),
]


def findings(result: CompletedProcess[str]) -> list[tuple[str, int, str]]:
    return [(Path(f["path"]).name, f["line"], f["code"]) for f in json.loads(result.stdout)]


def test_validation_file_flag_reports_overlap_on_the_validation_file(
    tmp_path: Path, write_jsonl: WriteJsonl
) -> None:
    train = write_jsonl(TRAIN, "train.jsonl")
    validation = write_jsonl(VALIDATION, "validation.jsonl")
    result = run_tunelint(
        "check", train, "--validation-file", validation, "--select", "DS005", "--output-format",
        "json", cwd=tmp_path,
    )  # fmt: skip
    assert findings(result) == [("validation.jsonl", 1, "DS005"), ("validation.jsonl", 2, "DS005")]
    messages = [f["message"] for f in json.loads(result.stdout)]
    assert messages[0] == "exact copy of the training file's line 4"
    assert messages[1].startswith("nearly the same as the training file's line 6 (similarity")
    # A warning: the run passes at the default fail level.
    assert result.returncode == 0


def test_validation_file_needs_one_training_file(tmp_path: Path, write_jsonl: WriteJsonl) -> None:
    write_jsonl(TRAIN, "data/train.jsonl")
    validation = write_jsonl(VALIDATION, "validation.jsonl")
    result = run_tunelint("check", "data", "--validation-file", validation, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        "tunelint: error: --validation-file needs exactly one training file as PATH\n"
    )


def test_datasets_in_the_configuration_pair_the_files(
    tmp_path: Path, write_jsonl: WriteJsonl
) -> None:
    (tmp_path / "tunelint.toml").write_text(
        'select = ["DS005"]\n'
        '[[datasets]]\ntrain = "data/train.jsonl"\nvalidation = "data/validation.jsonl"\n'
    )
    write_jsonl(TRAIN, "data/train.jsonl")
    write_jsonl(VALIDATION, "data/validation.jsonl")
    write_jsonl(VALIDATION, "data/other.jsonl")  # not a validation file: not compared
    everything = run_tunelint("check", ".", "--output-format", "json", cwd=tmp_path)
    expected = [("validation.jsonl", 1, "DS005"), ("validation.jsonl", 2, "DS005")]
    assert findings(everything) == expected
    # Checking the validation file alone still reads its training file, from any folder.
    alone = run_tunelint(
        "check", "validation.jsonl", "--output-format", "json", cwd=tmp_path / "data"
    )
    assert findings(alone) == expected


def test_pyproject_datasets_table_and_a_missing_training_file(
    tmp_path: Path, write_jsonl: WriteJsonl
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.tunelint]\n"
        '[[tool.tunelint.datasets]]\ntrain = "gone.jsonl"\nvalidation = "validation.jsonl"\n'
    )
    write_jsonl(VALIDATION, "validation.jsonl")
    result = run_tunelint("check", "validation.jsonl", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("tunelint: error: ") and "gone.jsonl" in result.stderr
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("datasets = 'train.jsonl'", "datasets must be a list of tables"),
        ("[[datasets]]\ntrain = 'a.jsonl'", "needs exactly 'train' and 'validation'"),
        ("[[datasets]]\ntrain = 'a.jsonl'\nvalidation = 3", "datasets.validation must be a string"),
    ],
)
def test_bad_datasets_entries_are_configuration_errors(
    tmp_path: Path, toml: str, message: str
) -> None:
    (tmp_path / "tunelint.toml").write_text(toml + "\n")
    result = run_tunelint("check", ".", cwd=tmp_path)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1


def test_secrets_and_personal_data_are_masked_in_every_output(
    tmp_path: Path, write_jsonl: WriteJsonl
) -> None:
    key = "sk-proj-Q7xk2Lr9Tz4Wm1Vb8Nc3Hd6Fg0Js5Pa9xQ"
    card = "4111 1111 1111 1111"
    path = write_jsonl([chat(f"My key is {key} and my card {card}", "Noted.")])
    for output in ("text", "json"):
        result = run_tunelint(
            "check", path, "--select", "PV", "--output-format", output, cwd=tmp_path
        )
        assert result.returncode == 1
        assert key not in result.stdout and card not in result.stdout
        assert "sk-p…9xQ" in result.stdout and "4111…111" in result.stdout


def test_cookbook_toy_file_banana_answer_is_degenerate() -> None:
    result = run_tunelint("check", TOY, "--select", "CT", "--output-format", "json")
    [finding] = json.loads(result.stdout)
    assert (finding["code"], finding["line"], finding["pointer"]) == (
        "CT001",
        5,
        "/messages/2/content",
    )
    assert finding["message"] == "messages[2].content: 'Eat a banana!' repeated 2000 times in a row"


def test_repeats_agree_with_and_without_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    generator = random.Random(7)
    keys = [generator.randrange(2**64) for _ in range(300)]
    keys += [generator.choice(keys) for _ in range(200)]
    generator.shuffle(keys)
    by_dict = sorted(similarity.repeats(keys))
    monkeypatch.setattr(similarity, "_NUMPY_FROM", 0)
    assert sorted(similarity.repeats(keys)) == by_dict
    assert len(by_dict) == len(keys) - len(set(keys))
    assert all(keys[index] == keys[first] and first < index for index, first in by_dict)


def test_near_duplicates_are_found_among_many_examples(
    tmp_path: Path, write_jsonl: WriteJsonl
) -> None:
    generator = random.Random(3)
    words = ["".join(generator.choices("abcdefghijklmnopqrstuvwxyz", k=6)) for _ in range(500)]
    records = [
        chat(" ".join(generator.choices(words, k=12)), " ".join(generator.choices(words, k=20)))
        for _ in range(3000)
    ]
    copy = json.loads(json.dumps(records[100]))
    copy["messages"][1]["content"] = copy["messages"][1]["content"].upper() + "!"
    records.append(copy)
    path = write_jsonl(records)
    result = run_tunelint(
        "check", path, "--select", "DS004", "--output-format", "json", cwd=tmp_path
    )
    [finding] = json.loads(result.stdout)
    assert finding["line"] == 3001
    assert finding["message"].startswith("nearly the same as the example on line 101 (similarity")
