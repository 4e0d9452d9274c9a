"""Third-party rules: a plugin distribution built and installed with pip, then run for real.

Each plugin is installed with ``pip install --target`` into a folder of its own that only
the tunelint process under test sees (``PYTHONPATH``), so the other tests never load it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import WriteJsonl, run_tunelint

GOOD_RULES = '''
from collections.abc import Iterator

from tunelint.rules.authoring import Format, RecordContext, Severity, Violation, rule, texts


@rule("AC001", "shouting", Severity.WARNING, formats=[Format.CHAT])
def shouting(ctx: RecordContext) -> Iterator[Violation]:
    """A message is written in capital letters only.

    ## Why is this bad?
    The model learns to shout.
    """
    for text in texts(ctx):
        if text.text.isupper():
            yield Violation("message is all capitals", text.location)
'''

CLASHING_RULES = '''
from tunelint.rules.authoring import Severity, rule


@rule("SC001", "my-missing-messages", Severity.ERROR)
def mine(ctx):
    """Takes a code tunelint already uses."""
    return ()
'''

UNMERGEABLE_RULES = '''
from tunelint.rules.authoring import Scope, Severity, rule


@rule("AC002", "count-everything", Severity.INFO, Scope.FILE)
class CountEverything:
    """A file rule that neither merges across byte ranges nor says it reads whole files."""

    def __init__(self, settings):
        pass

    def visit(self, ctx):
        return ()

    def finish(self):
        return ()
'''


def install_plugin(tmp_path: Path, name: str, rules: str) -> Path:
    """Build the distribution ``name`` (its rules in ``<name>/rules.py``) and install it
    with pip into a folder of its own; that folder."""
    package = name.replace("-", "_")
    source = tmp_path / f"{name}-source"
    (source / package).mkdir(parents=True)
    (source / package / "__init__.py").write_text("")
    (source / package / "rules.py").write_text(textwrap.dedent(rules))
    (source / "pyproject.toml").write_text(
        textwrap.dedent(f"""
            [build-system]
            requires = ["setuptools>=77"]
            build-backend = "setuptools.build_meta"

            [project]
            name = "{name}"
            version = "1.0"

            [project.entry-points."tunelint.rules"]
            {package} = "{package}.rules"

            [tool.setuptools]
            packages = ["{package}"]
        """)
    )
    site = tmp_path / f"{name}-site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
         "--no-build-isolation", "--target", str(site), str(source)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    assert (site / f"{package}-1.0.dist-info" / "entry_points.txt").is_file()
    return site


def with_plugin(site: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(site)}


@pytest.fixture
def data(write_jsonl: WriteJsonl) -> Path:
    return write_jsonl(
        [
            {
                "messages": [
                    {"role": "user", "content": "WHERE IS MY ORDER"},
                    {"role": "assistant", "content": "It ships tomorrow."},
                ]
            }
        ]
    )


def test_a_plugins_rule_is_listed_documented_and_run(tmp_path: Path, data: Path) -> None:
    site = install_plugin(tmp_path, "acme-tunelint", GOOD_RULES)
    env = with_plugin(site)

    listed = run_tunelint("rules", env=env)
    assert listed.returncode == 0, listed.stderr
    assert "AC001" in listed.stdout and "shouting" in listed.stdout

    documented = run_tunelint("rule", "shouting", env=env)
    assert "A message is written in capital letters only." in documented.stdout

    checked = run_tunelint(
        "check", data, "--select", "AC,SC", "--no-cache", "--output-format", "concise", env=env
    )
    assert checked.returncode == 0, checked.stderr  # a warning does not fail the run
    assert checked.stdout == (
        f"{data}:1:43: AC001 [warning] messages[0].content: message is all capitals\n"
        "Found 1 warning in 1 file.\n"
    )

    # Without the plugin the code is unknown: the rule really comes from the distribution.
    alone = run_tunelint("check", data, "--select", "AC001", "--no-cache")
    assert alone.returncode == 2
    assert "AC001" in alone.stderr


def test_a_plugin_taking_a_builtin_code_is_a_one_line_error(tmp_path: Path, data: Path) -> None:
    site = install_plugin(tmp_path, "clash-tunelint", CLASHING_RULES)
    result = run_tunelint("check", data, env=with_plugin(site))
    assert result.returncode == 2
    assert result.stderr == (
        "tunelint: error: rule plugin clash_tunelint = clash_tunelint.rules "
        "(clash-tunelint 1.0): rule SC001 (my-missing-messages) clashes with SC001 "
        "(missing-messages) of tunelint.rules.schema\n"
    )


def test_a_file_rule_that_would_read_files_twice_must_say_so(tmp_path: Path, data: Path) -> None:
    site = install_plugin(tmp_path, "slow-tunelint", UNMERGEABLE_RULES)
    result = run_tunelint("rules", env=with_plugin(site))
    assert result.returncode == 2
    assert "rule AC002: a file rule either merges across byte ranges" in result.stderr
    assert "whole_file=True" in result.stderr
    assert result.stderr.count("\n") == 1
