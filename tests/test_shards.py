"""``check --shard I/N --state-out FILE`` then ``merge``: the output of ``check --jobs 1``,
byte for byte; state files that are corrupted, incomplete or from another run are one
line and exit 2; a file that cannot be read is named and the others still report."""

from __future__ import annotations

import gzip
import json
import re
import zlib
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tunelint.application.settings import build_settings
from tunelint.engine import pool, units
from tunelint.engine.runner import lint_file
from tunelint.engine.units import Kind, UnitSettings, merge_units, plan_units, run_unit

from conftest import run_tunelint
from scale_data import EXPECTED_CODES, PARQUET_CODES, PARQUET_ROWS, write_dataset, write_parquet


def _check(folder: Path, *flags: str) -> tuple[int, str, str]:
    result = run_tunelint(
        "check", "train.jsonl", "--validation-file", "valid.jsonl", "--no-cache", *flags,
        cwd=folder,
    )  # fmt: skip
    return result.returncode, result.stdout, result.stderr


def _shards(folder: Path, count: int, *flags: str) -> list[Path]:
    states = []
    for index in range(1, count + 1):
        state = folder / f"shard-{index}.state"
        status, _, stderr = _check(
            folder, *flags, "--shard", f"{index}/{count}", "--state-out", str(state)
        )
        assert status == 0, stderr
        assert f"shard {index}/{count}" in stderr
        states.append(state)
    return states


def _merge(folder: Path, *arguments: str | Path) -> tuple[int, str, str]:
    result = run_tunelint("merge", *arguments, cwd=folder)
    return result.returncode, result.stdout, result.stderr


def test_four_shards_merged_equal_jobs_1_byte_for_byte(tmp_path: Path) -> None:
    write_dataset(tmp_path)
    status, expected, _ = _check(tmp_path, "--jobs", "1", "--output-format", "json")
    assert status == 1
    assert {finding["code"] for finding in json.loads(expected)} >= EXPECTED_CODES
    # The shards may run with other --jobs and in any order.
    states = _shards(tmp_path, 4, "--output-format", "json", "--jobs", "2")
    assert _merge(tmp_path, *reversed(states)) == (1, expected, "")
    # Another format for the same shards, and the same run's statistics.
    status, text, _ = _check(tmp_path, "--jobs", "1")
    assert _merge(tmp_path, *states, "--output-format", "text") == (1, text, "")
    for state in states:  # hashes, counts and findings; never the records' text
        payload = zlib.decompress(state.read_bytes().split(b"\n", 2)[2])
        assert b"Tell me about" not in payload and b"w100" not in payload


