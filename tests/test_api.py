"""The Python API as a user calls it: ``import tunelint``, then lint files, records, stats.

Its results must say exactly what the CLI's JSON says about the same data.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import tunelint
from tunelint.output.json import finding_to_dict, result_dicts

from conftest import EXAMPLES, TOY, WriteJsonl, readme_block, run_tunelint

BROKEN = EXAMPLES / "broken" / "train.jsonl"


def as_json(finding: tunelint.Finding) -> dict[str, Any]:
    """A finding as the JSON output writes it."""
    return finding_to_dict(finding)


def cli_json(*args: str | Path, cwd: Path) -> list[dict[str, Any]]:
    result = run_tunelint("check", *args, "--output-format", "json", "--no-cache", cwd=cwd)
    assert result.returncode in (0, 1), result.stderr
    found: list[dict[str, Any]] = json.loads(result.stdout)
    return found


def test_lint_files_says_what_check_prints(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLES)
    results = tunelint.lint_files(["."], select=["ALL"])
    assert [result.path for result in results] == [
        "broken/train.jsonl",
        "clean/preferences.jsonl",
        "clean/train.jsonl",
    ]
    # As the JSON output writes them: each finding's end is read from its record's line.
    findings = [found for result in results for found in result_dicts(result)]
    assert findings == cli_json(".", "--select", "ALL", cwd=EXAMPLES)
    assert len(findings) > 10
    assert isinstance(results[0].findings[0].severity, tunelint.Severity)
    assert results[0].failed(tunelint.Severity.ERROR) and not results[2].failed(
        tunelint.Severity.INFO
    )


def test_lint_records_numbers_findings_by_record(tmp_path: Path) -> None:
    objects = []
    for line in BROKEN.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:  # blank and broken lines: records are dicts
            continue
        if isinstance(record, dict):
            objects.append(record)
    result = tunelint.lint_records(iter(objects), name="in memory")
    # The same records written out one per line, as the CLI sees them.
    path = tmp_path / "same.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in objects), encoding="utf-8")
    expected = cli_json(path, cwd=tmp_path)
    got = [as_json(finding) for finding in result.findings]
    for finding in expected:
        finding["path"] = "in memory"

    # Columns (and so ends) follow the writer's spacing (orjson writes compactly), and records
    # in memory have no line to read an end from; nothing else differs.
    def placeless(found: dict[str, Any]) -> dict[str, Any]:
        return {**found, "column": 0, "end_column": 0}

    assert [placeless(f) for f in got] == [placeless(f) for f in expected]
    assert result.examples == len(objects)
    assert {"SC005", "CV007"} <= {finding.code for finding in result.findings}


def test_lint_records_reports_a_record_that_is_no_json() -> None:
    with pytest.raises(tunelint.TunelintError, match="record 2 is not JSON"):
        tunelint.lint_records([{"messages": []}, {"when": object()}])


def test_bad_arguments_are_tunelint_errors(tmp_path: Path) -> None:
    with pytest.raises(tunelint.TunelintError, match="unknown rule selector"):
        tunelint.lint_files([tmp_path], select=["XX999"])
    with pytest.raises(tunelint.TunelintError, match="a list of rule selectors"):
        tunelint.lint_files([tmp_path], select="SC001")
    with pytest.raises(tunelint.TunelintError, match="no such file or directory"):
        tunelint.lint_files([tmp_path / "missing.jsonl"])
    with pytest.raises(tunelint.TunelintError, match="no such configuration file"):
        tunelint.get_stats([TOY], config=tmp_path / "tunelint.toml")


def test_a_config_file_and_overrides_apply(tmp_path: Path, write_jsonl: WriteJsonl) -> None:
    path = write_jsonl([{"messages": [{"role": "user", "content": "Hi"}]}])
    config = tmp_path / "tunelint.toml"
    config.write_text('ignore = ["CV001"]\n', encoding="utf-8")
    found = tunelint.lint_files([path])[0].findings
    assert {"CV001", "CV002"} <= {finding.code for finding in found}
    found = tunelint.lint_files([path], config=config)[0].findings
    assert "CV001" not in {finding.code for finding in found}
    found = tunelint.lint_files([path], config=config, select=["CV001"], ignore=[])[0].findings
    assert {finding.code for finding in found} == {"CV001"}


def test_get_stats_is_what_stats_prints() -> None:
    stats = tunelint.get_stats([TOY], model="gpt-3.5-turbo-0125")
    assert isinstance(stats, tunelint.DatasetStats)
    printed = run_tunelint(
        "stats", TOY, "--model", "gpt-3.5-turbo-0125", "--format", "json", cwd=TOY.parent
    )
    assert stats.to_dict() == json.loads(printed.stdout)
    assert stats.examples == 5


def test_import_tunelint_stays_light() -> None:
    code = "import sys, tunelint; print(sorted(m for m in sys.modules if 'tunelint' in m))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout == "['tunelint']\n"


def test_the_api_is_typed_for_its_users(tmp_path: Path) -> None:
    """mypy --strict accepts a user's script and catches a misuse of a result."""
    script = tmp_path / "user.py"
    script.write_text(
        textwrap.dedent("""
            import tunelint

            results: list[tunelint.FileResult] = tunelint.lint_files(["data"])
            line: int = results[0].findings[0].line
            stats: tunelint.DatasetStats = tunelint.get_stats(["data"], model="gpt-4o")
            wrong: str = tunelint.lint_records([{"messages": []}]).examples
        """),
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stdout
    # Only the misuse: every other name resolves to its real type.
    assert result.stdout.count("error:") == 1, result.stdout
    assert 'user.py:7: error: Incompatible types in assignment (expression has type "int"' in (
        result.stdout
    )


def test_readmes_example_runs_as_printed(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.jsonl").write_bytes(
        (EXAMPLES / "broken" / "train.jsonl").read_bytes()
    )
    code = readme_block("import tunelint")
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "data/train.jsonl 2 SC005 error messages[0].role: unrecognized role 'human'" in (
        result.stdout
    )
