"""The composite GitHub Action (action.yml), run step by step in bash as the runner runs it.

The runner's part is played here: ``${{ … }}`` expressions are filled in from the inputs,
``if:`` conditions decided, the ``GITHUB_*`` files and variables set, and what a step
appends to ``GITHUB_PATH`` put on the next steps' ``PATH``. The install step really
creates a virtual environment and pip-installs this repository into it (from the package
registry's wheels, as on GitHub), so the check steps run the installed command.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from conftest import EXAMPLES, REPO

_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_CONDITION = re.compile(r"^inputs\.([\w-]+) == '([^']*)'$")


def _value(expression: str, inputs: dict[str, str]) -> str:
    if expression == "github.action_path":
        return str(REPO)
    name = expression.removeprefix("inputs.")
    assert name in inputs, f"unknown expression {expression!r}"
    return inputs[name]


def _fill(text: str, inputs: dict[str, str]) -> str:
    return _EXPRESSION.sub(lambda match: _value(match.group(1), inputs), text)


def _runs(step: dict[str, Any], inputs: dict[str, str]) -> bool:
    condition = step.get("if")
    if condition is None:
        return True
    match = _CONDITION.match(_fill(str(condition), inputs))
    assert match, f"condition not understood: {condition!r}"
    return inputs[match.group(1)] == match.group(2)


def run_action(workspace: Path, given: dict[str, str]) -> list[tuple[str, Any]]:
    """Run the action's steps; (name, completed process or the ``with:`` of a used action)."""
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    inputs = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    inputs.update(given)
    runner = workspace.parent / "runner"
    runner.mkdir()
    files = {name: runner / name.lower() for name in ("GITHUB_PATH", "GITHUB_STEP_SUMMARY")}
    for file in files.values():
        file.touch()
    base = {
        key: value
        for key, value in os.environ.items()
        if key not in ("NO_COLOR", "FORCE_COLOR", "VIRTUAL_ENV")
    }
    base.update(
        CI="true",
        GITHUB_ACTIONS="true",
        GITHUB_WORKSPACE=str(workspace),
        GITHUB_ACTION_PATH=str(REPO),
        RUNNER_TEMP=str(runner),
        **{name: str(file) for name, file in files.items()},
    )
    done: list[tuple[str, Any]] = []
    for step in action["runs"]["steps"]:
        if not _runs(step, inputs):
            continue
        if "uses" in step:
            done.append((step["uses"], {k: _fill(str(v), inputs) for k, v in step["with"].items()}))
            continue
        assert step["shell"] == "bash"
        extra = files["GITHUB_PATH"].read_text(encoding="utf-8").split()
        env = {**base, **{k: _fill(str(v), inputs) for k, v in step.get("env", {}).items()}}
        env["PATH"] = os.pathsep.join([*reversed(extra), base["PATH"]])
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        done.append((step["name"], result))
        if result.returncode != 0:
            break  # as the runner stops at a failed step
    return done


def test_action_installs_checks_annotates_summarizes_and_uploads_sarif(tmp_path: Path) -> None:
    workspace = tmp_path / "repo"
    (workspace / "data").mkdir(parents=True)
    (workspace / "data" / "train.jsonl").write_bytes(
        (EXAMPLES / "broken" / "train.jsonl").read_bytes()
    )
    # The runner's python3 is this test's interpreter.
    steps = run_action(workspace, {"args": "data/", "sarif": "true", "python": sys.executable})
    names = [name for name, _ in steps]
    assert names == [
        "Install tunelint",
        "Write SARIF",
        "github/codeql-action/upload-sarif@v3",
        "Check",
    ]
    install, sarif_step, upload, check = (item for _, item in steps)
    assert install.returncode == 0, install.stderr
    assert sarif_step.returncode == 0, sarif_step.stderr  # --exit-zero: the upload still runs
    sarif = json.loads((workspace / upload["sarif_file"]).read_text(encoding="utf-8"))
    assert {result["ruleId"] for result in sarif["runs"][0]["results"]} >= {"SC005", "JL001"}

    assert check.returncode == 1  # the findings fail the job
    annotations = [line for line in check.stdout.splitlines() if line.startswith("::error ")]
    assert "::error file=data/train.jsonl,line=2,col=24,title=SC005 unrecognized-role::" in (
        "\n".join(annotations)
    )
    summary = (tmp_path / "runner" / "github_step_summary").read_text(encoding="utf-8")
    assert summary.count("### tunelint:") == 1  # the SARIF step wrote none
    assert "### tunelint: Found 11 errors, 4 warnings in 1 file." in summary


def test_action_runs_sarif_steps_only_when_asked() -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    for sarif, expected in (
        ("false", ["Install tunelint", "Check"]),
        ("true", ["Install tunelint", "Write SARIF", "Upload SARIF", "Check"]),
    ):
        inputs = {"sarif": sarif, "sarif-file": "x.sarif"}
        names = [step["name"] for step in action["runs"]["steps"] if _runs(step, inputs)]
        assert names == expected
