"""What a person sees in a terminal and a pipe: colour, the formats, hints, flags, suggestions.

Every test runs the real command line in a subprocess; colour is tested through a
pseudo-terminal, as a terminal is the only place ``--color auto`` colours.
"""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

from conftest import EXAMPLES, WriteJsonl, run_tunelint

CHAT = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
ESC = "\x1b["
_CI_VARIABLES = ("CI", "PRE_COMMIT", "GITHUB_ACTIONS", "GITLAB_CI", "BUILDKITE")


def plain_env(**extra: str) -> dict[str, str]:
    """This environment without what turns colour or progress off (or on), plus ``extra``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in (*_CI_VARIABLES, "NO_COLOR", "FORCE_COLOR", "GITHUB_STEP_SUMMARY")
    }
    env["TERM"] = "xterm-256color"
    return {**env, **extra}


def on_terminal(
    *args: str | Path, cwd: Path, env: dict[str, str] | None = None, stdout: bool = True
) -> tuple[int, str]:
    """Run tunelint with stderr, and stdout unless told not to, on one pseudo-terminal; its
    status and what the terminal received."""
    leader, follower = pty.openpty()
    with subprocess.Popen(
        [sys.executable, "-m", "tunelint", *map(str, args)],
        stdin=subprocess.DEVNULL,
        stdout=follower if stdout else subprocess.DEVNULL,
        stderr=follower,
        cwd=cwd,
        env=plain_env() if env is None else env,
    ) as process:
        os.close(follower)
        received = b""
        while True:
            try:
                chunk = os.read(leader, 1 << 16)
            except OSError:  # the terminal closes when the child exits
                break
            if not chunk:
                break
            received += chunk
        status = process.wait()
    os.close(leader)
    return status, received.decode("utf-8", "replace")


def broken(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir(exist_ok=True)
    path = tmp_path / "data" / "train.jsonl"
    path.write_bytes((EXAMPLES / "broken" / "train.jsonl").read_bytes())
    return path


# --- colour -------------------------------------------------------------------------------


def test_colour_on_a_terminal_and_never_in_a_pipe(tmp_path: Path) -> None:
    broken(tmp_path)
    status, shown = on_terminal("check", "data", cwd=tmp_path)
    assert status == 1
    assert f"{ESC}1;31mSC005{ESC}0m" in shown  # an error's code in bold red
    assert f"{ESC}36m[*]{ESC}0m" in shown

    piped = run_tunelint("check", "data", cwd=tmp_path, env=plain_env())
    assert piped.returncode == 1
    assert ESC not in piped.stdout + piped.stderr


def test_no_color_ci_and_pre_commit_turn_colour_off_on_a_terminal(tmp_path: Path) -> None:
    broken(tmp_path)
    for variable in ("NO_COLOR", "CI", "PRE_COMMIT"):
        status, shown = on_terminal("check", "data", cwd=tmp_path, env=plain_env(**{variable: "1"}))
        assert status == 1, variable
        assert "SC005" in shown and ESC not in shown, variable
    status, shown = on_terminal("check", "data", "--color", "never", cwd=tmp_path)
    assert "SC005" in shown and ESC not in shown


def test_force_color_and_color_always_colour_a_pipe(tmp_path: Path) -> None:
    broken(tmp_path)
    forced = run_tunelint("check", "data", cwd=tmp_path, env=plain_env(FORCE_COLOR="1", CI="1"))
    assert f"{ESC}1;31mSC005" in forced.stdout
    always = run_tunelint("check", "data", "--color", "always", cwd=tmp_path, env=plain_env())
    assert f"{ESC}1;31mSC005" in always.stdout
    # --color never wins over FORCE_COLOR
    never = run_tunelint(
        "check", "data", "--color", "never", cwd=tmp_path, env=plain_env(FORCE_COLOR="1")
    )
    assert ESC not in never.stdout


# --- the full format ----------------------------------------------------------------------


def test_full_shows_the_record_with_a_caret_under_the_value(
    tmp_path: Path, write_jsonl: WriteJsonl
) -> None:
    path = write_jsonl([CHAT, {"messages": [{"role": "human", "content": "Hi"}]}])
    result = run_tunelint("check", path, "--select", "SC005", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[:6] == [
        f"{path}:2:24: SC005 [error] messages[0].role: unrecognized role 'human' (expected one "
        "of 'assistant', 'developer', 'function', 'system', 'tool', 'user')",
        "  |",
        '2 | {"messages": [{"role": "human", "content": "Hi"}]}',
        "  |                        ^^^^^^^ SC005",
        "  |",
        "",
    ]
    assert lines[-1] == "Found 1 error in 1 file."


def test_full_shows_korean_as_text_and_keeps_escapes_readable(
    tmp_path: Path, write_jsonl: WriteJsonl
) -> None:
    # As json.dumps writes it by default: Korean as \\u escapes; a newline escaped.
    record = {"messages": [{"role": "human", "content": "안녕하세요\n반갑습니다"}]}
    path = write_jsonl([json.dumps(record)])
    result = run_tunelint("check", path, "--select", "SC005", cwd=tmp_path)
    shown = result.stdout.splitlines()[2]
    assert shown == '1 | {"messages": [{"role": "human", "content": "안녕하세요\\n반갑습니다"}]}'


def test_full_puts_the_caret_under_wide_characters_and_escapes_control_characters(
    tmp_path: Path, write_jsonl: WriteJsonl
) -> None:
    # A right-to-left override, raw in the file (valid JSON), would reorder what follows it.
    line = '{"messages": [{"content": "한국어\u202eabc", "role": "human"}]}'
    path = write_jsonl([line])
    result = run_tunelint("check", path, "--select", "SC005", cwd=tmp_path)
    shown, caret = result.stdout.splitlines()[2:4]
    assert shown == '1 | {"messages": [{"content": "한국어\\u202eabc", "role": "human"}]}'
    # 한국어 takes six columns on a terminal: the caret is three further right than the text.
    prefix = '{"messages": [{"content": "한국어\\u202eabc", "role": '
    assert caret == "  | " + " " * (len(prefix) + 3) + "^^^^^^^ SC005"
    assert "\u202e" not in result.stdout


def test_full_elides_a_long_line_around_the_column(tmp_path: Path, write_jsonl: WriteJsonl) -> None:
    record = {
        "messages": [{"role": "user", "content": "x" * 5000}, {"role": "bot", "content": "y"}]
    }
    path = write_jsonl([record])
    result = run_tunelint("check", path, "--select", "SC005", cwd=tmp_path)
    shown, caret = result.stdout.splitlines()[2:4]
    assert shown.startswith("1 | …xxxx")
    assert shown.endswith('"bot", "content": "y"}]}')  # the end fits: not cut
    assert len(shown) < 110
    assert shown[caret.index("^") :].startswith('"bot"')
    assert caret.endswith("^^^^^ SC005")


def test_full_shows_each_findings_own_line_in_a_file_of_many_megabytes(
    tmp_path: Path, write_jsonl: WriteJsonl
) -> None:
    # The lines before a finding's are skipped a megabyte at a time: findings far apart,
    # lines of many lengths (one over a megabyte, then CRLF endings) must not shift them.
    records: list[object] = []
    for index in range(3000):
        content = f"turn {index} " + "z" * (index * 37 % 900)
        if index == 1200:
            content = "w" * (1 << 20) + "x" * 300
        role = "human" if index % 613 == 5 else "user"
        records.append({"messages": [{"role": role, "content": content}]})
    path = write_jsonl(records)
    raw = Path(path).read_bytes().split(b"\n")
    Path(path).write_bytes(b"\n".join(raw[:2000]) + b"\r\n".join([b"", *raw[2000:]]))
    result = run_tunelint("check", path, "--select", "SC005", cwd=tmp_path)
    found = result.stdout.splitlines()
    numbers = [index + 1 for index in range(3000) if index % 613 == 5]
    assert len(numbers) == 5 and numbers[-1] > 2000
    for number in numbers:
        at = found.index(next(line for line in found if line.startswith(f"{path}:{number}:")))
        assert found[at + 2].startswith(f"{number} | ")
        assert f'"turn {number - 1} ' in found[at + 2]


def test_full_shows_the_line_after_a_block_that_ends_inside_it(tmp_path: Path) -> None:
    """The first megabyte holds exactly the lines before the finding's, and the start of
    its line: the skip stops after the last of them, not at the block's end."""
    lines = []
    for index in range(1100):
        role = "human" if index == 1048 else "user"
        head = f'{{"messages": [{{"role": "{role}", "content": "turn {index} '
        lines.append(head + "z" * (999 - len(head) - 4) + '"}]}')
    assert {len(line) for line in lines} == {999}  # 1,000 bytes with the newline
    assert 1048 * 1000 < (1 << 20) < 1049 * 1000  # the block ends inside line 1,049
    path = tmp_path / "train.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_tunelint("check", path, "--select", "SC005", cwd=tmp_path)
    found = result.stdout.splitlines()
    assert found[0].startswith(f"{path}:1049:")
    assert found[2].startswith("1049 | ") and '"turn 1048 ' in found[2]


