"""The pytest plugin, through real pytest runs in a temporary project (``pytester``)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

# Imported here once: pytester's in-process runs forget the modules they import, and these
# must outlive them (numpy, which cannot be imported twice in a process, the monkeypatched
# runner, the registry and the rules registered in it, the tokenizer's cached encodings).
import numpy  # noqa: F401
import pytest

import tunelint.rules
import tunelint.tokens.encoding  # noqa: F401
from tunelint.engine import runner

from conftest import dump, run_tunelint

CLEAN = {
    "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Capital of France?"},
        {"role": "assistant", "content": "Paris."},
    ]
}
NO_SYSTEM = {"messages": CLEAN["messages"][1:]}  # CV002, a warning
BAD_ROLE = {
    "messages": [*CLEAN["messages"][:2], {"role": "bot", "content": "x"}, CLEAN["messages"][2]]
}
PYTHON_TEST = "def test_ordinary():\n    assert True\n"


def variants(record: dict[str, Any], count: int) -> list[dict[str, Any]]:
    """``count`` records like ``record``, each with its own question (copies would be DS003)."""
    return [
        {
            "messages": [
                {**message, "content": f"{message['content']} ({n})"}
                if message["role"] == "user"
                else message
                for message in record["messages"]
            ]
        }
        for n in range(count)
    ]


def write(pytester: pytest.Pytester, name: str, records: Iterable[Any]) -> Path:
    path = pytester.path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(dump(record) + "\n" for record in records), encoding="utf-8")
    return path


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A project with ordinary tests and three data files: clean, warnings only, broken."""
    pytester.makepyfile(test_code=PYTHON_TEST)
    write(pytester, "data/clean.jsonl", variants(CLEAN, 10))
    write(pytester, "data/warns.jsonl", variants(NO_SYSTEM, 10))
    write(pytester, "data/broken.jsonl", [*variants(CLEAN, 9), BAD_ROLE])
    return pytester


def outcomes(result: pytest.RunResult) -> dict[str, str]:
    """Node id -> PASSED / FAILED, from a ``-rA`` short summary."""
    found: dict[str, str] = {}
    for line in result.outlines:
        word, _, rest = line.partition(" ")
        if word in ("PASSED", "FAILED"):
            found[rest.split(" - ")[0]] = word
    return found


def test_data_files_are_not_collected_unless_enabled(project: pytest.Pytester) -> None:
    result = project.runpytest("-rA")
    assert outcomes(result) == {"test_code.py::test_ordinary": "PASSED"}


def test_enabled_each_file_is_one_item_next_to_the_ordinary_tests(
    project: pytest.Pytester,
) -> None:
    result = project.runpytest("--tunelint", "-rA")
    assert outcomes(result) == {
        "data/broken.jsonl::tunelint": "FAILED",
        "data/clean.jsonl::tunelint": "PASSED",
        "data/warns.jsonl::tunelint": "PASSED",
        "test_code.py::test_ordinary": "PASSED",
    }
    assert result.ret == pytest.ExitCode.TESTS_FAILED


@pytest.mark.parametrize(
    "pyproject",
    ["[tool.pytest.ini_options]\ntunelint = true\n", "[tool.pytest]\ntunelint = true\n"],
    ids=["ini_options", "native-toml"],
)
def test_enabled_from_the_pytest_configuration(project: pytest.Pytester, pyproject: str) -> None:
    (project.path / "pyproject.toml").write_text(pyproject)
    result = project.runpytest("-rA", "data/clean.jsonl", "data/broken.jsonl")
    assert outcomes(result) == {
        "data/broken.jsonl::tunelint": "FAILED",
        "data/clean.jsonl::tunelint": "PASSED",
    }


def test_a_file_named_on_the_command_line_is_collected(project: pytest.Pytester) -> None:
    result = project.runpytest("--tunelint", "-rA", "data/warns.jsonl")
    assert outcomes(result) == {"data/warns.jsonl::tunelint": "PASSED"}
    not_enabled = project.runpytest("data/warns.jsonl")
    assert not_enabled.ret == pytest.ExitCode.USAGE_ERROR


