"""pytest plugin: ``pytest --tunelint`` checks every ``*.jsonl`` file as a test item.

pytest loads it through the ``pytest11`` entry point whenever tunelint is installed, so it
stays inert unless enabled (``--tunelint`` or ``tunelint = true`` in the pytest
configuration): until then it adds options and a marker, nothing else, and imports no part
of the engine.

Each data file becomes one item, ``path/to/file.jsonl::tunelint``, marked ``tunelint``. It
fails when the file has findings at or above the fail level and reports them as
``tunelint check`` prints them; findings below the level go to the warnings summary.
Suppressions (``tunelint-suppressions.json``) and a baseline report (``--tunelint-baseline``)
leave findings out exactly as they do for ``tunelint check``; a suppression that no longer
matches is a warning.

Verdicts of passing files are kept in pytest's cache, keyed by the file's content, the
tunelint build and the settings; they hold the findings before suppressions and the
baseline apply, so editing either takes effect without linting again. Only the controller writes the cache: xdist workers
hand their results over through ``workeroutput``.

``--tunelint-snapshot-update`` records each file's statistics (``tunelint.snapshot``); an
item whose file has a snapshot fails when a figure drifts beyond its tolerance.

Rules that compare files (dataset scope: a validation file against its training file, from
``[[tool.tunelint.datasets]]``) run in one more item, ``<config file>::tunelint-datasets``,
added when a file of a configured pair is collected; the file items leave them out.
"""

from __future__ import annotations

import dataclasses
import os
import warnings
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tunelint.engine.findings import Finding
    from tunelint.engine.settings import Settings
    from tunelint.engine.suppressions import Matcher, Suppressions
    from tunelint.snapshot import Tolerance

MARKER = "tunelint"
ITEM_NAME = "tunelint"
DATASETS_ITEM_NAME = "tunelint-datasets"
CACHE_KEY = "tunelint/verdicts"
_WORKER_OUTPUT_KEY = "tunelint"


class TunelintWarning(pytest.PytestWarning):
    """Findings below the fail level: reported, but the item passes."""


class DataCheckFailed(Exception):
    """The item's data did not pass; the message is the whole report."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("tunelint", "tunelint: lint fine-tuning data (JSONL)")
    group.addoption(
        "--tunelint",
        action="store_true",
        help="check *.jsonl and *.ndjson files as test items (ini: tunelint = true)",
    )
    for flag, what in (
        ("select", "rules to enable instead of the configured ones"),
        ("extend-select", "rules to enable in addition"),
        ("ignore", "rules to disable"),
    ):
        group.addoption(
            f"--tunelint-{flag}",
            action="append",
            metavar="RULES",
            help=f"{what}: codes, prefixes, names or ALL, comma-separated",
        )
    group.addoption(
        "--tunelint-fail-on",
        metavar="SEVERITY",
        help="lowest severity that fails an item: error (default), warning or info",
    )
    group.addoption("--tunelint-profile", metavar="NAME", help="rule profile: openai, cookbook")
    group.addoption(
        "--tunelint-target",
        action="append",
        metavar="NAMES",
        help="providers or trainers the data is for, comma-separated (default: openai)",
    )
    group.addoption(
        "--tunelint-baseline",
        metavar="REPORT",
        help="ignore the findings of a saved `tunelint check --output-format json` report "
        "(ini: tunelint_baseline)",
    )
    group.addoption("--tunelint-model", metavar="MODEL", help="target model for token rules")
    group.addoption(
        "--tunelint-snapshot-update",
        action="store_true",
        help="record each data file's statistics as its snapshot",
    )
    parser.addini("tunelint", type="bool", default=False, help="check data files (--tunelint)")
    parser.addini(
        "tunelint_baseline",
        type="string",
        default="",
        help="baseline report, relative to the rootdir (--tunelint-baseline)",
    )
    parser.addini(
        "tunelint_snapshot_dir",
        type="string",
        default="",
        help="folder for data snapshots, relative to the rootdir (default: __snapshots__ "
        "beside each file)",
    )
    parser.addini(
        "tunelint_snapshot_tolerance",
        type="linelist",
        default=[],
        help="how far snapshot figures may move, e.g. 'examples -5%' "
        "(default: examples -5%, tokens_per_example.p95 +20%)",
    )


def _enabled(config: pytest.Config) -> bool:
    return bool(config.getoption("tunelint") or config.getini("tunelint"))


@dataclasses.dataclass
class _Run:
    """The plugin's state for one pytest process."""

    settings: Settings
    """For the file items: without the dataset-scope rules."""
    datasets: Settings | None
    """For the datasets item: the pairs and only the dataset-scope rules (``None``: no pairs)."""
    config_path: Path | None
    fingerprint: str
    """Hash of everything besides the file that decides a verdict."""
    suppressions: Suppressions
    baseline: Matcher | None
    tolerances: Sequence[Tolerance]
    snapshot_folder: Path | None
    """``None``: snapshots live beside the data."""
    snapshot_update: bool
    previous: Mapping[str, Any]
    """Cached verdicts from earlier runs, by node id."""
    verdicts: dict[str, Any] = dataclasses.field(default_factory=dict)
    """What this process (or, on the controller, its workers) learned: node id -> verdict
    to cache, or ``None`` to forget a file that no longer passes."""
    counts: Counter[str] = dataclasses.field(default_factory=Counter)
    """Files linted, taken from the cache, snapshots written."""

    def shown(
        self, path: Path, findings: Sequence[Finding], settings: Settings
    ) -> tuple[list[Finding], list[str]]:
        """The findings of ``path`` that suppressions and the baseline leave, and a note for
        each suppression of the file that matched nothing although its rule ran."""
        kept = self.suppressions.apply(path, findings, settings, self.baseline)
        stale = [self.suppressions.describe_stale(key) for key in self.suppressions.stale(path)]
        return list(kept), stale


