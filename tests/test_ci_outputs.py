"""CI output formats (github, sarif, junit, --statistics), suppressions and baselines."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

from tunelint import REPOSITORY_URL
from tunelint.output.github import escape_data, escape_property

from conftest import WriteJsonl, run_tunelint

CHAT = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
BAD = {"messages": [{"role": "bot", "content": "x"}, {"role": "assistant", "content": "y"}]}
SELECT = ("--select", "SC005,JL003")


def test_github_commands_escape_data_and_properties(tmp_path: Path) -> None:
    assert escape_data("100%\r\nok: a,b") == "100%25%0D%0Aok: a,b"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    folder = tmp_path / "a,b:c"
    folder.mkdir()
    (folder / "d.jsonl").write_text(
        json.dumps({"messages": [{"role": "bo%t\n", "content": "x"}]}) + "\n\n", encoding="utf-8"
    )
    result = run_tunelint("check", "--output-format", "github", *SELECT, "a,b:c", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "::error file=a%2Cb%3Ac/d.jsonl,line=1,col=24,title=SC005 unrecognized-role::"
        "SC005 messages[0].role: unrecognized role 'bo%25t\\n' (expected one of 'assistant', "
        "'developer', 'function', 'system', 'tool', 'user')",
        "::warning file=a%2Cb%3Ac/d.jsonl,line=2,col=1,title=JL003 blank-line::JL003 blank line",
    ]


def test_sarif_has_the_2_1_0_structure(tmp_path: Path, write_jsonl: WriteJsonl) -> None:
    write_jsonl([CHAT, BAD, ""], "data/train.jsonl")
    result = run_tunelint("check", "--output-format", "sarif", *SELECT, "data", cwd=tmp_path)
    assert result.returncode == 1
    log = json.loads(result.stdout)
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["informationUri"]) == ("tunelint", REPOSITORY_URL)
    assert [rule["id"] for rule in driver["rules"]] == ["JL003", "SC005"]
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and "## Why is this bad?" in rule["help"]["text"]
        assert rule["fullDescription"]["text"] == rule["help"]["text"]
    levels = {rule["id"]: rule["defaultConfiguration"]["level"] for rule in driver["rules"]}
    assert levels == {"JL003": "warning", "SC005": "error"}
    results = sorted(run["results"], key=lambda r: r["ruleId"])
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("JL003", "warning"),
        ("SC005", "error"),
    ]
    location = results[1]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "data/train.jsonl", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 2, "startColumn": 24}
    assert results[1]["message"]["text"].startswith("messages[0].role: unrecognized role 'bot'")
    assert driver["rules"][results[1]["ruleIndex"]]["id"] == "SC005"
    assert len(results[1]["partialFingerprints"]["tunelintRecordHash/v1"]) == 16


def test_junit_is_one_test_case_per_file(tmp_path: Path, write_jsonl: WriteJsonl) -> None:
    write_jsonl([CHAT], "data/clean.jsonl")
    write_jsonl([BAD, "", BAD], "data/dirty.jsonl")
    result = run_tunelint("check", "--output-format", "junit", *SELECT, "data", cwd=tmp_path)
    assert result.returncode == 1
    root = ET.fromstring(result.stdout)
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("2", "1", "0")
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert set(cases) == {"data/clean.jsonl", "data/dirty.jsonl"}
    assert cases["data/clean.jsonl"].find("failure") is None
    failure = cases["data/dirty.jsonl"].find("failure")
    assert failure is not None
    assert (failure.get("message"), failure.get("type")) == ("3 findings", "error")
    assert failure.text is not None
    assert failure.text.splitlines()[1] == "data/dirty.jsonl:2:1: JL003 [warning] [*] blank line"


def test_junit_fails_a_file_only_at_the_fail_level(tmp_path: Path, write_jsonl: WriteJsonl) -> None:
    write_jsonl([CHAT, "", CHAT], "data/warns.jsonl")  # a blank line: a warning
    result = run_tunelint("check", "--output-format", "junit", *SELECT, "data", cwd=tmp_path)
    assert result.returncode == 0
    case = ET.fromstring(result.stdout).find("testsuite/testcase")
    assert case is not None
    assert case.find("failure") is None
    out = case.find("system-out")
    assert out is not None
    assert out.text == "data/warns.jsonl:2:1: JL003 [warning] [*] blank line"
    strict = run_tunelint(
        "check", "--output-format", "junit", "--fail-on", "warning", *SELECT, "data", cwd=tmp_path
    )
    assert strict.returncode == 1
    failure = ET.fromstring(strict.stdout).find("testsuite/testcase/failure")
    assert failure is not None
    assert failure.get("type") == "warning"


def test_statistics_counts_per_rule(tmp_path: Path, write_jsonl: WriteJsonl) -> None:
    write_jsonl([BAD, "", BAD, "", BAD])
    result = run_tunelint("check", "--statistics", *SELECT, "data.jsonl", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "3  SC005  error    unrecognized-role",
        "2  JL003  warning  [*] blank-line",
        "[*] fixable with `tunelint check --fix`",
    ]


def findings(out: str) -> list[tuple[str, int]]:
    return [(f["code"], f["line"]) for f in json.loads(out)]


def test_suppressions_survive_edits_above_and_lapse_with_the_record(
    tmp_path: Path, write_jsonl: WriteJsonl
) -> None:
    (tmp_path / "tunelint.toml").write_text('select = ["SC005", "JL003"]\n', encoding="utf-8")
    path = write_jsonl([CHAT, BAD, ""])
    json_out = ("--output-format", "json")
    added = run_tunelint("check", "--add-suppressions", *json_out, cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    assert added.stdout == ""  # recorded, not reported (a report would be cut off here)
    sidecar = json.loads((tmp_path / "tunelint-suppressions.json").read_text(encoding="utf-8"))
    assert [(s["path"], s["code"]) for s in sidecar["suppressions"]] == [
        ("data.jsonl", "JL003"),
        ("data.jsonl", "SC005"),
    ]
    assert run_tunelint("check", *json_out, cwd=tmp_path).stdout.strip() == "[]"

    # Lines inserted and removed above the suppressed record: still suppressed.
    write_jsonl([CHAT, CHAT, CHAT, BAD, ""])
    result = run_tunelint("check", *json_out, cwd=tmp_path)
    assert (result.returncode, findings(result.stdout), result.stderr) == (0, [], "")

    # A new bad record is reported; the changed record lapses its suppression.
    changed = {"messages": [{"role": "human", "content": "x"}, CHAT["messages"][1]]}
    write_jsonl([CHAT, BAD, "", BAD, changed])
    result = run_tunelint("check", *json_out, cwd=tmp_path)
    assert result.returncode == 1
    assert findings(result.stdout) == [("SC005", 4), ("SC005", 5)]

    # Fixed data: the suppressions no longer match and are reported as stale.
    write_jsonl([CHAT])
    result = run_tunelint("check", str(path), cwd=tmp_path)
    assert result.returncode == 0
    assert "suppression of JL003 in data.jsonl" in result.stderr
    assert "suppression of SC005 in data.jsonl" in result.stderr
    # Not stale when the rule was not run.
    quiet = run_tunelint("check", "--select", "CV001", cwd=tmp_path)
    assert "suppression" not in quiet.stderr
    run_tunelint("check", "--add-suppressions", cwd=tmp_path)
    sidecar = json.loads((tmp_path / "tunelint-suppressions.json").read_text(encoding="utf-8"))
    assert sidecar["suppressions"] == []


def test_baseline_fails_only_on_new_findings(tmp_path: Path, write_jsonl: WriteJsonl) -> None:
    write_jsonl([CHAT, BAD, "", BAD])
    report = run_tunelint("check", "--output-format", "json", *SELECT, "data.jsonl", cwd=tmp_path)
    (tmp_path / "baseline.json").write_text(report.stdout, encoding="utf-8")
    args = ("check", "--baseline", "baseline.json", "--output-format", "json", *SELECT)

    write_jsonl(["", CHAT, CHAT, BAD, BAD])  # lines moved: nothing new
    result = run_tunelint(*args, "data.jsonl", cwd=tmp_path)
    assert (result.returncode, findings(result.stdout)) == (0, [])

    write_jsonl([CHAT, BAD, BAD, BAD])  # one more of the same finding is new
    result = run_tunelint(*args, "data.jsonl", cwd=tmp_path)
    assert (result.returncode, findings(result.stdout)) == (1, [("SC005", 4)])

    (tmp_path / "bad.json").write_text('{"not": "a report"}', encoding="utf-8")
    bad = run_tunelint("check", "--baseline", "bad.json", "data.jsonl", cwd=tmp_path)
    assert bad.returncode == 2
    assert bad.stderr.startswith("tunelint: error: bad.json: baseline must be a report")
