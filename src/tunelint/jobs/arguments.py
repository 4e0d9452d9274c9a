"""Command-line arguments of ``train``, ``jobs`` and ``sample``, and what runs them.

Importing this module is cheap: ``openai`` and the job modules load only when a command runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from tunelint.argtypes import positive_int
from tunelint.engine.errors import UsageError
from tunelint.engine.settings import Settings
from tunelint.jobs.client import Connection
from tunelint.jobs.method import METHODS, Hyperparameters
from tunelint.jobs.providers.presets import PRESETS, PROVIDERS
from tunelint.presentation import add_format_argument

if TYPE_CHECKING:
    from tunelint.jobs.train import TrainRequest


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be above 0, not {text}")
    return value


def _key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, not {text!r}")
    return key, value


def add_connection_arguments(parser: argparse.ArgumentParser) -> None:
    keys = "; ".join(
        f"{name}: {' or '.join(preset.key_variables)}" for name, preset in PRESETS.items()
    )
    group = parser.add_argument_group(f"provider (the key comes from the environment: {keys})")
    group.add_argument("--provider", choices=PROVIDERS, default="openai", help="(default: openai)")
    group.add_argument(
        "--base-url",
        metavar="URL",
        help="the provider's endpoint (default: its own); with --provider openai, any "
        "OpenAI-compatible one, e.g. http://host/v1; for Azure, the resource endpoint (or "
        "AZURE_OPENAI_ENDPOINT); for Bedrock, https://bedrock-mantle.REGION.api.aws/v1 (or "
        "set AWS_REGION)",
    )
    group.add_argument(
        "--api-version",
        help=f"Azure OpenAI API version (or OPENAI_API_VERSION; default: "
        f"{PRESETS['azure'].api_version})",
    )
    group.add_argument(
        "--max-retries",
        type=int,
        default=2,
        metavar="N",
        help="retries of a failed request: 429, 5xx, connection errors (default: 2)",
    )
    group.add_argument(
        "--timeout",
        type=_positive_float,
        default=600.0,
        metavar="SECONDS",
        help="per request (default: 600)",
    )


def _add_poll_interval(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--poll-interval",
        type=_positive_float,
        default=10.0,
        metavar="SECONDS",
        help="how often to ask for news while waiting (default: 10)",
    )


def connection(args: argparse.Namespace) -> Connection:
    if args.max_retries < 0:
        raise UsageError("--max-retries must be 0 or more")
    return Connection(
        args.provider, args.base_url, args.api_version, args.max_retries, args.timeout
    )


def add_train_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """``train``; the caller adds the configuration flags, whose ``--model`` is the base model."""
    train = commands.add_parser(
        "train",
        help="lint, upload and start a fine-tuning job",
        description="Lint the data, then upload it and start a fine-tuning job, only if it "
        "passes. --model names the base model (or set model in the configuration).",
    )
    train.add_argument("training", type=Path, metavar="TRAIN.jsonl")
    train.add_argument("--validation-file", type=Path, metavar="VAL.jsonl")
    train.add_argument("--method", choices=METHODS, default="supervised")
    train.add_argument("--suffix", help="up to 64 characters added to the fine-tuned model name")
    hyper = train.add_argument_group("hyperparameters (default: the provider's auto)")
    hyper.add_argument("--epochs", type=positive_int, metavar="N")
    hyper.add_argument("--batch-size", type=positive_int, metavar="N")
    hyper.add_argument("--learning-rate-multiplier", type=_positive_float, metavar="X")
    hyper.add_argument("--beta", type=_positive_float, metavar="X", help="DPO only")
    train.add_argument(
        "--grader", type=Path, metavar="GRADER.json", help="reinforcement only: the grader object"
    )
    train.add_argument("--seed", type=int)
    train.add_argument(
        "--metadata",
        type=_key_value,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="attach to the job (repeatable)",
    )
    train.add_argument(
        "--training-type",
        choices=sorted(AZURE_TRAINING_TYPES),
        help="Azure only: where the job trains (default: standard)",
    )
    train.add_argument("--dry-run", action="store_true", help="check and estimate, upload nothing")
    train.add_argument("--wait", action="store_true", help="follow the job until it ends")
    train.add_argument(
        "--yes", "-y", action="store_true", help="do not ask (required when stdin is no terminal)"
    )
    _add_poll_interval(train)
    add_connection_arguments(train)
    return train


AZURE_TRAINING_TYPES = {
    "standard": "Standard",
    "globalstandard": "GlobalStandard",
    "developer": "Developer",
}
"""Azure's ``trainingType`` values, as its fine-tuning API spells them."""


