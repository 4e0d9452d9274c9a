"""tunelint from Python: lint files or records and count tokens, with typed results.

What ``tunelint check --output-format json`` and ``tunelint stats --format json`` print,
as objects: a ``FileResult`` per file, holding ``Finding`` objects with the same fields
as the JSON output (``severity`` a ``Severity``), and ``DatasetStats``. Configuration is
found as the CLI finds it (the nearest ``tunelint.toml`` or ``[tool.tunelint]``); keyword
arguments override it. Bad usage or configuration raises ``TunelintError`` (its message
is the CLI's one-line error); an unreadable file raises ``OSError``::

    import tunelint

    for result in tunelint.lint_files(["data/"], select=["SC", "CV"]):
        for finding in result.findings:
            print(finding.path, finding.line, finding.code, finding.message)

    result = tunelint.lint_records([{"messages": [{"role": "user", "content": "Hi"}]}])
    stats = tunelint.get_stats(["data/train.jsonl"], model="gpt-4o-mini")
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

import orjson

from tunelint.application.check import lint_file
from tunelint.application.settings import Overrides, build_settings
from tunelint.engine.discovery import expand_paths
from tunelint.engine.errors import UsageError
from tunelint.engine.findings import FileResult
from tunelint.engine.settings import Settings
from tunelint.tokens.stats import DatasetStats

if TYPE_CHECKING:
    from typing_extensions import Unpack

PathLike = str | os.PathLike[str]


class Options(TypedDict, total=False):
    """What a call may override of the configuration (as the CLI's flags do)."""

    config: PathLike | None
    """A configuration file (default: the nearest ``tunelint.toml`` / ``pyproject.toml``)."""
    profile: str | None
    model: str | None
    select: Sequence[str] | None
    extend_select: Sequence[str] | None
    ignore: Sequence[str] | None


def lint_files(
    paths: Iterable[PathLike], *, jobs: int = 1, **options: Unpack[Options]
) -> list[FileResult]:
    """Lint files and folders (``*.jsonl`` / ``*.ndjson`` found in them), in order.

    Suppressions (``tunelint-suppressions.json``) apply as they do for ``tunelint check``.
    ``jobs`` above 1 lints with that many worker processes.
    """
    from tunelint.application.check import lint_files as lint
    from tunelint.checking import CheckExtras, Filters

    settings = _settings(options)
    files = expand_paths([Path(path) for path in paths], settings)
    filters = Filters(CheckExtras(), settings, None)
    results = lint(files, settings, jobs)
    return [filters.apply(result, path) for path, result in zip(files, results, strict=True)]


def lint_records(
    records: Iterable[Mapping[str, Any]], *, name: str = "<records>", **options: Unpack[Options]
) -> FileResult:
    """Lint records (dicts, as ``json.loads`` gives them) as the lines of one file.

    A finding's ``line`` and ``example`` are the record's position from 1, its ``path`` is
    ``name``. The records are streamed to a temporary file, removed afterwards, so that
    any number of them can be linted without being held in memory. A record that cannot
    be written as JSON raises ``TunelintError``.
    """
    settings = _settings(options)
    with tempfile.TemporaryDirectory(prefix="tunelint-") as folder:
        path = Path(folder) / "records.jsonl"
        with path.open("wb") as stream:
            for index, record in enumerate(records, 1):
                try:
                    stream.write(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE))
                except TypeError as error:  # orjson.JSONEncodeError
                    raise UsageError(f"record {index} is not JSON: {error}") from None
        result = lint_file(path, settings)
    findings = tuple(dataclasses.replace(finding, path=name) for finding in result.findings)
    return FileResult(name, findings, result.examples)


def get_stats(
    paths: Iterable[PathLike],
    *,
    model: str | None = None,
    epochs: int | None = None,
    config: PathLike | None = None,
    profile: str | None = None,
    jobs: int = 1,
) -> DatasetStats:
    """Token statistics and training cost of files and folders taken as one dataset, as
    ``tunelint stats`` computes them (``DatasetStats.to_dict()`` is its JSON)."""
    from tunelint.tokens.stats import compute_stats

    settings = _settings({"config": config, "profile": profile})
    return compute_stats([Path(path) for path in paths], settings, model, epochs, jobs=jobs)


def _settings(options: Options) -> Settings:
    for argument in ("select", "extend_select", "ignore"):
        if isinstance(options.get(argument), str):  # a string is a sequence of letters
            raise UsageError(f"{argument} must be a list of rule selectors, not a string")
    config = options.get("config")
    overrides = Overrides(
        profile=options.get("profile"),
        model=options.get("model"),
        select=options.get("select"),
        extend_select=options.get("extend_select"),
        ignore=options.get("ignore"),
    )
    return build_settings(overrides, config=None if config is None else Path(config))
