"""``--jobs N`` gives exactly ``--jobs 1``'s findings, in the same order.

Files are spread over worker processes and a large file is cut into byte ranges; the data
below triggers line rules (invalid JSON, blank lines), record rules (roles, tools, system
messages), the file-scope rules that merge across ranges (mixed formats, example counts,
tokens) and records that fall on both sides of the cuts.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tunelint.engine import pool
from tunelint.engine.config import ConfigFile, resolve_settings
from tunelint.engine.reader import line_boundaries
from tunelint.engine.runner import lint_file

from conftest import EXAMPLES, WriteJsonl, run_tunelint

SYSTEM = {"role": "system", "content": "You answer travel questions."}
PREFERENCE = {
    "input": {"messages": [{"role": "user", "content": "Hi"}]},
    "preferred_output": [{"role": "assistant", "content": "Hello!"}],
    "non_preferred_output": [{"role": "assistant", "content": "What?"}],
}


def chat(index: int) -> dict[str, Any]:
    turns = [{"role": "user", "content": f"Question {index} 질문"}]
    turns.append({"role": "assistant", "content": f"Answer {index} " + "word " * (index % 40)})
    return {"messages": [SYSTEM, *turns] if index % 7 else turns}


def mixed_lines(count: int) -> list[Any]:
    """Mostly valid chat, with a problem of some kind every few hundred lines."""
    broken = (EXAMPLES / "broken" / "train.jsonl").read_text(encoding="utf-8").splitlines()
    lines: list[Any] = []
    for index in range(count):
        if index % 397 == 5:
            lines.append(broken[index % len(broken)])
        elif index % 1013 == 7:
            lines.append("")
        elif index == count * 2 // 3:
            lines.append(PREFERENCE)  # SC008, first seen in a late range
        elif index == count - 3:
            lines.append({"prompt": "Hi", "completion": "Hello"})
        else:
            lines.append(chat(index))
    return lines


CONFIG = '[tool.tunelint]\nextend-select = ["ALL"]\n[tool.tunelint.rules.too-few-examples]\nminimum = 1000000\n'


def test_jobs_2_equals_jobs_1_on_a_large_file_split_in_ranges(
    tmp_path: Path, write_jsonl: WriteJsonl
) -> None:
    (tmp_path / "pyproject.toml").write_text(CONFIG, encoding="utf-8")
    big = write_jsonl(mixed_lines(120_000), "big.jsonl")
    assert big.stat().st_size >= pool.SPLIT_BYTES  # the CLI cuts it into ranges
    small = write_jsonl(mixed_lines(900), "a/small.jsonl")
    outputs = {}
    for jobs in ("1", "2"):
        result = run_tunelint(
            "check", big, small, "--jobs", jobs, "--no-cache", "--output-format", "json",
            cwd=tmp_path,
        )  # fmt: skip
        assert result.returncode == 1, result.stderr
        outputs[jobs] = json.loads(result.stdout)
    assert outputs["2"] == outputs["1"]
    codes = {finding["code"] for finding in outputs["1"]}
    assert {"JL001", "JL003", "SC005", "CV002", "SC008", "DS001"} <= codes
    paths = [finding["path"] for finding in outputs["1"]]
    assert paths == sorted(paths, key=lambda path: path != str(big))  # file order kept


@pytest.mark.parametrize("jobs", [2, 3])
def test_many_small_ranges_merge_exactly(
    jobs: int, write_jsonl: WriteJsonl, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cuts every few kilobytes, so cuts land next to blank, broken and odd records."""
    path = write_jsonl([*mixed_lines(3000), "", "[1]", "{"])
    files = [path, EXAMPLES / "broken" / "train.jsonl", path]
    for profile in ("openai", "cookbook"):
        settings = resolve_settings(
            ConfigFile(None), {"profile": profile, "extend-select": ["ALL"]}
        )
        expected = [lint_file(file, settings) for file in files]
        monkeypatch.setattr(pool, "SPLIT_BYTES", 1)
        monkeypatch.setattr(pool, "POOL_BYTES", 1)
        monkeypatch.setattr(pool, "RANGES_PER_JOB", 40)
        assert len(line_boundaries(path, jobs * 40)) == jobs * 40
        assert list(pool.lint_files(files, settings, jobs)) == expected
        assert {"SC008", "JL001", "JL002", "JL003"} <= {
            finding.code for finding in expected[0].findings
        }