def test_failure_report_is_what_tunelint_check_prints(project: pytest.Pytester) -> None:
    result = project.runpytest("--tunelint", "data/broken.jsonl")
    check = run_tunelint(
        "check", "data/broken.jsonl", "--output-format", "concise", cwd=project.path
    )
    assert check.returncode == 1
    report = result.outlines
    start = report.index(next(line for line in report if "tunelint data/broken.jsonl" in line))
    assert report[start + 1 : start + 1 + len(check.stdout.splitlines())] == (
        check.stdout.splitlines()
    )
    result.stdout.fnmatch_lines(["data/broken.jsonl:10:*: SC005 ?error? messages?2?.role: *'bot'*"])
    assert "Traceback" not in result.stdout.str()


def test_findings_below_the_fail_level_go_to_the_warnings_summary(
    project: pytest.Pytester,
) -> None:
    result = project.runpytest("--tunelint", "data/warns.jsonl")
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(
        [
            "*= warnings summary =*",
            "data/warns.jsonl::tunelint",
            "*TunelintWarning:*",
            "  data/warns.jsonl:1:*: CV002 ?warning? 10 of 10 examples have no system message;*",
            "*Found 1 warning in 1 file.",
        ]
    )


def test_markers_select_and_deselect_data_items(project: pytest.Pytester) -> None:
    only_data = project.runpytest("--tunelint", "--strict-markers", "-rA", "-m", "tunelint")
    assert set(outcomes(only_data)) == {
        "data/broken.jsonl::tunelint",
        "data/clean.jsonl::tunelint",
        "data/warns.jsonl::tunelint",
    }
    no_data = project.runpytest("--tunelint", "--strict-markers", "-rA", "-m", "not tunelint")
    assert outcomes(no_data) == {"test_code.py::test_ordinary": "PASSED"}


def test_keyword_selection(project: pytest.Pytester) -> None:
    result = project.runpytest("--tunelint", "-rA", "-k", "clean or warns")
    assert set(outcomes(result)) == {"data/clean.jsonl::tunelint", "data/warns.jsonl::tunelint"}


def test_command_line_options(project: pytest.Pytester) -> None:
    strict = project.runpytest("--tunelint", "-rA", "--tunelint-fail-on", "warning", "data")
    assert outcomes(strict)["data/warns.jsonl::tunelint"] == "FAILED"
    ignoring = project.runpytest("--tunelint", "-rA", "--tunelint-ignore", "SC005", "data")
    assert outcomes(ignoring)["data/broken.jsonl::tunelint"] == "PASSED"
    # Without CV002 selected, warns.jsonl passes even when warnings fail.
    selecting = project.runpytest(
        *("--tunelint", "-rA", "--tunelint-fail-on=warning", "data"),
        *("--tunelint-select", "SC005", "--tunelint-select", "DS001,CV001"),
    )
    assert outcomes(selecting) == {
        "data/broken.jsonl::tunelint": "FAILED",
        "data/clean.jsonl::tunelint": "PASSED",
        "data/warns.jsonl::tunelint": "PASSED",
    }


def test_cookbook_profile(pytester: pytest.Pytester) -> None:
    # The cookbook notebook predates the "developer" role.
    developer = {
        "messages": [{**CLEAN["messages"][0], "role": "developer"}, *CLEAN["messages"][1:]]
    }
    write(pytester, "developer.jsonl", variants(developer, 10))
    assert outcomes(pytester.runpytest("--tunelint", "-rA")) == {
        "developer.jsonl::tunelint": "PASSED"
    }
    cookbook = pytester.runpytest("--tunelint", "-rA", "--tunelint-profile", "cookbook")
    assert outcomes(cookbook) == {"developer.jsonl::tunelint": "FAILED"}
    assert "SC005 [error] messages[0].role: unrecognized role 'developer'" in (
        cookbook.stdout.str()
    )


def test_project_configuration_applies(project: pytest.Pytester) -> None:
    (project.path / "pyproject.toml").write_text(
        '[tool.tunelint]\nfail-on = "warning"\n'
        '[tool.tunelint.per-file-ignores]\n"data/broken.jsonl" = ["SC005"]\n'
    )
    result = project.runpytest("--tunelint", "-rA", "data")
    assert outcomes(result) == {
        "data/broken.jsonl::tunelint": "PASSED",
        "data/clean.jsonl::tunelint": "PASSED",
        "data/warns.jsonl::tunelint": "FAILED",
    }
    flag_wins = project.runpytest("--tunelint", "-rA", "--tunelint-fail-on", "error", "data")
    assert outcomes(flag_wins)["data/warns.jsonl::tunelint"] == "PASSED"


