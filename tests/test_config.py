"""``[tool.tunelint]`` and ``tunelint.toml``: discovery, keys, errors, overrides."""

from __future__ import annotations

import json
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from conftest import WriteJsonl, run_tunelint

BAD_ROLE = {"messages": [{"role": "bot", "content": "x"}, {"role": "assistant", "content": "y"}]}


def codes(result: CompletedProcess[str]) -> list[str]:
    return [finding["code"] for finding in json.loads(result.stdout)]


def test_pyproject_in_a_parent_folder_is_found(tmp_path: Path, write_jsonl: WriteJsonl) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.tunelint]\nselect = ["SC005"]\n')
    write_jsonl([BAD_ROLE], "data/train.jsonl")
    result = run_tunelint("check", "train.jsonl", "--output-format", "json", cwd=tmp_path / "data")
    assert codes(result) == ["SC005"]


def test_pyproject_without_a_tunelint_table_is_skipped(
    tmp_path: Path, write_jsonl: WriteJsonl
) -> None:
    (tmp_path / "tunelint.toml").write_text('select = ["SC005"]\n')
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    write_jsonl([BAD_ROLE], "sub/train.jsonl")
    result = run_tunelint("check", "train.jsonl", "--output-format", "json", cwd=tmp_path / "sub")
    assert codes(result) == ["SC005"]


@pytest.mark.parametrize(
    ("pyproject", "status", "error"),
    [
        ("tool = 1\n", 1, ""),  # no [tool.tunelint]: the defaults
        ('tool = ["black"]\n', 1, ""),
        ("[tool]\ntunelint = 3\n", 2, "pyproject.toml: [tool.tunelint] must be a table\n"),
    ],
)
def test_a_named_pyproject_whose_tool_key_is_no_table(
    tmp_path: Path, write_jsonl: WriteJsonl, pyproject: str, status: int, error: str
) -> None:
    (tmp_path / "pyproject.toml").write_text(pyproject)
    path = write_jsonl([BAD_ROLE])
    result = run_tunelint("check", path, "--config", "pyproject.toml", "-q", cwd=tmp_path)
    assert (result.returncode, result.stderr.removeprefix("tunelint: error: ")) == (
        status,
        error,
    )


def test_cli_flags_override_the_file(tmp_path: Path, write_jsonl: WriteJsonl) -> None:
    (tmp_path / "tunelint.toml").write_text('select = ["SC005"]\nfail-on = "warning"\n')
    path = write_jsonl([BAD_ROLE])
    result = run_tunelint(
        "check",
        path,
        "--select",
        "CV002",
        "--fail-on",
        "error",
        "--output-format",
        "json",
        cwd=tmp_path,
    )
    assert (codes(result), result.returncode) == (["CV002"], 0)


def test_severity_override_and_per_file_ignores(tmp_path: Path, write_jsonl: WriteJsonl) -> None:
    (tmp_path / "tunelint.toml").write_text(
        'select = ["SC005", "CV002"]\n'
        '[severity]\nmissing-system-message = "error"\n'
        '[per-file-ignores]\n"legacy/*.jsonl" = ["SC005"]\n'
    )
    write_jsonl([BAD_ROLE], "legacy/old.jsonl")
    write_jsonl([BAD_ROLE], "new.jsonl")
    result = run_tunelint("check", ".", "--output-format", "json", cwd=tmp_path)
    found = [(f["path"], f["code"], f["severity"]) for f in json.loads(result.stdout)]
    assert found == [
        ("legacy/old.jsonl", "CV002", "error"),
        ("new.jsonl", "CV002", "error"),
        ("new.jsonl", "SC005", "error"),
    ]


def test_rule_options_apply(tmp_path: Path, write_jsonl: WriteJsonl) -> None:
    (tmp_path / "tunelint.toml").write_text('select = ["DS001"]\n[rules.DS001]\nminimum = 1\n')
    path = write_jsonl([BAD_ROLE])
    assert run_tunelint("check", path, cwd=tmp_path).returncode == 0


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("selct = ['SC005']", "unknown configuration key 'selct'"),
        ("select = ['SC999']", "unknown rule selector 'SC999'"),
        ("select = 'SC005'", "select must be a list of strings"),
        ("profile = 'anthropic'", "unknown profile 'anthropic'"),
        ("fail-on = 'fatal'", "fail-on: unknown severity 'fatal'"),
        ("[severity]\nSC005 = 'loud'", "severity.SC005: unknown severity 'loud'"),
        ("[rules.DS001]\nmaximum = 3", "rules.DS001: unknown option 'maximum'"),
        ("[rules.DS001]\nminimum = 'ten'", "rules.DS001.minimum must be of type int"),
        ("[rules.DS001]\nminimum = true", "rules.DS001.minimum must be of type int"),
        ("[rules.SC]\nminimum = 1", "rules.SC: name one rule, not a group"),
        ("select = [", "invalid TOML"),
    ],
)
def test_configuration_errors_exit_2_in_one_line(tmp_path: Path, toml: str, message: str) -> None:
    (tmp_path / "tunelint.toml").write_text(toml + "\n")
    result = run_tunelint("check", ".", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
