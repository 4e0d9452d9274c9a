"""Time and memory of the duplicate rules (DS003, DS004) on a generated 1,000,000-example file.

Writes a deterministic chat dataset into a temporary folder: distinct questions and answers
built from a pseudo-word vocabulary, plus one exact copy (DS003) and one near copy (case,
punctuation, one word changed: DS004) every 100 examples. Then runs ``tunelint check
--select ...`` in a child process per measurement (one worker, no cache) and reports its
wall time, its peak resident memory (``getrusage(RUSAGE_CHILDREN)`` of a fresh
intermediate process, so each figure is one run's) and the memory per example above an
engine-only run (``--select JL001``), plus the findings counted against the planted ones.

    python benchmarks/bench_duplicates.py [--examples N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SELECTIONS = ("JL001", "DS003", "DS004", "DS003,DS004")
SYSTEM = "You are a helpful assistant for a travel company. Answer briefly."


def generate(path: Path, examples: int, seed: int = 2026) -> tuple[int, int]:
    """Write ``examples`` records; returns how many exact and near copies were planted."""
    generator = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = ["".join(generator.choices(letters, k=generator.randint(3, 9))) for _ in range(20000)]
    exact = near = 0
    recent: list[tuple[str, str]] = []
    with path.open("w", encoding="utf-8") as stream:
        for index in range(examples):
            if index % 100 == 50 and recent:
                question, answer = generator.choice(recent)
                exact += 1
            elif index % 100 == 75 and recent:
                question, answer = generator.choice(recent)
                tokens = answer.split()
                tokens[generator.randrange(len(tokens))] = generator.choice(words)
                question, answer = question.upper().rstrip("?") + "!", " ".join(tokens)
                near += 1
            else:
                question = " ".join(generator.choices(words, k=generator.randint(8, 16))) + "?"
                answer = " ".join(generator.choices(words, k=generator.randint(20, 45))) + "."
                recent = [*recent[-999:], (question, answer)]
            record = {
                "messages": [
                    {"role": "system", "content": SYSTEM},
                    {"role": "user", "content": question},
                    {"role": "assistant", "content": answer},
                ]
            }
            stream.write(json.dumps(record) + "\n")
    return exact, near


def measure(data: Path, select: str) -> tuple[float, int, dict[str, int]]:
    """Wall seconds, peak RSS in KiB, and findings by code of one ``tunelint check`` run."""
    command = [sys.executable, "-m", "tunelint", "check", str(data), "--select", select]
    command += ["--jobs", "1", "--no-cache", "--output-format", "json"]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 1):
        raise SystemExit(f"tunelint failed: {result.stderr}")
    counts: dict[str, int] = {}
    for finding in json.loads(result.stdout):
        counts[finding["code"]] = counts.get(finding["code"], 0) + 1
    # Linux reports ru_maxrss in KiB.
    return elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="write the data here instead of a temp dir")
    parser.add_argument("--measure", nargs=2, metavar=("DATA", "SELECT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:  # the fresh intermediate process: one run, its own peak memory
        print(json.dumps(measure(Path(args.measure[0]), args.measure[1])))
        return
    with tempfile.TemporaryDirectory() as temporary:
        folder = args.keep or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        data = folder / "duplicates.jsonl"
        started = time.perf_counter()
        exact, near = generate(data, args.examples)
        print(
            f"{args.examples:,} examples, {data.stat().st_size / 2**20:,.0f} MiB, "
            f"{exact:,} exact and {near:,} near copies planted "
            f"(written in {time.perf_counter() - started:.0f} s)"
        )
        baseline = 0
        print(f"{'rules':<12} {'wall s':>8} {'peak MiB':>9} {'B/example':>10}  findings")
        for select in SELECTIONS:
            run = [sys.executable, __file__, "--measure", str(data), select]
            output = subprocess.run(run, capture_output=True, text=True, check=True).stdout
            elapsed, peak, counts = json.loads(output)
            baseline = baseline or peak
            per_example = (peak - baseline) * 1024 / args.examples
            print(
                f"{select:<12} {elapsed:>8.1f} {peak / 1024:>9.0f} {per_example:>10.0f}  {counts}"
            )


if __name__ == "__main__":
    main()
