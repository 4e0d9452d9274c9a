"""Time tunelint against the cookbook procedure on the same generated dataset.

Generates (once, into ``--workdir``) the deterministic 100,000-example chat dataset, then
runs each command in its own child process, one after the other, and prints a table of
wall time, peak memory and ratios. Peak memory is the largest sum of the resident set
sizes of the command's process tree (tunelint's worker processes included), sampled
every 10 ms, and never less than the kernel's own peak for the command's main process.

Each heavy command runs ``--runs`` times (3 by default), interleaved with the others, and
the table shows the run with the median wall time: on a shared machine single runs vary
by a third. tunelint's modules are byte-compiled first, as ``pip install`` does, since
an environment with ``PYTHONDONTWRITEBYTECODE`` would otherwise recompile them every run.

    python benchmarks/run.py [--examples N] [--workdir DIR] [--runs N] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import ensure_dataset, generate  # noqa: E402

import tunelint  # noqa: E402

TUNELINT = [sys.executable, "-m", "tunelint"]
FORMAT_RULES = "JL,SC,CV,TL"
"""The format rules alone: the cookbook's checks and the rest of their kind, no more."""
CHECK = "tunelint check"
ONE_CORE = "tunelint check --jobs 1"
FORMAT_ONLY = f"tunelint check --select {FORMAT_RULES}"
STATS = "tunelint stats --model gpt-3.5-turbo-0125"
FORMATS = "cookbook: format checks"
FULL = "cookbook: full run (tokens, cost)"
COOKBOOK = [sys.executable, str(HERE / "cookbook.py")]


@dataclass
class Measure:
    wall: float
    cpu: float
    peak_mb: float
    returncode: int
    stdout: str


def _tree_rss_kb(root: int) -> int:
    """Resident memory of ``root`` and all its descendants, in KiB (0 once it is gone)."""
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        try:
            with Path(f"/proc/{pid}/status").open() as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            with Path(f"/proc/{pid}/task/{pid}/children").open() as children:
                stack.extend(int(child) for child in children.read().split())
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    return total


def measure(command: list[str], cwd: Path | None = None) -> Measure:
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=cwd)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.01):
            peak = max(peak, _tree_rss_kb(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    assert process.stdout is not None
    stdout = process.stdout.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime  # workers included: the pool waits for them
    return Measure(wall, cpu, max(peak, usage.ru_maxrss) / 1024, process.returncode, stdout)


def _median_run(results: list[Measure]) -> Measure:
    """The run whose wall time is the median of ``results``."""
    median = statistics.median(result.wall for result in results)
    return min(results, key=lambda result: abs(result.wall - median))


def figures_match(cookbook_out: str, stats_out: str) -> str:
    """Compare the cookbook's figures with ``tunelint stats --format json``'s."""
    line = next(ln for ln in cookbook_out.splitlines() if ln.startswith("FIGURES "))
    ours, theirs = json.loads(stats_out), json.loads(line.removeprefix("FIGURES "))
    keys = ["examples", "missing_system", "missing_user", "over_limit"]
    different = [key for key in keys if ours.get(key) != theirs[key]]
    for name, values in theirs["distributions"].items():
        for stat, value in values.items():
            if ours["distributions"][name][stat] != value:
                different.append(f"{name}.{stat}")
    for key in ("billing_tokens", "epochs", "billed_tokens"):
        if ours["cost"][key] != theirs[key]:
            different.append(f"cost.{key}")
    return "identical" if not different else "DIFFERENT: " + ", ".join(different)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, default=HERE / ".data")
    parser.add_argument("--runs", type=int, default=3, help="runs of each large case")
    parser.add_argument("--repeat", type=int, default=5, help="runs of the start-up case")
    args = parser.parse_args()

    data = ensure_dataset(args.workdir, args.examples)
    small = args.workdir / "chat-10.jsonl"
    if not small.exists():
        generate(small, 10)
    package = str(Path(tunelint.__file__).parent)
    subprocess.run([sys.executable, "-m", "compileall", "-q", package], check=True)
    size_mb = data.stat().st_size / 1e6
    cores = os.cpu_count()
    print(f"dataset: {data.name}, {args.examples:,} examples, {size_mb:.1f} MB; {cores} cores")

    rows: list[tuple[str, Measure, tuple[str, str]]] = []
    cases = {
        FORMATS: [*COOKBOOK, str(data)],
        CHECK: [*TUNELINT, "check", "--no-cache", str(data)],
        ONE_CORE: [*TUNELINT, "check", "--no-cache", "--jobs", "1", str(data)],
        FORMAT_ONLY: [*TUNELINT, "check", "--no-cache", "--select", FORMAT_RULES, str(data)],
        FULL: [*COOKBOOK, str(data), "--full"],
        STATS: [*TUNELINT, *STATS.split()[1:], "--format", "json", str(data)],
    }
    runs: dict[str, list[Measure]] = {label: [] for label in cases}
    for round_number in range(1, args.runs + 1):
        for label, command in cases.items():
            print(f"running: {label} ({round_number}/{args.runs})", file=sys.stderr)
            runs[label].append(measure(command))
    chosen = {label: _median_run(results) for label, results in runs.items()}

    def row(label: str, baseline: str | None = None) -> Measure:
        result = chosen[label]
        ratios = ("", "")
        if baseline is not None:
            base = chosen[baseline]
            ratios = (f"{result.wall / base.wall:.2f}x", f"{result.cpu / base.cpu:.2f}x")
        rows.append((label, result, ratios))
        return result

    row(FORMATS)
    row(CHECK, FORMATS)
    row(ONE_CORE, FORMATS)
    row(FORMAT_ONLY, FORMATS)
    # A second run over the unchanged file is answered by the cache.
    cached = [*TUNELINT, "check", str(data)]
    measure(cached, cwd=args.workdir)
    print("running: tunelint check, cached", file=sys.stderr)
    rows.append(
        ("tunelint check, unchanged file (cache hit)", measure(cached, args.workdir), ("", ""))
    )
    full = row(FULL)
    stats = row(STATS, FULL)
    verdict = figures_match(full.stdout, stats.stdout) if stats.returncode == 0 else "failed"
    startups = [measure([*TUNELINT, "check", "--no-cache", str(small)]) for _ in range(args.repeat)]
    startup = _median_run(startups)
    rows.append((f"tunelint check, 10 examples (median of {args.repeat})", startup, ("", "")))

    print(
        f"\n| {'command':<44} | {'wall s':>7} | {'ratio':>6} | {'CPU s':>6} | {'ratio':>6} "
        f"| {'peak MB':>7} |"
    )
    print(f"|{'-' * 46}|{'-' * 8}:|{'-' * 7}:|{'-' * 7}:|{'-' * 7}:|{'-' * 8}:|")
    for label, r, (wall_ratio, cpu_ratio) in rows:
        print(
            f"| {label:<44} | {r.wall:7.2f} | {wall_ratio:>6} | {r.cpu:6.2f} | {cpu_ratio:>6} "
            f"| {r.peak_mb:7.1f} |"
        )
    print(f"\nstats figures vs the cookbook's: {verdict}")
    print("(ratios: tunelint's time over the cookbook step above it; CPU includes workers;")
    print(f" each large case is the median of {args.runs} interleaved runs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
