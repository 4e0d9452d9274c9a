"""``tunelint jobs`` and ``tunelint sample`` against the fake server; Azure; large uploads."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import WriteJsonl, run_tunelint
from fake_openai import KEY, FakeOpenAI


def jobs(fake: FakeOpenAI, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_tunelint("jobs", *args, "--base-url", fake.url, cwd=cwd, input=b"")


def test_list_show_events_and_cancel(fake: FakeOpenAI, tmp_path: Path) -> None:
    first = fake.add_job(model="gpt-4o-mini-2024-07-18", training_file="file-a")
    second = fake.add_job(
        model="gpt-4o-2024-08-06",
        training_file="file-b",
        validation_file="file-c",
        seed=3,
        metadata={"team": "data"},
        method={"type": "dpo", "dpo": {"hyperparameters": {"beta": 0.1}}},
    )

    listing = jobs(fake, "list", cwd=tmp_path)
    assert listing.returncode == 0, listing.stderr
    rows = [line.split() for line in listing.stdout.splitlines()]
    assert [(row[0], row[1], row[4], row[5]) for row in rows] == [
        (second, "validating_files", "gpt-4o-2024-08-06", "-"),
        (first, "validating_files", "gpt-4o-mini-2024-07-18", "-"),
    ]

    shown = jobs(fake, "show", second, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert f"id:               {second}" in shown.stdout.splitlines()
    assert 'method:           dpo {"hyperparameters": {"beta": 0.1}}' in shown.stdout
    assert "validation file:  file-c" in shown.stdout
    assert 'metadata:         {"team": "data"}' in shown.stdout

    events = jobs(fake, "events", second, cwd=tmp_path)
    assert events.returncode == 0, events.stderr
    assert events.stdout.splitlines()[0].endswith(f"info   Created fine-tuning job: {second}")

    cancelled = jobs(fake, "cancel", second, cwd=tmp_path)
    assert cancelled.returncode == 0, cancelled.stderr
    assert cancelled.stdout.strip() == f"{second}: cancelled"
    assert len(fake.sent("POST", f"/fine_tuning/jobs/{second}/cancel")) == 1
    assert fake.jobs[first]["status"] == "validating_files"


def test_wait_prints_every_event_once_across_pages(fake: FakeOpenAI, tmp_path: Path) -> None:
    job = fake.add_job(model="m", training_file="file-a", suffix="s")
    for i in range(150):
        fake._event(job, f"note {i}")
    result = jobs(fake, "wait", job, "--poll-interval", "0.01", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    notes = [line.split("  ")[-1].strip() for line in result.stdout.splitlines() if "note " in line]
    assert notes == [f"note {i}" for i in range(150)]
    assert result.stdout.splitlines()[-1] == "fine-tuned model: ft:m:org-test:s:AbC123"
    assert len(fake.sent("GET", f"/fine_tuning/jobs/{job}/events")) > 2


def test_unknown_job_is_one_line(fake: FakeOpenAI, tmp_path: Path) -> None:
    for action in ("show", "events", "wait", "cancel"):
        result = jobs(fake, action, "ftjob-nope", cwd=tmp_path)
        assert result.returncode == 2, result.stdout
        assert result.stderr.count("\n") == 1, result.stderr
        assert "ftjob-nope: not found (404): Could not find fine-tune: ftjob-nope" in result.stderr


def test_progress_bar_on_a_terminal(fake: FakeOpenAI, tmp_path: Path) -> None:
    """Step metrics draw a bar on a terminal's stderr instead of printing each step."""
    job = fake.add_job(model="m", training_file="file-a")
    leader, follower = pty.openpty()
    child = subprocess.run(
        [sys.executable, "-m", "tunelint", "jobs", "wait", job, "--poll-interval", "0.01",
         "--base-url", fake.url],
        cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=follower,
        text=True, timeout=120, check=False,
    )  # fmt: skip
    os.close(follower)
    terminal = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        terminal += chunk
    os.close(leader)
    assert child.returncode == 0, terminal
    assert "Step 3/3" not in child.stdout
    assert "[" + "#" * 30 + "] step 3/3  loss 0.3333" in terminal.decode()


