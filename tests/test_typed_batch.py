"""Runs of well-formed typed records are exact: each batch form reports what its rule does
record by record, and a whole file gives the findings of the general path.

``engine.typed_batch`` hands a run of consecutive well-formed tool-calling records or
preference pairs to each rule's typed batch form. Here thousands of such records, varied
in every way the rules with a batch form look at (texts, placeholders, repeats, tool
definitions and arguments, roles, duplicates, outputs), amid the mutations of
``test_typed.py`` and other lines that end a run, are linted three ways: as they are, with
every rule run record by record on the typed runs (no batch form), and with no typed path
at all.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_typed import RECORDS

from tunelint.engine import runner
from tunelint.engine.config import ConfigFile, resolve_settings
from tunelint.engine.formats import Format
from tunelint.engine.profiles import PROFILES
from tunelint.engine.registry import Scope, all_rules
from tunelint.engine.settings import Settings
from tunelint.engine.typed import typed_path_applies, typed_record
from tunelint.engine.typed_batch import batch_form_of

from conftest import WriteJsonl

ANSWERS = [
    "It is 21 degrees in Seoul.",
    "Sunny, at noon.",
    "Hello! 안녕하세요.",
    "Eat a banana! " * 12,  # CT001
    "네 " * 30,
    "I am {{name}}.",  # CT007, one kind of placeholder a text
    "Made by {author}.",
    "Dear <YOUR_NAME>, thanks.",
    "[INSERT DATE] is fine.",
    "Use f'{name}' in Python.",
    "<Paris> is [insert]ed {x}.",
    "Call me at 4111 1111 1111 1111.",  # PV, through the triggers
    "<|im_end|> Human: next",  # CT002
    "It is 21 degrees in Seoul!",  # DS007 against the first
]
QUESTIONS = ["Weather in Seoul?", "weather in seoul", "Time?", "{{question}}", "Hi"]
SCHEMAS: list[Any] = [
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    {
        "type": "object",
        "properties": {"city": {"type": "string"}, "unit": {"enum": ["c", "f"], "type": "string"}},
        "additionalProperties": False,
    },
    {"type": "dict", "properties": {"city": {"type": "string"}}},  # TL009
    {"type": "object", "properties": {"content": {"type": "string"}}, "required": ["nope"]},
    {"type": "object", "properties": {"n": {"type": "integer", "minimum": 3}}},  # not quick
    None,
]
ARGUMENTS = ['{"city": "Seoul"}', '{"town": "Seoul"}', '{"city": 3}', '{"n": 1}', "{}"]


def tool(name: str, schema: Any, described: bool) -> dict[str, Any]:
    function: dict[str, Any] = {"name": name}
    if described:
        function["description"] = f"The {name} tool"
    if schema is not None:
        function["parameters"] = copy.deepcopy(schema)
    return {"type": "function", "function": function}


def tool_record(rng: random.Random, index: int) -> dict[str, Any]:
    """A well-formed tool-calling record, or one a change away from it."""
    tools = [
        tool(name, rng.choice(SCHEMAS), rng.random() < 0.8)
        for name in rng.sample(["get_weather", "clock", "search"], rng.randint(1, 3))
    ]
    messages: list[dict[str, Any]] = []
    if rng.random() < 0.7:
        messages.append({"role": "system", "content": "Be brief."})
    messages.append({"role": "user", "content": rng.choice(QUESTIONS)})
    if rng.random() < 0.8:
        calls = [
            {
                "id": f"call_{index}_{number}",
                "type": "function",
                "function": {
                    "name": definition["function"]["name"],
                    "arguments": rng.choice(ARGUMENTS),
                },
            }
            for number, definition in enumerate(tools[: rng.randint(1, len(tools))])
        ]
        caller: dict[str, Any] = {"role": "assistant", "tool_calls": calls}
        if rng.random() < 0.3:
            caller["content"] = None
        messages.append(caller)
        for call in reversed(calls) if rng.random() < 0.5 else calls:
            messages.append({"role": "tool", "tool_call_id": call["id"], "content": '{"t": 21}'})
    messages.append({"role": "assistant", "content": rng.choice(ANSWERS)})
    ending = rng.random()
    if ending < 0.1:
        messages.append({"role": "user", "content": "Thanks"})  # CV005
    elif ending < 0.15:
        messages.append({"role": "assistant", "content": "Anything else?"})  # roles as CV005's
    elif ending < 0.2:
        messages.insert(1, {"role": "system", "content": "Late."})  # CV004
    record: dict[str, Any] = {"messages": messages}
    if rng.random() < 0.9:
        record["tools"] = tools
    return record


def preference_record(rng: random.Random) -> dict[str, Any]:
    """A well-formed preference pair, or one a change away from it."""
    prompt: dict[str, Any] = {"messages": [{"role": "user", "content": rng.choice(QUESTIONS)}]}
    if rng.random() < 0.3:
        prompt["messages"].insert(0, {"role": "system", "content": "Be brief."})
    if rng.random() < 0.2:
        prompt["tools"] = [tool("clock", rng.choice(SCHEMAS), rng.random() < 0.5)]
    chosen = rng.choice(ANSWERS)
    preferred = [{"role": "assistant", "content": chosen}]
    other = rng.choice([chosen, chosen[:5], "No."])
    if rng.random() < 0.05:  # most are shorter: PF003 reports the bias
        other = rng.choice(ANSWERS)
    rejected = [{"role": "assistant", "content": other}]
    shape = rng.random()
    if shape < 0.1:
        preferred.append({"role": "assistant", "content": "More."})  # PF001
    elif shape < 0.15:
        rejected = copy.deepcopy(preferred)  # PF002
    elif shape < 0.2:
        prompt["messages"].append({"role": "assistant", "content": "Early."})  # PF001
    return {"input": prompt, "preferred_output": preferred, "non_preferred_output": rejected}


def lines(count: int, seed: int) -> list[Any]:
    """Typed records in runs of both formats, a few repeated (DS003, DS006, DS007), with
    the mutations of ``test_typed.py``, blank and broken lines between some runs."""
    rng = random.Random(seed)
    found: list[Any] = []
    made: list[dict[str, Any]] = []
    while len(found) < count:
        for _ in range(rng.randint(1, 40)):
            pick = rng.random()
            if pick < 0.05 and made:
                record = copy.deepcopy(rng.choice(made))
            elif pick < 0.65:
                record = tool_record(rng, len(found))
            else:
                record = preference_record(rng)
            made.append(record)
            found.append(record)
        found.append(rng.choice(["", "{broken", rng.choice(RECORDS), rng.choice(RECORDS)]))
    return found


LINES = lines(4000, 25)


def settings_for(profile: str, target: str | None = None) -> Settings:
    options: dict[str, Any] = {"profile": profile, "select": ["ALL"]}
    if target is not None:
        options["target"] = [target]
    return resolve_settings(ConfigFile(None), options)


BATCHED = {
    "CT001",
    "CT006",
    "CT007",
    "CV002",
    "CV003",
    "CV004",
    "CV005",
    "DS001",
    "DS003",
    "DS006",
    "DS007",
    "PF001",
    "PF002",
    "PF003",
    "SC008",
    "SC012",
    "TG003",
    "TK001",
    "TL009",
    "TL010",
    "TL011",
    *(f"TM00{number}" for number in range(1, 9)),
}
"""The rules with a typed batch form (``typed_batch`` or ``typed_roles_only`` on a record
rule, ``visit_typed`` on a file rule's check)."""


def test_the_generated_records_are_mostly_typed_runs_of_both_formats() -> None:
    walks = [typed_record(line) if isinstance(line, dict) else None for line in LINES]
    forms = [walk and walk.format for walk in walks]
    assert forms.count(Format.CHAT) > 1500 and forms.count(Format.PREFERENCE) > 1000
    assert forms.count(None) > 100


def test_the_rules_with_a_batch_form_are_the_ones_this_file_proves() -> None:
    settings = settings_for("openai")
    found = set()
    for code, rule in all_rules().items():
        check = rule.check(settings) if rule.scope in (Scope.FILE, Scope.DATASET) else rule.check
        if batch_form_of(rule, check) is not None:
            found.add(code)
    assert found == BATCHED


def lint_three_ways(
    path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> tuple[Any, Any, Any]:
    fast = runner.lint_file(path, settings)
    with monkeypatch.context() as patch:
        patch.setattr(runner, "batch_form_of", lambda rule, check: None)
        record_by_record = runner.lint_file(path, settings)
    with monkeypatch.context() as patch:
        patch.setattr(runner, "typed_record", lambda record: None)
        general = runner.lint_file(path, settings)
    return fast, record_by_record, general


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_typed_runs_give_the_findings_of_the_general_path(
    profile: str, write_jsonl: WriteJsonl, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(profile)
    if not typed_path_applies(settings.profile):
        return  # no typed path under this profile: nothing to compare
    path = write_jsonl(LINES)
    fast, record_by_record, general = lint_three_ways(path, settings, monkeypatch)
    assert fast == record_by_record
    assert fast == general
    codes = {finding.code for finding in fast.findings}
    # Every rule with a batch form has something to report (DS001: the file is big enough,
    # TG003 and TK001: only under targets below), but for the TM rules (no tokenizer set).
    # CT006 below, on answers that share an ending.
    quiet = {
        "CT006",
        "DS001",
        "SC012",
        "TG003",
        "TK001",
        *(c for c in BATCHED if c.startswith("TM")),
    }
    assert BATCHED - quiet <= codes, BATCHED - codes
    assert len(fast.findings) > 3000


@pytest.mark.parametrize("target", ["openai", "azure"])
def test_typed_runs_follow_the_targets(
    target: str, write_jsonl: WriteJsonl, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PF001's findings depend on what the targets accept as an output; TK001 on the model.
    settings = settings_for("openai", target)
    long = {
        "messages": [
            {"role": "user", "content": "Long?"},
            {"role": "assistant", "content": "한" * 140_000},
        ],
        "tools": [tool("clock", None, True)],
    }
    path = write_jsonl([*LINES[:1500], long, *LINES[1500:2000]])
    fast, record_by_record, general = lint_three_ways(path, settings, monkeypatch)
    assert fast == record_by_record == general
    assert {"TK001", "PF001"} <= {finding.code for finding in fast.findings}


def test_typed_runs_judge_the_non_preferred_output_when_asked(
    write_jsonl: WriteJsonl, monkeypatch: pytest.MonkeyPatch
) -> None:
    judged = {"non-preferred": True}
    rules = {"degenerate-repetition": judged, "unfilled-placeholder": judged}
    settings = resolve_settings(ConfigFile(None), {"select": ["ALL"], "rules": rules})
    pairs = [line for line in LINES if isinstance(line, dict) and "input" in line]
    path = write_jsonl(pairs)
    fast, record_by_record, general = lint_three_ways(path, settings, monkeypatch)
    assert fast == record_by_record == general
    on_rejected = {
        finding.code for finding in fast.findings if "non_preferred_output" in finding.pointer
    }
    assert "CT001" in on_rejected  # CT007 reports each placeholder once, where first seen


def test_typed_runs_with_a_grader_report_the_reinforcement_records_only(
    tmp_path: Path, write_jsonl: WriteJsonl, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SC012 has nothing to say on a typed run (each record has an answer): with a grader
    reading two fields, the prompts without an answer between the runs are reported, the
    same three ways."""
    grader = tmp_path / "grader.json"
    grader.write_text(
        '{"type": "string_check", "input": "{{sample.output_text}}",'
        ' "reference": "{{item.answer}} {{item.source}}", "operation": "eq"}',
        encoding="utf-8",
    )
    prompts = [
        {
            "messages": [{"role": "user", "content": f"Which is prime, {n} or {n + 1}?"}],
            "answer": "?",
        }
        for n in range(40)
    ]
    records = [line for line in LINES[:1500] if isinstance(line, dict) and "messages" in line]
    path = write_jsonl([item for pair in zip(records, prompts * 40, strict=False) for item in pair])
    rules = {"missing-grader-field": {"grader": str(grader)}}
    settings = resolve_settings(ConfigFile(None), {"select": ["ALL"], "rules": rules})
    fast, record_by_record, general = lint_three_ways(path, settings, monkeypatch)
    assert fast == record_by_record == general
    (finding,) = [finding for finding in fast.findings if finding.code == "SC012"]
    assert "no 'source'" in finding.message and finding.line == 2


def test_typed_runs_see_a_leftover_shared_by_the_answers(
    write_jsonl: WriteJsonl, monkeypatch: pytest.MonkeyPatch
) -> None:
    # CT006 settles once the answers share nothing: here they all end with " END".
    chats = [line for line in LINES[:1200] if isinstance(line, dict) and "tools" in line]
    records = [copy.deepcopy(record) for record in chats if typed_record(record)]
    for record in records:
        for message in record["messages"]:
            if message["role"] == "assistant" and message.get("content"):
                message["content"] += " END"
    path = write_jsonl(records)
    fast, record_by_record, general = lint_three_ways(path, settings_for("openai"), monkeypatch)
    assert fast == record_by_record == general
    assert "CT006" in {finding.code for finding in fast.findings}


def test_typed_runs_split_into_byte_ranges_merge_as_the_whole(write_jsonl: WriteJsonl) -> None:
    settings = settings_for("openai")
    path = write_jsonl(LINES[:2000])
    data = path.read_bytes()
    middle = data.index(b"\n", len(data) // 2) + 1
    parts = [
        runner.lint_range(path, settings, 0, middle),
        runner.lint_range(path, settings, middle, None),
    ]
    whole = runner.lint_whole_file_rules(path, settings)
    merged = runner.merge_ranges(path, settings, parts, whole)
    single = runner.lint_file(path, settings)
    assert merged == single
    assert {"DS003", "DS006", "DS007", "TL009", "CV002"} <= {f.code for f in single.findings}


@pytest.mark.parametrize("family", ["chatml-tools", "tools-mapping", "gemma"])
def test_typed_runs_render_with_a_tokenizer_as_record_by_record(
    family: str,
    tokenizer: Callable[[str], Path],
    write_jsonl: WriteJsonl,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With a tokenizer set, the TM rules render every record of a run: their batch forms
    give what they give record by record (a Gemma-style template refuses system turns, a
    mapping-iterating one string arguments, so each family makes some rule report)."""
    options = {"profile": "openai", "select": ["ALL"], "tokenizer": str(tokenizer(family))}
    settings = resolve_settings(ConfigFile(None), options)
    assert settings.template is not None
    path = write_jsonl(LINES[:600])
    fast, record_by_record, general = lint_three_ways(path, settings, monkeypatch)
    assert fast == record_by_record == general
    assert any(finding.code.startswith("TM") for finding in fast.findings)
