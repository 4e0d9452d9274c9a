"""``tunelint stats --tokenizer``: exact counts, trained tokens, truncation and packing."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tokenizers import Tokenizer

from tunelint.engine import pool
from tunelint.engine.pool import Part, split_work
from tunelint.sources import Source
from tunelint.template.stats import packed_sequences

from conftest import WriteJsonl, run_tunelint

TokenizerFolder = Callable[[str], Path]

RECORDS = [
    {
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "What is the capital of France?"},
            {"role": "assistant", "content": "The capital of France is Paris."},
        ]
    },
    {
        "messages": [
            {"role": "user", "content": "2 + 2?"},
            {"role": "assistant", "content": "4"},
            {"role": "user", "content": "3 + 3?"},
            {"role": "assistant", "content": "6"},
        ]
    },
]


def chatml(messages: list[dict[str, str]]) -> str:
    return "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)


def test_exact_counts_trained_tokens_and_packing(
    tokenizer: TokenizerFolder, write_jsonl: WriteJsonl
) -> None:
    folder = tokenizer("chatml")
    encoder = Tokenizer.from_file(str(folder / "tokenizer.json"))

    def count(text: str) -> int:
        return len(encoder.encode(text, add_special_tokens=False).ids)

    totals = [count(chatml(record["messages"])) for record in RECORDS]
    answers = [
        [m["content"] + "<|im_end|>\n" for m in record["messages"] if m["role"] == "assistant"]
        for record in RECORDS
    ]
    trained = [sum(count(answer) for answer in texts) for texts in answers]
    data = write_jsonl([*RECORDS, "[1, 2]"])
    limit = max(totals) - 1
    result = run_tunelint(
        "stats", data, "--tokenizer", folder, "--max-seq-len", limit, "--format", "json"
    )
    assert result.returncode == 0, result.stderr
    assert "1 line(s) are not JSON objects" in result.stderr
    report = json.loads(result.stdout)
    assert report["examples"] == 2
    tokens = report["distributions"]["tokens_per_example"]
    assert (tokens["min"], tokens["max"]) == (min(totals), max(totals))
    assert report["over_max_seq_len"] == 1
    assert report["tokens"] == sum(min(total, limit) for total in totals)
    # The longer example is cut on the right: its answer loses its last token.
    longest = totals.index(max(totals))
    expected = [t - 1 if i == longest else t for i, t in enumerate(trained)]
    assert report["trained_tokens"] == sum(expected)
    assert report["packing"] == {
        "sequence_length": limit,
        "sequences": 2,
        "fill": round(report["tokens"] / (2 * limit), 4),
    }
    text = run_tunelint("stats", data, "--tokenizer", folder, "--max-seq-len", limit)
    assert f"Tokens trained: {sum(expected):,} of {report['tokens']:,}" in text.stdout
    assert f"Over the {limit:,}-token maximum sequence length" in text.stdout


def test_assistant_only_without_generation_blocks_trains_nothing(
    tokenizer: TokenizerFolder, write_jsonl: WriteJsonl
) -> None:
    data = write_jsonl(RECORDS)
    result = run_tunelint(
        "stats", data, "--tokenizer", tokenizer("chatml"), "--loss", "assistant-only",
        "--format", "json",
    )  # fmt: skip
    report = json.loads(result.stdout)
    assert report["trained_tokens"] == 0
    assert report["examples_without_trained_tokens"] == 2


def test_html_with_a_tokenizer_is_refused_not_ignored(
    tokenizer: TokenizerFolder, write_jsonl: WriteJsonl, tmp_path: Path
) -> None:
    data = write_jsonl(RECORDS)
    page = tmp_path / "report.html"
    result = run_tunelint("stats", data, "--tokenizer", tokenizer("chatml"), "--html", page)
    assert (result.returncode, result.stdout) == (2, "")
    assert (
        result.stderr == "tunelint: error: --html does not take --tokenizer yet; run it without\n"
    )
    assert not page.exists()


def _best_fit_decreasing(lengths: list[int], size: int) -> int:
    """The textbook algorithm, with a list of open sequences' room."""
    rooms: list[int] = []
    for length in sorted((min(length, size) for length in lengths), reverse=True):
        fitting = [i for i, room in enumerate(rooms) if room >= length]
        if fitting:
            best = min(fitting, key=lambda i: rooms[i])
            rooms[best] -= length
        else:
            rooms.append(size - length)
    return len(rooms)


def test_packing_is_best_fit_decreasing() -> None:
    assert packed_sequences([6, 5, 4, 3, 2], 10) == 2
    assert packed_sequences([12, 3], 10) == 2  # an example over the size is truncated to it
    assert packed_sequences([], 10) == 0
    generator = random.Random(7)
    for _ in range(50):
        size = generator.randint(8, 300)
        lengths = [generator.randint(1, size + 20) for _ in range(generator.randint(1, 80))]
        assert packed_sequences(lengths, size) == _best_fit_decreasing(lengths, size)


def test_worker_processes_give_the_same_figures(
    tokenizer: TokenizerFolder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tunelint.engine.settings import Settings
    from tunelint.engine.template_settings import TemplateSettings
    from tunelint.template import stats as template_stats

    files = []
    for index in range(3):
        path = tmp_path / f"part{index}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in RECORDS * (index + 1)), "utf-8")
        files.append(path)
    settings = Settings(
        template=TemplateSettings(tokenizer=str(tokenizer("llama3")), max_seq_len=40)
    )
    rows = pa.Table.from_pylist(RECORDS * 10)  # in row groups of two records
    pq.write_table(rows, tmp_path / "rows.parquet", row_group_size=2, compression="none")
    files.append(tmp_path / "rows.parquet")
    alone = template_stats.compute_template_stats(files, settings, jobs=1).to_dict()
    monkeypatch.setattr(template_stats, "POOL_BYTES", 0)
    monkeypatch.setattr(pool, "SPLIT_BYTES", 1)  # every file is cut into parts
    parts: list[Part] = []

    def recorded(source: Source, jobs: int) -> list[Part]:
        parts.extend(found := split_work(source, jobs))
        return found

    monkeypatch.setattr(template_stats, "split_work", recorded)
    pooled = template_stats.compute_template_stats(files, settings, jobs=2).to_dict()
    assert pooled == alone
    assert alone["examples"] == 12 + 20
    assert sum(groups is not None for _, _, groups in parts) > 1  # runs of row groups
