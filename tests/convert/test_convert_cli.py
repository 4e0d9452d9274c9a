"""``tunelint convert`` in a subprocess: output that passes ``check``, the summary, the errors."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from conftest import run_tunelint

N = 12  # above DS001's minimum of 10, so the output really passes


def korquad(path: Path) -> None:
    qas = [
        {"id": str(i), "question": f"임종석이 {i}번째로 한 일은?", "answers": [{"text": f"일 {i}"}]}
        for i in range(N)
    ]
    qas.append({"id": "x", "question": "답이 없는 질문?", "answers": [], "is_impossible": True})
    qas.append(
        {"id": "y", "question": "임종석이 0번째로 한 일은?", "answers": [{"text": "다른 일"}]}
    )
    paragraphs = [{"context": "임종석은 학생회관 건물 계단에서 검거되었다.", "qas": qas}]
    document = {"version": "KorQuAD_v1.0_dev", "data": [{"title": "t", "paragraphs": paragraphs}]}
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


def alpaca(path: Path) -> None:
    records = [
        {"instruction": f"{i} 더하기 1은?", "input": "", "output": str(i + 1)} for i in range(N)
    ]
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")


def sharegpt(path: Path) -> None:
    call = json.dumps({"name": "add", "arguments": {"a": 1}})
    tools = json.dumps(
        [{"name": "add", "description": "Add.", "parameters": {"type": "object", "properties": {}}}]
    )
    lines = [
        {
            "conversations": [
                {"from": "human", "value": f"안녕 {i}"},
                {"from": "function_call", "value": call},
                {"from": "observation", "value": "2"},
                {"from": "gpt", "value": f"반가워요 {i}"},
            ],
            "tools": tools,
        }
        for i in range(N)
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in lines), "utf-8")


def prompt_completion(path: Path) -> None:
    lines = [{"prompt": f"질문 {i}\n\n###\n\n", "completion": f" 답 {i} END"} for i in range(N)]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in lines), "utf-8")


def table(path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["q", "a"])
        writer.writerows([f"질문 {i}", f"답, {i}"] for i in range(N))


WRITERS: dict[str, tuple[str, Callable[[Path], None], list[str]]] = {
    "squad": ("KorQuAD_v1.0_dev.json", korquad, []),
    "alpaca": ("alpaca.json", alpaca, []),
    "sharegpt": ("sharegpt.jsonl", sharegpt, []),
    "prompt-completion": ("legacy.jsonl", prompt_completion, []),
    "csv": ("qa.csv", table, ["--user-column", "q", "--assistant-column", "a"]),
}


def assert_error(result: CompletedProcess[str], message: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr.startswith(f"tunelint: error: {message}"), result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("source_format", list(WRITERS))
def test_output_passes_check(tmp_path: Path, source_format: str) -> None:
    name, write, flags = WRITERS[source_format]
    write(tmp_path / name)
    args = ["--from", source_format, name, "-o", "out.jsonl", "--system", "친절하게", *flags]
    result = run_tunelint("convert", *args, "--check", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    # The KorQuAD sample asks one question twice with different answers (DS006, a warning);
    # the legacy separator and stop marker survive the conversion (CT006, two warnings).
    warned = {"squad": "1 warning in 1 file.\n", "prompt-completion": "2 warnings in 1 file.\n"}
    assert result.stdout.endswith(warned.get(source_format, "All checks passed (1 file).\n"))
    assert f"Wrote {N + (1 if source_format == 'squad' else 0)} examples to out.jsonl." in (
        result.stdout
    )
    text = (tmp_path / "out.jsonl").read_text(encoding="utf-8")
    assert "친절하게" in text and "\\u" not in text
    # the separate check agrees; no warning either, but for the repeated KorQuAD question
    strict = run_tunelint("check", "out.jsonl", "--fail-on", "warning", cwd=tmp_path)
    assert strict.returncode == 0 or source_format in warned, strict.stdout


def test_korquad_summary_counts_every_question(tmp_path: Path) -> None:
    korquad(tmp_path / "KorQuAD_v1.0_dev.json")
    result = run_tunelint(
        "convert", "--from", "squad", "KorQuAD_v1.0_dev.json", "-o", "korquad.jsonl", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"Read {N + 2} records from KorQuAD_v1.0_dev.json (squad): {N + 1} converted, 1 skipped.",
        "  1 skipped: unanswerable question "
        f"(first: KorQuAD_v1.0_dev.json: data[0].paragraphs[0].qas[{N}])",
        "  1 noted: question asked again with a different answer (both kept) "
        f"(first: KorQuAD_v1.0_dev.json: data[0].paragraphs[0].qas[{N + 1}])",
        f"Wrote {N + 1} examples to korquad.jsonl.",
    ]
    records = [json.loads(line) for line in (tmp_path / "korquad.jsonl").open(encoding="utf-8")]
    answers = [
        r["messages"][1]["content"]
        for r in records
        if r["messages"][0]["content"] == "임종석이 0번째로 한 일은?"
    ]
    assert answers == ["일 0", "다른 일"]
    assert all(len(record["messages"]) == 2 for record in records)  # no empty system message


def test_check_fails_like_check_on_too_few_examples(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"prompt": "a", "completion": "b"}\n', encoding="utf-8")
    args = ("convert", "--from", "prompt-completion", "in.jsonl", "-o", "out.jsonl", "--check")
    result = run_tunelint(*args, cwd=tmp_path)
    assert result.returncode == 1
    assert "out.jsonl:1:1: DS001 [error]" in result.stdout
    # the check's configuration flags apply
    assert run_tunelint(*args, "--ignore", "DS001", cwd=tmp_path).returncode == 0


def test_split_with_check_exempts_the_small_held_out_file(tmp_path: Path) -> None:
    alpaca(tmp_path / "alpaca.json")
    args = "--from alpaca alpaca.json -o data.jsonl --split validation=0.1 --seed 5 --check"
    result = run_tunelint("convert", *args.split(), "--system", "Answer briefly.", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert "Wrote 11 examples to data.train.jsonl and 1 to data.validation.jsonl." in result.stdout
    assert result.stdout.endswith("All checks passed (2 files).\n")
    # a held-out file has no minimum size, which a plain check of it does not know
    assert run_tunelint("check", "data.validation.jsonl", cwd=tmp_path).returncode == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "squad", "missing.json"], "missing.json: No such file or directory"),
        (
            ["--from", "alpaca", "bad.json", "--with-context"],
            "--with-context applies to --from squad only",
        ),
        (
            ["--from", "alpaca", "bad.json", "--user-column", "q"],
            "--user-column, --assistant-column",
        ),
        (["--from", "alpaca", "bad.json", "--seed", "3"], "--seed applies to --split only"),
        (
            ["--from", "alpaca", "bad.json", "--split", "validation=10"],
            "--split 'validation=10': expected",
        ),
        (["--from", "alpaca", "bad.json"], "bad.json:1:2: not JSON: "),
        (["--from", "sharegpt", "bad.json"], "bad.json:1:2: not JSON: "),
        (["--from", "squad", "list.json"], "list.json: the document must be an object (got array)"),
        (
            ["--from", "csv", "list.json"],
            "list.json:1: no column 'user', 'assistant' in the header",
        ),
        (["--from", "prompt-completion", "list.json"], "list.json: [0]: record must be an object"),
    ],
)
def test_errors_are_one_line_with_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "bad.json").write_text("[}", encoding="utf-8")
    (tmp_path / "list.json").write_text("[1, 2]", encoding="utf-8")
    result = run_tunelint("convert", *args, "-o", "out.jsonl", cwd=tmp_path)
    assert_error(result, message)
    assert not (tmp_path / "out.jsonl").exists()


def test_refusing_to_overwrite_the_input_is_exit_2(tmp_path: Path) -> None:
    prompt_completion(tmp_path / "data.jsonl")
    before = (tmp_path / "data.jsonl").read_bytes()
    args = ("convert", "--from", "prompt-completion", "data.jsonl", "-o", "data.jsonl")
    assert_error(run_tunelint(*args, cwd=tmp_path), "data.jsonl: refusing to overwrite the input")
    assert (tmp_path / "data.jsonl").read_bytes() == before


def test_missing_output_folder_is_exit_2(tmp_path: Path) -> None:
    prompt_completion(tmp_path / "data.jsonl")
    args = ("convert", "--from", "prompt-completion", "data.jsonl", "-o", "no/such/out.jsonl")
    assert_error(run_tunelint(*args, cwd=tmp_path), "no/such/")
