"""A provider's odd answers and a malformed key end in one line (exit 2); the key never shows."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import WriteJsonl, run_tunelint
from fake_openai import KEY, FakeOpenAI

CHAT = {"messages": [{"role": "user", "content": "Hi?"}, {"role": "assistant", "content": "Yo"}]}


def one_line_error(result: object, code: int = 2) -> str:
    stderr: str = result.stderr  # type: ignore[attr-defined]
    assert result.returncode == code, stderr  # type: ignore[attr-defined]
    assert "Traceback" not in stderr
    assert stderr.count("\n") == 1 and stderr.startswith("tunelint: error: "), stderr
    return stderr


@pytest.mark.parametrize(
    ("body", "headers", "shown"),
    [
        (b"<html><body>Sign in to the Wi-Fi</body></html>", {"Content-Type": "text/html"},
         "text/html, not a JSON object"),
        (b"", {}, "an empty answer"),
        (b"{not json", {}, "application/json, not a JSON object"),
        (b"[1, 2]", {}, "application/json, not a JSON object"),
    ],
)  # fmt: skip
def test_an_answer_that_is_not_json_is_one_line(
    fake: FakeOpenAI, tmp_path: Path, body: bytes, headers: dict[str, str], shown: str
) -> None:
    fake.fail("GET", "/fine_tuning/jobs", 200, body, headers=headers)
    result = run_tunelint("jobs", "list", "--base-url", fake.url, cwd=tmp_path)
    assert shown in one_line_error(result)


def test_wait_and_sample_read_a_captive_portal_as_one_line(
    fake: FakeOpenAI, write_jsonl: WriteJsonl, tmp_path: Path
) -> None:
    job = fake.add_job(model="gpt-4o-mini-2024-07-18", training_file="file-a")
    data = write_jsonl([CHAT], "val.jsonl")
    commands = {
        ("GET", f"/fine_tuning/jobs/{job}"): ["jobs", "wait", job, "--poll-interval", "0.01"],
        ("POST", "/chat/completions"): ["sample", "--model", "ft:x", "--from", str(data)],
    }
    for (method, route), command in commands.items():
        fake.fail(method, route, 200, b"<html>Wi-Fi</html>", headers={"Content-Type": "text/html"})
        result = run_tunelint(*command, "--base-url", fake.url, cwd=tmp_path)
        assert "the provider sent text/html" in one_line_error(result), command


@pytest.mark.parametrize(
    "key", [KEY + "\n", KEY + "\r", "sk-test-0123 456789-secret", "sk-tést-0123456789-secret"]
)
def test_a_malformed_key_is_refused_without_quoting_it(
    fake: FakeOpenAI, tmp_path: Path, key: str
) -> None:
    env = {**os.environ, "OPENAI_API_KEY": key}
    result = run_tunelint("jobs", "list", "--base-url", fake.url, cwd=tmp_path, env=env)
    stderr = one_line_error(result)
    assert "OPENAI_API_KEY is malformed" in stderr
    assert "0123" not in stderr and "secret" not in stderr
    assert fake.requests == []  # refused before any request


def test_a_key_the_provider_echoes_is_masked_on_success_and_failure(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    job = fake.add_job(model="gpt-4o-mini-2024-07-18", training_file="file-a")
    fake.jobs[job]["error"] = {"message": f"your key {KEY!r} was\nused", "code": "x"}
    fake.jobs[job]["suffix"] = KEY
    shown = run_tunelint("jobs", "show", job, "--base-url", fake.url, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    fake.fail("GET", "/fine_tuning/jobs", 401, {"error": {"message": f"bad key {KEY}\n"}})
    failed = run_tunelint("jobs", "list", "--base-url", fake.url, cwd=tmp_path)
    assert failed.returncode == 2
    for output in (shown.stdout + shown.stderr, failed.stdout + failed.stderr):
        assert "0123456789" not in output, output
