"""Shared fixtures: JSONL files on disk and the real CLI in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
# The OpenAI cookbook's toy file (tests/data/README.md says where it comes from).
TOY = REPO / "tests" / "data" / "cookbook" / "toy_chat_fine_tuning.jsonl"
CORPUS = REPO / "tests" / "data" / "corpus"
"""Public fine-tuning files of many shapes (``tests/data/corpus/SOURCES.md``)."""
EXAMPLES = REPO / "examples"

pytest_plugins = ["pytester", "fake_openai", "tiny_tokenizers"]


WriteJsonl = Callable[..., Path]


def readme_block(containing: str) -> str:
    """The fenced code block of README.md that holds ``containing``, as printed there."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = [part.split("\n", 1)[1] for part in readme.split("```")[1::2]]
    (block,) = [block for block in blocks if containing in block]
    return block


def dump(record: Any) -> str:
    return json.dumps(record, ensure_ascii=False)


@pytest.fixture
def write_jsonl(tmp_path: Path) -> WriteJsonl:
    """Write records (objects are serialised, strings written as they are) to a file."""

    def write(lines: Iterable[Any], name: str = "data.jsonl") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        text = "".join((line if isinstance(line, str) else dump(line)) + "\n" for line in lines)
        path.write_text(text, encoding="utf-8")
        return path

    return write


def run_python(
    *args: str | os.PathLike[str],
    cwd: Path | None = None,
    input: bytes | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``python ARGS`` in a child process (``env``: its whole environment)."""
    return subprocess.run(
        [sys.executable, *map(str, args)],
        cwd=cwd,
        env=env,
        input=input.decode() if input is not None else None,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def run_tunelint(
    *args: str | os.PathLike[str],
    cwd: Path | None = None,
    input: bytes | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a child process (``env``: its whole environment)."""
    return run_python("-m", "tunelint", *args, cwd=cwd, input=input, env=env)


@pytest.fixture
def cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    return run_tunelint
