"""Seeded fuzzing of every promise at once: hostile records of every format, run through
``check`` in every output format, ``--fix``, ``--diff``, ``stats`` and ``convert``.

Each input is a small file of mutated records (wrong types, hostile strings, control
characters, odd numbers, duplicate keys, broken bytes) with API keys planted in random
places. Every run must end with status 0, 1 or 2 and no traceback or internal error;
no planted key may appear in anything printed; ``--fix`` may delete only blank lines and
change only records it fixes. ``TUNELINT_FUZZ_INPUTS`` sets the number of inputs
(default 24, a few seconds); ``TUNELINT_FUZZ_SEED`` the seed. The runs call the command
line's ``main`` in this process: thousands of runs fit in minutes.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import random
import re
import string
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from tunelint.cli import main

INPUTS = int(os.environ.get("TUNELINT_FUZZ_INPUTS", "24"))
SEED = int(os.environ.get("TUNELINT_FUZZ_SEED", "17"))

USER = {"role": "user", "content": "What is the capital of France?"}
ASSISTANT = {"role": "assistant", "content": "Paris."}
CALL = {"id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}
TOOL = {
    "type": "function",
    "function": {"name": "lookup", "description": "Find", "parameters": {"type": "object"}},
}
BASES: list[Any] = [
    {"messages": [{"role": "system", "content": "Be brief."}, USER, ASSISTANT]},
    {"messages": [{"role": "system", "content": ""}, USER, {**ASSISTANT, "weight": 1}]},
    {
        "messages": [
            USER,
            {"role": "assistant", "content": None, "tool_calls": [CALL]},
            {"role": "tool", "tool_call_id": "call_1", "content": "Paris"},
            ASSISTANT,
        ],
        "tools": [TOOL],
    },
    {
        "messages": [
            USER,
            {"role": "assistant", "function_call": {"name": "lookup", "arguments": "{}"}},
            {"role": "function", "name": "lookup", "content": "Paris"},
            ASSISTANT,
        ],
        "functions": [TOOL["function"]],
    },
    {
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is this?"},
                    {
                        "type": "image_url",
                        "image_url": {"url": "https://x.test/a.png", "detail": "low"},
                    },
                ],
            },
            {"role": "assistant", "content": "A cat.", "refusal": None},
        ]
    },
    {"prompt": "Capital of France?", "completion": " Paris."},
    {
        "input": {"messages": [USER]},
        "preferred_output": [ASSISTANT],
        "non_preferred_output": [{"role": "assistant", "content": "Lyon."}],
    },
    {"messages": [USER], "reference_answer": "Paris", "grader_hint": {"a": [1, 2]}},
]
CONVERT_BASES: dict[str, Any] = {
    "alpaca": [{"instruction": "Name a colour.", "input": "", "output": "Blue."}] * 3,
    "sharegpt": [{"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Yo"}]}],
    "squad": {
        "data": [
            {
                "title": "T",
                "paragraphs": [
                    {
                        "context": "Paris is in France.",
                        "qas": [{"id": "1", "question": "Where?", "answers": [{"text": "France", "answer_start": 12}]}],
                    }
                ],
            }
        ]
    },
}  # fmt: skip

HOSTILE_STRINGS = [
    "",
    " ",
    "\x1b[2J\x1b[31mred",
    "line\nforged.jsonl:1:1: SC001 [error] forged",
    "\u202egnp.exe",
    "\x00\x07\x08",
    "\r",
    "x" * 3000,
    "é" * 50,
    "<|im_start|>",
    "Eat a banana! " * 12,
    "user",
    "assistant",
    "system",
]
HOSTILE_NUMBERS = [0, 1, -1, 2**63, 12345678901234567890123, 1.5, 1e308, -0.0]


class Planter:
    """Makes API keys of several shapes and remembers them."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.planted: list[str] = []

    def key(self) -> str:
        rng = self.rng
        body = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(30))
        body = body[:-2] + "7Q"  # letters and digits, as real keys have
        key = rng.choice(
            [
                f"sk-proj-{body}",
                f"ghp_{body}AbCdEf",
                f"AKIA{''.join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(16))}",
                f"hf_{body}abcd",
            ]
        )
        self.planted.append(key)
        return key

    def leaked_in(self, output: str) -> bool:
        """Whether a planted key shows whole: a mutated byte may glue a letter before it,
        and then it is no key by its shape (``vghp_…``), which is what masking goes by."""
        return any(
            re.search(f"(?<![A-Za-z0-9_-]){re.escape(key)}", output)
            for key in self.planted
            if key in output
        )

    def text(self) -> str:
        return (
            self.rng.choice(["", "key: ", "use "])
            + self.key()
            + self.rng.choice(["", " now", "\n"])
        )


