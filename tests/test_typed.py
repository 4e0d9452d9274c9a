"""The typed fast path is exact: a rule it skips reports nothing on any record it accepts.

``engine.typed`` accepts well-formed tool-calling records and preference pairs, and the
rules declared ``quiet_on_typed`` are skipped on them. Each claim is checked here by running
the real rules on valid records and on every single mutation of them (a key removed, a
value replaced, a key added, a list emptied or lengthened) that the path still accepts,
under every profile; and whole files are linted with and without the path.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest

from tunelint.engine import runner
from tunelint.engine.config import ConfigFile, resolve_settings
from tunelint.engine.context import RecordContext
from tunelint.engine.formats import Format, detect_format
from tunelint.engine.profiles import PROFILES
from tunelint.engine.registry import Scope, all_rules
from tunelint.engine.settings import Settings
from tunelint.engine.typed import TypedRecord, typed_path_applies, typed_record, well_formed
from tunelint.targets.catalogue import builtin_targets

from conftest import CORPUS, WriteJsonl

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
CLOCK = {"type": "function", "function": {"name": "clock"}}


def call(call_id: str, name: str = "get_weather", arguments: str = '{"city": "Seoul"}') -> Any:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


VALID: list[dict[str, Any]] = [
    {
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Weather in Seoul?"},
            {"role": "assistant", "tool_calls": [call("c1")]},
            {"role": "tool", "tool_call_id": "c1", "content": '{"temperature": 21}'},
            {"role": "assistant", "content": "It is 21 degrees."},
        ],
        "tools": [WEATHER],
    },
    {
        "messages": [
            {"role": "user", "content": "Weather and time?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [call("a"), call("b", "clock", "{}")],
            },
            {"role": "tool", "tool_call_id": "b", "content": "noon"},
            {"role": "tool", "tool_call_id": "a", "content": "sunny"},
            {"role": "assistant", "content": "Sunny, at noon."},
        ],
        "tools": [WEATHER, CLOCK],
    },
    {
        "messages": [
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello! 안녕하세요."},
        ],
        "tools": [CLOCK],
    },
    {
        "input": {
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Capital of France?"},
            ]
        },
        "preferred_output": [{"role": "assistant", "content": "Paris."}],
        "non_preferred_output": [{"role": "assistant", "content": "Lyon, I think."}],
    },
    {
        "input": {"messages": [{"role": "user", "content": "Time?"}], "tools": [CLOCK]},
        "preferred_output": [
            {"role": "assistant", "tool_calls": [call("t1", "clock", "{}")]},
            {"role": "tool", "tool_call_id": "t1", "content": "noon"},
            {"role": "assistant", "content": "It is noon."},
        ],
        "non_preferred_output": [{"role": "assistant", "content": "No idea."}],
    },
]

REPLACEMENTS: list[Any] = [
    None,
    "",
    " \u3000",
    0,
    1,
    1.5,
    True,
    False,
    [],
    {},
    "x",
    "get weather",
    "g" * 65,
    "user",
    "assistant",
    "tool",
    "function",
    "developer",
    "c1",
    "a",
    "clock",
    "get_weather",
    "{}",
    "[]",
    '"{}"',
    "{not json",
    [{"type": "text", "text": "Hi"}],
    [{"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}],
]
EXTRA_KEYS: list[tuple[str, Any]] = [
    ("weight", 0),
    ("weight", 1),
    ("name", "alice"),
    ("refusal", "No."),
    ("function_call", {"name": "clock", "arguments": "{}"}),
    ("parallel_tool_calls", False),
    ("functions", [{"name": "clock"}]),
    ("tool_call_id", "c1"),
    ("content", None),
    ("id", "7"),
]


def mutations(value: Any) -> Iterator[Any]:
    """Every value one change away from ``value``: at each place, a key removed, the value
    replaced, a key added, a list emptied, cut or lengthened by a copy of an item."""
    for replacement in REPLACEMENTS:
        if replacement != value or type(replacement) is not type(value):
            yield copy.deepcopy(replacement)
    if isinstance(value, dict):
        for key in value:
            yield {k: v for k, v in value.items() if k != key}
            for changed in mutations(value[key]):
                yield {**value, key: changed}
        for key, extra in EXTRA_KEYS:
            if key not in value:
                yield {**value, key: extra}
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield value[:index] + value[index + 1 :]
            yield [*value[: index + 1], copy.deepcopy(item), *value[index + 1 :]]
            for changed in mutations(item):
                yield [*value[:index], changed, *value[index + 1 :]]


def records() -> list[dict[str, Any]]:
    found = [copy.deepcopy(record) for record in VALID]
    for record in VALID:
        found.extend(m for m in mutations(record) if isinstance(m, dict))
    return found


RECORDS = records()


def settings_for(profile: str) -> Settings:
    return resolve_settings(ConfigFile(None), {"profile": profile, "select": ["ALL"]})


def test_the_valid_records_are_well_formed() -> None:
    for record in VALID:
        assert well_formed(record, detect_format(record)), record


def test_a_typed_record_has_the_format_detection_gives_it() -> None:
    # The runner takes a well-formed record's format from ``typed_record`` and never
    # detects it: on every record and mutation, the two agree.
    typed = 0
    for record in RECORDS:
        form = detect_format(record)
        walk = typed_record(record)
        assert walk == well_formed(record, form), record
        assert (walk and walk.format) == (form if well_formed(record, form) else None), record
        typed += walk is not None
    assert typed > 100


def conversations_of(record: dict[str, Any]) -> list[list[dict[str, Any]]]:
    if "messages" in record:
        return [record["messages"]]
    return [record["input"]["messages"], record["preferred_output"], record["non_preferred_output"]]


def test_the_walk_of_a_typed_record_sees_what_the_record_holds() -> None:
    # The rules read the roles, texts and decoded arguments of a run from the walk
    # (``TypedRecord``), not from the records: on every well-formed record, they agree.
    calls = 0
    for record in RECORDS:
        walk = typed_record(record)
        if walk is None:
            continue
        conversations = conversations_of(record)
        roles = [tuple(message["role"] for message in each) for each in conversations]
        said = [m for each in conversations for m in each if isinstance(m.get("content"), str)]
        called = [
            (call["function"]["name"], json.loads(call["function"]["arguments"]))
            for each in conversations
            for message in each
            for call in message.get("tool_calls", ())
        ]
        assert walk == TypedRecord(
            walk.format,
            roles[0] if walk.format is Format.CHAT else tuple(roles),
            [message["role"] for message in said],
            [message["content"] for message in said],
            called,
        ), record
        calls += len(called)
    assert calls > 100


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_rules_quiet_on_typed_records_report_nothing_on_them(profile: str) -> None:
    settings = settings_for(profile)
    rules = all_rules()
    quiet = sorted(
        code
        for code in settings.enabled
        if rules[code].scope is Scope.RECORD and rules[code].skips_typed(settings)
    )
    assert {"SC004", "SC006", "TL001", "TL002", "TL004", "TL005", "TL007"} <= set(quiet)
    if not typed_path_applies(settings.profile):
        assert profile == "cookbook"
        return
    accepted = rejected = 0
    for record in RECORDS:
        form = detect_format(record)
        if not well_formed(record, form):
            rejected += 1
            continue
        accepted += 1
        ctx = RecordContext(record, b"", 1, 1, form, settings)
        for code in quiet:
            if form in rules[code].formats:
                assert list(rules[code].check(ctx)) == [], (code, record)
    # The mutations exercise both sides: many are still well formed, most are not.
    assert accepted > 100 and rejected > 1000, (accepted, rejected)


@pytest.mark.parametrize("target", sorted(builtin_targets()))
def test_tg008_is_skipped_on_typed_records_only_where_the_targets_read_them(target: str) -> None:
    # TG008 depends on the targets, not the profile: each target is tried.
    settings = resolve_settings(ConfigFile(None), {"target": [target], "select": ["ALL"]})
    rule = all_rules()["TG008"]
    if not typed_path_applies(settings.profile):
        return
    if not rule.skips_typed(settings):
        assert target in {"axolotl", "llamafactory", "nebius", "trl"}  # no preference pairs
        return
    for record in RECORDS:
        walk = typed_record(record)
        if walk is not None:
            ctx = RecordContext(record, b"", 1, 1, walk.format, settings)
            assert list(rule.check(ctx)) == [], (target, record)


def test_a_file_gives_the_same_findings_with_and_without_the_typed_path(
    write_jsonl: WriteJsonl, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = [
        line
        for name in ("foundry_stock_toolcall.jsonl", "foundry_orca_dpo.jsonl")
        for line in (CORPUS / name).read_text(encoding="utf-8").splitlines()[:50]
    ]
    path = write_jsonl([*RECORDS, *corpus])
    for profile in sorted(PROFILES):
        settings = settings_for(profile)
        if not typed_path_applies(settings.profile):
            continue  # no rule is skipped: the plan's typed rules are empty
        fast = runner.lint_file(path, settings)
        with monkeypatch.context() as patch:
            patch.setattr(runner, "typed_record", lambda record: None)
            slow = runner.lint_file(path, settings)
        assert fast == slow
        assert len(fast.findings) > 1000
