"""The fast path is exact: what it skips provably reports nothing, what it memoises is equal.

Rules declare themselves quiet on object lines, quiet on plain records, or dependent only
on the roles (``tunelint.engine.registry``); each claim is checked here by running the real
rules on real records under every profile, and a whole file is linted with and without the
fast path.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from typing import Any

import orjson
import pytest

from tunelint.engine import runner
from tunelint.engine.batch import UNDECODED, decode_block
from tunelint.engine.config import ConfigFile, resolve_settings
from tunelint.engine.context import RecordContext
from tunelint.engine.formats import Format
from tunelint.engine.plain import PLAIN_ROLES, roles_record
from tunelint.engine.plan import RulePlan
from tunelint.engine.profiles import PROFILES
from tunelint.engine.reader import read_lines
from tunelint.engine.registry import all_rules
from tunelint.engine.settings import Settings
from tunelint.tokens.counting import TOKENS_PER_REPLY, ExampleCounter, utf8_length

from conftest import EXAMPLES, WriteJsonl, dump

TEXTS = [
    "Hi",
    " padded text ",
    "안녕하세요, 예약 변경 부탁드립니다.",
    "line\nbreak",
    "{not json",
    "x" * 300,
]


def plain_records() -> list[dict[str, Any]]:
    records = []
    for length in range(1, 5):
        for index, roles in enumerate(itertools.product(sorted(PLAIN_ROLES), repeat=length)):
            if "assistant" not in roles:
                continue
            messages: list[dict[str, Any]] = []
            for turn, role in enumerate(roles):
                message = {"role": role, "content": TEXTS[(index + turn) % len(TEXTS)]}
                if (index + turn) % 3 == 0:
                    message["name"] = "get_weather" if role == "function" else "alice"
                messages.append(message)
            records.append({"messages": messages})
    return records


PLAIN = plain_records()


def encoded(record: dict[str, Any]) -> bytes:
    return json.dumps(record).encode()


def plain_roles(raw: bytes) -> tuple[str, ...] | None:
    """The roles of the plain record on the line ``raw``, as the runner decodes it."""
    return decode_block([raw])[1][0]


def settings_for(profile: str) -> Settings:
    return resolve_settings(ConfigFile(None), {"profile": profile, "select": ["ALL"]})


def quiet_codes(settings: Settings) -> set[str]:
    """The enabled record rules declared quiet on plain records under ``settings``."""
    rules = all_rules()
    return {code for code in settings.enabled if rules[code].skips_plain(settings)}


ROLES_ONLY = {code for code, rule in all_rules().items() if rule.roles_only}
QUIET_ON_OBJECT = {code for code, rule in all_rules().items() if rule.quiet_on_object}


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_quiet_rules_report_nothing_on_plain_records(profile: str) -> None:
    settings = settings_for(profile)
    rules = all_rules()
    quiet = quiet_codes(settings)
    assert quiet >= {"SC001", "SC004", "SC005", "SC006", "SC011", "CV001", "TL002"}
    for record in PLAIN:
        assert plain_roles(encoded(record)) is not None, record
        ctx = RecordContext(record, b"", 1, 1, Format.CHAT, settings)
        for code in sorted(quiet):
            assert list(rules[code].check(ctx)) == [], (code, record)


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_roles_only_rules_depend_only_on_the_roles(profile: str) -> None:
    settings = settings_for(profile)
    rules = all_rules()
    fired = set()
    for record in PLAIN:
        roles = plain_roles(encoded(record))
        assert roles is not None
        real = RecordContext(record, b"", 1, 1, Format.CHAT, settings)
        stand_in = RecordContext(roles_record(roles), b"", 1, 1, Format.CHAT, settings)
        for code in sorted(ROLES_ONLY):
            found = list(rules[code].check(real))
            assert found == list(rules[code].check(stand_in)), (code, record)
            fired.update(code for _ in found)
    assert fired == ROLES_ONLY  # the records exercise every one of them


def test_quiet_line_rules_report_nothing_on_object_lines(write_jsonl: WriteJsonl) -> None:
    path = write_jsonl([*PLAIN, {"anything": [1, None]}, {}])
    rules = all_rules()
    for line in read_lines(path):
        assert isinstance(line.value, dict)
        for code in QUIET_ON_OBJECT:
            assert list(rules[code].check(line)) == []


@pytest.mark.parametrize(
    "record",
    [
        {"messages": []},
        {"messages": [{"role": "user", "content": "Hi"}]},
        {"messages": [{"role": "assistant", "content": "Hi"}], "tools": []},
        {"messages": [{"role": "assistant", "content": " \u3000"}]},
        {"messages": [{"role": "assistant", "content": ""}]},
        {"messages": [{"role": "assistant", "content": None, "tool_calls": []}]},
        {"messages": [{"role": "assistant", "content": [{"type": "text", "text": "Hi"}]}]},
        {"messages": [{"role": "assistant", "content": "Hi", "weight": 0}]},
        {"messages": [{"role": "assistant", "content": "Hi", "name": 3}]},
        {"messages": [{"role": "assistant", "content": "Hi", "id": "7"}]},
        {"messages": [{"role": "assistant", "name": "a", "id": "7"}]},
        {"messages": [{"role": "assistant", "contents": "Hi"}]},
        {"messages": [{"role": ["assistant"], "content": "Hi"}]},
        {
            "messages": [
                {"role": "developer", "content": "Be brief."},
                {"role": "assistant", "content": "Hi"},
            ]
        },
        {"messages": [{"role": "tool", "content": "{}"}, {"role": "assistant", "content": "Hi"}]},
        {"messages": ["Hi", {"role": "assistant", "content": "Hi"}]},
        {"messages": {"role": "assistant", "content": "Hi"}},
        {"prompt": "Hi", "completion": "Hello"},
    ],
)
def test_near_misses_are_not_plain(record: dict[str, Any]) -> None:
    assert plain_roles(encoded(record)) is None


def chat(question: str, answer: str) -> dict[str, Any]:
    return {
        "messages": [
            {"role": "user", "content": question},
            {"role": "assistant", "content": answer},
        ]
    }


BATCH_WORK: list[Any] = [
    # What the rules with a batch form report on plain records, amid plain records.
    chat("Loop?", "Eat a banana! " * 12),  # CT001
    chat("Loop in Korean?", "네 " * 30),
    chat("Card?", "It is 4111 1111 1111 1111."),  # PV004, through the triggers
    chat("Same?", "Yes."),
    chat("Same?", "Yes."),  # DS003
    chat("Same?", "No."),  # DS006
    {
        "messages": [
            {"role": "user", "content": "Same?"},
            {"role": "assistant", "content": "Maybe", "weight": 1},
        ]
    },
    {"messages": [*chat("Late?", "Yes")["messages"], {"role": "user", "content": "Thanks"}]},
    chat("Late?", "No"),  # DS006 against a record whose answer is not its last message
    dump(chat("Windows?", "Yes.")) + "\r",  # JL006
    chat("Long?", "한" * 70_000),  # TK001: more tokens than gpt-4o-mini's context
    chat("How do I reset my password?", "Open Settings, then Security, then Reset password."),
    {
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "how do I reset my password"},
            {"role": "assistant", "content": "Open Settings, then Security, then Reset password!"},
        ]
    },  # DS004, apart from the system prompt
]
BATCH_CODES = {"CT001", "PV004", "DS003", "DS004", "DS006", "JL006", "TK001"}


def decoded_without_the_fast_path(
    raws: list[bytes], look_for_plain: bool = True
) -> tuple[list[Any], list[None]]:
    """What ``decode_block`` gives when no line is taken for a plain record."""
    values = []
    for raw in raws:
        try:
            values.append(orjson.loads(raw))
        except orjson.JSONDecodeError:
            values.append(UNDECODED)
    return values, [None] * len(raws)


def slow_plan(settings: Settings, rules: Any) -> RulePlan:
    """The plan with every line rule run on object lines too."""
    plan = RulePlan.compile(settings, rules)
    return dataclasses.replace(plan, object_line_rules=plan.line_rules)


def test_a_file_gives_the_same_findings_with_and_without_the_fast_path(
    write_jsonl: WriteJsonl, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = (EXAMPLES / "broken" / "train.jsonl").read_text(encoding="utf-8").splitlines()
    path = write_jsonl(
        [*PLAIN, *broken, "", *PLAIN[:5], {"prompt": "Hi", "completion": "Yo"}, *BATCH_WORK]
    )
    for profile in sorted(PROFILES):
        settings = settings_for(profile)
        fast = runner.lint_file(path, settings)
        with monkeypatch.context() as patch:
            patch.setattr(runner, "decode_block", decoded_without_the_fast_path)
            patch.setattr(runner, "plan_for", slow_plan)
            slow = runner.lint_file(path, settings)
        assert fast == slow
        assert {"CV002", "CV003", "CV005", "JL001", "SC005"} <= {f.code for f in fast.findings}
        if profile == "openai":
            assert {f.code for f in fast.findings} >= BATCH_CODES


@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_a_plain_lines_length_bounds_its_tokens(ensure_ascii: bool) -> None:
    """TK001 skips counting a plain record whose line is shorter than the limit."""
    bound = ExampleCounter(utf8_length, "cl100k_base")
    for record in [*PLAIN, {"messages": [{"role": "assistant", "content": "\u00e9" * 999}]}]:
        raw = json.dumps(record, ensure_ascii=ensure_ascii, separators=(",", ":")).encode()
        assert bound.count(record).tokens <= len(raw) + TOKENS_PER_REPLY
