"""Throughput of ``tunelint check`` on each input kind: plain, compressed and Parquet JSONL.

Writes the generated chat dataset (``generate.py``) as plain JSONL, gzip, zstd, xz and
Parquet (row groups of 10,000 rows, ``messages`` a list of structs), then times ``tunelint
check --no-cache`` on each, with one worker and with all cores, in child processes, and
prints a table of wall time, throughput in MB of JSONL per second and peak memory (the
process tree's, as ``run.py`` measures it). Each case runs ``--runs`` times, interleaved;
the table shows the median run. Needs ``pip install 'tunelint[zstd,parquet]'``.

    python benchmarks/inputs.py [--examples N] [--workdir DIR] [--runs N]
"""

from __future__ import annotations

import argparse
import gzip
import lzma
import multiprocessing
import os
import sys
from pathlib import Path

import pyarrow.json as pa_json
import pyarrow.parquet as pq
import zstandard

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import ensure_dataset  # noqa: E402
from run import TUNELINT, Measure, _median_run, measure  # noqa: E402


def write_kinds(plain: Path) -> dict[str, Path]:
    """The dataset as every input kind, written once next to ``plain``."""
    kinds = {
        "plain": plain,
        "gzip": plain.with_name(plain.name + ".gz"),
        "zstd": plain.with_name(plain.name + ".zst"),
        "xz": plain.with_name(plain.name + ".xz"),
        "parquet": plain.with_suffix(".parquet"),
    }
    data = None
    for kind, path in kinds.items():
        if path.exists():
            continue
        print(f"writing {path.name} ...", file=sys.stderr)
        data = data if data is not None else plain.read_bytes()
        if kind == "gzip":
            path.write_bytes(gzip.compress(data, compresslevel=6))
        elif kind == "zstd":
            path.write_bytes(zstandard.ZstdCompressor(level=3).compress(data))
        elif kind == "xz":
            path.write_bytes(lzma.compress(data, preset=1))
        elif kind == "parquet":
            pq.write_table(pa_json.read_json(plain), path, row_group_size=10_000)
    return kinds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, default=HERE / ".data")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    plain = ensure_dataset(args.workdir, args.examples)
    # Written by a fresh process: a child inherits its parent's peak memory on Linux, so
    # this process never holds the data it measures.
    writer = multiprocessing.get_context("spawn").Process(target=write_kinds, args=(plain,))
    writer.start()
    writer.join()
    kinds = write_kinds(plain)  # every file exists now: only names them
    jsonl_mb = plain.stat().st_size / 1e6
    print(
        f"dataset: {args.examples:,} examples, {jsonl_mb:.1f} MB of JSONL; {os.cpu_count()} cores"
    )

    cases: dict[tuple[str, str], list[str]] = {}
    for kind, path in kinds.items():
        for jobs in ("1", str(os.cpu_count() or 1)):
            cases[kind, jobs] = [*TUNELINT, "check", "--no-cache", "--jobs", jobs, str(path)]
    runs: dict[tuple[str, str], list[Measure]] = {case: [] for case in cases}
    for round_number in range(1, args.runs + 1):
        for case, command in cases.items():
            print(f"running: {case[0]} --jobs {case[1]} ({round_number})", file=sys.stderr)
            runs[case].append(measure(command))

    print(
        f"\n| {'input':<8} | {'file MB':>7} | {'jobs':>4} | {'wall s':>6} | {'MB/s':>6} "
        f"| {'CPU s':>6} | {'MB/CPU s':>8} | {'peak MB':>7} | {'exit':>4} |"
    )
    print(
        f"|{'-' * 10}|{'-' * 8}:|{'-' * 5}:|{'-' * 7}:|{'-' * 7}:|{'-' * 7}:|{'-' * 9}:"
        f"|{'-' * 8}:|{'-' * 5}:|"
    )
    for (kind, jobs), results in runs.items():
        result = _median_run(results)
        size = kinds[kind].stat().st_size / 1e6
        print(
            f"| {kind:<8} | {size:7.1f} | {jobs:>4} | {result.wall:6.2f} "
            f"| {jsonl_mb / result.wall:6.1f} | {result.cpu:6.2f} | {jsonl_mb / result.cpu:8.1f} "
            f"| {result.peak_mb:7.1f} | {result.returncode:>4} |"
        )
    print(
        "\n(MB/s, MB/CPU s: megabytes of JSONL linted per second of wall time, of CPU time of"
        " the process and its workers, whatever the input kind)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
