"""``tunelint train``: the real CLI and the real openai SDK against a local fake server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import WriteJsonl, run_tunelint
from fake_openai import KEY, FakeOpenAI

MODEL = "gpt-4o-mini-2024-07-18"

SYSTEM = {"role": "system", "content": "Marv is a factual chatbot that is also sarcastic."}


def chat(i: int) -> dict[str, Any]:
    return {
        "messages": [
            SYSTEM,
            {"role": "user", "content": f"What is {i} + {i}?"},
            {"role": "assistant", "content": f"{2 * i}, obviously."},
        ]
    }


def preference(i: int) -> dict[str, Any]:
    return {
        "input": {"messages": [{"role": "user", "content": f"Name the number {i}."}]},
        "preferred_output": [{"role": "assistant", "content": f"{i}"}],
        "non_preferred_output": [{"role": "assistant", "content": f"Not {i}"}],
    }


def reinforcement(i: int) -> dict[str, Any]:
    return {
        "messages": [{"role": "user", "content": f"What is {i} squared?"}],
        "reference_answer": str(i * i),
    }


def train(
    fake: FakeOpenAI, *args: str | os.PathLike[str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    """``tunelint train`` against the fake server; stdin is a pipe, never a terminal."""
    return run_tunelint(
        "train",
        *args,
        "--base-url",
        fake.url,
        "--max-retries",
        "2",
        "--poll-interval",
        "0.01",
        cwd=cwd,
        input=b"",
    )


@pytest.fixture
def chat_files(write_jsonl: WriteJsonl) -> tuple[Path, Path]:
    return (
        write_jsonl([chat(i) for i in range(12)], "train.jsonl"),
        write_jsonl([chat(i) for i in range(100, 110)], "val.jsonl"),
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("tunelint: error: ")
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]
    assert KEY not in result.stdout + result.stderr
    return lines[0]


def test_failing_data_uploads_nothing(
    fake: FakeOpenAI, write_jsonl: WriteJsonl, tmp_path: Path
) -> None:
    records: list[Any] = [chat(i) for i in range(12)]
    records[3]["messages"][1]["role"] = "human"
    path = write_jsonl(records, "train.jsonl")
    result = train(fake, path, "--model", MODEL, "--yes", cwd=tmp_path)
    assert result.returncode == 1
    assert any(
        line.startswith(f"{path}:4:")
        and "SC005 [error] messages[1].role: unrecognized role 'human'" in line
        for line in result.stdout.splitlines()
    ), result.stdout
    assert "nothing uploaded" in result.stderr
    assert fake.requests == []


def test_failing_validation_file_uploads_nothing(
    fake: FakeOpenAI, chat_files: tuple[Path, Path], write_jsonl: WriteJsonl, tmp_path: Path
) -> None:
    validation = write_jsonl([chat(1), "{not json"] + [chat(i) for i in range(10)], "bad.jsonl")
    result = train(
        fake,
        chat_files[0],
        "--validation-file",
        validation,
        "--model",
        MODEL,
        "--yes",
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert f"{validation}:2:" in result.stdout and "JL001" in result.stdout
    assert fake.requests == []


def test_mismatched_method_and_format_uploads_nothing(
    fake: FakeOpenAI, chat_files: tuple[Path, Path], tmp_path: Path
) -> None:
    result = train(fake, chat_files[0], "--model", MODEL, "--method", "dpo", "--yes", cwd=tmp_path)
    assert_one_line_error(
        result, f"{chat_files[0]}:1: a chat record", "--method dpo", "use --method supervised"
    )
    assert fake.requests == []


def test_a_small_validation_file_is_paired_not_held_to_the_training_minimum(
    fake: FakeOpenAI, write_jsonl: WriteJsonl, tmp_path: Path
) -> None:
    """Validation files have no minimum size (DS001); overlap with training is DS005."""
    training = write_jsonl([chat(i) for i in range(12)], "train.jsonl")
    validation = write_jsonl([chat(100), chat(101), chat(102), chat(3)], "val.jsonl")
    result = train(
        fake, training, "--validation-file", validation, "--model", MODEL, "--dry-run",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "DS001" not in result.stdout
    assert f"{validation}:4:1: DS005 [warning]" in result.stdout
    assert "dry run: nothing uploaded" in result.stdout
    assert fake.requests == []


def test_reinforcement_needs_a_validation_file_and_a_grader(
    fake: FakeOpenAI, write_jsonl: WriteJsonl, tmp_path: Path
) -> None:
    path = write_jsonl([reinforcement(i) for i in range(12)], "rft.jsonl")
    grader = tmp_path / "grader.json"
    grader.write_text('{"type": "string_check", "name": "exact", "operation": "eq"}')
    no_validation = train(
        fake, path, "--model", "o4-mini", "--method", "reinforcement", "--yes", cwd=tmp_path
    )
    assert_one_line_error(no_validation, "needs a --validation-file")
    no_grader = train(
        fake, path, "--validation-file", path, "--model", "o4-mini",
        "--method", "reinforcement", "--yes", cwd=tmp_path,
    )  # fmt: skip
    assert_one_line_error(no_grader, "needs a --grader")
    assert fake.requests == []

    started = train(
        fake, path, "--validation-file", path, "--grader", grader, "--model", "o4-mini",
        "--method", "reinforcement", "--epochs", "2", "--yes", cwd=tmp_path,
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    (create,) = fake.sent("POST", "/fine_tuning/jobs")
    assert create.body["method"] == {
        "type": "reinforcement",
        "reinforcement": {
            "hyperparameters": {"n_epochs": 2},
            "grader": {"type": "string_check", "name": "exact", "operation": "eq"},
        },
    }


def test_passing_data_uploads_once_and_creates_one_job(
    fake: FakeOpenAI, chat_files: tuple[Path, Path], tmp_path: Path
) -> None:
    training, validation = chat_files
    result = train(
        fake, training, "--validation-file", validation, "--model", MODEL,
        "--suffix", "marv", "--seed", "7", "--epochs", "3", "--batch-size", "4",
        "--learning-rate-multiplier", "0.5", "--metadata", "team=data", "--metadata", "run=1",
        "--yes", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    uploads = fake.sent("POST", "/files")
    assert [u.body["file.filename"] for u in uploads] == ["train.jsonl", "val.jsonl"]
    assert [u.body["file"] for u in uploads] == [training.read_bytes(), validation.read_bytes()]
    assert {u.body["purpose"] for u in uploads} == {"fine-tune"}
    (create,) = fake.sent("POST", "/fine_tuning/jobs")
    assert create.headers["authorization"] == f"Bearer {KEY}"
    assert create.body == {
        "model": "gpt-4o-mini-2024-07-18",
        "training_file": "file-0001",
        "validation_file": "file-0002",
        "suffix": "marv",
        "seed": 7,
        "metadata": {"team": "data", "run": "1"},
        "method": {
            "type": "supervised",
            "supervised": {
                "hyperparameters": {"n_epochs": 3, "batch_size": 4, "learning_rate_multiplier": 0.5}
            },
        },
    }
    assert "All checks passed (2 files)." in result.stdout
    assert (
        "estimate: 12 training examples, 468 tokens x 3 epochs = 1,404 billed tokens, "
        "about $0.0042 at OpenAI's list price" in result.stdout.splitlines()
    )
    assert "started job ftjob-0003 (validating_files)" in result.stdout
    assert f"tunelint jobs wait ftjob-0003 --base-url {fake.url}" in result.stdout
    assert KEY not in result.stdout + result.stderr
    assert [(r.method, r.route) for r in fake.requests] == [
        ("POST", "/files"),
        ("POST", "/files"),
        ("GET", "/files/file-0001"),
        ("GET", "/files/file-0001"),
        ("GET", "/files/file-0002"),
        ("GET", "/files/file-0002"),
        ("POST", "/fine_tuning/jobs"),
    ]


def test_the_job_starts_only_once_both_files_are_processed(
    fake: FakeOpenAI, chat_files: tuple[Path, Path], tmp_path: Path
) -> None:
    fake.file_polls = 3
    training, validation = chat_files
    result = train(
        fake, training, "--validation-file", validation, "--model", MODEL, "--yes", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    routes = [r.route for r in fake.requests if r.method == "GET"]
    assert routes == ["/files/file-0001"] * 3 + ["/files/file-0002"] * 3
    assert fake.requests[-1].route == "/fine_tuning/jobs"
    (create,) = fake.sent("POST", "/fine_tuning/jobs")
    assert (create.body["training_file"], create.body["validation_file"]) == (
        "file-0001",
        "file-0002",
    )
    assert {file["status"] for file in fake.files.values()} == {"processed"}
    assert result.stdout.splitlines()[-6:-1] == [
        f"uploaded {training} as file-0001",
        f"uploaded {validation} as file-0002",
        "waiting for file-0001 to be processed",
        "waiting for file-0002 to be processed",
        "started job ftjob-0003 (validating_files)",
    ]
    assert result.stderr == ""


@pytest.mark.parametrize("status", [True, False], ids=["processed at once", "no status"])
def test_a_file_ready_at_upload_is_not_polled(
    fake: FakeOpenAI, chat_files: tuple[Path, Path], tmp_path: Path, status: bool
) -> None:
    """Nothing to wait for when the upload is already processed, or reports no status."""
    fake.file_polls = 0
    fake.file_status = status
    result = train(fake, chat_files[0], "--model", MODEL, "--yes", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert [(r.method, r.route) for r in fake.requests] == [
        ("POST", "/files"),
        ("POST", "/fine_tuning/jobs"),
    ]
    assert "waiting" not in result.stdout


def test_a_file_the_provider_rejects_starts_no_job(
    fake: FakeOpenAI, chat_files: tuple[Path, Path], tmp_path: Path
) -> None:
    reason = 'Invalid file format. Line 3, key "messages": At least one message is required.'
    fake.reject_files["val.jsonl"] = reason
    training, validation = chat_files
    result = train(
        fake, training, "--validation-file", validation, "--model", MODEL, "--yes", cwd=tmp_path
    )
    assert result.returncode == 1, result.stderr
    # The provider's report, at the line it names, as a finding of the file it rejected.
    assert f"{validation}:3:1: openai [error] the provider rejected file-0002: {reason}" in (
        result.stdout.splitlines()
    )
    assert result.stderr == (
        "tunelint: no job started; deleted the uploaded file-0001, file-0002\n"
    )
    assert KEY not in result.stdout + result.stderr
    assert fake.sent("POST", "/fine_tuning/jobs") == []
    assert fake.files == {}  # neither file is left behind in the account


def test_a_job_the_provider_refuses_leaves_no_uploaded_file(
    fake: FakeOpenAI, chat_files: tuple[Path, Path], tmp_path: Path
) -> None:
    body = {"error": {"message": "Model gpt-x is not available for fine-tuning", "type": "x"}}
    fake.fail("POST", "/fine_tuning/jobs", 400, body)
    down = {"error": {"message": "down"}}
    fake.fail("DELETE", "/files/file-0002", 500, down, times=3, headers={"retry-after-ms": "10"})
    training, validation = chat_files
    result = train(
        fake, training, "--validation-file", validation, "--model", MODEL, "--yes", cwd=tmp_path
    )
    assert_one_line_error(
        result,
        "starting the job: HTTP 400: Model gpt-x is not available for fine-tuning; "
        "deleted the uploaded file-0001; could not delete the uploaded file-0002",
    )
    assert list(fake.files) == ["file-0002"]


def test_a_failed_look_at_a_file_is_one_line(
    fake: FakeOpenAI, chat_files: tuple[Path, Path], tmp_path: Path
) -> None:
    body = {"error": {"message": "The server had an error", "type": "server_error"}}
    fake.fail("GET", "/files/file-0001", 500, body, times=3, headers={"retry-after-ms": "10"})
    result = train(fake, chat_files[0], "--model", MODEL, "--yes", cwd=tmp_path)
    assert_one_line_error(
        result, f"waiting for file-0001 ({chat_files[0]}): the provider failed (500)"
    )
    assert fake.sent("POST", "/fine_tuning/jobs") == []


def test_the_fake_refuses_a_job_from_a_file_still_processing(fake: FakeOpenAI) -> None:
    """The API's 400 that ``train`` avoids by waiting: a guard on the test server itself."""
    import openai

    client = openai.OpenAI(api_key=KEY, base_url=fake.url, max_retries=0)
    file = client.files.create(file=("train.jsonl", b"{}\n"), purpose="fine-tune")
    assert file.status == "uploaded"
    with pytest.raises(openai.BadRequestError) as refused:
        client.fine_tuning.jobs.create(model=MODEL, training_file=file.id)
    assert refused.value.body == {
        "message": f"File '{file.id}' is still being processed and is not ready to be used "
        "for fine-tuning. Please try again later.",
        "type": "invalid_request_error",
        "param": "training_file",
        "code": None,
    }
    assert client.files.retrieve(file.id).status == "uploaded"
    assert client.files.retrieve(file.id).status == "processed"
    assert client.fine_tuning.jobs.create(model=MODEL, training_file=file.id).id
    with pytest.raises(openai.NotFoundError) as missing:
        client.files.retrieve("file-9999")
    assert missing.value.body == {
        "message": "No such File object: file-9999",
        "type": "invalid_request_error",
        "param": "id",
        "code": None,
    }


