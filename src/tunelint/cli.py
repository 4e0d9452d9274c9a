"""Command-line interface: argument parsing and wiring only."""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunelint import __version__
from tunelint.application.check import (
    EXIT_CRASH,
    EXIT_ERROR,
    EXIT_FINDINGS,
    EXIT_OK,
    check_paths,
    file_groups,
)
from tunelint.application.settings import (
    Overrides,
    checked_config,
    config_path,
    settings_from,
)
from tunelint.argtypes import positive_int
from tunelint.engine.errors import TunelintError, UsageError
from tunelint.engine.findings import Severity
from tunelint.engine.profiles import PROFILES
from tunelint.engine.quoting import clean
from tunelint.engine.selection import split_selectors
from tunelint.engine.settings import Settings
from tunelint.inputs import Group, SettingsFinder
from tunelint.parser import SuggestingParser, option_strings
from tunelint.presentation import Presentation, add_format_argument, add_output_arguments
from tunelint.template.arguments import (
    add_template_arguments,
    prepare_template,
    template_overrides,
)

if TYPE_CHECKING:
    from tunelint.engine.ray_executor import Cluster

SEVERITIES = [severity.label for severity in Severity]


def _add_settings_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags that override ``[tool.tunelint]``; every command that lints shares them."""
    group = parser.add_argument_group("configuration (overrides the config file)")
    group.add_argument("--config", type=Path, help="configuration file (default: nearest)")
    group.add_argument("--profile", choices=sorted(PROFILES), help="rule profile")
    _add_target_argument(group)
    group.add_argument("--model", help="target model, e.g. gpt-4o-mini-2024-07-18")
    for flag, what in (
        ("--select", "rules to enable instead of the defaults"),
        ("--extend-select", "rules to enable in addition"),
        ("--ignore", "rules to disable"),
    ):
        group.add_argument(
            flag,
            action="extend",
            type=split_selectors,
            metavar="RULES",
            help=f"{what}: codes, prefixes, names or ALL, comma-separated",
        )
    group.add_argument(
        "--fail-on", choices=SEVERITIES, help="lowest severity that fails (default: error)"
    )
    add_template_arguments(parser)


def _add_target_argument(group: Any) -> None:
    group.add_argument(
        "--target",
        action="extend",
        type=split_selectors,
        metavar="NAME",
        help="provider or trainer the data is for (default: openai); several must all pass; "
        "see `tunelint targets`",
    )


def load_settings(args: argparse.Namespace, dataset: tuple[Path, Path] | None = None) -> Settings:
    """The run's settings; ``dataset`` pairs a training file with its validation file."""
    return _settings_maker(args, dataset)(config_path(args.config))


def _overrides(args: argparse.Namespace) -> Overrides:
    return Overrides(
        profile=args.profile,
        target=args.target,
        model=args.model,
        select=args.select,
        extend_select=args.extend_select,
        ignore=args.ignore,
        fail_on=args.fail_on,
        grader=getattr(args, "grader", None),
        more=template_overrides(args),
    )


def _settings_maker(
    args: argparse.Namespace, dataset: tuple[Path, Path] | None = None
) -> Callable[[Path | None], Settings]:
    """Turns a configuration file into settings, with the command line's overrides."""
    overrides = _overrides(args)
    make_settings = functools.partial(settings_from, overrides=overrides, dataset=dataset)

    def make(config: Path | None) -> Settings:
        settings = make_settings(config)
        if settings.template is not None:
            prepare_template(settings.template)
        return settings

    return make


def _run_check(args: argparse.Namespace) -> int:
    from tunelint.checking import CheckExtras, show_diff
    from tunelint.inputs import with_stdin

    paths = with_stdin(args.paths, args.stdin_filename) or [Path()]
    dataset = None
    if args.validation_file is not None:
        if len(paths) != 1 or not paths[0].is_file():
            raise UsageError("--validation-file needs exactly one training file as PATH")
        dataset = (paths[0], args.validation_file)
    finder = SettingsFinder(_settings_maker(args, dataset), checked_config(args.config))
    paths = [*paths, *filter(None, [args.validation_file])]
    if args.diff:
        return show_diff(file_groups(paths, finder, args.force_exclude))
    if args.shard is not None or args.state_out is not None:
        return _run_shard(args, file_groups(paths, finder, args.force_exclude))
    extras = CheckExtras.from_args(args)
    linter = args.merged.lint if args.merged is not None else None
    cluster = _cluster(args)
    if cluster is not None:
        from tunelint.application.check import ray_linter

        linter = ray_linter(cluster)
    status = check_paths(
        paths,
        finder,
        Presentation.from_args(args),
        extras,
        args.jobs,
        not args.no_cache,
        args.force_exclude,
        linter,
    )
    if args.merged is not None:
        args.merged.finish()
    return status


