"""Folder walks (exclusions, .gitignore, hidden and virtual-environment folders) and
configuration that follows the files (nearest config, its suppressions, baselines)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import run_tunelint

BAD_ROLE = {"messages": [{"role": "bot", "content": "x"}, {"role": "assistant", "content": "y"}]}


def put(root: Path, relative: str, text: str = json.dumps(BAD_ROLE) + "\n") -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def checked_paths(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert result.returncode in (0, 1), result.stderr
    return sorted({finding["path"] for finding in json.loads(result.stdout)})


def check(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_tunelint("check", "--no-cache", "--output-format", "json", *args, cwd=cwd)


def test_walks_skip_ignored_hidden_and_virtual_environment_folders(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    put(tmp_path, ".gitignore", "generated/\n*.tmp.jsonl\n!keep.tmp.jsonl\n")
    put(tmp_path, "data/.gitignore", "private.jsonl\n")
    for name in (
        "data/train.jsonl",
        "data/more.jsonl.gz",  # not gzip: still walked by its suffix, read as plain JSONL
        "data/private.jsonl",
        "data/scratch.tmp.jsonl",
        "data/keep.tmp.jsonl",
        "generated/out.jsonl",
        "node_modules/pkg/data.jsonl",
        ".cache/data.jsonl",
        "env/lib/data.jsonl",
        "notes.txt",
    ):
        put(tmp_path, name)
    put(tmp_path, "env/pyvenv.cfg", "home = /usr/bin\n")
    result = check("data", ".", cwd=tmp_path / "data" / "..")
    assert checked_paths(result) == [
        "data/keep.tmp.jsonl",
        "data/more.jsonl.gz",
        "data/train.jsonl",
    ]


def test_gitignore_above_the_walked_folder_counts_inside_a_repository(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    put(tmp_path, ".gitignore", "drafts/\n")
    put(tmp_path, "data/drafts/a.jsonl")
    put(tmp_path, "data/final/b.jsonl")
    result = check(".", cwd=tmp_path / "data")
    assert checked_paths(result) == ["final/b.jsonl"]
    put(tmp_path, "tunelint.toml", "respect-gitignore = false\n")
    assert checked_paths(check(".", cwd=tmp_path / "data")) == ["drafts/a.jsonl", "final/b.jsonl"]


def test_exclude_and_extend_exclude_and_force_exclude(tmp_path: Path) -> None:
    put(tmp_path, "tunelint.toml", 'extend-exclude = ["legacy/", "*.bak.jsonl"]\n')
    for name in ("a.jsonl", "legacy/old.jsonl", "x.bak.jsonl", "node_modules/n.jsonl"):
        put(tmp_path, name)
    assert checked_paths(check(".", cwd=tmp_path)) == ["a.jsonl"]
    # Files named on the command line are checked (as ruff does) unless --force-exclude.
    named = check("legacy/old.jsonl", "a.jsonl", cwd=tmp_path)
    assert checked_paths(named) == ["a.jsonl", "legacy/old.jsonl"]
    forced = check("--force-exclude", "legacy/old.jsonl", "a.jsonl", cwd=tmp_path)
    assert checked_paths(forced) == ["a.jsonl"]
    # ``exclude`` replaces the defaults: node_modules is walked again.
    put(tmp_path, "tunelint.toml", 'exclude = ["legacy/"]\n')
    assert checked_paths(check(".", cwd=tmp_path)) == [
        "a.jsonl",
        "node_modules/n.jsonl",
        "x.bak.jsonl",
    ]


def test_exclude_must_be_a_list_of_strings(tmp_path: Path) -> None:
    put(tmp_path, "tunelint.toml", 'exclude = "legacy"\n')
    put(tmp_path, "a.jsonl")
    result = check(".", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.endswith("tunelint.toml: exclude must be a list of strings\n")


def test_each_file_is_checked_with_the_nearest_configuration(tmp_path: Path) -> None:
    put(tmp_path, "tunelint.toml", 'select = ["SC005"]\n')
    put(tmp_path, "projects/a/pyproject.toml", '[tool.tunelint]\nselect = ["CV002"]\n')
    put(tmp_path, "projects/a/data.jsonl")
    put(tmp_path, "projects/b/data.jsonl")  # no configuration of its own: the root's
    result = check("projects", cwd=tmp_path)
    reported = sorted((f["path"], f["code"]) for f in json.loads(result.stdout))
    assert reported == [("projects/a/data.jsonl", "CV002"), ("projects/b/data.jsonl", "SC005")]


def test_a_pyproject_table_is_found_however_its_key_is_spelled(tmp_path: Path) -> None:
    # pyproject.toml files without "tunelint" in them are not parsed; a quoted key with
    # an escape spells it too, and is found.
    put(tmp_path, "tunelint.toml", 'select = ["SC005"]\n')
    put(tmp_path, "a/pyproject.toml", '[tool."tune\\u006cint"]\nselect = ["CV002"]\n')
    put(tmp_path, "b/pyproject.toml", '[tool.other]\nselect = ["CV002"]\n')
    put(tmp_path, "a/data.jsonl")
    put(tmp_path, "b/data.jsonl")
    result = check("a", "b", cwd=tmp_path)
    reported = sorted((f["path"], f["code"]) for f in json.loads(result.stdout))
    assert reported == [("a/data.jsonl", "CV002"), ("b/data.jsonl", "SC005")]


# Every TOML way to write the table (a pyproject.toml that only names tunelint elsewhere is
# not parsed, so each of these must still be recognised as holding one).
TABLE_SPELLINGS = [
    '[tool.tunelint]\nselect = ["CV002"]\n',
    '[ tool . "tunelint" ]\nselect = ["CV002"]\n',
    "[tool.'tunelint']\nselect = ['CV002']\n",
    '[tool]\ntunelint = { select = ["CV002"] }\n',
    '[tool]\ntunelint.select = ["CV002"]\n',
    'tool.tunelint.select = ["CV002"]\n',
    'tool = { tunelint = { select = ["CV002"] } }\n',
    '[project]\nname = "x"\ndependencies = ["tunelint"]\n[tool.tunelint]\nselect = ["CV002"]\n',
]


@pytest.mark.parametrize("table", TABLE_SPELLINGS)
def test_a_pyproject_table_is_found_in_every_toml_spelling(tmp_path: Path, table: str) -> None:
    put(tmp_path, "tunelint.toml", 'select = ["SC005"]\n')
    put(tmp_path, "a/pyproject.toml", table)
    put(tmp_path, "a/data.jsonl")
    result = check("a", cwd=tmp_path)
    assert [f["code"] for f in json.loads(result.stdout)] == ["CV002"]


def test_a_pyproject_that_names_tunelint_without_the_table_is_not_a_configuration(
    tmp_path: Path,
) -> None:
    put(tmp_path, "tunelint.toml", 'select = ["SC005"]\n')
    put(
        tmp_path,
        "a/pyproject.toml",
        '[project]\nname = "tunelint-data"\ndependencies = ["tunelint>=0.1"]\n'
        '[project.scripts]\ntunelint = "tunelint.cli:main"\n[tool.ruff]\nline-length = 99\n',
    )
    put(tmp_path, "a/data.jsonl")
    result = check("a", cwd=tmp_path)
    assert [f["code"] for f in json.loads(result.stdout)] == ["SC005"]


def test_suppressions_live_next_to_the_configuration_that_applies(tmp_path: Path) -> None:
    put(tmp_path, "a/tunelint.toml", 'select = ["SC005"]\n')
    put(tmp_path, "a/data.jsonl")
    recorded = run_tunelint("check", "--add-suppressions", "a", cwd=tmp_path)
    assert recorded.returncode == 0, recorded.stderr
    sidecar = json.loads((tmp_path / "a" / "tunelint-suppressions.json").read_text())
    assert [entry["path"] for entry in sidecar["suppressions"]] == ["data.jsonl"]
    assert not (tmp_path / "tunelint-suppressions.json").exists()
    assert check("a", cwd=tmp_path).stdout.strip() == "[]"


def test_baseline_paths_are_relative_to_the_baseline_file(tmp_path: Path) -> None:
    put(tmp_path, "tunelint.toml", 'select = ["SC005"]\n')
    put(tmp_path, "data/train.jsonl")
    report = check("data", cwd=tmp_path)
    (tmp_path / "baseline.json").write_text(report.stdout, encoding="utf-8")
    # From a subfolder, the baseline's "data/train.jsonl" is still this file.
    inside = run_tunelint("check", "--baseline", "../baseline.json", ".", cwd=tmp_path / "data")
    assert (inside.returncode, inside.stderr) == (0, ""), inside.stdout
    # A baseline of which nothing matches says so.
    put(tmp_path, "other/train.jsonl", json.dumps({"messages": []}) + "\n")
    stale = run_tunelint("check", "--baseline", "baseline.json", "other", cwd=tmp_path)
    assert stale.stderr.endswith(
        "tunelint: warning: baseline.json: no entry of the baseline matched a finding "
        "(its paths are relative to the baseline's folder)\n"
    )


def test_stdin_filename_picks_the_configuration_and_per_file_ignores(tmp_path: Path) -> None:
    put(tmp_path, "sub/tunelint.toml", 'select = ["SC005", "CV002"]\n[per-file-ignores]\n"legacy/*" = ["CV002"]\n')  # fmt: skip
    data = (json.dumps(BAD_ROLE) + "\n").encode()
    result = run_tunelint(
        "check", "--output-format", "json", "-", "--stdin-filename", "sub/legacy/x.jsonl",
        cwd=tmp_path, input=data,
    )  # fmt: skip
    assert [(f["path"], f["code"]) for f in json.loads(result.stdout)] == [
        ("sub/legacy/x.jsonl", "SC005")
    ]
