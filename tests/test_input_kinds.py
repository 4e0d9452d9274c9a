"""Every input kind gives the same findings: plain, compressed, Parquet, stdin and S3.

The S3 tests run against a real S3-compatible server (moto in server mode) that the tests
start on 127.0.0.1; the child processes reach it through ``AWS_ENDPOINT_URL``.
"""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard
from moto.server import ThreadedMotoServer

from conftest import REPO, run_python, run_tunelint

TOY = REPO / "tests" / "data" / "cookbook" / "toy_chat_fine_tuning.jsonl"
SECRET = "tunelint-test-secret-key-0123456789"
SYSTEM = {"role": "system", "content": "You answer briefly."}


def records() -> list[dict[str, Any]]:
    """The cookbook's toy file, then records that exercise optional fields and defects."""
    toy = [json.loads(line) for line in TOY.read_text(encoding="utf-8").splitlines()]
    call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"a": 1}'}}
    return [
        *toy,
        {"messages": [SYSTEM, {"role": "user", "content": "Weather?"},
                      {"role": "assistant", "tool_calls": [call]}]},
        {"messages": [SYSTEM, {"role": "user", "content": "Hi"},
                      {"role": "assistant", "content": "Hello", "weight": 0},
                      {"role": "user", "content": "Bye"},
                      {"role": "assistant", "content": "Goodbye", "weight": 1}]},
        {"messages": [SYSTEM, {"role": "human", "content": "Hi"},
                      {"role": "assistant", "content": "Hello"}]},
        toy[0],
        {"messages": [SYSTEM, {"role": "user", "content": "Nothing back"}]},
    ]  # fmt: skip


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def findings(result: subprocess.CompletedProcess[str], columns: bool = True) -> list[Any]:
    """The report without its paths (which name each input differently)."""
    assert result.returncode in (0, 1), result.stderr
    keys = ("code", "line", "column", "message", "fingerprint", "example")
    return [
        tuple(item.get(key) for key in keys if columns or key != "column")
        for item in json.loads(result.stdout)
    ]