@pytest.mark.parametrize(
    ("args", "toml", "message"),
    [
        (["--tunelint-select", "XX9"], "", "unknown rule selector 'XX9'"),
        (["--tunelint-fail-on", "fatal"], "", "unknown severity 'fatal'"),
        ([], "[tool.tunelint]\nselekt = []\n", "unknown configuration key 'selekt'"),
    ],
)
def test_bad_configuration_is_a_one_line_usage_error(
    project: pytest.Pytester, args: list[str], toml: str, message: str
) -> None:
    (project.path / "pyproject.toml").write_text(toml)
    result = project.runpytest("--tunelint", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: tunelint: *{message}*"])
    assert "Traceback" not in result.stderr.str()


def test_suppressions_apply_as_for_the_cli_and_cached_verdicts_follow_them(
    project: pytest.Pytester,
) -> None:
    added = run_tunelint("check", "--add-suppressions", "data/broken.jsonl", cwd=project.path)
    assert added.returncode == 0, added.stderr
    sidecar = project.path / "tunelint-suppressions.json"
    suppressed = project.runpytest("--tunelint", "-rA", "data")
    assert outcomes(suppressed)["data/broken.jsonl::tunelint"] == "PASSED"
    assert "SC005" not in suppressed.stdout.str()

    # The cached verdict holds the findings before suppression: without the sidecar the
    # file fails again, straight from the cache.
    entries = sidecar.read_text(encoding="utf-8")
    sidecar.unlink()
    unsuppressed = project.runpytest("--tunelint", "-rA", "data")
    assert summary_counts(unsuppressed) == "tunelint: 3 file(s) checked, 3 from cache"
    assert outcomes(unsuppressed)["data/broken.jsonl::tunelint"] == "FAILED"
    unsuppressed.stdout.fnmatch_lines(["data/broken.jsonl:10:*: SC005 ?error? *'bot'*"])

    # Mended data: the suppression no longer matches, a warning that does not fail the item.
    sidecar.write_text(entries, encoding="utf-8")
    write(project, "data/broken.jsonl", variants(CLEAN, 10))
    mended = project.runpytest("--tunelint", "-rA", "data/broken.jsonl")
    mended.assert_outcomes(passed=1, warnings=1)
    mended.stdout.fnmatch_lines(
        ["*tunelint-suppressions.json: suppression of SC005 in data/broken.jsonl *"
         "no longer matches a finding"]
    )  # fmt: skip


def test_baseline_fails_only_on_new_findings(project: pytest.Pytester) -> None:
    report = run_tunelint("check", "data/broken.jsonl", "--output-format", "json", cwd=project.path)
    (project.path / "baseline.json").write_text(report.stdout, encoding="utf-8")
    known = project.runpytest("--tunelint", "--tunelint-baseline", "baseline.json", "data")
    known.assert_outcomes(passed=3, warnings=1)  # the warnings file is not in the baseline

    write(project, "data/broken.jsonl", [BAD_ROLE, *variants(CLEAN, 9), *variants(BAD_ROLE, 1)])
    (project.path / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\ntunelint_baseline = "baseline.json"\n'
    )
    new = project.runpytest("--tunelint", "-rA", "data/broken.jsonl")
    assert outcomes(new) == {"data/broken.jsonl::tunelint": "FAILED"}
    new.stdout.fnmatch_lines(["data/broken.jsonl:11:*: SC005 *", "Found 1 error in 1 file."])

    (project.path / "baseline.json").write_text('{"not": "a report"}')
    bad = project.runpytest("--tunelint", "data")
    assert bad.ret == pytest.ExitCode.USAGE_ERROR
    bad.stderr.fnmatch_lines(["ERROR: tunelint: *baseline.json: baseline must be a report*"])


def summary_counts(result: pytest.RunResult) -> str:
    return next(line for line in result.outlines if line.startswith("tunelint: "))


def test_cache_skips_unchanged_files_that_passed(project: pytest.Pytester) -> None:
    first = project.runpytest("--tunelint", "-rA", "data")
    assert summary_counts(first) == "tunelint: 3 file(s) checked, 0 from cache"
    second = project.runpytest("--tunelint", "-rA", "data")
    # The broken file is linted again; the two that passed come from the cache.
    assert summary_counts(second) == "tunelint: 3 file(s) checked, 2 from cache"
    assert outcomes(second) == outcomes(first)
    second.assert_outcomes(passed=2, failed=1, warnings=1)
    second.stdout.fnmatch_lines(["*data/warns.jsonl:1:*: CV002 ?warning? *"])

    write(project, "data/clean.jsonl", [*variants(CLEAN, 9), BAD_ROLE])
    changed = project.runpytest("--tunelint", "-rA", "data")
    assert summary_counts(changed) == "tunelint: 3 file(s) checked, 1 from cache"
    assert outcomes(changed)["data/clean.jsonl::tunelint"] == "FAILED"

    other_settings = project.runpytest("--tunelint", "--tunelint-model", "gpt-4o-mini", "data")
    assert summary_counts(other_settings) == "tunelint: 3 file(s) checked, 0 from cache"
    cleared = project.runpytest("--tunelint", "--cache-clear", "data")
    assert summary_counts(cleared) == "tunelint: 3 file(s) checked, 0 from cache"


def test_a_cached_verdict_does_not_run_the_linter(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.runpytest("--tunelint", "data/clean.jsonl").assert_outcomes(passed=1)

    def fail(*args: object) -> None:
        raise AssertionError("linted again")

    monkeypatch.setattr(runner, "lint_file", fail)
    project.runpytest("--tunelint", "data/clean.jsonl").assert_outcomes(passed=1)
    # Failures are not cached: the broken file meets the sabotaged linter.
    broken = project.runpytest("--tunelint", "data/broken.jsonl")
    broken.assert_outcomes(failed=1)
    assert "AssertionError: linted again" in broken.stdout.str()


def test_runs_without_the_cache_plugin(project: pytest.Pytester) -> None:
    result = project.runpytest("--tunelint", "-p", "no:cacheprovider", "-rA", "data")
    assert summary_counts(result) == "tunelint: 3 file(s) checked, 0 from cache"
    assert outcomes(result)["data/broken.jsonl::tunelint"] == "FAILED"


def test_xdist_workers_report_to_the_controller(project: pytest.Pytester) -> None:
    for name in "abcdef":
        write(project, f"more/{name}.jsonl", variants(CLEAN, 10))
    first = project.runpytest_subprocess("--tunelint", "-n", "2", "-rA")
    first.assert_outcomes(passed=9, failed=1, warnings=1)
    assert summary_counts(first) == "tunelint: 9 file(s) checked, 0 from cache"
    cached = json.loads(
        (project.path / ".pytest_cache" / "v" / "tunelint" / "verdicts").read_text()
    )
    assert len(cached) == 8  # every file that passed, whichever worker checked it
    second = project.runpytest_subprocess("--tunelint", "-n", "2", "-rA")
    assert summary_counts(second) == "tunelint: 9 file(s) checked, 8 from cache"
    assert outcomes(second) == outcomes(first)


def test_importing_the_plugin_costs_nothing_until_enabled(project: pytest.Pytester) -> None:
    project.makeconftest(
        "import sys\n"
        "def pytest_sessionfinish():\n"
        "    engine = sorted(m for m in sys.modules if m.startswith('tunelint.'))\n"
        "    print('tunelint modules:', engine)\n"
    )
    result = project.runpytest_subprocess("-s")
    assert "tunelint modules: ['tunelint.pytest_plugin']\n" in result.stdout.str()


def long_example(words: int) -> dict[str, Any]:
    return {"messages": [*CLEAN["messages"][:2], {"role": "assistant", "content": "word " * words}]}


def test_snapshot_update_records_what_tunelint_stats_reports(project: pytest.Pytester) -> None:
    result = project.runpytest("--tunelint", "--tunelint-snapshot-update", "data")
    assert summary_counts(result).endswith(", 3 snapshot(s) written")
    snapshot = project.path / "data" / "__snapshots__" / "clean.jsonl.json"
    stats = run_tunelint("stats", "data/clean.jsonl", "--format", "json", cwd=project.path)
    assert json.loads(snapshot.read_text()) == json.loads(stats.stdout)
    # The update does not hide findings: the broken file still fails.
    assert outcomes(project.runpytest("--tunelint", "-rA", "data")) == {
        "data/broken.jsonl::tunelint": "FAILED",
        "data/clean.jsonl::tunelint": "PASSED",
        "data/warns.jsonl::tunelint": "PASSED",
    }


def test_snapshot_drift_beyond_the_tolerance_fails_and_says_what_moved(
    pytester: pytest.Pytester,
) -> None:
    write(pytester, "train.jsonl", variants(CLEAN, 20))
    pytester.runpytest("--tunelint", "--tunelint-snapshot-update").assert_outcomes(passed=1)

    write(pytester, "train.jsonl", variants(CLEAN, 19))  # -5 %: allowed
    pytester.runpytest("--tunelint").assert_outcomes(passed=1)

    write(pytester, "train.jsonl", variants(CLEAN, 18))  # -10 %
    dropped = pytester.runpytest("--tunelint")
    dropped.assert_outcomes(failed=1)
    dropped.stdout.fnmatch_lines(
        [
            "statistics drifted beyond their tolerance from the snapshot "
            "__snapshots__/train.jsonl.json:",
            "  examples: 20 -> 18 (-10.0%, allowed -5%)",
            "(if the change is intended: pytest --tunelint --tunelint-snapshot-update)",
        ]
    )

    write(pytester, "train.jsonl", [*variants(CLEAN, 18), long_example(400), long_example(401)])
    longer = pytester.runpytest("--tunelint")
    longer.assert_outcomes(failed=1)
    longer.stdout.fnmatch_lines(["  tokens_per_example.p95: * -> * (+*%, allowed +20%)"])
    assert "examples:" not in longer.stdout.str()

    pytester.runpytest("--tunelint", "--tunelint-snapshot-update").assert_outcomes(passed=1)
    pytester.runpytest("--tunelint").assert_outcomes(passed=1)


def test_snapshot_folder_and_tolerances_from_the_configuration(pytester: pytest.Pytester) -> None:
    (pytester.path / "pyproject.toml").write_text(
        "[tool.pytest]\n"
        "tunelint = true\n"
        'tunelint_snapshot_dir = "snapshots"\n'
        'tunelint_snapshot_tolerance = ["examples 20%", "cost.billing_tokens +1%"]\n'
    )
    write(pytester, "data/train.jsonl", variants(CLEAN, 20))
    pytester.runpytest("--tunelint-snapshot-update").assert_outcomes(passed=1)
    assert (pytester.path / "snapshots" / "data" / "train.jsonl.json").is_file()
    assert not (pytester.path / "data" / "__snapshots__").exists()

    write(pytester, "data/train.jsonl", variants(CLEAN, 17))  # -15 %, within 20 %
    pytester.runpytest().assert_outcomes(passed=1)
    write(pytester, "data/train.jsonl", variants(CLEAN, 21))  # billing tokens +5 %
    grown = pytester.runpytest()
    grown.assert_outcomes(failed=1)
    grown.stdout.fnmatch_lines(["  cost.billing_tokens: * -> * (+5.0%, allowed +1%)"])


def test_cached_statistics_are_compared_with_the_snapshot(project: pytest.Pytester) -> None:
    project.runpytest("--tunelint", "--tunelint-snapshot-update", "data/clean.jsonl")
    snapshot = project.path / "data" / "__snapshots__" / "clean.jsonl.json"
    recorded = json.loads(snapshot.read_text())
    snapshot.write_text(json.dumps({**recorded, "examples": 100}))
    result = project.runpytest("--tunelint", "data/clean.jsonl")
    result.assert_outcomes(failed=1)
    assert summary_counts(result) == "tunelint: 1 file(s) checked, 1 from cache"
    result.stdout.fnmatch_lines(["  examples: 100 -> 10 (-90.0%, allowed -5%)"])


@pytest.mark.parametrize(
    ("ini", "message"),
    [
        ("tunelint_snapshot_tolerance = examples five", "snapshot tolerance 'examples five'"),
        ("tunelint_snapshot_tolerance = exampels -5%", "no figure named 'exampels'"),
    ],
)
def test_bad_snapshot_tolerance(project: pytest.Pytester, ini: str, message: str) -> None:
    project.makeini(f"[pytest]\n{ini}\n")
    project.runpytest("--tunelint", "--tunelint-snapshot-update", "data/clean.jsonl")
    result = project.runpytest("--tunelint", "data/clean.jsonl")
    assert message in result.stdout.str() + result.stderr.str()
    assert "Traceback" not in result.stdout.str() + result.stderr.str()
    assert result.ret in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.TESTS_FAILED)


@pytest.fixture
def paired(pytester: pytest.Pytester) -> pytest.Pytester:
    """data/train.jsonl and data/validation.jsonl, paired in the configuration."""
    (pytester.path / "pyproject.toml").write_text(
        '[[tool.tunelint.datasets]]\ntrain = "data/train.jsonl"\nvalidation = "data/validation.jsonl"\n'
    )  # the 4-example validation file is spared DS001 (too few examples), as by `check`
    examples = variants(CLEAN, 14)
    write(pytester, "data/train.jsonl", examples[:10])
    write(pytester, "data/validation.jsonl", examples[10:])
    write(pytester, "other/unrelated.jsonl", variants(CLEAN, 10))
    return pytester


def test_dataset_rules_run_in_one_item_for_the_configured_pairs(paired: pytest.Pytester) -> None:
    clean = paired.runpytest("--tunelint", "-rA", "--tunelint-fail-on", "warning")
    assert outcomes(clean) == {
        "data/train.jsonl::tunelint": "PASSED",
        "data/validation.jsonl::tunelint": "PASSED",
        "other/unrelated.jsonl::tunelint": "PASSED",
        "pyproject.toml::tunelint-datasets": "PASSED",
    }

    training = (paired.path / "data" / "train.jsonl").read_text().splitlines()
    with (paired.path / "data" / "validation.jsonl").open("a") as validation:
        validation.write(training[2] + "\n")  # a training example, now on line 5
    overlap = paired.runpytest("--tunelint", "-rA", "--tunelint-fail-on", "warning")
    # The overlap is the datasets item's finding, not the validation file's.
    assert outcomes(overlap) == {
        "data/train.jsonl::tunelint": "PASSED",
        "data/validation.jsonl::tunelint": "PASSED",
        "other/unrelated.jsonl::tunelint": "PASSED",
        "pyproject.toml::tunelint-datasets": "FAILED",
    }
    overlap.stdout.fnmatch_lines(
        [
            "*_ tunelint datasets of pyproject.toml _*",
            "data/validation.jsonl:5:*: DS005 ?warning? *training file's line 3*",
            "Found 1 warning in 1 file.",
        ]
    )
    # Below the fail level, the overlap is a warning of that item.
    warned = paired.runpytest("--tunelint", "data")
    warned.assert_outcomes(passed=3, warnings=1)
    warned.stdout.fnmatch_lines(["pyproject.toml::tunelint-datasets", "*DS005*"])


def test_datasets_item_only_with_the_pairs_files(paired: pytest.Pytester) -> None:
    unrelated = paired.runpytest("--tunelint", "-rA", "other")
    assert outcomes(unrelated) == {"other/unrelated.jsonl::tunelint": "PASSED"}
    validation_only = paired.runpytest("--tunelint", "-rA", "data/validation.jsonl")
    assert set(outcomes(validation_only)) == {
        "data/validation.jsonl::tunelint",
        "pyproject.toml::tunelint-datasets",
    }
    deselected = paired.runpytest("--tunelint", "-rA", "-m", "not tunelint")
    assert outcomes(deselected) == {}
    ignored = paired.runpytest("--tunelint", "-rA", "--tunelint-ignore", "DS005", "data")
    assert "pyproject.toml::tunelint-datasets" not in outcomes(ignored)


def test_datasets_item_reports_a_missing_file_in_one_line(paired: pytest.Pytester) -> None:
    (paired.path / "data" / "train.jsonl").unlink()
    result = paired.runpytest("--tunelint", "-rA", "data")
    assert outcomes(result)["pyproject.toml::tunelint-datasets"] == "FAILED"
    result.stdout.fnmatch_lines(["*data/train.jsonl: No such file or directory"])
    assert "Traceback" not in result.stdout.str()


def test_a_secret_in_the_data_shows_masked_in_the_failure(pytester: pytest.Pytester) -> None:
    key = "sk-proj-Lm3Nb8Vc2Xz7Qa1Ws5Ed9Rf4"
    looping = {"role": "assistant", "content": f"My key is {key}. " * 12}
    records = [{"messages": [{"role": "user", "content": f"Hi {n}"}, looping]} for n in range(10)]
    write(pytester, "data/keys.jsonl", records)
    result = pytester.runpytest("--tunelint", "-p", "no:cacheprovider", "data/keys.jsonl")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    output = result.stdout.str()
    assert "PV001" in output and "sk-p…Rf4" in output
    assert key not in output and key[:12] not in output
