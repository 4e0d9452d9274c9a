"""A training file and its validation file that every rule merging state across units
reports on, with the repeats far apart so that they land in different shards and ranges:
exact, normalised and near duplicates (DS003, DS007, DS004), conflicting answers (DS006),
validation examples copied or nearly copied from training (DS005), a separator every
answer ends with (CT006, whose state holds text), mixed formats (SC008), example counts
(DS001), and broken lines (JL)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CONFIG = """\
[tool.tunelint]
extend-select = ["ALL"]
[tool.tunelint.rules.too-few-examples]
minimum = 1000000
"""

TRAIN_EXAMPLES = 3000


def _chat(question: str, answer: str) -> dict[str, Any]:
    return {
        "messages": [
            {"role": "user", "content": question},
            {"role": "assistant", "content": answer},
        ]
    }


def _example(index: int) -> dict[str, Any]:
    topic = f"topic {index} " + " ".join(f"w{index * 7 + k}" for k in range(12))
    return _chat(f"Tell me about {topic}?\nSolution:", f"It is {topic} and more.")


def train_lines(count: int = TRAIN_EXAMPLES) -> list[Any]:
    lines: list[Any] = [_example(index) for index in range(count)]
    lines[count - 100] = _example(10)  # exact copy of line 11, a shard or more away
    copy = _example(20)
    copy["messages"][0]["content"] = copy["messages"][0]["content"].upper()
    lines[count - 200] = copy  # a normalised duplicate of line 21
    near = _example(30)
    near["messages"][1]["content"] += " Indeed"
    lines[count - 300] = near  # a near-duplicate of line 31
    lines[count - 400] = _chat(_example(40)["messages"][0]["content"], "Something else.")
    lines[count // 2] = "{broken"
    lines[count // 2 + 1] = ""
    lines[count * 2 // 3] = {"prompt": "Hi", "completion": "Hello"}
    return lines


def validation_lines() -> list[Any]:
    lines: list[Any] = [_example(100_000 + index) for index in range(1500)]
    lines[100] = _example(50)  # an exact copy of a training example
    near = _example(60)
    near["messages"][1]["content"] += " Really"
    lines[300] = near
    return lines


def write_dataset(folder: Path) -> tuple[Path, Path]:
    """The configuration and both files under ``folder``: (training, validation)."""
    (folder / "pyproject.toml").write_text(CONFIG, encoding="utf-8")
    paths = []
    for name, lines in (("train.jsonl", train_lines()), ("valid.jsonl", validation_lines())):
        path = folder / name
        text = "".join(
            (line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines
        )
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths[0], paths[1]


EXPECTED_CODES = {"DS003", "DS004", "DS005", "DS006", "DS007", "CT006", "SC008", "DS001", "JL001"}


PARQUET_ROWS = 17_000
"""Enough rows for a Parquet file over the 4 MiB at which ``--jobs`` cuts a file."""
PARQUET_CODES = EXPECTED_CODES - {"DS005", "JL001"}


def write_parquet(folder: Path) -> Path:
    """The configuration and ``train.parquet``: the training records (no broken lines: a
    row is a record), uncompressed, in row groups of 1,000 rows, with the repeats and the
    other format in other row groups than their first copies."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    (folder / "pyproject.toml").write_text(CONFIG, encoding="utf-8")
    rows = [line for line in train_lines(PARQUET_ROWS) if isinstance(line, dict)]
    # From a struct array, so that the columns are the union of the records' keys.
    table = pa.Table.from_batches([pa.RecordBatch.from_struct_array(pa.array(rows))])
    path = folder / "train.parquet"
    pq.write_table(table, path, row_group_size=1000, compression="none", use_dictionary=False)
    return path