def test_waiting_for_a_file_gives_up(fake: FakeOpenAI, write_jsonl: WriteJsonl) -> None:
    from tunelint.finetuning.client import Connection, ProviderError, connect
    from tunelint.finetuning.upload import upload, wait_until_processed

    fake.file_polls = 1_000_000
    path = write_jsonl([chat(1)])
    client = connect(Connection(base_url=fake.url, max_retries=0))
    file = upload(client, path)
    with pytest.raises(ProviderError) as gave_up:
        wait_until_processed(client, file, path, poll_interval=0.01, max_wait=0.06)
    assert str(gave_up.value) == (
        f"{path}: {file.id} is still not processed after 0.001 minutes; no job was started"
    )
    assert len(fake.sent("GET", f"/files/{file.id}")) >= 2


def test_dpo_sends_beta_inside_the_method(
    fake: FakeOpenAI, write_jsonl: WriteJsonl, tmp_path: Path
) -> None:
    path = write_jsonl([preference(i) for i in range(12)], "dpo.jsonl")
    result = train(
        fake, path, "--model", "gpt-4o-2024-08-06", "--method", "dpo", "--beta", "0.1", "--yes",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (create,) = fake.sent("POST", "/fine_tuning/jobs")
    assert create.body == {
        "model": "gpt-4o-2024-08-06",
        "training_file": "file-0001",
        "method": {"type": "dpo", "dpo": {"hyperparameters": {"beta": 0.1}}},
    }


def test_beta_without_dpo_is_a_usage_error(
    fake: FakeOpenAI, chat_files: tuple[Path, Path], tmp_path: Path
) -> None:
    result = train(fake, chat_files[0], "--model", MODEL, "--beta", "0.1", "--yes", cwd=tmp_path)
    assert_one_line_error(result, "--beta applies to --method dpo only")
    assert fake.requests == []


def test_wait_follows_the_job_to_its_model(
    fake: FakeOpenAI, chat_files: tuple[Path, Path], tmp_path: Path
) -> None:
    result = train(
        fake, chat_files[0], "--model", MODEL, "--suffix", "marv",
        "--wait", "--yes", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = result.stdout
    order = [
        "started job ftjob-0002",
        "status: running",
        "Created fine-tuning job: ftjob-0002",
        "Fine-tuning job started",
        "Step 3/3: training loss=0.33",
        "status: succeeded",
        "The job has successfully completed",
        "fine-tuned model: ft:gpt-4o-mini-2024-07-18:org-test:marv:AbC123",
    ]
    positions = [out.index(text) for text in order]
    assert positions == sorted(positions), out
    assert out.count("Fine-tuning job started") == 1
    assert out.rstrip().endswith("fine-tuned model: ft:gpt-4o-mini-2024-07-18:org-test:marv:AbC123")


def test_wait_reports_a_failed_job(
    fake: FakeOpenAI, chat_files: tuple[Path, Path], tmp_path: Path
) -> None:
    fake.fail_jobs_with = "Training file has 3 examples with invalid roles"
    result = train(fake, chat_files[0], "--model", MODEL, "--wait", "--yes", cwd=tmp_path)
    assert result.returncode == 1
    assert "status: failed" in result.stdout
    assert result.stderr.strip() == (
        "tunelint: job ftjob-0002 failed: Training file has 3 examples with invalid roles"
    )


def test_training_not_available_names_the_alternatives(
    fake: FakeOpenAI, chat_files: tuple[Path, Path], tmp_path: Path
) -> None:
    fake.fail(
        "POST",
        "/fine_tuning/jobs",
        403,
        {
            "error": {
                "message": "Fine-tuning is not available for your organization.",
                "type": "invalid_request_error",
                "code": "training_not_available",
            }
        },
    )
    result = train(fake, chat_files[0], "--model", MODEL, "--yes", cwd=tmp_path)
    line = assert_one_line_error(
        result,
        "training_not_available",
        "2027-01-06",
        f"{chat_files[0]} also passes for azure, nebius, together, fireworks: "
        f"tunelint train {chat_files[0]} --provider azure --model MODEL",
        "deleted the uploaded file-0001",
    )
    assert line.startswith("tunelint: error: OpenAI starts no fine-tuning jobs")
    assert len(fake.sent("POST", "/fine_tuning/jobs")) == 1  # a 403 is not retried


def test_server_error_then_success_is_retried(
    fake: FakeOpenAI, chat_files: tuple[Path, Path], tmp_path: Path
) -> None:
    body = {"error": {"message": "The server had an error", "type": "server_error"}}
    fake.fail("POST", "/fine_tuning/jobs", 500, body, headers={"retry-after-ms": "10"})
    result = train(fake, chat_files[0], "--model", MODEL, "--yes", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert len(fake.sent("POST", "/fine_tuning/jobs")) == 2
    assert len(fake.sent("POST", "/files")) == 1
    assert "started job ftjob-0002" in result.stdout


def test_rate_limit_after_retries_is_one_line(
    fake: FakeOpenAI, chat_files: tuple[Path, Path], tmp_path: Path
) -> None:
    body = {"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit"}}
    fake.fail("POST", "/files", 429, body, times=3, headers={"retry-after-ms": "10"})
    result = train(fake, chat_files[0], "--model", MODEL, "--yes", cwd=tmp_path)
    assert_one_line_error(result, f"uploading {chat_files[0]}", "429", "Rate limit reached")
    assert len(fake.sent("POST", "/files")) == 3  # the first try and --max-retries 2
    assert fake.sent("POST", "/fine_tuning/jobs") == []


def test_connection_refused_is_one_line(
    fake: FakeOpenAI, chat_files: tuple[Path, Path], tmp_path: Path
) -> None:
    port = fake.url.rsplit(":", 1)[1].split("/")[0]
    fake.stop()
    result = run_tunelint(
        "train", chat_files[0], "--model", MODEL, "--yes", "--max-retries", "0",
        "--base-url", f"http://127.0.0.1:{port}/v1", cwd=tmp_path, input=b"",
    )  # fmt: skip
    assert_one_line_error(result, "cannot reach the provider")


def test_missing_api_key_is_reported_before_any_request(
    fake: FakeOpenAI, chat_files: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")
    result = train(fake, chat_files[0], "--model", MODEL, "--yes", cwd=tmp_path)
    assert_one_line_error(result, "OPENAI_API_KEY is not set")
    assert fake.requests == []


def test_rejected_key_is_never_printed(
    fake: FakeOpenAI, chat_files: tuple[Path, Path], tmp_path: Path
) -> None:
    body = {"error": {"message": f"Incorrect API key provided: {KEY}.", "code": "invalid_api_key"}}
    fake.fail("POST", "/files", 401, body)
    result = train(fake, chat_files[0], "--model", MODEL, "--yes", cwd=tmp_path)
    assert_one_line_error(result, "rejected (401)", "Incorrect API key provided: ***.")


def test_no_terminal_and_no_yes_refuses(
    fake: FakeOpenAI, chat_files: tuple[Path, Path], tmp_path: Path
) -> None:
    result = train(fake, chat_files[0], "--model", MODEL, cwd=tmp_path)
    assert_one_line_error(result, "not a terminal", "--yes")
    assert "estimate: 12 training examples, 468 tokens x 8 epochs" in result.stdout
    assert fake.requests == []


def test_dry_run_uploads_nothing(
    fake: FakeOpenAI, chat_files: tuple[Path, Path], tmp_path: Path
) -> None:
    result = train(fake, chat_files[0], "--model", MODEL, "--dry-run", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-2:] == [
        "estimate: 12 training examples, 468 tokens x 8 epochs = 3,744 billed tokens, "
        "about $0.01 at OpenAI's list price",
        "dry run: nothing uploaded",
    ]
    assert fake.requests == []
    stats = run_tunelint("stats", chat_files[0], "--model", MODEL, "--format", "json")
    assert json.loads(stats.stdout)["cost"] == {
        "billing_tokens": 468,
        "epochs": 8,
        "billed_tokens": 3744,
        "usd": 0.0112,
    }


def test_a_compatible_endpoints_model_is_declared_in_the_models_table(
    fake: FakeOpenAI, chat_files: tuple[Path, Path], tmp_path: Path
) -> None:
    unknown = train(fake, chat_files[0], "--model", "my-llama", "--yes", cwd=tmp_path)
    assert_one_line_error(unknown, "unknown model 'my-llama'", "[tool.tunelint.models]")
    assert fake.requests == []
    (tmp_path / "tunelint.toml").write_text(
        '[models.my-llama]\nencoding = "cl100k_base"\ncontext = 8192\nprice = 2.5\n'
    )
    result = train(fake, chat_files[0], "--model", "my-llama", "--yes", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "480 tokens x 8 epochs = 3,840 billed tokens, about $0.0096" in result.stdout
    (create,) = fake.sent("POST", "/fine_tuning/jobs")
    assert create.body["model"] == "my-llama"


def test_model_comes_from_the_configuration(
    fake: FakeOpenAI, chat_files: tuple[Path, Path], tmp_path: Path
) -> None:
    (tmp_path / "tunelint.toml").write_text('model = "gpt-4o-mini-2024-07-18"\n')
    result = train(fake, chat_files[0], "--yes", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (create,) = fake.sent("POST", "/fine_tuning/jobs")
    assert create.body["model"] == "gpt-4o-mini-2024-07-18"
    without = train(fake, chat_files[0], "--yes", cwd=tmp_path.parent)
    assert_one_line_error(without, "--model")


def test_interrupting_wait_leaves_the_job_running(
    fake: FakeOpenAI, chat_files: tuple[Path, Path], tmp_path: Path
) -> None:
    fake.hold = True
    child = subprocess.Popen(
        [sys.executable, "-m", "tunelint", "train", str(chat_files[0]), "--model", MODEL, "--yes",
         "--wait", "--poll-interval", "0.05", "--base-url", fake.url],
        cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert child.stdout is not None
    for line in child.stdout:
        if line.startswith("status: running"):
            break
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 130
    assert "stopped following; job ftjob-0002 keeps running" in err
    assert f"tunelint jobs cancel ftjob-0002 --base-url {fake.url}" in err
    assert "Traceback" not in err
    assert fake.sent("POST", "/fine_tuning/jobs/ftjob-0002/cancel") == []
    assert fake.jobs["ftjob-0002"]["status"] == "running"


def test_check_never_imports_openai(chat_files: tuple[Path, Path]) -> None:
    """Nor the training pipeline: pre-commit starts ``check`` on every commit."""
    code = (
        "import sys; from tunelint.cli import main; "
        f"status = main(['check', {str(chat_files[0])!r}]); "
        "print(status, 'openai' in sys.modules, 'tunelint.finetuning.train' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines()[-1] == "0 False False"


def test_created_job_is_valid_json_for_the_sdk(
    fake: FakeOpenAI, chat_files: tuple[Path, Path], tmp_path: Path
) -> None:
    """The fake's answers parse as the SDK's models: a guard on the test server itself."""
    train(fake, chat_files[0], "--model", MODEL, "--yes", cwd=tmp_path)
    from openai.types.fine_tuning import FineTuningJob

    job = FineTuningJob.model_validate(fake._public("ftjob-0002"))
    assert json.loads(job.model_dump_json())["status"] == "validating_files"
