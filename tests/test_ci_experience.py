"""CI and housekeeping: GitHub's annotation cap and job summary, suppression pruning and
reasons, the summary's hidden counts, and check's progress bar (only on a terminal)."""

from __future__ import annotations

import json
from pathlib import Path

from test_terminal_output import on_terminal, plain_env

from conftest import WriteJsonl, run_tunelint

CHAT = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}


def test_github_annotations_are_capped_with_a_notice(
    tmp_path: Path, write_jsonl: WriteJsonl
) -> None:
    write_jsonl([*(["[1]"] * 14), *([CHAT, ""] * 12)], "data.jsonl")
    summary = tmp_path / "summary.md"
    result = run_tunelint(
        "check", "data.jsonl", "--select", "JL002,JL003", "--output-format", "github",
        cwd=tmp_path, env=plain_env(GITHUB_STEP_SUMMARY=str(summary)),
    )  # fmt: skip
    lines = result.stdout.splitlines()
    assert sum(line.startswith("::error ") for line in lines) == 10
    assert sum(line.startswith("::warning ") for line in lines) == 10
    left_out = [line for line in lines if not line.startswith("::")]
    assert len(left_out) == 4 + 2
    assert "data.jsonl:11:1: JL002 [error] record is a JSON array, not an object" in left_out
    assert lines[-1] == (
        "::notice title=tunelint::4 errors, 2 warnings more than GitHub shows as annotations "
        "(10 of each kind per step): every finding is in this step's log and the job summary"
    )


def test_step_summary_counts_rules_and_lists_first_findings(
    tmp_path: Path, write_jsonl: WriteJsonl
) -> None:
    write_jsonl([*(["[1]"] * 7), CHAT, "", "{bad|json"], "data.jsonl")
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    env = plain_env(GITHUB_STEP_SUMMARY=str(summary))
    result = run_tunelint(
        "check", "data.jsonl", "--select", "JL", "--output-format", "concise",
        cwd=tmp_path, env=env,
    )  # fmt: skip
    assert result.returncode == 1
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n### tunelint: Found 8 errors, 1 warning in 1 file.\n")
    assert (
        "| [JL002](https://github.com/tunelint/tunelint/blob/main/docs/rules.md#jl002) "
        "| record-not-object | error | 7 |"
    ) in text
    assert "<details><summary>data.jsonl: 9 findings</summary>" in text
    assert text.count("- line ") == 5
    assert "- … and 4 more (see the step's log)" in text
    # Data is shown as text, never as markup: the `|` of the broken line is escaped.
    clean = run_tunelint("check", "--select", "SC005", "data.jsonl", cwd=tmp_path, env=env)
    assert clean.returncode == 0
    assert summary.read_text(encoding="utf-8").endswith(
        "### tunelint: All checks passed (1 file).\n\n"
    )