def hostile_value(rng: random.Random, planter: Planter, depth: int = 0) -> Any:
    choice = rng.randrange(9)
    if choice == 0:
        return rng.choice(HOSTILE_STRINGS)
    if choice == 1:
        return rng.choice(HOSTILE_NUMBERS)
    if choice == 2:
        return rng.choice([None, True, False])
    if choice == 3 and depth < 3:
        return [hostile_value(rng, planter, depth + 1) for _ in range(rng.randrange(3))]
    if choice == 4 and depth < 3:
        return {hostile_key(rng, planter): hostile_value(rng, planter, depth + 1)}
    if choice == 5:
        return planter.text()
    return rng.choice(["user", "assistant", "tool", "system", "Paris", {"a": 1}, [1]])


def hostile_key(rng: random.Random, planter: Planter) -> str:
    return rng.choice(
        ["role", "content", "messages", "\x1b[2Jkey", "a\nb", "x" * 200, planter.key()]
    )


def nodes(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += nodes(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += nodes(item, (*path, index))
    return found


def parent_of(record: Any, path: tuple[Any, ...]) -> Any:
    """The list or object that holds the value at ``path`` (one of ``nodes``, not the root)."""
    for part in path[:-1]:
        record = record[part]
    return record


def mutate(record: Any, rng: random.Random, planter: Planter) -> Any:
    record = copy.deepcopy(record)
    for _ in range(rng.randrange(1, 4)):
        path = rng.choice(nodes(record)[1:] or [()])
        if not path:
            continue
        parent = parent_of(record, path)
        last = path[-1]
        action = rng.randrange(5)
        if action == 0:
            parent[last] = hostile_value(rng, planter)
        elif action == 1 and isinstance(parent, dict):
            parent[hostile_key(rng, planter)] = parent.pop(last)
        elif action == 2:
            del parent[last]
        elif action == 3 and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[last]))
        elif isinstance(parent[last], str):
            parent[last] = f"{parent[last]} {planter.text()}"
    return record


def serialise(record: Any, rng: random.Random) -> bytes:
    line = json.dumps(record, ensure_ascii=rng.random() < 0.3).encode()
    action = rng.randrange(10)
    if action == 0 and line.endswith(b"}"):
        line = line[:-1] + b', "messages": 1E2}'  # a duplicate key, an odd number
    elif action == 1:
        line += b"\r"
    elif action == 2 and line:
        position = rng.randrange(len(line))
        line = line[:position] + bytes([rng.randrange(256)]) + line[position + 1 :]
    elif action == 3:
        line = line[: rng.randrange(len(line) + 1)]
    return line


def make_input(rng: random.Random, planter: Planter, bases: list[Any] = BASES) -> bytes:
    lines = []
    for _ in range(rng.randrange(1, 7)):
        if rng.random() < 0.15:
            lines.append(rng.choice([b"", b"   ", b"\t\r"]))
            continue
        record = rng.choice(bases)
        lines.append(
            serialise(mutate(record, rng, planter) if rng.random() < 0.85 else record, rng)
        )
    data = b"\n".join(lines) + (b"\n" if rng.random() < 0.8 else b"")
    return (b"\xef\xbb\xbf" if rng.random() < 0.1 else b"") + data


