"""``check --executor ray`` on a real local Ray instance (2 CPUs, started once): the
output of ``check --jobs 1``, byte for byte; a file that cannot be read is named and the
others still report; without Ray installed, one line says how to get it."""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tunelint import cli
from tunelint.engine import pool, ray_executor
from tunelint.engine.ray_executor import ordered_map

from conftest import run_tunelint
from scale_data import EXPECTED_CODES, PARQUET_CODES, write_dataset, write_parquet


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[None]:
    import ray

    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    try:
        yield
    finally:
        ray.shutdown()


def _in_process(
    capsys: pytest.CaptureFixture[str], folder: Path, *arguments: str
) -> tuple[int, str, str]:
    """``tunelint`` run here, as the Ray driver (the cluster is this session's)."""
    capsys.readouterr()
    before = Path.cwd()
    os.chdir(folder)
    try:
        status = cli.main(list(arguments))
    finally:
        os.chdir(before)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_ray_equals_jobs_1_byte_for_byte(
    ray_cluster: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    train, _ = write_dataset(tmp_path)
    dataset = ["train.jsonl", "--validation-file", "valid.jsonl", "--no-cache"]
    expected = run_tunelint(
        "check", *dataset, "--jobs", "1", "--output-format", "json", cwd=tmp_path
    )
    assert expected.returncode == 1
    assert {finding["code"] for finding in json.loads(expected.stdout)} >= EXPECTED_CODES
    ray_run = _in_process(
        capsys, tmp_path, "check", *dataset, "--executor", "ray", "--output-format", "json"
    )
    assert ray_run == (1, expected.stdout, "")
    statistics = run_tunelint("check", *dataset, "--statistics", cwd=tmp_path)
    ray_run = _in_process(capsys, tmp_path, "check", *dataset, "--executor", "ray", "--statistics")
    assert ray_run == (1, statistics.stdout, "")

    stats = run_tunelint("stats", "train.jsonl", "valid.jsonl", "--format", "json", cwd=tmp_path)
    assert stats.returncode == 0, stats.stderr
    ray_run = _in_process(
        capsys, tmp_path, "stats", "train.jsonl", "valid.jsonl", "--format", "json",
        "--executor", "ray",
    )  # fmt: skip
    assert ray_run == (0, stats.stdout, stats.stderr)
    assert "first at train.jsonl:2001" in stats.stderr

    (tmp_path / "bad.jsonl.gz").write_bytes(gzip.compress(b'{"a": 1}\n')[:-12] + b"garbage!")
    status, stdout, stderr = _in_process(
        capsys, tmp_path, "check", "bad.jsonl.gz", train.name, "--executor", "ray",
        "--output-format", "json", "--no-cache",
    )  # fmt: skip
    assert status == 2
    assert len(stderr.splitlines()) == 1 and stderr.startswith("tunelint: error: bad.jsonl.gz")
    assert {finding["path"] for finding in json.loads(stdout)} == {"train.jsonl"}


def test_ray_on_parquet_row_groups_equals_jobs_1(
    ray_cluster: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A Parquet file of 17 row groups, linted and counted in tasks of whole row groups."""
    path = write_parquet(tmp_path)
    check = [path.name, "--no-cache", "--output-format", "json"]
    expected = run_tunelint("check", *check, "--jobs", "1", cwd=tmp_path)
    assert expected.returncode == 1
    assert {finding["code"] for finding in json.loads(expected.stdout)} >= PARQUET_CODES
    ray_run = _in_process(capsys, tmp_path, "check", *check, "--executor", "ray")
    assert ray_run == (1, expected.stdout, "")

    stats = run_tunelint("stats", path.name, "--format", "json", cwd=tmp_path)
    assert stats.returncode == 0, stats.stderr
    monkeypatch.setattr(pool, "SPLIT_BYTES", 1)  # this small file is counted in parts too
    tasks: list[int] = []

    def counted(ray: Any, function: Any, shared: Any, items: Any) -> Any:
        tasks.append(len(items))
        return ordered_map(ray, function, shared, items)

    monkeypatch.setattr(ray_executor, "ordered_map", counted)
    ray_run = _in_process(
        capsys, tmp_path, "stats", path.name, "--format", "json", "--executor", "ray"
    )
    assert ray_run == (0, stats.stdout, stats.stderr)
    assert tasks and tasks[0] > 1  # runs of row groups, each a task


def test_without_ray_a_one_line_hint(tmp_path: Path) -> None:
    """Ray hidden from a child process: the extra to install, exit 2."""
    (tmp_path / "sitecustomize.py").write_text(
        "import sys\nsys.modules['ray'] = None\n", encoding="utf-8"
    )
    (tmp_path / "data.jsonl").write_text('{"messages": []}\n', encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    result = run_tunelint("check", "data.jsonl", "--executor", "ray", cwd=tmp_path, env=env)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "tunelint: error: --executor ray needs Ray: pip install 'tunelint[ray]'\n"
    )