def test_shards_share_a_large_file_evenly(tmp_path: Path) -> None:
    """Four units per shard for a large file, and the unit that reads it whole weighs
    what it runs: each of 4 shards gets three or four of the 15 units."""
    write_dataset(tmp_path)
    owned = []
    for index in range(1, 5):
        state = tmp_path / f"{index}.state"
        result = run_tunelint(
            "check", "train.jsonl", "--no-cache", "--shard", f"{index}/4", "--state-out", state,
            cwd=tmp_path,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        counts = re.search(r": (\d+) of (\d+) unit", result.stderr)
        assert counts is not None, result.stderr
        owned.append(int(counts[1]))
        assert counts[2] == "15"
    assert sorted(owned) == [3, 4, 4, 4]


def test_statistics_merge_equal(tmp_path: Path) -> None:
    write_dataset(tmp_path)
    status, expected, _ = _check(tmp_path, "--statistics")
    states = _shards(tmp_path, 2, "--statistics")
    assert _merge(tmp_path, *states) == (status, expected, "")
    assert "DS003" in expected


def test_units_merge_exactly_at_any_cut(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cuts every few kilobytes (ranges and WHOLE units), in this process."""
    train, valid = write_dataset(tmp_path)
    settings = build_settings(start=tmp_path, dataset=(train, valid))
    files = [train, valid]
    expected = [lint_file(path, settings) for path in files]
    monkeypatch.setattr(units, "MIN_RANGE", 1)
    for to_disk in (False, True):
        split = UnitSettings.of(settings, to_disk)
        plan = plan_units(files, split, 37)
        assert sum(unit.kind is Kind.RANGE for unit in plan) >= 30
        merged = merge_units(files, split, plan, (run_unit(files, split, unit) for unit in plan))
        assert list(merged) == [result.without_fixes() for result in expected]


def test_parquet_row_groups_jobs_and_shards_equal_jobs_1(tmp_path: Path) -> None:
    """A Parquet file cut into runs of whole row groups, by the pool and by shards that
    run their units on the pool: row numbers across the file, the duplicates, conflicts
    and counts of rows in other row groups, byte for byte."""
    path = write_parquet(tmp_path)
    assert path.stat().st_size >= pool.SPLIT_BYTES  # --jobs cuts it too

    def check(*flags: str) -> tuple[int, str, str]:
        result = run_tunelint("check", path.name, "--no-cache", *flags, cwd=tmp_path)
        return result.returncode, result.stdout, result.stderr

    status, expected, _ = check("--jobs", "1", "--output-format", "json")
    assert status == 1
    found = json.loads(expected)
    assert {finding["code"] for finding in found} >= PARQUET_CODES
    # The exact copy of row 11 (two broken lines were no rows): its row number in the file.
    copies = [finding["line"] for finding in found if finding["code"] == "DS003"]
    assert copies == [PARQUET_ROWS - 100 - 2 + 1]
    assert check("--jobs", "2", "--output-format", "json") == (1, expected, "")
    states = []
    for index in (1, 2, 3):
        state = tmp_path / f"shard-{index}.state"
        jobs = "2" if index < 3 else "1"
        shard = check("--output-format", "json", "--jobs", jobs, "--shard", f"{index}/3",
                      "--state-out", str(state))  # fmt: skip
        assert shard[0] == 0, shard[2]
        states.append(state)
    header = json.loads(states[0].read_bytes().split(b"\n", 2)[1])
    kinds = [unit[1] for unit in header["run"]["groups"][0]["units"]]
    assert kinds.count("rows") >= 3
    assert _merge(tmp_path, *states) == (1, expected, "")
    statistics = check("--jobs", "1", "--statistics")
    assert check("--jobs", "2", "--statistics") == statistics
    assert "DS006" in statistics[1]


@pytest.mark.parametrize("shards", [1, 2])
def test_parquet_units_merge_exactly_at_any_cut(
    shards: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A unit per row group or two, in this process: of one file, and of a Hugging Face
    split in two files, whose row groups are numbered across both."""
    path = write_parquet(tmp_path)
    if shards == 2:
        table = pq.read_table(path)
        for index, rows in enumerate((table.slice(0, 8500), table.slice(8500))):
            name = f"train-{index:05}-of-00002.parquet"
            pq.write_table(rows, tmp_path / name, row_group_size=1000)
        path.unlink()
        path = tmp_path / "train-[0-9]*-of-[0-9]*.parquet"
    settings = build_settings(start=tmp_path)
    expected = lint_file(path, settings).without_fixes()
    assert {finding.code for finding in expected.findings} >= PARQUET_CODES
    monkeypatch.setattr(units, "MIN_RANGE", 1)
    for to_disk in (False, True):
        split = UnitSettings.of(settings, to_disk)
        plan = plan_units([path], split, 11)
        assert sum(unit.kind is Kind.ROWS for unit in plan) == 11
        results = (run_unit([path], split, unit) for unit in plan)
        assert list(merge_units([path], split, plan, results)) == [expected]


def _one_line_error(result: tuple[int, str, str], *words: str) -> None:
    status, stdout, stderr = result
    assert (status, stdout) == (2, ""), stderr
    assert len(stderr.splitlines()) == 1 and stderr.startswith("tunelint: error: "), stderr
    for word in words:
        assert word in stderr


def test_bad_state_files_are_one_line_errors(tmp_path: Path) -> None:
    write_dataset(tmp_path)
    states = _shards(tmp_path, 2, "--output-format", "json")
    _one_line_error(_merge(tmp_path, states[0]), "missing shard(s) 2 of 2")
    _one_line_error(_merge(tmp_path, states[0], states[0]), "shard 1/2 again")
    corrupted = tmp_path / "corrupted.state"
    data = bytearray(states[1].read_bytes())
    data[-10] ^= 0xFF
    corrupted.write_bytes(bytes(data))
    _one_line_error(_merge(tmp_path, states[0], corrupted), "corrupted.state", "checksum")
    truncated = tmp_path / "truncated.state"
    truncated.write_bytes(states[1].read_bytes()[:100])
    _one_line_error(_merge(tmp_path, states[0], truncated), "truncated.state")
    (tmp_path / "other.state").write_text("{}\n", encoding="utf-8")
    _one_line_error(_merge(tmp_path, tmp_path / "other.state"), "not a tunelint shard state")
    older = tmp_path / "older.state"
    magic, header, payload = states[1].read_bytes().split(b"\n", 2)
    fields = json.loads(header)
    older.write_bytes(
        b"\n".join([magic, json.dumps({**fields, "tunelint": "0.0.1"}).encode(), payload])
    )
    _one_line_error(_merge(tmp_path, states[0], older), "tunelint 0.0.1")
    # A shard of another run: other rules.
    other = tmp_path / "other-rules.state"
    status, _, _ = _check(
        tmp_path, "--output-format", "json", "--ignore", "DS003", "--shard", "2/2",
        "--state-out", str(other),
    )  # fmt: skip
    assert status == 0
    _one_line_error(_merge(tmp_path, states[0], other), "another run")
    # The data changed after the shards ran.
    with (tmp_path / "train.jsonl").open("a", encoding="utf-8") as stream:
        stream.write("{}\n")
    _one_line_error(_merge(tmp_path, *states), "train.jsonl: changed since the shards ran")


def test_shard_usage_errors(tmp_path: Path) -> None:
    write_dataset(tmp_path)
    _one_line_error(_check(tmp_path, "--shard", "3/2", "--state-out", "x"), "1 <= I <= N")
    _one_line_error(_check(tmp_path, "--shard", "1/2"), "go together")
    _one_line_error(_check(tmp_path, "--shard", "1/2", "--state-out", "x", "--fix"), "no --fix")


def test_an_unreadable_file_is_named_and_the_rest_report(tmp_path: Path) -> None:
    write_dataset(tmp_path)
    (tmp_path / "bad.jsonl.gz").write_bytes(gzip.compress(b'{"a": 1}\n')[:-12] + b"garbage!")
    (tmp_path / "good.jsonl").write_text('{"messages": []}\n', encoding="utf-8")
    states = []
    for index in (1, 2):
        state = tmp_path / f"s{index}.state"
        result = run_tunelint(
            "check", "bad.jsonl.gz", "train.jsonl", "good.jsonl", "--output-format", "json",
            "--shard", f"{index}/2", "--state-out", state, cwd=tmp_path,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        states.append(state)
    status, stdout, stderr = _merge(tmp_path, *states)
    assert status == 2
    assert [line for line in stderr.splitlines() if "bad.jsonl.gz" in line] == [
        line for line in stderr.splitlines() if line.startswith("tunelint: error: ")
    ]
    assert len(stderr.splitlines()) == 1
    paths = {finding["path"] for finding in json.loads(stdout)}
    assert paths == {"train.jsonl", "good.jsonl"}