def test_full_never_shows_a_secret_or_personal_data(
    tmp_path: Path, write_jsonl: WriteJsonl
) -> None:
    key = "sk-" + "Ab3x" * 6  # short enough for the whole line to fit the excerpt
    record = {"messages": [{"role": "bot", "content": key}]}
    path = write_jsonl([record])
    result = run_tunelint("check", path, "--select", "SC005,PV001", cwd=tmp_path)
    assert result.returncode == 1
    excerpt = result.stdout.splitlines()[2]
    assert excerpt == '1 | {"messages": [{"role": "bot", "content": "sk-A…b3x"}]}'
    assert "PV001" in result.stdout
    assert key not in result.stdout
    assert "Ab3xAb3x" not in result.stdout  # no part of it either

    personal = ["jane.kim@gmail.com", "010-2345-6789", "4111 1111 1111 1111", "900101-1234568"]
    record = {"messages": [{"role": "bot", "content": " / ".join(personal)}]}
    path = write_jsonl([record], "personal.jsonl")
    result = run_tunelint("check", path, "--select", "SC005", cwd=tmp_path)
    excerpt = result.stdout.splitlines()[2]
    assert excerpt == (
        '1 | {"messages": [{"role": "bot", "content": "jane…com / 010…789 / 4111…111 / 900…568"}]}'
    )