_RUN = pytest.StashKey[_Run]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARKER}: tunelint data checks (pytest --tunelint)")
    if not _enabled(config):
        return
    from tunelint.application.settings import Overrides, build_settings
    from tunelint.engine.cache import settings_fingerprint
    from tunelint.engine.errors import TunelintError
    from tunelint.engine.selection import split_selectors
    from tunelint.engine.suppressions import Suppressions, load_baseline
    from tunelint.snapshot import DEFAULT_TOLERANCES, parse_tolerances

    def selectors(flag: str) -> list[str] | None:
        given: list[str] | None = config.getoption(flag)
        return None if given is None else [s for text in given for s in split_selectors(text)]

    overrides = Overrides(
        profile=config.getoption("tunelint_profile"),
        target=selectors("tunelint_target"),
        model=config.getoption("tunelint_model"),
        select=selectors("tunelint_select"),
        extend_select=selectors("tunelint_extend_select"),
        ignore=selectors("tunelint_ignore"),
        fail_on=config.getoption("tunelint_fail_on"),
    )
    try:
        settings = build_settings(overrides, start=config.rootpath)
        suppressions = Suppressions.load(settings.root)
        baseline_file = _baseline_file(config)
        baseline = load_baseline(baseline_file) if baseline_file else None
        tolerances = parse_tolerances(
            config.getini("tunelint_snapshot_tolerance") or DEFAULT_TOLERANCES
        )
    except TunelintError as error:
        raise pytest.UsageError(f"tunelint: {error}") from None
    cache = getattr(config, "cache", None)  # None with -p no:cacheprovider
    file_settings, dataset_settings = _split_settings(settings)
    config.stash[_RUN] = _Run(
        settings=file_settings,
        datasets=dataset_settings,
        config_path=settings.config_file,
        fingerprint=settings_fingerprint(file_settings),
        suppressions=suppressions,
        baseline=baseline,
        tolerances=tolerances,
        snapshot_folder=(
            config.rootpath / folder if (folder := config.getini("tunelint_snapshot_dir")) else None
        ),
        snapshot_update=config.getoption("tunelint_snapshot_update"),
        previous=cache.get(CACHE_KEY, {}) if cache is not None else {},
    )


def _baseline_file(config: pytest.Config) -> Path | None:
    """``--tunelint-baseline`` (from where pytest runs), else the ini's (from the rootdir)."""
    given: str | None = config.getoption("tunelint_baseline")
    if given:
        return config.invocation_params.dir / given
    configured: str = config.getini("tunelint_baseline")
    return config.rootpath / configured if configured else None


