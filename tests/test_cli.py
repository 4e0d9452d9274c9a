"""The real command line, in a subprocess: output shape, exit codes, selection, docs."""

from __future__ import annotations

import json
from pathlib import Path

from tunelint.engine.fingerprint import record_hash

from conftest import EXAMPLES, TOY, WriteJsonl, run_tunelint

CHAT = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
TEN_CHATS = [
    {
        "messages": [
            {"role": "user", "content": f"Hi {n}"},
            {"role": "assistant", "content": "Hello"},
        ]
    }
    for n in range(10)
]


def test_clean_examples_pass(tmp_path: Path) -> None:
    result = run_tunelint("check", EXAMPLES / "clean", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip() == "All checks passed (2 files)."


def test_broken_example_fails_with_located_findings(tmp_path: Path) -> None:
    broken = EXAMPLES / "broken" / "train.jsonl"
    result = run_tunelint("check", broken, cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert (
        f"{broken}:2:24: SC005 [error] messages[0].role: unrecognized role 'human' "
        "(expected one of 'assistant', 'developer', 'function', 'system', 'tool', 'user')"
    ) in lines
    assert (
        f"{broken}:3:91: JL001 [error] invalid JSON: trailing comma is not allowed at column 91"
        in lines
    )
    assert lines[-2:] == [
        "Found 11 errors, 4 warnings in 1 file.",
        "[*] 2 fixable with `tunelint check --fix`.",
    ]
    assert result.stderr == ""


def test_json_output_has_the_contract_fields(tmp_path: Path, write_jsonl: WriteJsonl) -> None:
    path = write_jsonl([CHAT, {"messages": [{"role": "bot", "content": "x"}]}])
    result = run_tunelint(
        "check", path, "--output-format", "json", "--select", "SC005", cwd=tmp_path
    )
    assert result.returncode == 1
    findings = json.loads(result.stdout)
    # Beyond the contract: the record's fingerprint, for suppressions and baselines.
    assert findings[0].pop("fingerprint") == record_hash(path.read_bytes().splitlines()[1])
    assert findings == [
        {
            "code": "SC005",
            "name": "unrecognized-role",
            "severity": "error",
            "message": "messages[0].role: unrecognized role 'bot' (expected one of "
            "'assistant', 'developer', 'function', 'system', 'tool', 'user')",
            "path": str(path),
            "line": 2,
            "column": 24,
            "end_line": 2,
            "end_column": 29,  # after 'bot' and its quotes
            "example": 2,
            "pointer": "/messages/0/role",
            "fixable": False,
            "fix": None,
            "url": "https://github.com/tunelint/tunelint/blob/main/docs/rules.md#sc005",
        }
    ]


def test_json_output_is_an_empty_array_when_clean(tmp_path: Path, write_jsonl: WriteJsonl) -> None:
    path = write_jsonl(TEN_CHATS)
    result = run_tunelint(
        "check", path, "--output-format", "json", "--ignore", "CV002", cwd=tmp_path
    )
    assert (result.returncode, json.loads(result.stdout)) == (0, [])


def test_fail_on_warning_and_info(tmp_path: Path, write_jsonl: WriteJsonl) -> None:
    path = write_jsonl(TEN_CHATS)  # only CV002 warnings
    assert run_tunelint("check", path, cwd=tmp_path).returncode == 0
    assert run_tunelint("check", path, "--fail-on", "warning", cwd=tmp_path).returncode == 1
    assert run_tunelint("check", path, "--fail-on", "info", cwd=tmp_path).returncode == 1


def test_select_by_prefix_name_alias_and_ignore(tmp_path: Path, write_jsonl: WriteJsonl) -> None:
    path = write_jsonl([{"messages": [{"role": "bot", "content": ""}]}])

    def codes(*flags: str) -> set[str]:
        out = run_tunelint("check", path, "--output-format", "json", *flags, cwd=tmp_path)
        return {finding["code"] for finding in json.loads(out.stdout)}

    assert codes("--select", "SC") == {"SC005", "SC006"}
    assert codes("--select", "unrecognized-role") == {"SC005"}
    assert codes("--select", "missing_content,unrecognized_role") == {"SC005", "SC006"}
    assert codes("--select", "SC", "--ignore", "SC006") == {"SC005"}
    assert codes("--select", "SC005", "--extend-select", "CV001") == {"SC005", "CV001"}
    assert "DS001" in codes()


def test_folders_expand_to_jsonl_files(tmp_path: Path, write_jsonl: WriteJsonl) -> None:
    write_jsonl(["[1]"], "data/a.jsonl")
    write_jsonl(["[2]"], "data/sub/b.ndjson")
    write_jsonl(["[3]"], "data/notes.txt")
    write_jsonl(["[4]"], "data/.hidden/c.jsonl")
    result = run_tunelint(
        "check", "data", "--select", "JL002", "--output-format", "concise", cwd=tmp_path
    )
    assert result.stdout.splitlines()[:2] == [
        "data/a.jsonl:1:1: JL002 [error] record is a JSON array, not an object",
        "data/sub/b.ndjson:1:1: JL002 [error] record is a JSON array, not an object",
    ]


def test_rules_catalogue_and_rule_documentation(tmp_path: Path) -> None:
    catalogue = run_tunelint("rules", "--format", "json", cwd=tmp_path)
    rules = {rule["code"]: rule for rule in json.loads(catalogue.stdout)}
    assert rules["SC005"]["aliases"] == ["unrecognized_role"]
    assert rules["SC005"]["default_in"] == ["openai", "cookbook"]
    doc = run_tunelint("rule", "unrecognized_role", cwd=tmp_path)
    assert doc.returncode == 0
    assert doc.stdout.startswith("SC005 (unrecognized-role)")
    assert "## How to fix" in doc.stdout
    unknown = run_tunelint("rule", "XX999", cwd=tmp_path)
    assert unknown.returncode == 2
    assert (
        unknown.stderr.strip()
        == "tunelint: error: unknown rule selector 'XX999' (try `tunelint rules`)"
    )


def test_cookbook_toy_file_gives_the_notebooks_findings(tmp_path: Path) -> None:
    result = run_tunelint(
        "check", TOY, "--profile", "cookbook", "--output-format", "json", cwd=tmp_path
    )
    findings = json.loads(result.stdout)
    assert [(f["code"], f["example"]) for f in findings] == [("CV002", 3), ("CV003", 4)]
    assert result.returncode == 0  # the notebook reports warnings, no format errors
    default = json.loads(run_tunelint("check", TOY, "--output-format", "json", cwd=tmp_path).stdout)
    assert {f["code"] for f in default} >= {"CV002", "CV003", "DS001"}


def test_valid_modern_data_passes_every_rule(tmp_path: Path) -> None:
    """Tools, tool results, parallel calls, weights, names, images, refusals, DPO pairs."""
    # The preference pairs are one template with a number changed: near-duplicates (DS004,
    # opt-in) by design.
    result = run_tunelint(
        "check", EXAMPLES / "clean", "--select", "ALL", "--ignore", "DS004", "--fail-on", "info",
        cwd=tmp_path,
    )  # fmt: skip
    assert (result.returncode, result.stdout.strip()) == (0, "All checks passed (2 files).")
