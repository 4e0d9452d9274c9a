"""``train``, ``jobs`` and ``sample`` on every provider: the real CLI, the real SDK of each
provider (``openai`` for OpenAI, Azure, Nebius and Bedrock; ``together``; ``fireworks-ai``)
against a local server that speaks that provider's REST API, recording every request."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from test_train import assert_one_line_error

from conftest import WriteJsonl, run_tunelint
from fake_fireworks import ACCOUNT, FakeFireworks
from fake_openai import KEY, FakeOpenAI
from fake_provider import FakeProvider, Recorded
from fake_together import FakeTogether

SYSTEM = {"role": "system", "content": "Marv is a factual chatbot that is also sarcastic."}
TOGETHER_MODEL = "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference"
FIREWORKS_MODEL = "accounts/fireworks/models/llama-v3p1-8b-instruct"
_PROVIDER_VARIABLES = ("OPENAI_", "AZURE_", "TOGETHER_", "FIREWORKS_", "NEBIUS_", "AWS_")


def chat(i: int, system: dict[str, str] = SYSTEM) -> dict[str, Any]:
    return {
        "messages": [
            system,
            {"role": "user", "content": f"What is {i} + {i}?"},
            {"role": "assistant", "content": f"{2 * i}, obviously."},
        ]
    }


@dataclass
class Provider:
    """One provider as the tests drive it: its fake server and where it records what."""

    name: str
    server: FakeOpenAI | FakeProvider
    model: str
    base_url: str
    upload: tuple[str, str]
    """The request that carries a file's bytes: one per uploaded file."""
    create: tuple[str, str]

    def train(self, *args: str | os.PathLike[str], cwd: Path) -> subprocess.CompletedProcess[str]:
        return run_tunelint(
            "train", *args, "--provider", self.name, "--base-url", self.base_url,
            "--model", self.model, "--max-retries", "2", "--poll-interval", "0.01",
            cwd=cwd, input=b"",
        )  # fmt: skip

    def command(self, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        return run_tunelint(
            *args, "--provider", self.name, "--base-url", self.base_url, "--max-retries", "2",
            cwd=cwd,
        )  # fmt: skip

    def sent(self, route: tuple[str, str]) -> list[Recorded]:
        method, path = route
        if path.endswith("*"):
            return [
                r
                for r in self.server.requests
                if r.method == method and r.route.startswith(path[:-1])
            ]
        return self.server.sent(method, path)

    def reject(self, filename: str, report: str) -> None:
        self.server.reject_files[filename] = report  # type: ignore[union-attr]


ALL = ("openai", "azure", "nebius", "bedrock-openai", "together", "fireworks")
KEY_OF = {
    "openai": "OPENAI_API_KEY",
    "azure": "AZURE_OPENAI_API_KEY",
    "nebius": "NEBIUS_API_KEY",
    "bedrock-openai": "AWS_BEARER_TOKEN_BEDROCK",
    "together": "TOGETHER_API_KEY",
    "fireworks": "FIREWORKS_API_KEY",
}
DATASETS = f"/accounts/{ACCOUNT}/datasets"
JOBS = f"/accounts/{ACCOUNT}/supervisedFineTuningJobs"


def _provider(name: str) -> Provider:
    if name == "together":
        server: FakeOpenAI | FakeProvider = FakeTogether()
        return Provider(
            name, server, TOGETHER_MODEL, server.url, ("PUT", "/signed/*"), ("POST", "/fine-tunes")
        )  # type: ignore[attr-defined]
    if name == "fireworks":
        server = FakeFireworks()
        return Provider(
            name, server, FIREWORKS_MODEL, server.url,  # type: ignore[attr-defined]
            ("POST", f"{DATASETS}/*"), ("POST", JOBS),
        )  # fmt: skip
    fake = FakeOpenAI()
    model = (
        "gpt-4o-mini-2024-07-18"
        if name in ("openai", "azure")
        else "meta-llama/Llama-3.3-70B-Instruct"
    )
    url = fake.root if name == "azure" else fake.url
    return Provider(name, fake, model, url, ("POST", "/files"), ("POST", "/fine_tuning/jobs"))


@pytest.fixture(params=ALL)
def provider(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Provider]:
    yield from _started(request.param, monkeypatch)


def _started(name: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Provider]:
    for variable in list(os.environ):
        if variable.startswith(_PROVIDER_VARIABLES):
            monkeypatch.delenv(variable)
    monkeypatch.setenv(KEY_OF[name], KEY)
    monkeypatch.setenv("FIREWORKS_ACCOUNT_ID", ACCOUNT)
    found = _provider(name)
    found.server.start()
    try:
        yield found
    finally:
        found.server.stop()


@pytest.fixture
def together(monkeypatch: pytest.MonkeyPatch) -> Iterator[Provider]:
    yield from _started("together", monkeypatch)


@pytest.fixture
def fireworks(monkeypatch: pytest.MonkeyPatch) -> Iterator[Provider]:
    yield from _started("fireworks", monkeypatch)


def reinforcement(i: int) -> dict[str, Any]:
    return {
        "messages": [{"role": "user", "content": f"What is {i} squared?"}],
        "reference_answer": str(i * i),
    }


GRADER = '{"type": "lambda", "lambda": {"function": "arn:aws:lambda:us-west-2:1:function:g"}}'


def method_for(provider: Provider, tmp_path: Path, validation: bool = True) -> list[str]:
    """Bedrock's OpenAI-compatible endpoint trains reinforcement only: a grader, a validation file."""
    if provider.name != "bedrock-openai":
        return []
    grader = tmp_path / "grader.json"
    grader.write_text(GRADER)
    args = ["--method", "reinforcement", "--grader", str(grader)]
    if validation:
        held_out = tmp_path / "held-out.jsonl"
        held_out.write_text("".join(json.dumps(reinforcement(i)) + "\n" for i in range(50, 60)))
        args += ["--validation-file", str(held_out)]
    return args


@pytest.fixture
def files(write_jsonl: WriteJsonl, provider: Provider) -> tuple[Path, Path]:
    if provider.name == "bedrock-openai":
        records = [
            {
                "messages": [{"role": "user", "content": f"What is {i} squared?"}],
                "reference_answer": str(i * i),
            }
            for i in range(12)
        ]
        return write_jsonl(records, "train.jsonl"), write_jsonl(records[:10], "val.jsonl")
    return (
        write_jsonl([chat(i) for i in range(12)], "train.jsonl"),
        write_jsonl([chat(i) for i in range(100, 110)], "val.jsonl"),
    )


def test_failing_data_sends_no_request(
    provider: Provider, write_jsonl: WriteJsonl, tmp_path: Path
) -> None:
    records: list[Any] = [chat(i) for i in range(12)]
    records[3]["messages"][1]["role"] = "human"
    path = write_jsonl(records, "train.jsonl")
    result = provider.train(path, "--yes", *method_for(provider, tmp_path), cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{path}:4:" in result.stdout
    assert "nothing uploaded" in result.stderr
    assert provider.server.requests == []


@pytest.mark.parametrize(
    ("name", "record", "finding"),
    [
        (
            "together",
            {
                "messages": [
                    {"role": "developer", "content": "Be brief."},
                    {"role": "user", "content": "Hi"},
                    {"role": "assistant", "content": "Hello."},
                ]
            },
            "messages[0].role: Together AI accepts the roles assistant, system, tool, user, not 'developer'",
        ),
        (
            "fireworks",
            {
                "messages": [
                    {"role": "user", "content": "Hi"},
                    SYSTEM,
                    {"role": "assistant", "content": "Hello."},
                ]
            },
            "messages[1]: Fireworks AI accepts a system message only first",
        ),
    ],
)
def test_data_the_provider_refuses_sends_no_request(
    name: str,
    record: dict[str, Any],
    finding: str,
    write_jsonl: WriteJsonl,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Data OpenAI accepts, refused by the provider's documented limits before any upload."""
    for provider in _started(name, monkeypatch):
        path = write_jsonl([chat(i) for i in range(4)] + [record], "train.jsonl")
        result = provider.train(path, "--yes", cwd=tmp_path)
        assert result.returncode == 1, result.stdout + result.stderr
        assert f"{path}:5:1: {name} [error] {finding}" in result.stdout.splitlines()
        assert "would refuse this data" in result.stderr
        assert provider.server.requests == []


def test_passing_data_uploads_each_file_once_and_creates_one_job(
    provider: Provider, files: tuple[Path, Path], tmp_path: Path
) -> None:
    training, validation = files
    extra: list[str] = ["--epochs", "3"]
    if provider.name == "bedrock-openai":
        grader = tmp_path / "grader.json"
        grader.write_text(
            '{"type": "lambda", "lambda": {"function": "arn:aws:lambda:us-west-2:1:function:g"}}'
        )
        extra += ["--grader", str(grader)]
    else:
        extra += ["--suffix", "marv"]
    result = provider.train(
        training,
        "--validation-file",
        validation,
        "--yes",
        *method_for(provider, tmp_path),
        *extra,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert KEY not in result.stdout + result.stderr
    uploads = provider.sent(provider.upload)
    assert len(uploads) == 2
    (create,) = provider.sent(provider.create)
    assert create.body == expected_job(provider, create, tmp_path)
    assert f"started job {job_id(provider)}" in result.stdout


def job_id(provider: Provider) -> str:
    server = provider.server
    return next(iter(server.jobs))  # type: ignore[union-attr]


def expected_job(provider: Provider, create: Recorded, tmp_path: Path) -> dict[str, Any]:
    """The job body each provider's API receives, field by field."""
    server = provider.server
    if provider.name == "together":
        assert isinstance(server, FakeTogether)
        training, validation = list(server.files)
        return {
            "training_file": training,
            "validation_file": validation,
            "packing": True,
            "model": TOGETHER_MODEL,
            "n_epochs": 3,
            "learning_rate": 1e-05,
            "lr_scheduler": {
                "lr_scheduler_type": "cosine",
                "lr_scheduler_args": {"min_lr_ratio": 0.0, "num_cycles": 0.5},
            },
            "warmup_ratio": 0.0,
            "max_grad_norm": 1.0,
            "weight_decay": 0.0,
            "n_checkpoints": 1,
            "n_evals": 1,
            "batch_size": "max",
            "suffix": "marv",
            "early_stopping_enabled": False,
            "training_method": {"method": "sft", "train_on_inputs": "auto"},
        }
    if provider.name == "fireworks":
        assert isinstance(server, FakeFireworks)
        training, validation = list(server.datasets)
        return {
            "dataset": f"accounts/{ACCOUNT}/datasets/{training}",
            "evaluationDataset": f"accounts/{ACCOUNT}/datasets/{validation}",
            "baseModel": FIREWORKS_MODEL,
            "epochs": 3,
            "displayName": "marv",
        }
    if provider.name == "bedrock-openai":
        return {
            "model": provider.model,
            "training_file": "file-0001",
            "validation_file": "file-0002",
            "method": {
                "type": "reinforcement",
                "reinforcement": {
                    "hyperparameters": {"n_epochs": 3},
                    "grader": {
                        "type": "lambda",
                        "lambda": {"function": "arn:aws:lambda:us-west-2:1:function:g"},
                    },
                },
            },
        }
    body = {
        "model": provider.model,
        "training_file": "file-0001",
        "validation_file": "file-0002",
        "suffix": "marv",
        "method": {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 3}}},
    }
    if provider.name == "azure":
        assert create.path == "/openai/fine_tuning/jobs"
        assert create.query["api-version"] == ["2025-04-01-preview"]
        assert create.headers["api-key"] == KEY
        return {**body, "trainingType": "Standard"}
    assert create.headers["authorization"] == f"Bearer {KEY}"
    return body


def test_a_rejected_file_is_reported_at_its_line(
    provider: Provider, files: tuple[Path, Path], tmp_path: Path
) -> None:
    training, _ = files
    report = "Invalid format on line 3: the assistant message has no content"
    provider.reject("train.jsonl", report)
    result = provider.train(training, "--yes", *method_for(provider, tmp_path), cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    (finding,) = [line for line in result.stdout.splitlines() if f"{provider.name} [error]" in line]
    assert finding.startswith(f"{training}:3:1: {provider.name} [error] ")
    assert finding.endswith(report)
    assert result.stderr.startswith("tunelint: no job started; deleted the uploaded ")
    assert provider.sent(provider.create) == []
    assert KEY not in result.stdout + result.stderr


ERROR_BODY = {
    "error": {"message": f"Invalid API key provided: {KEY}", "type": "invalid_request_error"}
}


@pytest.mark.parametrize(
    ("status", "times", "expected"),
    [
        (401, 1, "the API key was rejected (401)"),
        (429, 3, "rate limited or out of quota (429), even after retries"),
        (500, 3, "the provider failed (500), even after retries"),
    ],
)
def test_upload_failures_are_one_line_without_the_key(
    provider: Provider,
    files: tuple[Path, Path],
    tmp_path: Path,
    status: int,
    times: int,
    expected: str,
) -> None:
    route = first_upload_request(provider)
    provider.server.fail(*route, status, ERROR_BODY, times=times, headers={"retry-after-ms": "10"})
    result = provider.train(files[0], "--yes", *method_for(provider, tmp_path), cwd=tmp_path)
    assert_one_line_error(result, f"uploading {files[0]}: {expected}")
    assert len(provider.server.sent(*route)) == times
    assert provider.sent(provider.create) == []


def first_upload_request(provider: Provider) -> tuple[str, str]:
    if provider.name == "fireworks":
        return ("POST", DATASETS)
    return ("POST", "/files")


def test_a_refused_job_is_one_line_and_leaves_no_file(
    provider: Provider, files: tuple[Path, Path], tmp_path: Path
) -> None:
    body = {"error": {"message": "You may not fine-tune this model", "type": "permission_error"}}
    provider.server.fail(*provider.create, 403, body)
    result = provider.train(files[0], "--yes", *method_for(provider, tmp_path), cwd=tmp_path)
    assert_one_line_error(
        result,
        "starting the job: permission denied (403): You may not fine-tune this model",
        "deleted the uploaded",
    )


def test_unknown_job_and_unreachable_provider_are_one_line(
    provider: Provider, tmp_path: Path
) -> None:
    missing = provider.command("jobs", "show", "no-such-job", cwd=tmp_path)
    assert_one_line_error(missing, "job no-such-job: not found (404)")
    provider.server.stop()
    refused = provider.command("jobs", "list", cwd=tmp_path)
    assert_one_line_error(refused, "listing jobs: cannot reach the provider")


def test_jobs_and_sample_on_together(
    together: Provider, write_jsonl: WriteJsonl, tmp_path: Path
) -> None:
    path = write_jsonl([chat(i) for i in range(12)], "train.jsonl")
    started = together.train(path, "--yes", "--wait", cwd=tmp_path)
    assert started.returncode == 0, started.stderr
    job = job_id(together)
    assert (
        f"fine-tuned model: user/Meta-Llama-3.1-8B-Instruct-Reference-None-{job}" in started.stdout
    )
    listing = together.command("jobs", "list", cwd=tmp_path)
    assert listing.stdout.startswith(f"{job}  succeeded "), listing.stderr
    shown = together.command("jobs", "show", job, cwd=tmp_path)
    assert "method:           sft" in shown.stdout.splitlines()
    events = together.command("jobs", "events", job, cwd=tmp_path)
    assert [line.split("  ", 2)[-1].strip() for line in events.stdout.splitlines()] == [
        "Fine tune request created",
        "Training started",
        "Training completed",
    ]
    cancelled = together.command("jobs", "cancel", job, cwd=tmp_path)
    assert cancelled.stdout.strip() == f"{job}: cancelled"
    sampled = together.command(
        "sample", "--model", "m", "--from", str(path), "-n", "1", cwd=tmp_path
    )
    assert "  actual:   an answer to What is 0 + 0?" in sampled.stdout
    (asked,) = together.server.sent("POST", "/chat/completions")
    assert asked.body == {"model": "m", "messages": chat(0)["messages"][:2]}


def test_jobs_and_sample_on_fireworks(
    fireworks: Provider, write_jsonl: WriteJsonl, tmp_path: Path
) -> None:
    path = write_jsonl([chat(i) for i in range(12)], "train.jsonl")
    started = fireworks.train(path, "--yes", "--wait", cwd=tmp_path)
    assert started.returncode == 0, started.stderr
    job = job_id(fireworks)
    assert f"fine-tuned model: accounts/{ACCOUNT}/models/{job}" in started.stdout
    listing = fireworks.command("jobs", "list", "--limit", "5", cwd=tmp_path)
    assert listing.stdout.startswith(f"{job}  succeeded "), listing.stderr
    (listed,) = fireworks.server.sent("GET", JOBS)
    assert listed.query == {"pageSize": ["5"], "orderBy": ["create_time desc"]}
    events = fireworks.command("jobs", "events", job, cwd=tmp_path)
    assert events.stdout.rstrip().endswith("JOB_STATE_COMPLETED")
    cancelled = fireworks.command("jobs", "cancel", job, cwd=tmp_path)
    assert cancelled.stdout.strip() == f"{job}: cancelled"
    assert fireworks.server.sent("POST", f"{JOBS}/{job}:cancel")[0].body == {}
    sampled = fireworks.command(
        "sample", "--model", "m", "--from", str(path), "-n", "1", cwd=tmp_path
    )
    assert "  actual:   an answer to What is 0 + 0?" in sampled.stdout


@pytest.mark.parametrize("name", ["together", "fireworks", "openai"])
def test_a_job_failing_on_the_data_names_the_line(
    name: str, write_jsonl: WriteJsonl, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for provider in _started(name, monkeypatch):
        path = write_jsonl([chat(i) for i in range(12)], "train.jsonl")
        provider.server.fail_jobs_with = "Line 7: the example is longer than the context"  # type: ignore[union-attr]
        result = provider.train(path, "--yes", "--wait", cwd=tmp_path)
        assert result.returncode == 1, result.stdout + result.stderr
        assert f"{path}:7:1: {name} [error] Line 7: the example is longer than the context" in (
            result.stdout.splitlines()
        )
        assert "failed: Line 7" in result.stderr


def test_dry_run_estimates_with_the_providers_dated_price(
    fireworks: Provider, write_jsonl: WriteJsonl, tmp_path: Path
) -> None:
    path = write_jsonl([chat(i) for i in range(5)], "train.jsonl")
    result = fireworks.train(path, "--dry-run", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-2:] == [
        "estimate: 5 training examples, about 195 tokens x 1 epochs = 195 billed tokens, about "
        "$0.0001 at Fireworks AI's $0.50 per 1M tokens for models up to 16B (checked 2026-12-07)",
        "dry run: nothing uploaded",
    ]
    assert fireworks.server.requests == []  # five examples pass: Fireworks' minimum is 3


def test_openai_itself_prints_its_closing_date_once(
    write_jsonl: WriteJsonl, tmp_path: Path
) -> None:
    path = write_jsonl([chat(i) for i in range(12)], "train.jsonl")
    result = run_tunelint(
        "train", path, "--model", "gpt-4o-mini-2024-07-18", "--dry-run", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    notes = [line for line in result.stdout.splitlines() if "2027-01-06" in line]
    if date.today() < date(2027, 1, 6):
        days = (date(2027, 1, 6) - date.today()).days
        assert notes == [
            "note: OpenAI takes no new self-serve fine-tuning jobs from 2027-01-06 "
            f"({days} days left); see --provider in tunelint train --help"
        ]
    else:
        assert notes == []


def test_a_missing_extra_is_one_line_naming_the_install(
    write_jsonl: WriteJsonl, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hidden = tmp_path / "hide"
    (hidden / "together").mkdir(parents=True)
    (hidden / "together" / "__init__.py").write_text(
        "raise ImportError('No module named together')\n"
    )
    monkeypatch.setenv("PYTHONPATH", str(hidden))
    monkeypatch.setenv("TOGETHER_API_KEY", KEY)
    path = write_jsonl([chat(i) for i in range(12)], "train.jsonl")
    result = run_tunelint(
        "train", path, "--provider", "together", "--model", TOGETHER_MODEL, "--yes", cwd=tmp_path
    )
    assert_one_line_error(
        result, "--provider together needs its SDK: pip install 'tunelint[together]'"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--provider", "fireworks", "--method", "dpo"],
            "Fireworks AI does not train --method dpo (it trains: supervised)",
        ),
        (
            ["--provider", "together", "--learning-rate-multiplier", "2"],
            "Together AI has no --learning-rate-multiplier",
        ),
        (
            ["--provider", "bedrock-openai", "--method", "supervised"],
            "does not train --method supervised",
        ),
        (
            ["--provider", "nebius", "--training-type", "developer"],
            "--training-type applies to --provider azure only",
        ),
    ],
)
def test_what_a_provider_cannot_do_is_refused_before_any_request(
    args: list[str], message: str, write_jsonl: WriteJsonl, tmp_path: Path
) -> None:
    path = write_jsonl([chat(i) for i in range(12)], "train.jsonl")
    result = run_tunelint("train", path, "--model", "some-model", "--yes", *args, cwd=tmp_path)
    assert_one_line_error(result, message)


def test_preset_endpoints_and_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    from tunelint.finetuning.client import ProviderError, api_key, endpoint
    from tunelint.finetuning.providers.presets import PRESETS

    monkeypatch.delenv("AWS_REGION", raising=False)
    with pytest.raises(
        ProviderError,
        match=r"pass --base-url https://bedrock-mantle\.REGION\.api\.aws/v1 or set AWS_REGION",
    ):
        endpoint(PRESETS["bedrock-openai"], None)
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    assert (
        endpoint(PRESETS["bedrock-openai"], None) == "https://bedrock-mantle.us-west-2.api.aws/v1"
    )
    assert endpoint(PRESETS["nebius"], None) == "https://api.tokenfactory.nebius.com/v1"
    assert endpoint(PRESETS["nebius"], "http://127.0.0.1:1/v1") == "http://127.0.0.1:1/v1"
    monkeypatch.delenv("AWS_BEARER_TOKEN_BEDROCK", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "fallback")
    assert api_key(PRESETS["bedrock-openai"]) == "fallback"
    monkeypatch.delenv("NEBIUS_API_KEY", raising=False)
    with pytest.raises(ProviderError, match="NEBIUS_API_KEY is not set"):
        api_key(PRESETS["nebius"])


def test_azure_training_type_is_sent(
    write_jsonl: WriteJsonl, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for azure in _started("azure", monkeypatch):
        path = write_jsonl([chat(i) for i in range(12)], "train.jsonl")
        result = azure.train(
            path,
            "--yes",
            "--training-type",
            "globalstandard",
            "--api-version",
            "2024-10-21",
            cwd=tmp_path,
        )
        assert result.returncode == 0, result.stderr
        (create,) = azure.sent(azure.create)
        assert create.body["trainingType"] == "GlobalStandard"
        assert create.query["api-version"] == ["2024-10-21"]


def test_check_imports_no_provider_sdk(write_jsonl: WriteJsonl) -> None:
    path = write_jsonl([chat(i) for i in range(12)])
    code = (
        "import sys; from tunelint.cli import main\n"
        f"try: main(['check', {str(path)!r}])\n"
        "except SystemExit: pass\n"
        "assert not {'together', 'fireworks'} & set(sys.modules), 'an SDK was imported'"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_the_same_file_again_reuses_its_fireworks_dataset(
    fireworks: Provider, write_jsonl: WriteJsonl, tmp_path: Path
) -> None:
    path = write_jsonl([chat(i) for i in range(12)], "train.jsonl")
    first = fireworks.train(path, "--yes", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    (name,) = fireworks.server.datasets  # type: ignore[union-attr]
    fireworks.server.requests.clear()
    again = fireworks.train(path, "--yes", "--epochs", "2", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert f"{path} is already uploaded as {name}" in again.stdout
    assert fireworks.server.sent("POST", f"{DATASETS}/{name}:upload") == []
    assert [(r.method, r.route) for r in fireworks.server.requests] == [
        ("GET", f"{DATASETS}/{name}"),  # it exists and is ready
        ("GET", f"{DATASETS}/{name}"),  # nothing to wait for
        ("POST", JOBS),
    ]


def test_limits_name_the_size_and_the_counts(write_jsonl: WriteJsonl) -> None:
    """The documented limits, each one finding at the line it concerns (in-process)."""
    from dataclasses import replace

    from tunelint.finetuning.providers.limits import findings
    from tunelint.finetuning.providers.presets import PRESETS

    fireworks = PRESETS["fireworks"]
    path = write_jsonl([chat(i) for i in range(2)])
    size = path.stat().st_size
    small = replace(fireworks, limits=replace(fireworks.limits, max_file_bytes=100, max_examples=1))
    assert list(findings(path, small)) == [
        f"{path}:1:1: fireworks [error] {size:,} bytes is over the 100 bytes tunelint uploads "
        "to Fireworks in one request (larger: firectl)",
        f"{path}:1:1: fireworks [error] 2 examples, but Fireworks AI needs at least 3",
        f"{path}:1:1: fireworks [error] 2 examples, over the 1 Fireworks AI takes in one dataset",
    ]
    assert list(findings(path, small, training=False)) == [
        f"{path}:1:1: fireworks [error] {size:,} bytes is over the 100 bytes tunelint uploads "
        "to Fireworks in one request (larger: firectl)",
    ]
    assert list(findings(path, PRESETS["together"])) == []


@pytest.mark.parametrize("name", ["nebius", "bedrock-openai", "together", "fireworks"])
def test_train_refuses_what_check_target_refuses(
    name: str, write_jsonl: WriteJsonl, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The provider's data facts are its target's: a developer message, which these targets
    do not read, is a finding of ``check --target`` and stops ``train`` before any request."""
    records = (
        [reinforcement(i) for i in range(12)]
        if name == "bedrock-openai"
        else [chat(i) for i in range(12)]
    )
    records[4]["messages"].insert(0, {"role": "developer", "content": "Be brief."})
    path = write_jsonl(records, "train.jsonl")
    checked = run_tunelint("check", "--no-cache", path, "--target", name, cwd=tmp_path)
    assert checked.returncode == 1 and f"{path}:5:" in checked.stdout
    for provider in _started(name, monkeypatch):
        result = provider.train(path, "--yes", *method_for(provider, tmp_path), cwd=tmp_path)
        assert result.returncode == 1, result.stdout + result.stderr
        assert f"{path}:5:1: {name} [error] messages[0].role:" in result.stdout
        assert "not 'developer'" in result.stdout
        assert provider.server.requests == []


def test_an_answer_that_is_not_json_is_one_line_on_every_provider(
    provider: Provider, tmp_path: Path
) -> None:
    """A captive portal's page where the API should answer: one line naming what came back,
    on the SDK-backed providers (Together, Fireworks) as on the OpenAI-compatible ones."""
    page = b"<html><body>Sign in to the Wi-Fi</body></html>"
    provider.server.fail(
        "GET", provider.create[1], 200, page, times=3, headers={"Content-Type": "text/html"}
    )
    result = provider.command("jobs", "list", cwd=tmp_path)
    assert_one_line_error(
        result, "listing jobs: the provider sent text/html, not a JSON object (is --base-url"
    )
    assert "Traceback" not in result.stderr