def _split_settings(settings: Settings) -> tuple[Settings, Settings | None]:
    """The settings of the file items (no dataset-scope rules, but the pairs, which spare
    validation files the rules that do not apply to them) and those of the datasets item
    (only the dataset-scope rules; ``None`` when it has nothing to do)."""
    from tunelint.engine.registry import Scope, all_rules

    rules = all_rules()
    across = frozenset(code for code in settings.enabled if rules[code].scope is Scope.DATASET)
    files = dataclasses.replace(settings, enabled=settings.enabled - across)
    if not settings.datasets or not across:
        return files, None
    return files, dataclasses.replace(settings, enabled=across)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> DataFile | None:
    if _RUN not in parent.config.stash:
        return None
    from tunelint.sources.walk import is_data_file

    if not is_data_file(file_path):
        return None
    return DataFile.from_parent(parent, path=file_path)


class DataFile(pytest.File):
    """A JSONL file: one item that lints it."""

    def collect(self) -> Iterator[DataItem]:
        item: DataItem = DataItem.from_parent(self, name=ITEM_NAME)
        item.add_marker(MARKER)
        yield item


class _TunelintItem(pytest.Item):
    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: Any = None,
    ) -> Any:
        from tunelint.engine.errors import TunelintError

        if isinstance(excinfo.value, (DataCheckFailed, TunelintError, TunelintWarning)):
            return str(excinfo.value)
        if isinstance(excinfo.value, OSError):
            where = excinfo.value.filename or self.path
            return f"{where}: {excinfo.value.strerror or excinfo.value}"
        return super().repr_failure(excinfo, style)


class DataItem(_TunelintItem):
    """``path/to/file.jsonl::tunelint``: passes when nothing reaches the fail level."""

    def runtest(self) -> None:
        run = self.config.stash[_RUN]
        from tunelint.engine.cache import file_digest

        key = f"{run.fingerprint}:{file_digest(self.path)}"
        cached = run.previous.get(self.nodeid)
        if cached is None or cached.get("key") != key:
            cached = None
            from tunelint.application.check import lint_file

            findings = list(lint_file(self.path, run.settings).findings)
            run.counts["linted"] += 1
        else:
            findings = _findings_from_json(cached["findings"])
            run.counts["cached"] += 1
        shown, stale = run.shown(self.path, findings, run.settings)
        failed = _failed(shown, run.settings)
        statistics, moved = self._snapshot(run, cached.get("statistics") if cached else None)
        run.verdicts[self.nodeid] = (
            None if failed else {"key": key, "findings": _json(findings), "statistics": statistics}
        )
        _conclude(self, shown, run.settings, moved, stale)

    def _snapshot(
        self, run: _Run, statistics: dict[str, Any] | None
    ) -> tuple[dict[str, Any] | None, str]:
        """Record or compare the file's statistics: (them if computed, what moved)."""
        from tunelint.snapshot import drift, read_snapshot, snapshot_path, write_snapshot

        path = snapshot_path(self.path, self.config.rootpath, run.snapshot_folder)
        recorded = None if run.snapshot_update else read_snapshot(path)
        if recorded is None and not run.snapshot_update:
            return statistics, ""
        if statistics is None:
            from tunelint.tokens.stats import compute_stats

            statistics = compute_stats([self.path], run.settings).to_dict()
        if recorded is None:
            write_snapshot(path, statistics)
            run.counts["snapshots"] += 1
            return statistics, ""
        moved = drift(recorded, statistics, run.tolerances)
        if not moved:
            return statistics, ""
        shown = os.path.relpath(path, self.config.invocation_params.dir)
        lines = [f"statistics drifted beyond their tolerance from the snapshot {shown}:"]
        lines += [f"  {line}" for line in moved]
        lines.append("(if the change is intended: pytest --tunelint --tunelint-snapshot-update)")
        return statistics, "\n".join(lines)

    def reportinfo(self) -> tuple[Path, int, str]:
        # Not the node id: pytest turns dots in a "domain" suffix of it into "::".
        return self.path, 0, f"tunelint {self.path.relative_to(self.config.rootpath).as_posix()}"


class DatasetsFile(pytest.File):
    """The configuration file that pairs validation files with their training files."""

    def collect(self) -> Iterator[DatasetsItem]:
        return iter(())  # its one item is made by pytest_collection_modifyitems


class DatasetsItem(_TunelintItem):
    """``<config file>::tunelint-datasets``: the dataset-scope rules over the chosen pairs."""

    pairs: tuple[tuple[Path, Path], ...] = ()

    def runtest(self) -> None:
        from tunelint.application.check import lint_file

        run = self.config.stash[_RUN]
        assert run.datasets is not None
        settings = dataclasses.replace(run.datasets, datasets=self.pairs)
        findings: list[Finding] = []
        stale: list[str] = []
        for _, validation in self.pairs:
            found = lint_file(validation, settings).findings
            shown, lapsed = run.shown(validation, found, settings)
            findings += shown
            stale += lapsed
        _conclude(self, findings, settings, notes=stale)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"tunelint datasets of {self.path.name}"