def _cluster(args: argparse.Namespace) -> Cluster | None:
    """The Ray cluster of ``--executor ray`` (``--jobs``: CPUs of a new local instance)."""
    if args.executor != "ray":
        return None
    from tunelint.engine.ray_executor import Cluster

    return Cluster(args.ray_address, args.jobs)


def _run_shard(args: argparse.Namespace, groups: list[Group]) -> int:
    from tunelint.application.shards import Shard, run_command, write_shard

    if args.shard is None or args.state_out is None:
        raise UsageError("--shard and --state-out go together")
    if args.fix or args.add_suppressions or args.executor != "local":
        raise UsageError("--shard lints one shard for `tunelint merge`: no --fix, "
                         "--add-suppressions or --executor")  # fmt: skip
    if args.stdin_filename is not None or any(str(path) == "-" for path in args.paths):
        raise UsageError("--shard needs files every shard can read, not standard input")
    shard, command = Shard.parse(args.shard), run_command(args.argv)
    return write_shard(groups, shard, args.state_out, command, args.jobs)


def _run_merge(args: argparse.Namespace) -> int:
    from tunelint.application.shards import MergedRun

    merged = MergedRun.read(args.states)
    check = build_parser().parse_args(merged.command)
    if args.output_format is not None:
        check.output_format = args.output_format
    check.merged = merged
    return _run_check(check)


def _run_convert(args: argparse.Namespace) -> int:
    from tunelint.convert.run import convert_file, make_options
    from tunelint.convert.writer import Split
    from tunelint.inputs import STDIN, with_stdin

    (source,) = with_stdin([args.input], None)
    to_stdout = str(args.output) == STDIN
    if to_stdout and (args.split or args.check):
        raise UsageError("-o - writes to stdout: --split and --check need an output file")
    split = Split.from_arguments(args.split, args.seed)
    columns = (args.user_column, args.assistant_column, args.system_column)
    options = make_options(args.source_format, args.with_context, columns)
    # A bad configuration fails before anything is written; a split's held-out file is
    # checked as the validation file of its training file.
    dataset = split.paths(args.output) if split else None
    if args.to != "openai" and not args.target:  # --check lints for the dialect written
        args.target = [args.to]
    settings = load_settings(args, dataset) if args.check else None
    summary = convert_file(
        args.source_format, source, args.output, options, args.system, split, args.to
    )
    print(summary.render(), file=sys.stderr if to_stdout else sys.stdout)
    if settings is None:
        return EXIT_OK
    return check_paths(list(summary.written), SettingsFinder.fixed(settings))


def _run_train(args: argparse.Namespace) -> int:
    from tunelint.finetuning import arguments as jobs_arguments
    from tunelint.finetuning.train import train

    dataset = (args.training, args.validation_file) if args.validation_file else None
    settings = jobs_arguments.provider_settings(args, load_settings(args, dataset))
    request = jobs_arguments.train_request(args, settings)

    def failed(files: Sequence[Path]) -> bool:  # as `tunelint check` would lint them
        finder = SettingsFinder.fixed(settings)
        return check_paths(files, finder, jobs=None, use_cache=True) != EXIT_OK

    return train(request, settings, failed)


def _run_targets(args: argparse.Namespace) -> int:
    from tunelint.target_matrix import run_targets

    def settings_for(names: list[str]) -> Settings:
        return load_settings(argparse.Namespace(**{**vars(args), "target": names}))

    return run_targets(args, settings_for)


def _run_rules(args: argparse.Namespace) -> int:
    from tunelint.engine.registry import all_rules
    from tunelint.output.catalogue import catalogue_json, catalogue_markdown, catalogue_text

    rules = all_rules()
    render = {"json": catalogue_json, "markdown": catalogue_markdown}.get(
        args.output_format, catalogue_text
    )
    print(render(rules))
    return EXIT_OK


def _run_rule(args: argparse.Namespace) -> int:
    from tunelint.engine.registry import all_rules
    from tunelint.engine.selection import resolve_selector
    from tunelint.output.catalogue import rule_text

    rules = all_rules()
    codes = sorted(resolve_selector(args.rule, rules))
    if len(codes) != 1:
        raise UsageError(f"{args.rule!r} names {len(codes)} rules; give one code or name")
    print(rule_text(rules[codes[0]]))
    return EXIT_OK


