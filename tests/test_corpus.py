"""Real public data (``tests/data/corpus/SOURCES.md``): the findings per rule code that the
default run gives on each file, pinned so that any change in noise or recall shows up in
review. Each number was judged by reading the records it points at (README, "Real data").
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tunelint.engine import pool
from tunelint.engine.config import ConfigFile, resolve_settings
from tunelint.engine.runner import lint_file

from conftest import CORPUS, REPO, TOY, run_tunelint

PINNED: dict[str, dict[str, int]] = {
    "foundry_chartqa_images.jsonl": {"CV002": 1},
    "foundry_countdown_rft.jsonl": {"CV002": 1},
    "foundry_gsm8k_chat.jsonl": {"CT006": 3},
    "foundry_medmcq_rft.jsonl": {"CV001": 150, "CV002": 1},
    "foundry_orca_dpo.jsonl": {},
    "foundry_rft_toolcall.jsonl": {},
    "foundry_sarcasm_qa.jsonl": {"SC001": 200, "SC007": 400},
    "foundry_stock_toolcall.jsonl": {},
    "korean_chatbot_data.jsonl": {"CV002": 1, "DS006": 2},
    "llamafactory_alpaca_en_demo.jsonl": {"TG001": 1},
    "llamafactory_dpo_en_demo.jsonl": {"TG001": 1},
    "llamafactory_glaive_toolcall.jsonl": {"TG001": 1},
    "llamafactory_identity.jsonl": {"TG001": 1},
    "llamafactory_kto_en_demo.jsonl": {"CT001": 1, "CT002": 1, "CV002": 1, "SC007": 100},
    "llamafactory_mllm_demo.jsonl": {"CV002": 1, "DS001": 1, "SC007": 6},
    "together_antihallucination.jsonl": {"TG001": 1},
    "together_coqa_multiturn.jsonl": {},
    "together_rewardbench2_dpo.jsonl": {},
    "toy_chat_fine_tuning.jsonl": {"CT001": 1, "CV002": 1, "CV003": 1, "DS001": 1},
}

# The files in another dialect, under a target that reads it: the content and privacy rules
# read them through their chat view, exact copies as written.
PINNED_UNDER_TARGET: dict[str, dict[str, dict[str, int]]] = {
    "llamafactory": {
        "llamafactory_alpaca_en_demo.jsonl": {},
        "llamafactory_dpo_en_demo.jsonl": {"CT004": 1},
        "llamafactory_glaive_toolcall.jsonl": {"DS003": 5},
        # the same greeting twice with paraphrased answers, as the korean file's DS006
        "llamafactory_identity.jsonl": {"CT007": 2, "DS006": 2},
    },
    "together": {"together_antihallucination.jsonl": {}},
}


def lint_corpus(tmp_path: Path, *options: str) -> list[dict[str, object]]:
    result = run_tunelint(
        "check", CORPUS, TOY, "--no-cache", "--output-format", "json", *options, cwd=tmp_path
    )
    assert result.returncode == 1, result.stderr  # some files are in layouts it rejects
    findings: list[dict[str, object]] = json.loads(result.stdout)
    return findings


def test_the_corpus_is_what_sources_lists() -> None:
    files = {path.name for path in CORPUS.glob("*.jsonl")} | {TOY.name}
    assert files == set(PINNED)
    sources = (CORPUS / "SOURCES.md").read_text(encoding="utf-8")
    assert all(f"| {name} |" in sources for name in files - {TOY.name})


def test_findings_per_file_and_code_at_default_settings(tmp_path: Path) -> None:
    counts: dict[str, Counter[str]] = {name: Counter() for name in PINNED}
    for finding in lint_corpus(tmp_path):
        counts[Path(str(finding["path"])).name][str(finding["code"])] += 1
    assert {name: dict(sorted(found.items())) for name, found in counts.items()} == PINNED


def lint_under(target: str, tmp_path: Path) -> list[dict[str, object]]:
    files = [CORPUS / name for name in PINNED_UNDER_TARGET[target]]
    result = run_tunelint(
        "check", *files, "--no-cache", "--target", target, "--output-format", "json", cwd=tmp_path
    )
    assert result.returncode in (0, 1), result.stderr
    findings: list[dict[str, object]] = json.loads(result.stdout)
    return findings


@pytest.mark.parametrize("target", PINNED_UNDER_TARGET)
def test_findings_per_file_and_code_under_the_target_that_reads_it(
    target: str, tmp_path: Path
) -> None:
    pinned = PINNED_UNDER_TARGET[target]
    counts: dict[str, Counter[str]] = {name: Counter() for name in pinned}
    for finding in lint_under(target, tmp_path):
        counts[Path(str(finding["path"])).name][str(finding["code"])] += 1
    assert {name: dict(sorted(found.items())) for name, found in counts.items()} == pinned


def test_what_the_defects_of_other_dialects_say(tmp_path: Path) -> None:
    said = {
        (Path(str(f["path"])).name, f["code"], f["line"], f["message"])
        for f in lint_under("llamafactory", tmp_path)
    }
    assert {
        (
            "llamafactory_identity.jsonl",
            "CT007",
            1,
            "output: unfilled placeholder '{{name}}' (and in 76 more example(s))",
        ),
        ("llamafactory_glaive_toolcall.jsonl", "DS003", 75, "duplicate of the example on line 34"),
        (
            "llamafactory_dpo_en_demo.jsonl",
            "CT004",
            16,
            "conversations[1].value: mojibake 'Ã©' (UTF-8 'é' decoded as Windows-1252)",
        ),
    } <= said


def test_what_the_defects_say(tmp_path: Path) -> None:
    said = {
        (Path(str(f["path"])).name, f["code"], f["line"], f["message"])
        for f in lint_corpus(tmp_path)
    }
    assert {
        (
            "korean_chatbot_data.jsonl",
            "CV002",
            1,
            "300 of 300 examples have no system message; first at line 1",
        ),
        (
            "foundry_gsm8k_chat.jsonl",
            "CT006",
            1,
            "200 of 200 prompts end with '\\nSolution:', a leftover of prompt-completion "
            "data the model learns; first at line 1",
        ),
        (
            "foundry_gsm8k_chat.jsonl",
            "CT006",
            1,
            "200 of 200 answers end with '!!!', a leftover of prompt-completion data the "
            "model learns; first at line 1",
        ),
        (
            "llamafactory_identity.jsonl",
            "TG001",
            1,
            "file is in the alpaca layout (91 records read, all alike), which openai does not "
            "accept (Alpaca: instruction / input / output); accepted by: axolotl, llamafactory; "
            "convert with `tunelint convert --from alpaca "
            f"{CORPUS / 'llamafactory_identity.jsonl'} -o OUTPUT.jsonl`",
        ),
    } <= said


def test_a_grader_finds_the_reinforcement_records_without_answers(tmp_path: Path) -> None:
    grader = REPO / "tests" / "data" / "graders" / "reference_answer.json"
    medmcq, tools = CORPUS / "foundry_medmcq_rft.jsonl", CORPUS / "foundry_rft_toolcall.jsonl"
    result = run_tunelint(
        "check", medmcq, tools, "--grader", grader, "--select", "SC012",
        "--output-format", "concise", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{medmcq}:1:1: SC012 [error] no 'reference_answer', which the grader reads as "
        "{{item.reference_answer}} (and in 149 more example(s))",
        "Found 1 error in 2 files.",
    ]
    missing = run_tunelint("check", tools, "--grader", tmp_path / "none.json", cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.startswith("tunelint: error: grader ")


@pytest.mark.parametrize("ranges_per_job", [1, 8])
def test_ranges_merge_to_the_same_findings_on_real_data(
    ranges_per_job: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every file cut into byte ranges (said-once rules, affixes, placeholders and
    duplicates merged across them) gives what one pass gives: ranges longer and shorter
    than the sample CT006 chooses its affix from."""
    files = [*sorted(CORPUS.glob("*.jsonl")), TOY]
    settings = resolve_settings(ConfigFile(None), {"extend-select": ["ALL"]})
    expected = [lint_file(file, settings) for file in files]
    monkeypatch.setattr(pool, "SPLIT_BYTES", 1)
    monkeypatch.setattr(pool, "POOL_BYTES", 1)
    monkeypatch.setattr(pool, "RANGES_PER_JOB", ranges_per_job)
    assert list(pool.lint_files(files, settings, 2)) == expected
