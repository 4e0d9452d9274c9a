"""What data can do to outputs: odd types give findings, never tracebacks; secrets show
masked and control characters escaped in every format; SARIF URIs are URI references."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import run_tunelint

KEY = "sk-proj-Qe72mWx4Tn8LbZ1cVr6Ys3Ud"
OUTPUTS = ["text", "json", "github", "sarif", "junit"]


def test_a_crash_is_one_line_with_its_own_status(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Any unexpected exception: one line, a pointer to report it, exit 3 (never 1, which
    CI reads as findings); the message is cleaned like any quoted data."""
    from tunelint import cli

    def broken(args: object) -> int:
        raise KeyError(f"{KEY}\x1b[2J")

    monkeypatch.setattr(cli, "_run_check", broken)
    monkeypatch.delenv("TUNELINT_TRACEBACK", raising=False)
    assert cli.main(["check"]) == 3
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("tunelint: internal error: KeyError: ")
    assert "please report it" in captured.err
    assert KEY not in captured.err and "\x1b" not in captured.err


ODD_TYPES = [
    ("CV004", {"messages": [{"role": "system", "content": "a"}, {"role": ["user"], "content": "hi"},
                            {"role": "assistant", "content": "x"}]}),
    ("SC", {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {
        "url": "https://x.test/a.png", "detail": {"a": 1}}}]}, {"role": "assistant", "content": "x"}]}),
    ("TL", {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": None,
        "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": {"a": 1}, "content": "r"}, {"role": "assistant", "content": "x"}]}),
    ("TL", {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": None,
        "tool_calls": [{"id": ["c1"], "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "r"}, {"role": "assistant", "content": "x"}]}),
    ("SC006", {"messages": [1, {"role": "system", "content": ""}, {"role": "user", "content": "hi"},
                            {"role": "assistant", "content": "x"}]}),
    ("TL (schemas)", {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": None,
        "tool_calls": [{"id": "c1", "type": "function", "function": {"name": [], "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "r"}, {"role": "assistant", "content": "x"}],
        "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]}),
    ("SC (weight)", {"messages": [{"role": "user", "content": "hi"},
                                  {"role": "assistant", "content": "x", "weight": [1]}]}),
]  # fmt: skip


def test_valid_json_of_unexpected_types_gives_findings(tmp_path: Path) -> None:
    """Each of these once stopped a whole folder with a traceback."""
    folder = tmp_path / "data"
    folder.mkdir()
    for number, (_, record) in enumerate(ODD_TYPES):
        (folder / f"{number}.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    for args in (["--select", "ALL"], ["--fix", "--select", "ALL"]):
        result = run_tunelint("check", folder, *args, cwd=tmp_path)
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr
        assert result.stdout.count(".jsonl:") >= len(ODD_TYPES)
    fixed = (folder / "4.jsonl").read_text(encoding="utf-8")
    assert (
        fixed
        == json.dumps({**ODD_TYPES[4][1], "messages": [1, *ODD_TYPES[4][1]["messages"][2:]]}) + "\n"
    )


def secret_places() -> list[object]:
    """A key in each place a rule may quote, or PV001 once did not look."""
    call = {
        "id": f"call {KEY}",
        "type": "function",
        "function": {"name": "f", "arguments": json.dumps({"key": KEY})},
    }
    return [
        {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": f"{KEY} " * 12}]},
        {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": None, "tool_calls": [call]}]},
        {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": None,
                       "function_call": {"name": "f", "arguments": json.dumps({"k": KEY})}}]},
        {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": None, "refusal": KEY}]},
        {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": f"https://x.test/?k={KEY}"}}]},
                      {"role": "assistant", "content": "x"}]},
        {"messages": [{"role": KEY, "content": "Hi"}, {"role": "assistant", "content": "x", "name": KEY}]},
        {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "x"}], KEY: 1},
        {"messages": [{"role": "user", "content": "Hi"}], "reference_answer": KEY},
    ]  # fmt: skip


def test_secrets_are_found_everywhere_and_shown_masked_in_every_output(tmp_path: Path) -> None:
    data = tmp_path / "data.jsonl"
    places = secret_places()
    data.write_text("".join(json.dumps(r) + "\n" for r in places) + "\n", encoding="utf-8")
    outputs = []
    for output_format in OUTPUTS:
        result = run_tunelint(
            "check", data, "--select", "ALL", "--output-format", output_format, cwd=tmp_path
        )
        assert result.returncode == 1
        outputs.append(result.stdout + result.stderr)
    found = json.loads(
        run_tunelint(
            "check", data, "--select", "PV001", "--output-format", "json", cwd=tmp_path
        ).stdout
    )
    assert sorted({f["line"] for f in found}) == list(range(1, len(places) + 1))
    assert "sk-p…3Ud" in outputs[0]
    diff = run_tunelint("check", data, "--diff", "--select", "ALL", cwd=tmp_path)
    assert diff.returncode == 1 and "sk-p…3Ud" in diff.stdout
    run_tunelint("check", data, "--add-suppressions", "--select", "ALL", cwd=tmp_path)
    sidecar = (tmp_path / "tunelint-suppressions.json").read_text(encoding="utf-8")
    fix = run_tunelint("check", data, "--fix", "--select", "ALL", cwd=tmp_path)
    for output in [*outputs, diff.stdout, sidecar, fix.stdout + fix.stderr]:
        assert KEY not in output and KEY[:16] not in output


def test_control_characters_in_data_are_escaped_and_junit_stays_xml(tmp_path: Path) -> None:
    data = tmp_path / "data.jsonl"
    record = {
        "messages": [
            {"role": "user\x1b[2J", "content": "Hi"},
            {"role": "assistant", "content": "x"},
        ],
        "\x1b]0;owned\x07": 1,
        "line\nforged.jsonl:9:9: SC001 [error] forged": 2,
        "\u202e": {"a": 1},
    }
    data.write_text(json.dumps(record) + "\n", encoding="utf-8")
    for output_format in OUTPUTS:
        result = run_tunelint(
            "check", data, "--select", "ALL", "--output-format", output_format, cwd=tmp_path
        )
        assert result.returncode == 1
        assert "\x1b" not in result.stdout and "\x07" not in result.stdout
        if output_format not in ("json", "sarif"):  # JSON pointers keep the key exact
            assert "\u202e" not in result.stdout
        if output_format == "text":
            assert not any(line.startswith("forged") for line in result.stdout.splitlines())
            assert "\\x1b[2J" in result.stdout
        if output_format == "junit":
            ET.fromstring(result.stdout.encode())  # well-formed XML


def test_cv005_quotes_a_bounded_role_not_a_whole_object(tmp_path: Path) -> None:
    data = tmp_path / "data.jsonl"
    record = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "x"},
                           {"role": {"huge": "y" * 5000}, "content": "z"}]}  # fmt: skip
    data.write_text(json.dumps(record) + "\n", encoding="utf-8")
    result = run_tunelint("check", data, "--select", "CV005", cwd=tmp_path)
    assert "example ends with an object message, which trains nothing" in result.stdout
    assert len(max(result.stdout.splitlines(), key=len)) < 300


@pytest.mark.parametrize(
    ("name", "uri"),
    [("my data#1 100%.jsonl", "my%20data%231%20100%25.jsonl"), ("é.jsonl", "%C3%A9.jsonl")],
)
def test_sarif_uris_are_percent_encoded(tmp_path: Path, name: str, uri: str) -> None:
    (tmp_path / name).write_text('{"messages": []}\n', encoding="utf-8")
    result = run_tunelint("check", name, "--output-format", "sarif", cwd=tmp_path)
    log = json.loads(result.stdout)
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    }
    assert uris == {uri}


def test_a_baseline_path_with_a_lone_surrogate_matches_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data.jsonl"
    data.write_text('{"messages": []}\n', encoding="utf-8")
    baseline = tmp_path / "baseline.json"
    baseline.write_text(
        '[{"path": "\\ud800x.jsonl", "code": "SC001", "fingerprint": "ab"}]', encoding="utf-8"
    )
    plain = run_tunelint("check", data, cwd=tmp_path)
    result = run_tunelint("check", data, "--baseline", baseline, cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (1, plain.stdout, "")