@pytest.hookimpl(tryfirst=True)  # before -m and -k deselect items
def pytest_collection_modifyitems(session: pytest.Session, items: list[pytest.Item]) -> None:
    """Add the datasets item when a file of a configured pair is among the items."""
    run = session.config.stash.get(_RUN, None)
    if run is None or run.datasets is None or run.config_path is None:
        return
    collected = {item.path.resolve() for item in items if isinstance(item, DataItem)}
    pairs = tuple(pair for pair in run.datasets.datasets if collected.intersection(pair))
    if not pairs:
        return
    parent = DatasetsFile.from_parent(session, path=run.config_path)
    item: DatasetsItem = DatasetsItem.from_parent(parent, name=DATASETS_ITEM_NAME)
    item.pairs = pairs
    item.add_marker(MARKER)
    items.append(item)


def _failed(findings: list[Finding], settings: Settings) -> bool:
    return any(finding.severity >= settings.fail_on for finding in findings)


def _conclude(
    item: pytest.Item,
    findings: list[Finding],
    settings: Settings,
    more: str = "",
    notes: Sequence[str] = (),
) -> None:
    """Fail the item with the findings (and ``more``), or warn about those below the level;
    ``notes`` (stale suppressions) never fail it."""
    report = "\n".join(part for part in (_report(item.config, findings), *notes) if part)
    if _failed(findings, settings) or more:
        raise DataCheckFailed("\n".join(part for part in (report, more) if part))
    if report:
        # Not ``item.warn``: pytest would read the data file through linecache to show the
        # warning's source line, the whole file at once. ``<...>`` names no file.
        line = findings[0].line if findings else 1
        warnings.warn_explicit(TunelintWarning("\n" + report), None, "<tunelint>", line)


def _report(config: pytest.Config, findings: list[Finding]) -> str:
    """The findings as ``tunelint check`` prints them, paths relative to where pytest ran."""
    if not findings:
        return ""
    from tunelint.output.text import format_finding, summarize

    here = config.invocation_params.dir
    lines = [
        format_finding(dataclasses.replace(f, path=os.path.relpath(f.path, here))) for f in findings
    ]
    files = len({finding.path for finding in findings})
    return "\n".join([*lines, summarize(Counter(f.severity for f in findings), files)])


def _json(findings: list[Finding]) -> list[dict[str, Any]]:
    from tunelint.output.json import finding_to_dict

    return [finding_to_dict(finding) for finding in findings]


def _findings_from_json(values: list[dict[str, Any]]) -> list[Finding]:
    from tunelint.engine.findings import Finding, Severity

    # The JSON output has more than a finding holds (end position, fix, url): keep its fields.
    names = {field.name for field in dataclasses.fields(Finding)} - {"fix"}
    return [
        Finding(
            **{key: item for key, item in value.items() if key in names and key != "severity"},
            severity=Severity.parse(value["severity"]),
        )
        for value in values
    ]


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    run = config.stash.get(_RUN, None)
    if run is None:
        return
    if hasattr(config, "workerinput"):  # an xdist worker: the controller records
        output = {"verdicts": run.verdicts, "counts": dict(run.counts)}
        config.workeroutput[_WORKER_OUTPUT_KEY] = output  # type: ignore[attr-defined]
        return
    cache = getattr(config, "cache", None)
    if cache is not None and run.verdicts:
        verdicts = {**cache.get(CACHE_KEY, {}), **run.verdicts}
        cache.set(CACHE_KEY, {k: v for k, v in verdicts.items() if v is not None})


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """xdist, on the controller: take over what a worker learned."""
    run = node.config.stash.get(_RUN, None)
    output = getattr(node, "workeroutput", {}).get(_WORKER_OUTPUT_KEY)
    if run is None or output is None:
        return
    run.verdicts.update(output["verdicts"])
    run.counts.update(output["counts"])


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    run = config.stash.get(_RUN, None)
    if run is None or not run.counts:
        return
    checked = run.counts["linted"] + run.counts["cached"]
    line = f"tunelint: {checked} file(s) checked, {run.counts['cached']} from cache"
    if run.snapshot_update:
        line += f", {run.counts['snapshots']} snapshot(s) written"
    terminalreporter.write_line(line)