def test_line_boundaries_cover_the_file_on_newlines(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_bytes(b"a\n" + b"x" * 50 + b"\n\nlast line without newline")
    data = path.read_bytes()
    for parts in range(1, 12):
        ranges = line_boundaries(path, parts)
        assert ranges[0][0] == 0 and ranges[-1][1] == len(data)
        for (_, end), (start, _) in itertools.pairwise(ranges):
            assert end == start and data[end - 1 : end] == b"\n"


def test_stats_over_ranges_equal_one_process(
    write_jsonl: WriteJsonl, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tunelint.tokens.stats import compute_stats

    files = [write_jsonl([*mixed_lines(2000), "", "[1]"], name) for name in ("a.jsonl", "b.jsonl")]
    settings = resolve_settings(ConfigFile(None))
    one = compute_stats(files, settings, "gpt-3.5-turbo-0125")
    monkeypatch.setattr(pool, "SPLIT_BYTES", 1)
    monkeypatch.setattr(pool, "RANGES_PER_JOB", 20)
    monkeypatch.setattr("tunelint.tokens.stats.POOL_BYTES", 1)
    progress: list[tuple[int, int]] = []
    split = compute_stats(
        files, settings, "gpt-3.5-turbo-0125", None, lambda *done: progress.append(done), 2
    )
    assert split.to_dict() == one.to_dict()
    assert split.values == one.values  # every example's figures, in file order
    assert (split.skipped, split.missing_user) == (one.skipped, one.missing_user) != (0, 0)
    assert len(progress) == 2 * 2 * 20 and progress[-1][0] == progress[-1][1]


def write_row_groups(path: Path, rows: list[dict[str, Any]], group_rows: int) -> Path:
    """``rows`` as an uncompressed Parquet file in row groups of ``group_rows`` rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_batches([pa.RecordBatch.from_struct_array(pa.array(rows))])
    pq.write_table(table, path, row_group_size=group_rows, compression="none")
    return path


def test_stats_over_parquet_row_groups_equal_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large Parquet file is counted in runs of whole row groups, one part per group
    here; the first record with nothing to count is named by its row in the file."""
    from tunelint.tokens.stats import compute_stats

    rows = [chat(index) for index in range(3000)]
    rows[2500] = rows[2700] = {"messages": [{"role": "user", "content": "  "}]}
    path = write_row_groups(tmp_path / "rows.parquet", rows, 200)
    settings = resolve_settings(ConfigFile(None))
    one = compute_stats([path], settings, "gpt-3.5-turbo-0125")
    assert (one.uncountable, one.first_uncountable) == (2, f"{path}:2501")
    monkeypatch.setattr(pool, "SPLIT_BYTES", 1)
    monkeypatch.setattr(pool, "RANGES_PER_JOB", 20)
    monkeypatch.setattr("tunelint.tokens.stats.POOL_BYTES", 1)
    progress: list[tuple[int, int]] = []
    split = compute_stats(
        [path], settings, "gpt-3.5-turbo-0125", None, lambda *done: progress.append(done), 2
    )
    assert split.to_dict() == one.to_dict()
    assert split.values == one.values
    assert split.first_uncountable == one.first_uncountable
    assert len(progress) == 3000 // 200  # a part per row group


def test_a_split_file_is_read_again_only_for_whole_file_work(
    write_jsonl: WriteJsonl, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The main process reads a split file itself only when a rule that cannot run on
    ranges has work there: DS005 on a validation file, not on every file."""
    from dataclasses import replace

    from tunelint.engine import runner

    train = write_jsonl([chat(index) for index in range(300)], "train.jsonl")
    valid = write_jsonl([chat(index) for index in range(290, 400)], "valid.jsonl")
    read_here: list[Path] = []

    def counted(read: Any) -> Any:
        def reading(path: Path, *bounds: Any) -> Any:
            read_here.append(path)  # workers are forked: only this process's reads land here
            return read(path, *bounds)

        return reading

    monkeypatch.setattr(runner, "read_lines", counted(runner.read_lines))
    monkeypatch.setattr(runner, "read_blocks", counted(runner.read_blocks))
    monkeypatch.setattr(pool, "SPLIT_BYTES", 1)
    monkeypatch.setattr(pool, "POOL_BYTES", 1)
    settings = resolve_settings(ConfigFile(None))
    assert "DS005" in settings.enabled  # on, with nothing to compare an unpaired file with
    assert "DS005" not in {rule.code for rule in settings.rules_for(valid)}
    list(pool.lint_files([train, valid], settings, 2))
    assert read_here == []
    paired = replace(settings, datasets=((train.resolve(), valid.resolve()),))
    assert "DS005" in {rule.code for rule in paired.rules_for(valid)}
    results = list(pool.lint_files([train, valid], paired, 2))
    assert "DS005" in {finding.code for finding in results[1].findings}
    assert valid in read_here and train in read_here  # the overlap check, here


def test_a_killed_worker_ends_the_run_in_one_line(tmp_path: Path) -> None:
    """The OOM killer or ``kill -9`` on a worker: one line and exit 2, never a hang."""
    record = {
        "messages": [
            {"role": "user", "content": "Hi " * 40},
            {"role": "assistant", "content": "Yo"},
        ]
    }
    line = json.dumps(record).encode() + b"\n"
    path = tmp_path / "big.jsonl"
    path.write_bytes(line * (24_000_000 // len(line)))
    child = subprocess.Popen(
        [sys.executable, "-m", "tunelint", "check", "--jobs", "2", "--no-cache", path],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    children = Path(f"/proc/{child.pid}/task/{child.pid}/children")
    deadline = time.monotonic() + 60
    while not children.read_text().split() and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(int(children.read_text().split()[0]), signal.SIGKILL)
    try:
        _, stderr = child.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        child.kill()
        raise AssertionError("the run hangs after a worker died") from None
    assert child.returncode == 2, stderr
    assert stderr == (
        "tunelint: error: a worker process died before it finished (killed, or out of memory); "
        "the run is incomplete: run again, with fewer --jobs if memory is short\n"
    )


# Another thread of the process imports re2 (which the line rules import on first use, in
# each worker) when the pool forks: the module has run, but its import is held open until
# this process has forked. Prints whether the split file's findings equal one process's.
HALF_IMPORTED = """\
import importlib, importlib.machinery, os, sys, threading
from pathlib import Path
from tunelint.engine import pool
from tunelint.engine.config import ConfigFile, resolve_settings
from tunelint.engine.runner import lint_file
parent = os.getpid()
running, forked = threading.Event(), threading.Event()
os.register_at_fork(after_in_parent=forked.set)
class Loader:
    def __init__(self, real):
        self.real = real
    def create_module(self, spec):
        return self.real.create_module(spec)
    def exec_module(self, module):
        self.real.exec_module(module)
        if os.getpid() == parent:
            running.set()
            forked.wait()
class HeldOpen:
    def find_spec(self, name, path=None, target=None):
        spec = importlib.machinery.PathFinder.find_spec(name, path) if name == "re2" else None
        if spec is not None:
            spec.loader = Loader(spec.loader)
        return spec
sys.meta_path.insert(0, HeldOpen())
threading.Thread(target=importlib.import_module, args=("re2",), daemon=True).start()
running.wait()
path = Path(sys.argv[1])
settings = resolve_settings(ConfigFile(None))
pool.SPLIT_BYTES = pool.POOL_BYTES = 1
results = list(pool.lint_files([path], settings, 2))
print(results == [lint_file(path, settings)])
"""


def test_a_fork_while_another_thread_imports_neither_hangs_nor_fails(
    write_jsonl: WriteJsonl,
) -> None:
    """fork copies one thread: a module another thread is importing (an API caller's
    thread, a reader of URLs) is half-imported in the workers, its lock held by no one."""
    path = write_jsonl(mixed_lines(3000))
    child = subprocess.Popen(
        [sys.executable, "-c", HALF_IMPORTED, path],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its workers too are killed if it hangs
    )
    try:
        stdout, stderr = child.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.communicate()
        raise AssertionError("a worker waits forever for another thread's import") from None
    assert (child.returncode, stdout) == (0, "True\n"), stderr


@pytest.mark.parametrize(
    ("load", "cores", "machine", "expected"),
    [
        (0.0, 2, 2, 2),
        (1.2, 2, 2, 2),  # most of a core to spare: a worker more pays
        (1.6, 2, 2, 1),  # less than half a core: it would only take turns
        (5.0, 2, 2, 1),
        (3.0, 8, 8, 6),
        (32.0, 4, 64, 3),  # a container's 4 cores on a half-busy 64-core machine
        (0.0, 1, 1, 1),
    ],
)
def test_default_jobs_are_the_cores_other_work_leaves_free(
    load: float, cores: int, machine: int, expected: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load))
    monkeypatch.setattr(os, "sched_getaffinity", lambda _: set(range(cores)))
    monkeypatch.setattr(os, "cpu_count", lambda: machine)
    assert pool.default_jobs() == expected


# The command line on a machine of two cores at the given one-minute load average; logs
# the byte range each worker process is given.
BUSY = """\
import os, sys
load, log = float(sys.argv[1]), sys.argv[2]
os.getloadavg = lambda: (load, load, load)
os.sched_getaffinity = lambda _: {0, 1}
os.cpu_count = lambda: 2
from tunelint.engine import pool
lint_range = pool._lint_range
def logged(path, start, end, groups):
    with open(log, "a") as stream:
        print(os.getpid(), start, end, file=stream)
    return lint_range(path, start, end, groups)
pool._lint_range = logged
from tunelint.cli import main
status = main(sys.argv[3:])
print(os.getpid(), file=sys.stderr)
sys.exit(status)
"""


def test_without_jobs_a_file_of_a_few_mib_is_split_on_free_cores_only(
    tmp_path: Path, write_jsonl: WriteJsonl
) -> None:
    big = write_jsonl(mixed_lines(20_000), "big.jsonl")
    size = big.stat().st_size
    assert pool.SPLIT_BYTES <= size < 2 * pool.SPLIT_BYTES  # 4 to 8 MiB: one file
    command = ("check", big, "--no-cache", "--output-format", "json")
    alone = run_tunelint(*command, "--jobs", "1", cwd=tmp_path)
    for load, split in ((0.0, True), (1.6, False), (5.0, False)):
        log = tmp_path / f"ranges-{load}.log"
        log.touch()
        result = subprocess.run(
            [sys.executable, "-c", BUSY, str(load), log, *map(str, command)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert (result.returncode, result.stdout) == (alone.returncode, alone.stdout)
        main = int(result.stderr.split()[-1])
        given = [tuple(map(int, line.split())) for line in log.read_text().splitlines()]
        if not split:
            assert given == []  # linted in the main process, as with --jobs 1
            continue
        ranges = sorted((start, end) for _, start, end in given)
        assert len(ranges) == 2 * pool.RANGES_PER_JOB
        assert ranges[0][0] == 0 and ranges[-1][1] == size
        assert all(end == start for (_, end), (start, _) in itertools.pairwise(ranges))
        assert main not in {pid for pid, _, _ in given}
