"""The hooks in ``.pre-commit-hooks.yaml``, run by real ``pre-commit`` in a temporary git repo.

pre-commit installs this checkout (a committed snapshot of the working tree, so that
uncommitted changes are tested too) into a virtualenv of its own, as it would install the
hook repository from GitHub. An install takes about a minute: the first test uses a
``.pre-commit-config.yaml`` (its store is reused across runs), the second ``try-repo``
(which installs into a fresh store on every call, so it is called once).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO

CHAT = {
    "messages": [
        {"role": "system", "content": "간결하게 답하세요."},
        {"role": "user", "content": "프랑스의 수도는?"},
        {"role": "assistant", "content": "파리입니다."},
    ]
}
# Ten distinct examples: copies would be DS003 duplicates.
GOOD = "".join(
    json.dumps(CHAT, ensure_ascii=False).replace("수도는?", f"수도는? ({n})") + "\n"
    for n in range(10)
)
BAD = GOOD + '{"messages": [{"role": "human", "content": "Hi"}]}\n'


def run(
    *args: str | os.PathLike[str], cwd: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def snapshot(tmp_path: Path, env: dict[str, str]) -> tuple[Path, str]:
    """This checkout's tracked and new files, committed in a repository of their own."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    hooks = tmp_path / "hooks"
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            (hooks / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, hooks / name)
    for step in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "snapshot"]):
        assert run("git", *step, cwd=hooks, env=env).returncode == 0
    rev = run("git", "rev-parse", "HEAD", cwd=hooks, env=env).stdout.strip()
    return hooks, rev


def git_env(tmp_path: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    env.pop("PRE_COMMIT", None)
    return env


PRE_COMMIT = [sys.executable, "-m", "pre_commit"]


def test_hooks_block_bad_data_and_fix_files(tmp_path: Path) -> None:
    env = git_env(tmp_path)
    hooks, rev = snapshot(tmp_path, env)
    project = tmp_path / "project"
    project.mkdir()
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {hooks}\n  rev: {rev}\n  hooks:\n  - id: tunelint\n  - id: tunelint-fix\n",
        encoding="utf-8",
    )
    assert run("git", "init", "-q", cwd=project, env=env).returncode == 0
    assert run(*PRE_COMMIT, "install", cwd=project, env=env).returncode == 0

    # A commit of bad JSONL is blocked, with the rule code shown.
    (project / "train.jsonl").write_text(BAD, encoding="utf-8")
    run("git", "add", "-A", cwd=project, env=env)
    blocked = run("git", "commit", "-m", "bad data", cwd=project, env=env)
    output = blocked.stdout + blocked.stderr  # git shows the hook's output on stderr
    assert blocked.returncode == 1, output
    assert "train.jsonl:11:24: SC005 [error] messages[0].role: unrecognized role 'human'" in output
    assert "\x1b" not in output  # no colours, no progress bars
    assert run("git", "rev-parse", "HEAD", cwd=project, env=env).returncode != 0  # no commit

    # Good JSONL passes and is committed.
    (project / "train.jsonl").write_text(GOOD, encoding="utf-8")
    run("git", "add", "-A", cwd=project, env=env)
    committed = run("git", "commit", "-m", "good data", cwd=project, env=env)
    output = committed.stdout + committed.stderr
    assert committed.returncode == 0, output
    assert "tunelint" in output and "Passed" in output

    # tunelint-fix repairs a byte-order mark and blank lines: fails once, then passes.
    lines = GOOD.splitlines()
    broken = (
        "\ufeff"
        + lines[0]
        + "\n\n"
        + "\n".join(lines[1:5])
        + "\n   \n"
        + "\n".join(lines[5:])
        + "\n"
    )
    (project / "fix.jsonl").write_text(broken, encoding="utf-8")
    run("git", "add", "fix.jsonl", cwd=project, env=env)
    fix_hook = [*PRE_COMMIT, "run", "tunelint-fix"]
    first = run(*fix_hook, cwd=project, env=env)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "files were modified by this hook" in first.stdout
    fixed = (project / "fix.jsonl").read_bytes()
    assert fixed == GOOD.encode()  # no record lost, each kept byte for byte
    run("git", "add", "fix.jsonl", cwd=project, env=env)
    second = run(*fix_hook, cwd=project, env=env)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "tunelint (fix)" in second.stdout and "Passed" in second.stdout


def test_try_repo_runs_the_checkout_as_a_hook_repository(tmp_path: Path) -> None:
    env = git_env(tmp_path)
    hooks, rev = snapshot(tmp_path, env)
    project = tmp_path / "project"
    project.mkdir()
    assert run("git", "init", "-q", cwd=project, env=env).returncode == 0
    (project / "good.jsonl").write_text(GOOD, encoding="utf-8")
    (project / "bad.ndjson").write_text(BAD, encoding="utf-8")
    (project / "notes.txt").write_text("not data\n", encoding="utf-8")
    run("git", "add", "-A", cwd=project, env=env)
    tried = run(*PRE_COMMIT, "try-repo", hooks, "tunelint", "--ref", rev, cwd=project, env=env)
    assert tried.returncode == 1, tried.stdout + tried.stderr
    assert "bad.ndjson:11:24: SC005 [error]" in tried.stdout
    assert "good.jsonl" not in tried.stdout.split("- exit code: 1")[-1]
    assert "notes.txt" not in tried.stdout