def provider_settings(args: argparse.Namespace, settings: Settings) -> Settings:
    """``settings`` that can count the tokens of the provider's model (see ``settings_for``)."""
    from tunelint.jobs.estimate import settings_for

    model = args.model or settings.model
    return settings_for(settings, PRESETS[args.provider], model) if model else settings


def _job_fields(args: argparse.Namespace) -> dict[str, str]:
    if args.provider == "azure":
        return {"trainingType": AZURE_TRAINING_TYPES[args.training_type or "standard"]}
    if args.training_type:
        raise UsageError("--training-type applies to --provider azure only")
    return {}


def train_request(args: argparse.Namespace, settings: Settings) -> TrainRequest:
    # The training pipeline (uploads, following a job) loads only when ``train`` runs.
    from tunelint.jobs.train import TrainRequest

    model = args.model or settings.model
    if not model:
        raise UsageError("name the base model: --model, or model in the configuration")
    return TrainRequest(
        training=args.training,
        model=model,
        method=args.method,
        validation=args.validation_file,
        hyperparameters=Hyperparameters(
            args.epochs, args.batch_size, args.learning_rate_multiplier, args.beta
        ),
        grader=args.grader,
        suffix=args.suffix,
        seed=args.seed,
        metadata=dict(args.metadata),
        connection=connection(args),
        dry_run=args.dry_run,
        wait=args.wait,
        yes=args.yes,
        poll_interval=args.poll_interval,
        job_fields=_job_fields(args),
    )


def add_jobs_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    jobs = commands.add_parser("jobs", help="list, show, follow or cancel fine-tuning jobs")
    actions = jobs.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="the most recent jobs")
    listing.add_argument("--limit", type=positive_int, default=20, help="(default: 20)")
    add_format_argument(listing)
    add_connection_arguments(listing)
    for name, help_text in (
        ("show", "one job's details"),
        ("events", "a job's events, oldest first"),
        ("wait", "follow a job until it ends"),
        ("cancel", "cancel a job"),
    ):
        action = actions.add_parser(name, help=help_text)
        action.add_argument("job", metavar="JOB_ID")
        if name == "events":
            action.add_argument("--limit", type=positive_int, default=100, help="(default: 100)")
        if name == "wait":
            _add_poll_interval(action)
        if name == "show":
            add_format_argument(action)
        add_connection_arguments(action)
    jobs.set_defaults(run=run_jobs)


def run_jobs(args: argparse.Namespace) -> int:
    from tunelint.jobs import manage
    from tunelint.jobs.client import redacted_output
    from tunelint.jobs.follow import wait
    from tunelint.jobs.providers.connect import open_backend
    from tunelint.jobs.train import connection_flags

    where = connection(args)
    backend = open_backend(where)
    with redacted_output():
        if args.action == "list":
            return manage.list_jobs(backend, args.limit, args.output_format)
        if args.action == "show":
            return manage.show_job(backend, args.job, args.output_format)
        if args.action == "events":
            return manage.show_events(backend, args.job, args.limit)
        if args.action == "wait":
            return wait(backend, args.job, args.poll_interval, connection_flags(where))
        return manage.cancel_job(backend, args.job)


def add_sample_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sample = commands.add_parser(
        "sample", help="ask a tuned model a dataset's first prompts; expected vs actual answers"
    )
    sample.add_argument("--model", required=True, help="the tuned model, e.g. ft:gpt-4o-mini:…")
    sample.add_argument("--from", dest="source", type=Path, required=True, metavar="DATA.jsonl")
    sample.add_argument("-n", type=positive_int, default=5, help="prompts to send (default: 5)")
    sample.add_argument("--temperature", type=float, help="(default: the model's)")
    add_format_argument(sample)
    add_connection_arguments(sample)
    sample.set_defaults(run=run_sample)


def run_sample(args: argparse.Namespace) -> int:
    from tunelint.jobs.client import redacted_output
    from tunelint.jobs.providers.connect import open_backend
    from tunelint.jobs.sample import sample

    if not args.source.is_file():
        raise UsageError(f"{args.source}: no such file")
    backend = open_backend(connection(args))
    with redacted_output():
        return sample(
            backend, args.model, args.source, args.n, args.temperature, args.output_format
        )