def test_sample_shows_expected_and_actual(
    fake: FakeOpenAI, write_jsonl: WriteJsonl, tmp_path: Path
) -> None:
    records: list[Any] = [
        {
            "messages": [
                {"role": "system", "content": "Answer briefly."},
                {"role": "user", "content": f"Capital of country {i}?"},
                {"role": "assistant", "content": f"City {i}"},
            ]
        }
        for i in range(4)
    ]
    path = write_jsonl(["", *records], "val.jsonl")
    fake.answers = {"Capital of country 0?": "City 0", "Capital of country 1?": "Town"}
    result = run_tunelint(
        "sample", "--model", "ft:gpt-4o-mini:org:marv:1", "--from", path, "-n", "3",
        "--temperature", "0", "--base-url", fake.url, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:4] == [
        f"[1] {path}:2",
        "  prompt:   Capital of country 0?",
        "  expected: City 0",
        "  actual:   City 0",
    ]
    assert "  expected: City 1\n  actual:   Town" in result.stdout
    assert result.stdout.splitlines()[-1] == "1 of 3 answers equal the expected ones"
    sent = fake.sent("POST", "/chat/completions")
    assert [r.body["messages"] for r in sent] == [record["messages"][:2] for record in records[:3]]
    assert {r.body["model"] for r in sent} == {"ft:gpt-4o-mini:org:marv:1"}
    assert {r.body["temperature"] for r in sent} == {0}


def test_sample_sends_preference_inputs(
    fake: FakeOpenAI, write_jsonl: WriteJsonl, tmp_path: Path
) -> None:
    record = {
        "input": {"messages": [{"role": "user", "content": "Hello?"}]},
        "preferred_output": [{"role": "assistant", "content": "Hi!"}],
        "non_preferred_output": [{"role": "assistant", "content": "Go away."}],
    }
    path = write_jsonl([record], "dpo.jsonl")
    result = run_tunelint("sample", "--model", "ft:x", "--from", path, "--base-url", fake.url)
    assert result.returncode == 0, result.stderr
    assert "  expected: Hi!\n  actual:   an answer to Hello?" in result.stdout
    (sent,) = fake.sent("POST", "/chat/completions")
    assert sent.body["messages"] == [{"role": "user", "content": "Hello?"}]
    assert "temperature" not in sent.body


def test_azure_provider(fake: FakeOpenAI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    job = fake.add_job(model="gpt-4o-mini-2024-07-18", training_file="file-a")
    result = run_tunelint(
        "jobs", "show", job, "--provider", "azure", "--base-url", fake.root,
        "--api-version", "2024-10-21", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"id:               {job}" in result.stdout
    (request,) = fake.requests
    assert request.path == f"/openai/fine_tuning/jobs/{job}"
    assert request.query["api-version"] == ["2024-10-21"]
    assert request.headers["api-key"] == KEY
    preset_version = run_tunelint(
        "jobs", "list", "--provider", "azure", "--base-url", fake.root, cwd=tmp_path
    )
    assert preset_version.returncode == 0, preset_version.stderr
    assert fake.requests[-1].query["api-version"] == ["2025-04-01-preview"]
    no_endpoint = run_tunelint("jobs", "list", "--provider", "azure", cwd=tmp_path)
    assert no_endpoint.returncode == 2
    assert no_endpoint.stderr.strip() == (
        "tunelint: error: no Azure OpenAI endpoint: pass --base-url "
        "https://RESOURCE.openai.azure.com or set AZURE_OPENAI_ENDPOINT"
    )


def test_large_files_go_through_the_uploads_api(
    fake: FakeOpenAI, write_jsonl: WriteJsonl, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above the Files API limit (lowered here), the SDK's chunked Uploads API is used."""
    import openai.resources.uploads.uploads as sdk_uploads

    from tunelint.finetuning.client import Connection, connect
    from tunelint.finetuning.upload import upload, wait_until_processed

    path = write_jsonl([{"messages": [{"role": "user", "content": "x" * 100}]}] * 30)
    monkeypatch.setattr(sdk_uploads, "DEFAULT_PART_SIZE", 1000)
    client = connect(Connection(base_url=fake.url, max_retries=0))
    file = upload(client, path, files_api_limit=1024)
    (created,) = fake.sent("POST", "/uploads")
    assert created.body == {
        "bytes": path.stat().st_size,
        "filename": "data.jsonl",
        "mime_type": "application/jsonl",
        "purpose": "fine-tune",
    }
    parts = fake.sent("POST", f"/uploads/{created_id(fake)}/parts")
    assert len(parts) == -(-path.stat().st_size // 1000)
    assert fake.uploads[created_id(fake)]["content"] == path.read_bytes()
    assert file.status == "uploaded"
    wait_until_processed(client, file, path, poll_interval=0.01)
    assert fake.files[file.id]["status"] == "processed"
    assert fake.sent("POST", "/files") == []


def created_id(fake: FakeOpenAI) -> str:
    (upload_id,) = fake.uploads
    return upload_id
