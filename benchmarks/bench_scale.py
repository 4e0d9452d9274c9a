"""Beyond one machine: ``--jobs 2``, Ray on 2 CPUs, and 4 shards merged, on 1,000,000 examples.

Writes the deterministic chat file of ``bench_duplicates.py`` (exact and near copies
planted), then lints it with the default rules plus DS004 (near-duplicates) in three ways,
each in a fresh child process, and checks that all three print the same JSON:

- ``check --jobs 2``: this machine's process pool;
- ``check --executor ray --jobs 2``: a new local Ray instance with 2 CPUs (its start-up
  included, and measured alone on a 10-example file);
- ``check --shard I/4 --state-out ... --jobs 2`` four times, one after the other (each
  shard runs its units on 2 processes), then ``merge``.

Reports wall time and the driver's peak resident memory (the process that merges and
reports: ``getrusage(RUSAGE_SELF)``, workers excluded), each shard's peak, the state
files' size, and the load average before and after (the machine may be shared).

    python benchmarks/bench_scale.py [--examples N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import redirect_stdout
from io import StringIO
from pathlib import Path

from bench_duplicates import generate

RULES = ["--extend-select", "DS004"]


def measure(folder: Path, arguments: list[str]) -> None:
    """In a fresh child: run ``tunelint`` here, print wall s, own peak KiB, status and a
    digest of what it printed."""
    from tunelint import cli

    os.chdir(folder)
    output = StringIO()
    started = time.perf_counter()
    with redirect_stdout(output):
        status = cli.main(arguments)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    digest = hashlib.sha256(output.getvalue().encode()).hexdigest()[:16]
    print(json.dumps([elapsed, peak, status, digest]))


def run(folder: Path, *arguments: str) -> tuple[float, int, int, str]:
    command = [sys.executable, __file__, "--measure", str(folder), *arguments]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode:
        raise SystemExit(f"failed: {' '.join(arguments)}\n{result.stderr}")
    elapsed, peak, status, digest = json.loads(result.stdout.splitlines()[-1])
    return elapsed, peak, status, digest


def _row(name: str, measured: tuple[float, int, int, str]) -> tuple[float, int, int, str]:
    elapsed, peak, status, digest = measured
    print(f"{name:<36} {elapsed:>8.1f} {peak / 1024:>9.0f} {status:>6}  {digest}", flush=True)
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="write the data here instead of a temp dir")
    parser.add_argument("--measure", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(Path(args.measure[0]), args.measure[1:])
        return
    with tempfile.TemporaryDirectory() as temporary:
        folder = args.keep or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        data = folder / "scale.jsonl"
        if not data.exists():
            generate(data, args.examples)
        with data.open("rb") as stream:
            (folder / "tiny.jsonl").write_bytes(b"".join(next(stream) for _ in range(10)))
        print(f"{args.examples:,} examples, {data.stat().st_size / 2**20:,.0f} MiB; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")  # fmt: skip
        print(f"{'run':<36} {'wall s':>8} {'peak MiB':>9} {'status':>6}  output", flush=True)
        common = ["check", data.name, *RULES, "--no-cache", "--output-format", "json"]
        jobs = _row("check --jobs 2", run(folder, *common, "--jobs", "2"))
        ray = _row(
            "check --executor ray (2 CPUs)",
            run(folder, *common, "--executor", "ray", "--jobs", "2"),
        )
        tiny = ["check", "tiny.jsonl", "--no-cache", "--executor", "ray", "--jobs", "2"]
        start_up = _row("  Ray start-up alone (10 examples)", run(folder, *tiny))
        shard_walls, shard_peak, sizes = [], 0, 0
        for index in range(1, 5):
            state = folder / f"shard-{index}.state"
            shard = run(
                folder, *common, "--jobs", "2", "--shard", f"{index}/4", "--state-out", str(state)
            )
            shard_walls.append(shard[0])
            shard_peak = max(shard_peak, shard[1])
            sizes += state.stat().st_size
        print(f"  each shard's wall s: {', '.join(f'{wall:.1f}' for wall in shard_walls)}")
        _row("4 shards: the longest", (max(shard_walls), shard_peak, 0, ""))
        _row("4 shards: one after another", (sum(shard_walls), shard_peak, 0, ""))
        states = [str(folder / f"shard-{index}.state") for index in range(1, 5)]
        merged = _row("  merge", run(folder, "merge", *states))
        print(
            f"state files: {sizes / 2**20:.1f} MiB in all ({sizes / args.examples:.0f} B/example)"
        )
        print(
            f"Ray's overhead against --jobs 2: {ray[0] - jobs[0]:+.1f} s "
            f"({start_up[0]:.1f} s of it start-up), driver {(ray[1] - jobs[1]) / 1024:+.0f} MiB"
        )
        same = len({jobs[3], ray[3], merged[3]}) == 1
        print(f"identical output: {'yes' if same else 'NO'}; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