def _run_stats(args: argparse.Namespace) -> int:
    from tunelint.application.stats import stats_with_progress, worker_count
    from tunelint.inputs import with_stdin
    from tunelint.output.stats_report import stats_json, stats_text
    from tunelint.output.step_summary import add_stats

    paths = with_stdin(args.paths, args.stdin_filename)
    settings = load_settings(args)
    if settings.template is not None:
        if args.html:  # the page charts tiktoken's counts and cost, not a chat template's
            raise UsageError("--html does not take --tokenizer yet; run it without")
        return _run_template_stats(paths, args.output_format, settings, worker_count(args.jobs))
    stats = stats_with_progress(paths, settings, args.model, args.epochs, args.jobs, _cluster(args))
    _warn_uncounted(stats.files, stats.skipped)
    if stats.uncountable:
        print(
            f"tunelint: warning: {stats.uncountable} record(s) have no message text to count "
            f"(another layout than chat or preference data) and were not counted; first at "
            f"{stats.first_uncountable}",
            file=sys.stderr,
        )
    if not stats.examples and (stats.uncountable or stats.skipped):
        print(
            "tunelint: error: no record could be counted: no statistics, no cost", file=sys.stderr
        )
        return EXIT_FINDINGS
    if not args.target:
        print(stats_json(stats) if args.output_format == "json" else stats_text(stats, sys.stdout))
    else:
        from tunelint.target_stats import target_rows, target_rows_text

        rows = target_rows(settings.targets, stats)
        if args.output_format == "json":
            print(json.dumps({**json.loads(stats_json(stats)), "targets": rows}, indent=2))
        else:
            print(stats_text(stats, sys.stdout) + target_rows_text(settings.targets, rows))
    add_stats(stats)
    if args.html:
        from tunelint.application.stats import write_html_report

        write_html_report(args.html, stats, paths, settings, args.jobs)
    return EXIT_OK


def _warn_uncounted(files: int, skipped: int) -> None:
    if not files:
        print("tunelint: warning: no JSONL files found", file=sys.stderr)
    if skipped:
        print(
            f"tunelint: warning: {skipped} line(s) are not JSON objects and were not "
            "counted (see `tunelint check`)",
            file=sys.stderr,
        )


def _run_template_stats(
    paths: Sequence[Path], output_format: str, settings: Settings, jobs: int
) -> int:
    from tunelint.output.template_stats import template_stats_json, template_stats_text
    from tunelint.template.stats import compute_template_stats

    stats = compute_template_stats(paths, settings, jobs)
    _warn_uncounted(stats.files, stats.skipped)
    if output_format == "json":
        print(template_stats_json(stats))
    else:
        print(template_stats_text(stats, sys.stdout))
    return EXIT_OK


def _add_fix_arguments(check: argparse.ArgumentParser) -> None:
    fixing = check.add_argument_group("fixes, suppressions and baselines")
    fixing.add_argument("--fix", action="store_true", help="apply safe fixes, report the rest")
    fixing.add_argument(
        "--diff", action="store_true", help="print the safe fixes as a diff; write nothing"
    )
    fixing.add_argument(
        "--exit-non-zero-on-fix",
        action="store_true",
        help="with --fix, exit 1 when a file was changed (as pre-commit expects)",
    )
    fixing.add_argument(
        "--add-suppressions",
        action="store_true",
        help="record every current finding in tunelint-suppressions.json",
    )
    fixing.add_argument(
        "--prune-suppressions",
        action="store_true",
        help="drop the suppressions that no longer match a finding; add none",
    )
    fixing.add_argument(
        "--baseline",
        type=Path,
        metavar="FILE",
        help="ignore findings in this saved --output-format json report",
    )


def _add_executor_arguments(parser: argparse.ArgumentParser) -> Any:
    scale = parser.add_argument_group("beyond one machine (see README, Running on a cluster)")
    scale.add_argument(
        "--executor",
        choices=["local", "ray"],
        default="local",
        help="where to work: processes here (default), or Ray tasks (tunelint[ray])",
    )
    scale.add_argument(
        "--ray-address",
        metavar="ADDR",
        help="Ray cluster to join (default: RAY_ADDRESS, the local cluster, or a new one "
        "with --jobs CPUs)",
    )
    return scale


def _add_scale_arguments(check: argparse.ArgumentParser) -> None:
    scale = _add_executor_arguments(check)
    scale.add_argument(
        "--shard",
        metavar="I/N",
        help="lint only shard I of N and write its state (--state-out) for `tunelint merge`",
    )
    scale.add_argument("--state-out", type=Path, metavar="FILE", help="where --shard writes")
    check.set_defaults(merged=None)


