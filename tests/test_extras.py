"""Without the ``openai`` extra, linting works and the provider commands say what to install."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import EXAMPLES, run_tunelint


@pytest.fixture
def without_openai(tmp_path: Path) -> dict[str, str]:
    """An environment in which ``import openai`` fails, as when the extra is not installed."""
    shadow = tmp_path / "shadow" / "openai"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('No module named openai')\n")
    return {**os.environ, "PYTHONPATH": str(shadow.parent)}


@pytest.mark.parametrize(
    "command",
    [
        ["train", str(EXAMPLES / "clean" / "train.jsonl"), "--model", "gpt-4o-mini-2024-07-18"],
        ["jobs", "list"],
        [
            "sample",
            "--model",
            "ft:gpt-4o-mini:acme::x",
            "--from",
            str(EXAMPLES / "clean" / "train.jsonl"),
        ],
    ],
)
def test_provider_commands_name_the_extra(
    command: list[str], without_openai: dict[str, str], tmp_path: Path
) -> None:
    result = run_tunelint(*command, cwd=tmp_path, env=without_openai)
    assert result.returncode == 2
    assert result.stderr == (
        f"tunelint: error: `tunelint {command[0]}` needs its SDK: pip install 'tunelint[openai]'\n"
    )


def test_check_and_stats_need_no_openai(without_openai: dict[str, str], tmp_path: Path) -> None:
    checked = run_tunelint("check", EXAMPLES, "--no-cache", cwd=tmp_path, env=without_openai)
    assert checked.returncode == 1, checked.stderr
    assert "SC005" in checked.stdout
    counted = run_tunelint(
        "stats", EXAMPLES / "clean" / "train.jsonl", cwd=tmp_path, env=without_openai
    )
    assert counted.returncode == 0, counted.stderr