def run(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(list(argv))
        except SystemExit as exit:  # argparse
            status = exit.code if isinstance(exit.code, int) else 2
    return status, out.getvalue() + err.getvalue()


def _drop_empty_system(value: Any) -> Any:
    """What SC006's fix makes of a record (empty system messages removed)."""

    def empty_system(item: Any) -> bool:
        content = item.get("content") if isinstance(item, dict) else None
        return (
            isinstance(item, dict)
            and item.get("role") == "system"
            and isinstance(content, str)
            and not content.strip()
        )

    value = copy.deepcopy(value)
    holders: list[tuple[Any, Any]] = [(value, "messages")]
    if isinstance(value, dict) and isinstance(value.get("input"), dict):
        holders.append((value["input"], "messages"))
    holders += [(value, "preferred_output"), (value, "non_preferred_output")]
    for holder, key in holders:
        if isinstance(holder, dict) and isinstance(holder.get(key), list):
            holder[key] = [item for item in holder[key] if not empty_system(item)]
    return value


def _same_record(old: bytes, new: bytes) -> bool:
    if old == new:
        return True
    try:
        before, after = orjson.loads(old.removeprefix(b"\xef\xbb\xbf")), orjson.loads(new)
    except orjson.JSONDecodeError:
        return old.removeprefix(b"\xef\xbb\xbf").rstrip(b"\r") == new
    # CT005 strips texts, SC006 drops empty system messages: nothing else may change.
    return after == before or _drop_empty_system(_stripped(after)) == _drop_empty_system(
        _stripped(before)
    )


def _stripped(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list):
        return [_stripped(item) for item in value]
    if isinstance(value, dict):
        return {key: _stripped(item) for key, item in value.items()}
    return value


def _lines(data: bytes) -> list[bytes]:
    lines = data.split(b"\n")
    return lines[:-1] if lines[-1] == b"" else lines


def assert_fix_kept_records(before: bytes, after: bytes) -> None:
    """Fixed lines hold the same record, or that record with its fix; only blank lines go."""
    old_lines, new_lines = _lines(before), _lines(after)
    position = 0
    for old in old_lines:
        if position < len(new_lines) and _same_record(old, new_lines[position]):
            position += 1
        else:
            assert not old.removeprefix(b"\xef\xbb\xbf").strip(), (old, before, after)
    assert position == len(new_lines), (before, after)


Check = Callable[[int, str], None]


@pytest.fixture
def fuzz_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``tmp_path``, made the working folder, with no API key in the environment: only
    the planted keys can show in an output."""
    monkeypatch.chdir(tmp_path)
    for name in [name for name in os.environ if name.endswith("API_KEY")]:
        monkeypatch.delenv(name)
    return tmp_path


def run_keeping_promises(allowed: set[int], argv: tuple[str, ...], planter: Planter) -> str:
    """The output of the command line ``argv``, which must end with a status in ``allowed``,
    without a traceback or an internal error, and show no planted key whole."""
    status, output = run(*argv)
    assert status in allowed, (argv, status, output[-3000:])
    assert "Traceback" not in output and "internal error" not in output, (argv, output)
    leaked = [line for line in output.splitlines() if planter.leaked_in(line)]
    assert not leaked, (argv, leaked)
    return output


def test_fuzz_every_promise(fuzz_folder: Path) -> None:
    rng = random.Random(SEED)
    planter = Planter(rng)
    runs = 0

    def checked(allowed: set[int], *argv: str) -> str:
        nonlocal runs
        runs += 1
        return run_keeping_promises(allowed, argv, planter)

    for number in range(INPUTS):
        path = fuzz_folder / f"in{number}.jsonl"
        data = make_input(rng, planter)
        path.write_bytes(data)
        select = rng.choice([[], ["--select", "ALL"]])
        for output_format in ("text", "json", "github", "sarif", "junit"):
            checked({0, 1}, "check", str(path), "--output-format", output_format, *select)
        checked({0, 1}, "check", str(path), "--diff", "--select", "ALL")
        assert path.read_bytes() == data
        checked({0, 1, 2}, "check", str(path), "--fix", "--select", "ALL", "--no-cache")
        assert_fix_kept_records(data, path.read_bytes())
        checked({0, 1, 2}, "stats", str(path))  # 1: no record could be counted
        source_format = rng.choice(["prompt-completion", "sharegpt", "alpaca", "squad", "csv"])
        checked({0, 1, 2}, "convert", str(path), "--from", source_format, "-o", "out.jsonl")
        if number % 3 == 0:  # the converters' own formats, mutated
            kind = rng.choice(sorted(CONVERT_BASES))
            source = fuzz_folder / f"in{number}.{kind}.json"
            mutated = mutate(CONVERT_BASES[kind], rng, planter)
            source.write_bytes(json.dumps(mutated).encode())
            checked({0, 1, 2}, "convert", str(source), "--from", kind, "-o", "c.jsonl", "--check")
    print(f"fuzz: {INPUTS} inputs, {runs} runs, {len(planter.planted)} keys planted")


TARGET_RECORDS = Path(__file__).parent / "data" / "targets" / "valid"
"""A valid file for each built-in target, in its own dialect (``README.md`` there)."""
CONVERSIONS = [
    ("--from", source, "--to", dialect)
    for source in ("openai", "vertex", "bedrock", "llamafactory", "sharegpt", "json-array")
    for dialect in ("openai", "vertex", "bedrock")
]
"""``convert`` between the dialects: from each that reads JSONL records, to each it writes."""


def test_fuzz_every_target(fuzz_folder: Path) -> None:
    """Each built-in target's own dialect (Vertex, Bedrock, ShareGPT, LLaMA-Factory, TRL ...),
    mutated, through ``check --target`` with every rule and through ``stats --target``;
    records of the other dialects are mixed in, as the layout rules meet them in real
    folders. The same promises as above: no traceback, no internal error, no key shown."""
    rng = random.Random(SEED)
    planter = Planter(rng)
    dialects = {
        path.stem: [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        for path in sorted(TARGET_RECORDS.glob("*.jsonl"))
    }
    every_record = [record for records in dialects.values() for record in records]
    for number in range(INPUTS):
        target = sorted(dialects)[number % len(dialects)]
        path = fuzz_folder / f"in{number}.jsonl"
        path.write_bytes(make_input(rng, planter, dialects[target] * 4 + every_record))
        for allowed, argv in (
            ({0, 1}, ("check", str(path), "--target", target, "--select", "ALL", "--no-cache")),
            ({0, 1}, ("check", str(path), "--target", target, "--output-format", "json")),
            ({0, 1, 2}, ("stats", str(path), "--target", target)),  # 1: nothing to count
            ({0, 1, 2}, ("convert", str(path), *rng.choice(CONVERSIONS), "-o", "out.jsonl")),
        ):
            run_keeping_promises(allowed, argv, planter)


@pytest.mark.parametrize("target", sorted(path.stem for path in TARGET_RECORDS.glob("*.jsonl")))
def test_any_value_of_a_dialect_may_be_a_list_or_an_object(target: str, fuzz_folder: Path) -> None:
    """Every value of every valid record of ``target``'s dialect replaced, one at a time,
    by a list and by an object (unhashable, so never a role's name, a key of a table
    or a member of a set): each a finding at most, in ``check``, ``stats`` and ``convert``."""
    path = fuzz_folder / "replaced.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for line in (TARGET_RECORDS / f"{target}.jsonl").read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            for where in nodes(record)[1:]:
                for replacement in ([], {}, [["user"]], {"role": "user"}):
                    changed = copy.deepcopy(record)
                    parent_of(changed, where)[where[-1]] = replacement
                    out.write(json.dumps(changed) + "\n")
    for allowed, argv in (
        ({0, 1}, ("check", str(path), "--target", target, "--select", "ALL", "--no-cache")),
        ({0, 1, 2}, ("stats", str(path), "--target", target)),
        ({0, 1, 2}, ("convert", str(path), "--from", "openai", "--to", "vertex", "-o", "v.jsonl")),
        ({0, 1, 2}, ("convert", str(path), "--from", "openai", "--to", "bedrock", "-o", "b.jsonl")),
    ):
        run_keeping_promises(allowed, argv, Planter(random.Random(SEED)))  # nothing planted
