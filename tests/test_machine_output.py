"""JSON from the commands that talk to a provider: ``jobs list``, ``jobs show``, ``sample``."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import WriteJsonl, run_tunelint
from fake_openai import FakeOpenAI


def test_jobs_list_and_show_as_json(fake: FakeOpenAI, tmp_path: Path) -> None:
    first = fake.add_job(model="gpt-4o-mini-2024-07-18", training_file="file-a")
    second = fake.add_job(model="gpt-4o-2024-08-06", training_file="file-b", seed=3)
    listing = run_tunelint(
        "jobs", "list", "--output-format", "json", "--base-url", fake.url, cwd=tmp_path
    )
    assert listing.returncode == 0, listing.stderr
    jobs = json.loads(listing.stdout)
    assert [(job["id"], job["model"]) for job in jobs] == [
        (second, "gpt-4o-2024-08-06"),
        (first, "gpt-4o-mini-2024-07-18"),
    ]
    shown = run_tunelint(
        "jobs", "show", second, "--format", "json", "--base-url", fake.url, cwd=tmp_path
    )
    assert shown.returncode == 0, shown.stderr
    job = json.loads(shown.stdout)
    assert (job["id"], job["training_file"], job["seed"]) == (second, "file-b", 3)


def test_sample_as_json(fake: FakeOpenAI, write_jsonl: WriteJsonl, tmp_path: Path) -> None:
    records = [
        {
            "messages": [
                {"role": "user", "content": f"Capital of country {i}?"},
                {"role": "assistant", "content": f"City {i}"},
            ]
        }
        for i in range(2)
    ]
    path = write_jsonl(records, "val.jsonl")
    fake.answers = {"Capital of country 0?": "City 0", "Capital of country 1?": "Town"}
    result = run_tunelint(
        "sample", "--model", "ft:x", "--from", path, "--output-format", "json",
        "--base-url", fake.url, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "model": "ft:x",
        "asked": 2,
        "matched": 1,
        "answers": [
            {"path": str(path), "line": 1, "prompt": "Capital of country 0?",
             "expected": "City 0", "actual": "City 0", "matches": True},
            {"path": str(path), "line": 2, "prompt": "Capital of country 1?",
             "expected": "City 1", "actual": "Town", "matches": False},
        ],
    }  # fmt: skip