def test_stats_adds_its_table_to_the_step_summary(tmp_path: Path, write_jsonl: WriteJsonl) -> None:
    write_jsonl([CHAT] * 12, "data.jsonl")
    summary = tmp_path / "summary.md"
    env = plain_env(GITHUB_STEP_SUMMARY=str(summary))
    result = run_tunelint("stats", "data.jsonl", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("### tunelint stats: 12 examples in 1 file")
    assert "| Examples over the token limit | 0 |" in text


def test_prune_drops_stale_suppressions_only_and_keeps_reasons(
    tmp_path: Path, write_jsonl: WriteJsonl
) -> None:
    path = write_jsonl(["[1]", "[2]", CHAT], "data.jsonl")
    (tmp_path / "tunelint.toml").write_text('select = ["JL002"]\n', encoding="utf-8")
    added = run_tunelint("check", "--add-suppressions", "data.jsonl", cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    sidecar = tmp_path / "tunelint-suppressions.json"
    data = json.loads(sidecar.read_text(encoding="utf-8"))
    for entry in data["suppressions"]:
        entry["reason"] = "kept on purpose: arrays are read by our own loader"
    sidecar.write_text(json.dumps(data), encoding="utf-8")

    passed = run_tunelint("check", "data.jsonl", cwd=tmp_path)
    assert passed.stdout.endswith("All checks passed (1 file; 2 suppressed).\n")

    # [2] is repaired, so its suppression is stale; a new finding [3] appears.
    path.write_text(
        "[1]\n" + json.dumps(CHAT) + "\n" + json.dumps(CHAT) + "\n[3]\n", encoding="utf-8"
    )
    stale = run_tunelint("check", "data.jsonl", cwd=tmp_path)
    assert "run `tunelint check --prune-suppressions`" in stale.stderr
    pruned = run_tunelint("check", "--prune-suppressions", "data.jsonl", cwd=tmp_path)
    assert pruned.returncode == 1  # [3] is new: reported, not recorded
    assert "data.jsonl:4:1: JL002" in pruned.stdout
    assert "Found 1 error in 1 file (1 suppressed)." in pruned.stdout
    assert "dropped 1 stale suppression" in pruned.stderr
    entries = json.loads(sidecar.read_text(encoding="utf-8"))["suppressions"]
    assert len(entries) == 1
    assert entries[0]["reason"] == "kept on purpose: arrays are read by our own loader"
    again = run_tunelint("check", "data.jsonl", cwd=tmp_path)
    assert "no longer matches" not in again.stderr


def test_a_stale_suppression_is_shown_as_data_is(tmp_path: Path, write_jsonl: WriteJsonl) -> None:
    """Its fields come from a file anyone may edit: a key pasted into one is masked, a
    control character escaped, as in every other output."""
    write_jsonl([CHAT], "data.jsonl")
    key = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7rS"  # a token's 36 characters
    entry = {"path": "data.jsonl", "code": "JL002", "fingerprint": f"\x1b[2J {key}"}
    sidecar = tmp_path / "tunelint-suppressions.json"
    sidecar.write_text(json.dumps({"version": 1, "suppressions": [entry]}), encoding="utf-8")
    (tmp_path / "tunelint.toml").write_text('select = ["JL002"]\n', encoding="utf-8")
    result = run_tunelint("check", "data.jsonl", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "suppression of JL002 in data.jsonl (record \\x1b[2J ghp_" in result.stderr
    assert key not in result.stderr and "\x1b" not in result.stderr


def test_summary_counts_baselined_findings(tmp_path: Path, write_jsonl: WriteJsonl) -> None:
    write_jsonl(["[1]", "[2]", CHAT], "data.jsonl")
    report = tmp_path / "report.json"
    saved = run_tunelint(
        "check", "data.jsonl", "--select", "JL002", "--output-format", "json", "-o", report,
        cwd=tmp_path,
    )  # fmt: skip
    assert saved.returncode == 1
    result = run_tunelint(
        "check", "data.jsonl", "--select", "JL002", "--baseline", report, cwd=tmp_path
    )
    assert (result.returncode, result.stdout) == (0, "All checks passed (1 file; 2 baselined).\n")


def test_check_draws_progress_on_a_terminal_for_large_input_only(tmp_path: Path) -> None:
    from tunelint.output.progress import PROGRESS_MIN_BYTES

    line = json.dumps({"messages": [{"role": "user", "content": "x " * 4000}, CHAT["messages"][1]]})
    large = tmp_path / "large.jsonl"
    large.write_text((line + "\n") * (PROGRESS_MIN_BYTES // len(line) + 1), encoding="utf-8")
    small = tmp_path / "small.jsonl"
    small.write_text((line + "\n") * 20, encoding="utf-8")
    args = ("check", "--select", "SC005", "--no-cache", "-j", "1", "--color", "never")

    status, shown = on_terminal(*args, large, cwd=tmp_path)
    assert status == 0
    assert "checking [" in shown and "of 16 MiB" in shown
    assert "\r\x1b[K" in shown  # erased before the summary
    assert shown.rstrip().endswith("All checks passed (1 file).")

    status, shown = on_terminal(*args, small, cwd=tmp_path)
    assert "checking [" not in shown
    for quiet_env in (plain_env(CI="true"), plain_env(PRE_COMMIT="1")):
        status, shown = on_terminal(*args, large, cwd=tmp_path, env=quiet_env)
        assert "checking [" not in shown
    piped = run_tunelint(*args, large, cwd=tmp_path, env=plain_env())
    assert piped.stderr == ""