def test_an_address_repeated_in_a_text_is_one_finding_with_its_count(
    tmp_path: Path, write_jsonl: WriteJsonl
) -> None:
    said = "login('jane.kim@gmail.com'); sendmail('Jane.Kim@gmail.com', to); jane.kim@gmail.com"
    record = {
        "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": said}]
    }
    path = write_jsonl([record])
    result = run_tunelint(
        "check", path, "--select", "PV002", "--output-format", "json", cwd=tmp_path
    )
    assert [finding["message"] for finding in json.loads(result.stdout)] == [
        "messages[1].content: e-mail address jane…com (3 times)"
    ]


def test_fixable_findings_are_marked_and_counted(tmp_path: Path, write_jsonl: WriteJsonl) -> None:
    path = write_jsonl([CHAT, "", CHAT])
    result = run_tunelint("check", path, "--select", "JL003,SC005", cwd=tmp_path)
    assert result.returncode == 0  # a warning
    lines = result.stdout.splitlines()
    assert lines[0] == f"{path}:2:1: JL003 [warning] [*] blank line"
    assert "  = fix: remove the blank line" in lines
    assert lines[-2:] == [
        "Found 1 warning in 1 file.",
        "[*] 1 fixable with `tunelint check --fix`.",
    ]


def test_fixable_mark_survives_worker_processes_and_the_cache(
    tmp_path: Path, write_jsonl: WriteJsonl
) -> None:
    path = write_jsonl([CHAT, "", CHAT])
    args = ("check", path, "--select", "JL003", "--output-format", "concise")
    first = run_tunelint(*args, cwd=tmp_path)  # linted, then stored in the cache
    again = run_tunelint(*args, cwd=tmp_path)  # read back from the cache
    for result in (first, again):
        assert f"{path}:2:1: JL003 [warning] [*] blank line" in result.stdout.splitlines()
        assert result.stdout.endswith("[*] 1 fixable with `tunelint check --fix`.\n")
    assert any((tmp_path / ".tunelint_cache").rglob("*"))


