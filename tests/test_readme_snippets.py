"""README's snippets work when copied: the values README marks ``# substitute`` are replaced
by this checkout (a committed snapshot of it, as a user's clone), everything else runs as printed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import venv

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib
from pathlib import Path

import yaml
from test_pre_commit import BAD, GOOD, PRE_COMMIT, git_env, run, snapshot

from conftest import REPO, readme_block

SUBSTITUTE = re.compile(r"^(\s*-?\s*[\w-]+:)\s*\S+\s*# substitute: (.*)$", re.M)


def substituted(block: str, values: dict[str, str]) -> str:
    """``block`` with each line marked ``# substitute: what`` given the value named by ``what``."""
    marked = SUBSTITUTE.findall(block)
    assert [what for _, what in marked] == list(values), marked
    lines = iter(values.values())
    return SUBSTITUTE.sub(lambda match: f"{match[1]} {next(lines)}", block)


def test_the_pre_commit_snippet_blocks_bad_data(tmp_path: Path) -> None:
    env = git_env(tmp_path)
    hooks, rev = snapshot(tmp_path, env)
    block = readme_block("repo: https://example.com/you/tunelint.git")
    config = substituted(
        block,
        {"this repository's URL or a clone's path": str(hooks), "a commit or tag of it": rev},
    )
    project = tmp_path / "project"
    project.mkdir()
    (project / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    assert run("git", "init", "-q", cwd=project, env=env).returncode == 0
    (project / "train.jsonl").write_text(BAD, encoding="utf-8")
    run("git", "add", "-A", cwd=project, env=env)
    blocked = run(*PRE_COMMIT, "run", cwd=project, env=env)
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "train.jsonl:11:24: SC005 [error]" in blocked.stdout


def test_the_local_pre_commit_hook_works_as_printed(tmp_path: Path) -> None:
    env = git_env(tmp_path)
    # The environment that runs `git commit` has tunelint installed: this test's own.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    project = tmp_path / "project"
    project.mkdir()
    (project / ".pre-commit-config.yaml").write_text(readme_block("repo: local"), encoding="utf-8")
    assert run("git", "init", "-q", cwd=project, env=env).returncode == 0
    (project / "good.jsonl").write_text(GOOD, encoding="utf-8")
    (project / "bad.ndjson").write_text(BAD, encoding="utf-8")
    (project / "notes.txt").write_text('{"not": "data"}\n', encoding="utf-8")
    run("git", "add", "-A", cwd=project, env=env)
    blocked = run(*PRE_COMMIT, "run", cwd=project, env=env)
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "bad.ndjson:11:24: SC005 [error]" in blocked.stdout
    assert "good.jsonl" not in blocked.stdout and "notes.txt" not in blocked.stdout
    (project / "bad.ndjson").write_text(GOOD, encoding="utf-8")
    run("git", "add", "-A", cwd=project, env=env)
    passed = run(*PRE_COMMIT, "run", cwd=project, env=env)
    assert passed.returncode == 0, passed.stdout + passed.stderr


def test_the_github_actions_steps_install_and_annotate(tmp_path: Path) -> None:
    """The job's `run:` steps, in order, in a fresh virtual environment (as a runner has)."""
    env = git_env(tmp_path)
    hooks, rev = snapshot(tmp_path, env)
    block = readme_block("TUNELINT_REPO:")
    steps = yaml.safe_load(
        substituted(
            block, {"this repository's URL": f"file://{hooks}", "a commit or tag of it": rev}
        )
    )
    runner = tmp_path / "runner"
    venv.create(runner, with_pip=True)
    env["PATH"] = f"{runner / 'bin'}{os.pathsep}{env['PATH']}"
    env.pop("PYTHONPATH", None)
    workspace = tmp_path / "workspace"
    (workspace / "data").mkdir(parents=True)
    (workspace / "data" / "train.jsonl").write_text(BAD, encoding="utf-8")
    ran = []
    for step in steps:
        if "run" not in step:
            continue  # `uses:` steps are GitHub's own actions
        result = subprocess.run(
            ["bash", "-e", "-c", step["run"]],
            cwd=workspace,
            env={**env, **step.get("env", {})},
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        ran.append((step["run"], result))
    install, check = ran[0][1], ran[1][1]
    assert install.returncode == 0, install.stdout + install.stderr
    assert (runner / "bin" / "tunelint").exists()
    assert check.returncode == 1
    assert "::error file=data/train.jsonl,line=11" in check.stdout
    sarif = workspace / "tunelint.sarif"
    assert sarif.read_text(encoding="utf-8").startswith("{")


def test_the_repository_url_is_the_one_the_package_declares() -> None:
    from tunelint import REPOSITORY_URL

    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["urls"]["Repository"] == REPOSITORY_URL


def test_ci_runs_readmes_test_command_exactly() -> None:
    command = readme_block("python -m pytest").strip()
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert ci[-1] == command