def _add_merge_parser(commands: Any) -> None:
    from tunelint.output import FORMATS as OUTPUT_FORMATS

    merge = commands.add_parser(
        "merge", help="report the shards of a `check --shard I/N` run as one check"
    )
    merge.add_argument("states", nargs="+", type=Path, metavar="STATE", help="state files")
    merge.add_argument(
        "--output-format",
        choices=OUTPUT_FORMATS,
        help="(default: the shards' --output-format)",
    )
    merge.set_defaults(run=_run_merge)


def _add_input_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--stdin-filename",
        type=Path,
        metavar="NAME",
        help="name of the data read from - (for configuration and reports)",
    )


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser; given ``command``, one with only that subcommand.

    Building every subcommand's flags (and importing what their choices come from) is a good
    part of a short run's start-up, and parsing ``tunelint check ...`` needs only ``check``'s.
    The top-level help and the errors that list commands get the whole parser."""
    parser = SuggestingParser(
        prog="tunelint", description="Lint LLM fine-tuning data (JSONL) the way ruff lints code."
    )
    parser.add_argument("--version", action="version", version=f"tunelint {__version__}")
    # ``prog`` as argparse would make it from this usage (no positional arguments), without
    # a help formatter: building one costs start-up (``tunelint.parser``).
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, prog=parser.prog
    )
    for name, add in _COMMANDS.items():
        if command is None or name == command:
            add(commands)
    if command is not None:  # a misspelt flag is still matched against every command's
        parser.flags = lambda: option_strings(build_parser())
    return parser


def _add_check_parser(commands: Any) -> None:
    check = commands.add_parser("check", help="lint JSONL files and folders")
    check.add_argument(
        "paths", nargs="*", type=Path, metavar="PATH", help="files, folders, URLs, - for stdin"
    )
    _add_input_arguments(check)
    check.add_argument(
        "--force-exclude",
        action="store_true",
        help="apply exclude patterns to files named on the command line too (pre-commit)",
    )
    add_output_arguments(check)
    check.add_argument("--statistics", action="store_true", help="count findings per rule")
    check.add_argument(
        "--jobs",
        "-j",
        type=positive_int,
        help="worker processes (default: the cores other work leaves free)",
    )
    check.add_argument(
        "--no-cache",
        action="store_true",
        help="lint every file, ignoring the results kept in .tunelint_cache/",
    )
    _add_scale_arguments(check)
    _add_fix_arguments(check)
    check.add_argument(
        "--validation-file",
        type=Path,
        metavar="VAL",
        help="validation file of the training file PATH (checked too, and against PATH)",
    )
    check.add_argument(
        "--grader",
        type=Path,
        metavar="FILE",
        help="reinforcement grader (JSON): records must have the {{item.<field>}} it reads",
    )
    _add_settings_arguments(check)
    check.set_defaults(run=_run_check)


def _add_stats_parser(commands: Any) -> None:
    stats = commands.add_parser("stats", help="token statistics and training cost")
    stats.add_argument("paths", nargs="+", type=Path, metavar="FILE")
    _add_input_arguments(stats)
    stats.add_argument("--model", help="target model (default: the configured one)")
    stats.add_argument(
        "--epochs", type=int, help="epochs to price (default: the provider's heuristic)"
    )
    add_format_argument(stats)
    stats.add_argument(
        "--html",
        type=Path,
        metavar="FILE",
        help="also write a page with charts (token distributions, cost, top findings) to FILE",
    )
    stats.add_argument(
        "--jobs",
        "-j",
        type=positive_int,
        help="worker processes for large data (default: the cores other work leaves free)",
    )
    _add_executor_arguments(stats)
    stats.add_argument("--config", type=Path, help="configuration file (default: nearest)")
    stats.add_argument("--profile", choices=sorted(PROFILES), help="profile (default model)")
    add_template_arguments(stats)
    _add_target_argument(stats)
    stats.set_defaults(run=_run_stats, select=None, extend_select=None, ignore=None, fail_on=None)


def _add_targets_parser(commands: Any) -> None:
    from tunelint.target_matrix import add_targets_parser

    targets = add_targets_parser(commands)
    _add_settings_arguments(targets)
    targets.set_defaults(run=_run_targets)


def _add_rules_parser(commands: Any) -> None:
    rules = commands.add_parser("rules", help="list every rule")
    add_format_argument(rules, ("text", "json", "markdown"))
    rules.set_defaults(run=_run_rules)


def _add_rule_parser(commands: Any) -> None:
    rule = commands.add_parser("rule", help="show one rule's documentation")
    rule.add_argument("rule", metavar="CODE", help="a rule code or name, e.g. SC005")
    rule.set_defaults(run=_run_rule)


def _add_train_parser(commands: Any) -> None:
    from tunelint.finetuning import arguments as jobs_arguments

    train = jobs_arguments.add_train_parser(commands)
    _add_settings_arguments(train)
    train.set_defaults(run=_run_train)


def _add_jobs_parser(commands: Any) -> None:
    from tunelint.finetuning import arguments as jobs_arguments

    jobs_arguments.add_jobs_parser(commands)


def _add_sample_parser(commands: Any) -> None:
    from tunelint.finetuning import arguments as jobs_arguments

    jobs_arguments.add_sample_parser(commands)


def _add_convert_parser(commands: Any) -> None:
    from tunelint.convert import DIALECTS, FORMATS

    convert = commands.add_parser(
        "convert",
        help="convert a dataset (SQuAD, Alpaca, ShareGPT, CSV, Vertex, Bedrock...) between "
        "dialects",
    )
    convert.add_argument(
        "input", type=Path, metavar="INPUT", help="the dataset to convert (- for stdin)"
    )
    convert.add_argument(
        "--from", dest="source_format", choices=FORMATS, required=True, help="the input's format"
    )
    convert.add_argument(
        "--to",
        choices=DIALECTS,
        default="openai",
        help="the dialect to write (default: openai chat JSONL)",
    )
    convert.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="OUTPUT.jsonl",
        help="chat JSONL to write (- for stdout)",
    )
    convert.add_argument(
        "--system", metavar="TEXT", help="system message for every example without one"
    )
    convert.add_argument(
        "--with-context", action="store_true", help="squad: the paragraph goes before the question"
    )
    convert.add_argument(
        "--split",
        metavar="NAME=FRACTION",
        help="hold out a fraction, e.g. validation=0.1: writes OUTPUT.train.jsonl and "
        "OUTPUT.NAME.jsonl, split by a seeded hash of each example",
    )
    convert.add_argument("--seed", type=int, help="seed of --split (default: 0)")
    for role, default in (("user", " (default: user)"), ("assistant", " (default: assistant)"),
                          ("system", "")):  # fmt: skip
        convert.add_argument(
            f"--{role}-column", metavar="C", help=f"csv: the {role} column{default}"
        )
    convert.add_argument(
        "--check", action="store_true", help="lint the output and exit like tunelint check"
    )
    _add_settings_arguments(convert)
    convert.set_defaults(run=_run_convert)


# Each command and what adds its parser, in the order the help lists them.
_COMMANDS: dict[str, Callable[[Any], None]] = {
    "check": _add_check_parser,
    "merge": _add_merge_parser,
    "convert": _add_convert_parser,
    "stats": _add_stats_parser,
    "targets": _add_targets_parser,
    "rules": _add_rules_parser,
    "rule": _add_rule_parser,
    "train": _add_train_parser,
    "jobs": _add_jobs_parser,
    "sample": _add_sample_parser,
}

# Commands that talk to a fine-tuning provider through the OpenAI SDK (an extra).
_PROVIDER_COMMANDS = ("train", "jobs", "sample")


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(words[0] if words and words[0] in _COMMANDS else None).parse_args(words)
    args.argv = words  # what a shard's state records
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        if args.command in _PROVIDER_COMMANDS:
            from tunelint.finetuning.sdk import import_sdk

            import_sdk("openai", "openai", f"`tunelint {args.command}`")
        return run(args)
    except TunelintError as error:
        print(f"tunelint: error: {clean(str(error))}", file=sys.stderr)
    except BrokenPipeError:
        # The reader went away (``| head``): stop quietly, as other command-line tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FINDINGS
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        print(f"tunelint: error: {clean(f'{where}{error.strerror or error}')}", file=sys.stderr)
    except KeyboardInterrupt:
        print("tunelint: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a bug: never a traceback, never "findings"
        return report_crash(error)
    return EXIT_ERROR


def report_crash(error: BaseException) -> int:
    """One line about an unexpected error, and ``EXIT_CRASH`` (CI must not read it as
    findings). ``TUNELINT_TRACEBACK=1`` shows the traceback for the report."""
    if os.environ.get("TUNELINT_TRACEBACK"):
        import traceback

        traceback.print_exception(error)
    print(
        f"tunelint: internal error: {type(error).__name__}: {clean(str(error), 200)} "
        f"(a bug in tunelint {__version__}: please report it with the command and the input "
        "that caused it; TUNELINT_TRACEBACK=1 shows the details)",
        file=sys.stderr,
    )
    return EXIT_CRASH