# --- other formats and flags --------------------------------------------------------------


def test_concise_and_grouped(tmp_path: Path, write_jsonl: WriteJsonl) -> None:
    a = write_jsonl(["[1]", "[2]"], "a.jsonl")
    write_jsonl([CHAT], "b.jsonl")
    concise = run_tunelint(
        "check", a, "--select", "JL002", "--output-format", "concise", cwd=tmp_path
    )
    assert concise.stdout.splitlines() == [
        f"{a}:1:1: JL002 [error] record is a JSON array, not an object",
        f"{a}:2:1: JL002 [error] record is a JSON array, not an object",
        "Found 2 errors in 1 file.",
    ]
    grouped = run_tunelint(
        "check", ".", "--select", "JL002", "--output-format", "grouped", cwd=tmp_path
    )
    assert grouped.stdout.splitlines() == [
        "a.jsonl:",
        "  1:1 JL002 [error] record is a JSON array, not an object",
        "  2:1 JL002 [error] record is a JSON array, not an object",
        "",
        "Found 2 errors in 2 files.",
    ]


def test_quiet_exit_zero_and_output_file(tmp_path: Path, write_jsonl: WriteJsonl) -> None:
    path = write_jsonl(["[1]"])
    quiet = run_tunelint("check", path, "-q", "--select", "JL002", "--output-format", "concise")
    assert quiet.returncode == 1
    assert quiet.stdout == f"{path}:1:1: JL002 [error] record is a JSON array, not an object\n"

    zero = run_tunelint("check", path, "--exit-zero", "--select", "JL002", cwd=tmp_path)
    assert zero.returncode == 0 and "JL002" in zero.stdout
    usage = run_tunelint("check", path, "--exit-zero", "--select", "NOPE", cwd=tmp_path)
    assert usage.returncode == 2  # --exit-zero hides findings, not errors

    report = tmp_path / "out" / "report.json"
    report.parent.mkdir()
    written = run_tunelint(
        "check", path, "--select", "JL002", "--output-format", "json", "-o", report,
        "--color", "always", cwd=tmp_path,
    )  # fmt: skip
    assert (written.returncode, written.stdout) == (1, "")
    assert [f["code"] for f in json.loads(report.read_text(encoding="utf-8"))] == ["JL002"]


def test_show_fixes_before_and_after_fixing(tmp_path: Path, write_jsonl: WriteJsonl) -> None:
    path = write_jsonl([CHAT, "", CHAT])
    shown = run_tunelint(
        "check", path, "--show-fixes", "--output-format", "concise", "--select", "JL003"
    )
    assert shown.stdout.splitlines()[:2] == [
        f"{path}:2:1: JL003 [warning] [*] blank line",
        "    fix: remove the blank line",
    ]
    fixed = run_tunelint("check", path, "--fix", "--show-fixes", "--select", "JL003")
    assert fixed.returncode == 0
    assert f"Fixed in {path}:\n  1 x remove the blank line\n" in fixed.stderr
    assert "fixable" not in fixed.stdout  # nothing left to fix: no hint


def test_json_lines_and_gitlab(tmp_path: Path, write_jsonl: WriteJsonl) -> None:
    path = write_jsonl(["[1]", CHAT, "[1]"], "data.jsonl")
    lines = run_tunelint(
        "check", "data.jsonl", "--select", "JL002", "--output-format", "json-lines", cwd=tmp_path
    )
    findings = [json.loads(line) for line in lines.stdout.splitlines()]
    assert [(f["line"], f["column"], f["end_column"]) for f in findings] == [(1, 1, 4), (3, 1, 4)]
    gitlab = run_tunelint(
        "check", path, "--select", "JL002", "--output-format", "gitlab", cwd=tmp_path
    )
    issues = json.loads(gitlab.stdout)
    assert [issue["location"] for issue in issues] == [
        {"path": "data.jsonl", "lines": {"begin": 1}},
        {"path": "data.jsonl", "lines": {"begin": 3}},
    ]
    assert {issue["severity"] for issue in issues} == {"major"}
    assert issues[0]["check_name"] == "JL002 record-not-object"
    # The same record twice: still one fingerprint each, and the same on the next run.
    assert len({issue["fingerprint"] for issue in issues}) == 2
    again = run_tunelint(
        "check", path, "--select", "JL002", "--output-format", "gitlab", cwd=tmp_path
    )
    assert [i["fingerprint"] for i in json.loads(again.stdout)] == [
        i["fingerprint"] for i in issues
    ]