def check(*args: Any, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return run_tunelint("check", "--no-cache", "--output-format", "json", *args, **kwargs)


@pytest.fixture
def plain(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "x.jsonl", records())


def test_compressed_files_give_the_plain_files_findings(plain: Path, tmp_path: Path) -> None:
    expected = findings(check(plain, cwd=tmp_path))
    assert {"SC005", "DS003", "CV001"} <= {finding[0] for finding in expected}
    data = plain.read_bytes()
    compressed = {
        "x.jsonl.gz": gzip.compress(data),
        "x.jsonl.bz2": bz2.compress(data),
        "x.jsonl.xz": lzma.compress(data),
        "x.jsonl.zst": zstandard.ZstdCompressor().compress(data),
        "gzip-without-suffix.jsonl": gzip.compress(data),  # known by its magic bytes
    }
    for name, content in compressed.items():
        (tmp_path / name).write_bytes(content)
        assert findings(check(name, cwd=tmp_path)) == expected, name


def test_stdin_gives_the_plain_files_findings_under_its_name(plain: Path, tmp_path: Path) -> None:
    expected = findings(check(plain, cwd=tmp_path))
    piped = run_tunelint(
        "check", "--output-format", "json", "-", "--stdin-filename", "data/piped.jsonl",
        cwd=tmp_path, input=plain.read_bytes(),
    )  # fmt: skip
    assert findings(piped) == expected
    assert {item["path"] for item in json.loads(piped.stdout)} == {"data/piped.jsonl"}
    gz = subprocess.run(
        [sys.executable, "-m", "tunelint", "check", "--output-format", "json", "-"],
        cwd=tmp_path, input=gzip.compress(plain.read_bytes()), capture_output=True, check=False,
    )  # fmt: skip
    assert findings(subprocess.CompletedProcess(gz.args, gz.returncode, gz.stdout.decode())) == (
        expected
    )


def test_stdin_and_dev_stdin_are_read_from_a_real_pipe_without_seeking(
    plain: Path, tmp_path: Path
) -> None:
    # ``cat file |`` hands a pipe, which cannot seek: the spool serves the second pass
    # (the duplicate's first copy is fingerprinted after linting).
    command = f"cat {plain.name} | {sys.executable} -m tunelint check --output-format json -"
    piped = subprocess.run(command, shell=True, cwd=tmp_path, capture_output=True, text=True)
    assert findings(piped) == findings(check(plain, cwd=tmp_path))
    named = subprocess.run(
        f"cat {plain.name} | {sys.executable} -m tunelint check --output-format json /dev/stdin",
        shell=True, cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert findings(named) == findings(piped)
    assert {item["path"] for item in json.loads(named.stdout)} == {"/dev/stdin"}


def parquet_table(rows: list[dict[str, Any]], messages_as_json: bool) -> pa.Table:
    if messages_as_json:
        rows = [{**row, "messages": json.dumps(row["messages"])} for row in rows]
    return pa.Table.from_pylist(rows)


@pytest.mark.parametrize("messages_as_json", [False, True], ids=["structs", "json-strings"])
def test_parquet_rows_give_the_plain_files_findings(
    plain: Path, tmp_path: Path, messages_as_json: bool
) -> None:
    # Row groups of 3 rows: records are read a row group at a time, numbered across them.
    table = parquet_table(records(), messages_as_json)
    pq.write_table(table, tmp_path / "x.parquet", row_group_size=3)
    assert pq.ParquetFile(tmp_path / "x.parquet").metadata.num_row_groups > 2
    expected = findings(check(plain, cwd=tmp_path), columns=False)
    assert findings(check("x.parquet", cwd=tmp_path), columns=False) == expected
    piped = subprocess.run(
        f"cat x.parquet | {sys.executable} -m tunelint check --output-format json -",
        shell=True, cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert findings(piped, columns=False) == expected


def test_arrow_ipc_files_and_streams_give_the_plain_files_findings(
    plain: Path, tmp_path: Path
) -> None:
    table = parquet_table(records(), messages_as_json=False)
    with pa.ipc.new_file(tmp_path / "x.arrow", table.schema) as writer:
        writer.write_table(table, max_chunksize=4)
    # The stream format, as Hugging Face's save_to_disk writes it (and under another name).
    with pa.ipc.new_stream(tmp_path / "data-00000-of-00001.arrow", table.schema) as writer:
        writer.write_table(table, max_chunksize=4)
    expected = findings(check(plain, cwd=tmp_path), columns=False)
    assert findings(check("x.arrow", cwd=tmp_path), columns=False) == expected
    assert findings(check("data-00000-of-00001.arrow", cwd=tmp_path), columns=False) == expected


def test_a_hugging_face_dataset_folder_is_read_as_its_splits(tmp_path: Path) -> None:
    rows = records()
    data = tmp_path / "ds" / "data"
    data.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows[:5]), data / "train-00000-of-00002.parquet")
    pq.write_table(pa.Table.from_pylist(rows[5:8]), data / "train-00001-of-00002.parquet")
    # The validation split repeats the training split's sixth row (row 1 of shard 2).
    pq.write_table(pa.Table.from_pylist([rows[5]]), data / "validation-00000-of-00001.parquet")
    result = check("ds", "--select", "DS005,SC005", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    reported = [(f["path"], f["code"], f["line"]) for f in json.loads(result.stdout)]
    assert reported == [
        ("ds/data/train-[0-9]*-of-[0-9]*.parquet", "SC005", 8),  # row 8 over both shards
        ("ds/data/validation-00000-of-00001.parquet", "DS005", 1),
    ]
    overlap = json.loads(result.stdout)[1]["message"]
    assert "line 6" in overlap, overlap


def test_fix_refuses_what_it_cannot_rewrite_in_one_line(plain: Path, tmp_path: Path) -> None:
    (tmp_path / "x.jsonl.gz").write_bytes(gzip.compress(plain.read_bytes()))
    before = (tmp_path / "x.jsonl.gz").read_bytes()
    result = run_tunelint("check", "--fix", "x.jsonl.gz", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "tunelint: error: x.jsonl.gz: --fix: gzip-compressed files are not rewritten; "
        "decompress, fix, and compress again\n"
    )
    assert (tmp_path / "x.jsonl.gz").read_bytes() == before
    piped = run_tunelint("check", "--diff", "-", cwd=tmp_path, input=plain.read_bytes())
    assert piped.returncode == 2
    assert piped.stderr.startswith("tunelint: error: -: --diff: standard input or a pipe cannot")


def test_corrupt_compressed_data_is_one_line(plain: Path, tmp_path: Path) -> None:
    (tmp_path / "cut.jsonl.gz").write_bytes(gzip.compress(plain.read_bytes())[:-20])
    result = run_tunelint("check", "cut.jsonl.gz", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("tunelint: error: cut.jsonl.gz: corrupt gzip data: ")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_missing_extras_name_their_install_command(tmp_path: Path) -> None:
    pq.write_table(pa.Table.from_pylist(records()), tmp_path / "x.parquet")
    (tmp_path / "x.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(b"{}\n"))
    hide = "import sys; sys.modules['pyarrow'] = sys.modules['zstandard'] = None;"
    run = "from tunelint.cli import main; sys.exit(main(sys.argv[1:]))"
    for name, extra in (("x.parquet", "parquet"), ("x.jsonl.zst", "zstd")):
        result = run_python("-c", hide + run, "check", name, cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        assert result.stderr.endswith(f"pip install 'tunelint[{extra}]'\n"), result.stderr
        assert result.stderr.count("\n") == 1


def test_check_on_plain_jsonl_imports_no_input_library(plain: Path, tmp_path: Path) -> None:
    script = (
        "import sys; from tunelint.cli import main; main(['check', '--no-cache', 'x.jsonl']);"
        "print(sorted(m for m in ('pyarrow', 'fsspec', 'zstandard', 's3fs', 'pathspec')"
        " if m in sys.modules),"
        " file=sys.stderr)"
    )
    assert run_python("-c", script, cwd=tmp_path).stderr.splitlines()[-1] == "[]"


def test_convert_reads_stdin_and_writes_stdout(tmp_path: Path) -> None:
    alpaca = b'{"instruction": "Say hi", "input": "", "output": "hi"}\n'
    result = run_tunelint("convert", "-", "--from", "alpaca", "-o", "-", input=alpaca)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "messages": [{"role": "user", "content": "Say hi"}, {"role": "assistant", "content": "hi"}]
    }
    assert "1 converted" in result.stderr


def test_memory_stays_flat_on_a_compressed_file_larger_than_the_buffer(tmp_path: Path) -> None:
    """64 MB of JSONL behind a 100 KB gzip file: peak memory grows far less than the data."""

    def record(index: int) -> bytes:
        long = {"role": "assistant", "content": f"{index} " + "fine " * 6000}
        return json.dumps({"messages": [SYSTEM, {"role": "user", "content": "Go"}, long]}).encode()

    small, large = tmp_path / "small.jsonl.gz", tmp_path / "large.jsonl.gz"
    small.write_bytes(gzip.compress(b"\n".join(record(i) for i in range(10)) + b"\n"))
    with gzip.open(large, "wb") as out:
        for index in range(2200):
            out.write(record(index) + b"\n")
    assert large.stat().st_size < 1 << 20

    def peak_kib(path: Path) -> int:
        script = (
            "import resource, sys; from tunelint.cli import main;"
            f"main(['check', '--no-cache', '-j', '1', '--select', 'SC,CV,DS003', {str(path)!r}]);"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)"
        )
        return int(run_python("-c", script).stderr.splitlines()[-1])

    decompressed_kib = sum(len(record(i)) + 1 for i in range(2200)) // 1024
    assert decompressed_kib > 60_000
    growth = peak_kib(large) - peak_kib(small)
    assert growth < decompressed_kib // 4, (growth, decompressed_kib)


# --- object storage: a real S3-compatible server on 127.0.0.1 ---------------------------


@pytest.fixture(scope="module")
def s3_server() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def s3_env(endpoint: str) -> dict[str, str]:
    return {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "AKIATUNELINTTEST",
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_MAX_ATTEMPTS": "1",
    }


def s3_client(endpoint: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="AKIATUNELINTTEST",
        aws_secret_access_key=SECRET,
        region_name="us-east-1",
    )


@pytest.fixture(scope="module")
def bucket(s3_server: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("s3")
    data = write_jsonl(folder / "x.jsonl", records()).read_bytes()
    client = s3_client(s3_server)
    client.create_bucket(Bucket="bucket")
    client.put_object(Bucket="bucket", Key="x.jsonl", Body=data)
    client.put_object(Bucket="bucket", Key="x.jsonl.gz", Body=gzip.compress(data))
    parquet = folder / "x.parquet"
    pq.write_table(pa.Table.from_pylist(records()), parquet, row_group_size=4)
    client.put_object(Bucket="bucket", Key="x.parquet", Body=parquet.read_bytes())
    for key, body in (
        ("folder/a.jsonl", data),
        ("folder/sub/b.jsonl.gz", gzip.compress(data)),
        ("folder/notes.txt", b"not data"),
    ):
        client.put_object(Bucket="bucket", Key=key, Body=body)
    return s3_server


def test_s3_objects_give_the_plain_files_findings(bucket: str, plain: Path, tmp_path: Path) -> None:
    env = s3_env(bucket)
    expected = findings(check(plain, cwd=tmp_path))
    remote = check("s3://bucket/x.jsonl", cwd=tmp_path, env=env)
    assert findings(remote) == expected
    assert {item["path"] for item in json.loads(remote.stdout)} == {"s3://bucket/x.jsonl"}
    assert findings(check("s3://bucket/x.jsonl.gz", cwd=tmp_path, env=env)) == expected
    parquet = check("s3://bucket/x.parquet", cwd=tmp_path, env=env)
    assert findings(parquet, columns=False) == findings(check(plain, cwd=tmp_path), False)
    assert SECRET not in remote.stdout + remote.stderr + parquet.stderr


def test_an_s3_prefix_is_listed_for_its_data_files(bucket: str, tmp_path: Path) -> None:
    result = check("s3://bucket/folder", cwd=tmp_path, env=s3_env(bucket))
    assert result.returncode == 1, result.stderr
    paths = {item["path"] for item in json.loads(result.stdout)}
    assert paths == {"s3://bucket/folder/a.jsonl", "s3://bucket/folder/sub/b.jsonl.gz"}


def test_an_s3_prefix_shards_by_object_as_jobs_1_reports(bucket: str, tmp_path: Path) -> None:
    """Each object is its own unit, balanced by its listed size: of two small objects and
    one three times larger, one shard takes the large one, the other the small ones. The
    merge, like ``--jobs 2``, prints ``--jobs 1``'s report byte for byte."""
    env = s3_env(bucket)
    data = write_jsonl(tmp_path / "x.jsonl", records()).read_bytes()
    client = s3_client(bucket)
    for key, body in (("a.jsonl", data), ("b.jsonl", data), ("c.jsonl", data * 3)):
        client.put_object(Bucket="bucket", Key=f"sized/{key}", Body=body)
    url = "s3://bucket/sized/"
    expected = check(url, "--jobs", "1", cwd=tmp_path, env=env)
    assert expected.returncode == 1, expected.stderr
    assert check(url, "--jobs", "2", cwd=tmp_path, env=env).stdout == expected.stdout
    states = []
    for index, units in ((1, 1), (2, 2)):
        state = tmp_path / f"s{index}.state"
        shard = check(url, "--shard", f"{index}/2", "--state-out", state, cwd=tmp_path, env=env)
        assert shard.returncode == 0, shard.stderr
        assert f"shard {index}/2: {units} of 3 unit(s)" in shard.stderr
        states.append(state)
    merged = run_tunelint("merge", *states, cwd=tmp_path, env=env)
    assert (merged.returncode, merged.stdout, merged.stderr) == (1, expected.stdout, "")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("s3://no-such-bucket/x.jsonl", "s3://no-such-bucket/x.jsonl: no such bucket"),
        ("s3://bucket/missing.jsonl", "s3://bucket/missing.jsonl: no such object"),
    ],
)
def test_missing_bucket_and_key_are_one_line(
    bucket: str, tmp_path: Path, url: str, message: str
) -> None:
    result = run_tunelint("check", url, cwd=tmp_path, env=s3_env(bucket))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"tunelint: error: {message}\n"


def test_a_refused_connection_is_one_line_without_credentials(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run_tunelint(
        "check", "s3://bucket/x.jsonl", cwd=tmp_path, env=s3_env(f"http://127.0.0.1:{port}")
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith("tunelint: error: s3://bucket/x.jsonl: Could not connect")
    assert result.stderr.count("\n") == 1 and SECRET not in result.stderr


LOGGED_WORKERS = """\
import os, sys
log = sys.argv[1]
from tunelint.engine import pool
lint_file = pool._lint_file
def logged(path):
    with open(log, "a") as stream:
        print(os.getpid(), path, file=stream)
    return lint_file(path)
pool._lint_file = logged
from tunelint.cli import main
status = main(sys.argv[2:])
print(os.getpid(), file=sys.stderr)
sys.exit(status)
"""


def test_jobs_lint_and_count_objects_in_worker_processes(bucket: str, tmp_path: Path) -> None:
    """Three objects of 3 MiB under a prefix: ``--jobs 2`` hands each to a worker, which
    reads it itself, and reports what one process reports, byte for byte."""
    env = s3_env(bucket)
    rows = records()
    data = write_jsonl(
        tmp_path / "x.jsonl", rows * (3 * (1 << 20) // len(json.dumps(rows)))
    ).read_bytes()
    client = s3_client(bucket)
    for key in ("a.jsonl", "b.jsonl", "c.jsonl.gz"):
        client.put_object(
            Bucket="bucket",
            Key=f"large/{key}",
            Body=gzip.compress(data) if key.endswith(".gz") else data,
        )
    url = "s3://bucket/large/"
    alone = check(url, "--jobs", "1", cwd=tmp_path, env=env)
    assert alone.returncode == 1, alone.stderr
    log = tmp_path / "workers.log"
    log.touch()
    command = ("check", "--no-cache", "--output-format", "json", url, "--jobs", "2")
    pooled = run_python("-c", LOGGED_WORKERS, log, *command, cwd=tmp_path, env=env)
    assert (pooled.returncode, pooled.stdout) == (1, alone.stdout), pooled.stderr
    main = int(pooled.stderr.split()[-1])
    linted = [line.split() for line in log.read_text().splitlines()]
    assert sorted(name.rsplit("/", 1)[-1] for _, name in linted) == [
        "a.jsonl",
        "b.jsonl",
        "c.jsonl.gz",
    ]
    assert main not in {int(pid) for pid, _ in linted}
    stats = [
        run_tunelint("stats", "--format", "json", url, "--jobs", jobs, cwd=tmp_path, env=env)
        for jobs in ("1", "2")
    ]
    assert stats[0].returncode == 0, stats[0].stderr
    assert stats[1].stdout == stats[0].stdout


def test_stats_reads_stdin_and_urls(bucket: str, plain: Path, tmp_path: Path) -> None:
    expected = run_tunelint("stats", "--format", "json", plain, cwd=tmp_path)
    piped = run_tunelint("stats", "--format", "json", "-", cwd=tmp_path, input=plain.read_bytes())
    remote = run_tunelint(
        "stats", "--format", "json", "s3://bucket/x.jsonl.gz", cwd=tmp_path, env=s3_env(bucket)
    )
    assert expected.returncode == piped.returncode == remote.returncode == 0, remote.stderr
    assert json.loads(piped.stdout) == json.loads(remote.stdout) == json.loads(expected.stdout)


def test_pytest_collects_compressed_and_parquet_files(
    pytester: pytest.Pytester, plain: Path
) -> None:
    data = pytester.path / "data"
    data.mkdir()
    (data / "x.jsonl.gz").write_bytes(gzip.compress(plain.read_bytes()))
    pq.write_table(pa.Table.from_pylist(records()), data / "x.parquet")
    (data / "notes.txt").write_text("not data")
    result = pytester.runpytest("--tunelint", "-rA", "-p", "no:cacheprovider", "data")
    result.assert_outcomes(failed=2)  # each has an unrecognized role
    result.stdout.fnmatch_lines(["*x.jsonl.gz*SC005*", "*x.parquet*SC005*"], consecutive=False)