def test_one_flag_name_for_formats_and_json_statistics(
    tmp_path: Path, write_jsonl: WriteJsonl
) -> None:
    path = write_jsonl([CHAT, "", "[1]"])
    stats = run_tunelint(
        "check", path, "--statistics", "--output-format", "json", "--select", "JL", cwd=tmp_path
    )
    assert json.loads(stats.stdout) == [
        {
            "code": "JL002",
            "name": "record-not-object",
            "severity": "error",
            "count": 1,
            "fixable": 0,
            "url": "https://github.com/tunelint/tunelint/blob/main/docs/rules.md#jl002",
        },
        {
            "code": "JL003",
            "name": "blank-line",
            "severity": "warning",
            "count": 1,
            "fixable": 1,
            "url": "https://github.com/tunelint/tunelint/blob/main/docs/rules.md#jl003",
        },
    ]
    for command in (("rules",), ("stats", path), ("targets",), ("targets", path)):
        new = run_tunelint(*command, "--output-format", "json", cwd=tmp_path)
        old = run_tunelint(*command, "--format", "json", cwd=tmp_path)
        assert (new.returncode, new.stderr) == (old.returncode, old.stderr)
        assert json.loads(new.stdout) == json.loads(old.stdout)
    old_check = run_tunelint("check", path, "--format", "json", cwd=tmp_path)
    assert json.loads(old_check.stdout)


def test_rules_table_columns_fit_the_longest_name(tmp_path: Path) -> None:
    table = run_tunelint("rules", cwd=tmp_path).stdout.splitlines()
    header = table[0]
    start = header.index("severity")
    for row in table[1:-1]:
        assert row[start - 1] == " " and row[start] != " ", row


# --- suggestions --------------------------------------------------------------------------


def test_suggestions_for_near_misses(tmp_path: Path, write_jsonl: WriteJsonl) -> None:
    path = write_jsonl([CHAT])
    rule = run_tunelint("rule", "sc005", cwd=tmp_path)
    assert rule.returncode == 2
    assert rule.stderr == "tunelint: error: unknown rule selector 'sc005'; did you mean 'SC005'?\n"
    name = run_tunelint("check", path, "--select", "unrecognised-role", cwd=tmp_path)
    assert "did you mean 'unrecognized-role'?" in name.stderr
    nothing = run_tunelint("rule", "XX999", cwd=tmp_path)
    assert "(try `tunelint rules`)" in nothing.stderr

    (tmp_path / "tunelint.toml").write_text('fail_on = "warning"\n', encoding="utf-8")
    config = run_tunelint("check", path, cwd=tmp_path)
    assert config.returncode == 2
    assert "unknown configuration key 'fail_on'; did you mean 'fail-on'?" in config.stderr
    (tmp_path / "tunelint.toml").unlink()

    command = run_tunelint("chek", path, cwd=tmp_path)
    assert command.returncode == 2
    assert "invalid choice: 'chek'" in command.stderr
    assert command.stderr.rstrip().endswith("did you mean 'check'?")
    flag = run_tunelint("check", path, "--outptu-format", "json", cwd=tmp_path)
    assert flag.returncode == 2
    assert flag.stderr.rstrip().endswith("did you mean '--output-format'?")


def test_readme_shows_the_real_default_output() -> None:
    """README's `tunelint check` example: each run of lines between `...` is real output."""
    from conftest import REPO, readme_block

    block = readme_block("$ tunelint check examples/broken/train.jsonl")
    command, *shown = block.rstrip("\n").split("\n")
    result = run_tunelint(*command.split()[2:], cwd=REPO, env=plain_env())
    assert result.returncode == 1
    real = result.stdout.rstrip("\n")
    for part in "\n".join(shown).split("\n...\n"):
        assert part in real, part
    assert real.endswith(shown[-1])
    assert (REPO / "docs" / "stats-report.png").is_file()
