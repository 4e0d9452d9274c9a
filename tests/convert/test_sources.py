"""Each source format, converted from small files written here and read back record by record."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tunelint.convert import FORMATS
from tunelint.convert.base import Columns, InputError, Options
from tunelint.convert.run import SOURCES, convert_file
from tunelint.convert.summary import Summary


def chat(user: str, assistant: str, system: str | None = None) -> dict[str, Any]:
    messages = [{"role": "system", "content": system}] if system else []
    messages += [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]
    return {"messages": messages}


def read_jsonl(path: Path) -> list[Any]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def convert(
    source_format: str, source: Path, options: Options | None = None, system: str | None = None
) -> tuple[list[Any], Summary]:
    output = source.with_name("out.jsonl")
    summary = convert_file(source_format, source, output, options or Options(), system)
    return read_jsonl(output), summary


def squad(*paragraphs: tuple[str, list[dict[str, Any]]]) -> dict[str, Any]:
    return {
        "version": "KorQuAD_v1.0_dev",
        "data": [
            {
                "title": "임종석",
                "paragraphs": [{"context": context, "qas": qas} for context, qas in paragraphs],
            }
        ],
    }


def qa(question: str, *answers: str, impossible: bool | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": question,
        "question": question,
        "answers": [{"text": answer, "answer_start": 0} for answer in answers],
    }
    if impossible is not None:
        entry["is_impossible"] = impossible
    return entry


CONTEXT = "임종석은 1989년 2월 15일 여의도 농민 폭력 시위를 주도한 혐의로 지명수배되었다."
KORQUAD = squad(
    (
        CONTEXT,
        [
            qa("임종석이 지명수배 된 날은?", "1989년 2월 15일", "2월 15일"),
            qa("지명수배된 연도는?", "1989년"),
            qa("평양축전에 파견된 인물은?", impossible=True),
        ],
    ),
    (
        "임수경은 1989년 6월 30일 평양축전에 대표로 파견되었다.",
        [qa("지명수배된 연도는?", "1990년"), qa("지명수배된 연도는?", "1989년")],
    ),
)


def test_every_format_has_a_source() -> None:
    assert set(SOURCES) == set(FORMATS)


def test_squad_keeps_repeated_questions_and_counts_unanswerable(tmp_path: Path) -> None:
    source = tmp_path / "KorQuAD_v1.0_dev.json"
    source.write_text(json.dumps(KORQUAD, ensure_ascii=False), encoding="utf-8")
    records, summary = convert("squad", source)
    assert records == [
        chat("임종석이 지명수배 된 날은?", "1989년 2월 15일"),
        chat("지명수배된 연도는?", "1989년"),
        chat("지명수배된 연도는?", "1990년"),
        chat("지명수배된 연도는?", "1989년"),
    ]
    assert (summary.read, summary.skipped) == (5, {"unanswerable question": 1})
    assert summary.noted == {
        "question asked again with a different answer (both kept)": 1,
        "question asked again with the same answer (both kept)": 1,
    }
    rendered = summary.render()
    assert f"1 skipped: unanswerable question (first: {source}: data[0].paragraphs[0].qas[2])" in (
        rendered
    )
    assert f"(first: {source}: data[0].paragraphs[1].qas[0])" in rendered
    # Korean is written as it is, not as \\uXXXX escapes.
    assert "지명수배" in (tmp_path / "out.jsonl").read_text(encoding="utf-8")


def test_squad_with_context_and_system(tmp_path: Path) -> None:
    source = tmp_path / "squad.json"
    source.write_text(json.dumps(KORQUAD), encoding="utf-8")
    records, summary = convert("squad", source, Options(with_context=True), system="짧게 답하라.")
    assert records[0] == chat(
        f"{CONTEXT}\n\n임종석이 지명수배 된 날은?", "1989년 2월 15일", "짧게 답하라."
    )
    assert [len(record["messages"]) for record in records] == [3, 3, 3, 3]
    # with its paragraph, a question repeated in another paragraph is another question:
    # only the repeat inside the second paragraph is noted
    assert summary.noted == {"question asked again with a different answer (both kept)": 1}
    assert f"(first: {source}: data[0].paragraphs[1].qas[1])" in summary.render()


def test_squad_v2_impossible_with_answers_is_still_skipped(tmp_path: Path) -> None:
    source = tmp_path / "v2.json"
    document = squad(("ctx", [qa("q?", "a", impossible=True), qa("r?", "b", impossible=False)]))
    source.write_text(json.dumps(document), encoding="utf-8")
    records, summary = convert("squad", source)
    assert records == [chat("r?", "b")]
    assert summary.skipped == {"unanswerable question": 1}


def test_empty_system_message_is_never_written(tmp_path: Path) -> None:
    source = tmp_path / "a.jsonl"
    lines = [{"instruction": "Hi", "output": "Hello", "system": "  "}]
    source.write_text("\n".join(map(json.dumps, lines)), encoding="utf-8")
    assert convert("alpaca", source, system="")[0] == [chat("Hi", "Hello")]


def test_alpaca_json_array_with_input_history_and_skips(tmp_path: Path) -> None:
    source = tmp_path / "alpaca.json"
    source.write_text(
        json.dumps(
            [
                {"instruction": "번역하세요.", "input": "Good morning", "output": "좋은 아침"},
                {"instruction": "Add.", "input": "", "output": "2", "system": "Be terse."},
                {"instruction": "And now?", "output": "4", "history": [["2+2?", "4"]]},
                {"instruction": "Empty answer", "input": "", "output": " "},
            ],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    records, summary = convert("alpaca", source)
    assert records == [
        chat("번역하세요.\n\nGood morning", "좋은 아침"),
        chat("Add.", "2", "Be terse."),
        {
            "messages": [
                {"role": "user", "content": "2+2?"},
                {"role": "assistant", "content": "4"},
                {"role": "user", "content": "And now?"},
                {"role": "assistant", "content": "4"},
            ]
        },
    ]
    assert summary.read == 4
    assert summary.skipped == {"empty instruction, output or history turn": 1}
    assert f"(first: {source}: [3])" in summary.render()


def test_alpaca_jsonl_is_located_by_line(tmp_path: Path) -> None:
    source = tmp_path / "alpaca.jsonl"
    source.write_text(
        '{"instruction": "a", "output": "b"}\n\n{"instruction": "c", "output": ""}\n',
        encoding="utf-8",
    )
    records, summary = convert("alpaca", source)
    assert records == [chat("a", "b")]
    assert f"(first: {source}:3)" in summary.render()


def test_sharegpt_roles_tool_calls_and_unknown_speakers(tmp_path: Path) -> None:
    source = tmp_path / "sharegpt.jsonl"
    call = {"name": "weather", "arguments": {"city": "서울"}}
    tools = [{"name": "weather", "parameters": {"type": "object", "properties": {}}}]
    records = [
        {
            "conversations": [
                {"from": "system", "value": "You forecast."},
                {"from": "human", "value": "서울 날씨는?"},
                {"from": "function_call", "value": json.dumps(call, ensure_ascii=False)},
                {"from": "observation", "value": '{"sky": "맑음"}'},
                {"from": "gpt", "value": "맑아요."},
            ],
            "tools": json.dumps(tools),
        },
        {"conversations": [{"from": "human", "value": "Hi"}, {"from": "bing", "value": "Hey"}]},
        {"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hey"}]},
        {"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": " "}]},
        {"conversations": [{"from": "observation", "value": "x"}, {"from": "gpt", "value": "y"}]},
    ]
    source.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), "utf-8")
    converted, summary = convert("sharegpt", source)
    assert converted == [
        {
            "messages": [
                {"role": "system", "content": "You forecast."},
                {"role": "user", "content": "서울 날씨는?"},
                {
                    "role": "assistant",
                    "tool_calls": [
                        {
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "weather", "arguments": '{"city":"서울"}'},
                        }
                    ],
                },
                {"role": "tool", "tool_call_id": "call_1", "content": '{"sky": "맑음"}'},
                {"role": "assistant", "content": "맑아요."},
            ],
            "tools": [{"type": "function", "function": tools[0]}],
        },
        chat("Hi", "Hey"),
    ]
    assert summary.skipped == {
        "unknown speaker 'bing'": 1,
        "empty 'gpt' turn": 1,
        "observation without a function call before it": 1,
    }
    assert f"1 skipped: unknown speaker 'bing' (first: {source}:2)" in summary.render()


def test_sharegpt_parallel_calls_are_answered_in_order(tmp_path: Path) -> None:
    source = tmp_path / "sharegpt.json"
    calls = [{"name": "a", "arguments": "{}"}, {"name": "b", "arguments": {"x": 1}}]
    turns = [
        {"from": "human", "value": "both"},
        {"from": "function_call", "value": json.dumps(calls)},
        {"from": "observation", "value": "A"},
        {"from": "observation", "value": "B"},
        {"from": "gpt", "value": "done"},
    ]
    source.write_text(json.dumps([{"conversations": turns, "system": "sys"}]), "utf-8")
    [record], _ = convert("sharegpt", source)
    messages = record["messages"]
    assert messages[0] == {"role": "system", "content": "sys"}
    assert [call["id"] for call in messages[2]["tool_calls"]] == ["call_1", "call_2"]
    assert messages[2]["tool_calls"][1]["function"] == {"name": "b", "arguments": '{"x":1}'}
    assert [m.get("tool_call_id") for m in messages[3:5]] == ["call_1", "call_2"]


def test_sharegpt_function_call_that_is_not_json_is_skipped(tmp_path: Path) -> None:
    source = tmp_path / "s.jsonl"
    turns = [{"from": "human", "value": "x"}, {"from": "function_call", "value": "weather()"}]
    source.write_text(json.dumps({"conversations": turns}), "utf-8")
    assert convert("sharegpt", source)[1].skipped == {"function_call value is not JSON": 1}


def test_prompt_completion_strips_legacy_whitespace(tmp_path: Path) -> None:
    source = tmp_path / "legacy.jsonl"
    lines = [
        {"prompt": "한국의 수도는?\n\n###\n\n", "completion": " 서울"},
        {"prompt": "x", "completion": ""},
    ]
    source.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    records, summary = convert("prompt-completion", source)
    assert records == [chat("한국의 수도는?\n\n###", "서울")]
    assert summary.skipped == {"empty prompt or completion": 1}


def test_csv_columns_multiline_cells_and_bom(tmp_path: Path) -> None:
    source = tmp_path / "qa.csv"
    source.write_text(
        '\ufeffid,질문,답,sys\n1,"두 줄\n질문",답변,Be kind.\n2,빈 답,,\n3,q,a,\n',
        encoding="utf-8",
    )
    options = Options(columns=Columns("질문", "답", "sys"))
    records, summary = convert("csv", source, options)
    assert records == [chat("두 줄\n질문", "답변", "Be kind."), chat("q", "a")]
    assert summary.skipped == {"empty user or assistant cell": 1}
    assert f"(first: {source}:4)" in summary.render()  # row 2 starts on line 4


def test_tsv_default_columns(tmp_path: Path) -> None:
    source = tmp_path / "qa.tsv"
    source.write_text("user\tassistant\nHi, there\tHello\n", encoding="utf-8")
    assert convert("csv", source)[0] == [chat("Hi, there", "Hello")]


@pytest.mark.parametrize(
    ("source_format", "name", "content", "error"),
    [
        ("squad", "s.json", '{"data": [}', "{path}:1:11: not JSON: "),
        ("squad", "s.json", '{"data": {}}', "{path}: 'data' must be an array (got object)"),
        (
            "squad",
            "s.json",
            '{"data": [{"paragraphs": [{"qas": [{"answers": []}]}]}]}',
            "{path}: data[0].paragraphs[0].qas[0]: 'question' is missing",
        ),
        ("alpaca", "a.jsonl", '{"instruction": "a", "output": "b"}\n{"instruction": 1}', None),
        ("alpaca", "a.json", '[{"instruction": "a"}]', "{path}: [0]: 'output' is missing"),
        ("sharegpt", "g.jsonl", '{"conversations": [{"from": "human"}]}', None),
        (
            "prompt-completion",
            "p.jsonl",
            '{"prompt": "x", "completion": "y"}\n{"prompt": "y", oops}',
            None,
        ),
        ("csv", "c.csv", "question,answer\nq,a\n", None),
        ("csv", "c.csv", "user,assistant\nq,a,extra\n", "{path}:2: 3 cells, the header has 2"),
    ],
)
def test_layout_errors_name_the_place(
    tmp_path: Path, source_format: str, name: str, content: str, error: str | None
) -> None:
    source = tmp_path / name
    source.write_text(content, encoding="utf-8")
    expected = {
        "a.jsonl": "{path}:2: 'instruction' must be a string (got number)",
        "g.jsonl": "{path}:1: conversations[0]: 'value' is missing",
        "p.jsonl": "{path}:2: not JSON: unexpected character, expected a string key at column 17",
        "c.csv": "{path}:1: no column 'user', 'assistant' in the header ('question', 'answer')",
    }
    message = (error or expected[name]).format(path=source)
    with pytest.raises(InputError) as raised:
        convert(source_format, source)
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)
    assert list(tmp_path.iterdir()) == [source]  # no output, no temporary file left


def test_system_option_keeps_an_examples_own_system_message(tmp_path: Path) -> None:
    source = tmp_path / "g.jsonl"
    turns = [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hey"}]
    lines = [{"conversations": turns, "system": "Own."}, {"conversations": turns}]
    source.write_text("\n".join(map(json.dumps, lines)), encoding="utf-8")
    records, summary = convert("sharegpt", source, system="Default.")
    assert records == [chat("Hi", "Hey", "Own."), chat("Hi", "Hey", "Default.")]
    assert summary.noted == {"kept the example's own system message instead of --system": 1}


def test_sharegpt_without_conversations_names_the_record(tmp_path: Path) -> None:
    source = tmp_path / "g.json"
    source.write_text('[{"messages": []}]', encoding="utf-8")
    with pytest.raises(InputError, match=r"g\.json: \[0\]: 'conversations' is missing$"):
        convert("sharegpt", source)


def test_invalid_utf8_in_jsonl_names_the_line(tmp_path: Path) -> None:
    source = tmp_path / "p.jsonl"
    source.write_bytes(b'{"prompt": "a", "completion": "b"}\n{"prompt": "\xff"}\n')
    with pytest.raises(InputError, match=r"p\.jsonl:2: invalid UTF-8 byte 0xff at byte 13$"):
        convert("prompt-completion", source)


def test_invalid_utf8_in_a_json_document(tmp_path: Path) -> None:
    source = tmp_path / "s.json"
    source.write_bytes(b'{"data": ["\xff"]}')
    with pytest.raises(InputError, match=r"s\.json: not UTF-8 \(invalid byte at offset 11\)$"):
        convert("squad", source)


def test_csv_cells_longer_than_the_csv_modules_default_limit(tmp_path: Path) -> None:
    import csv

    source = tmp_path / "long.csv"
    source.write_text(f"user,assistant\n{'문' * 200_000},답\n", encoding="utf-8")
    limit = csv.field_size_limit()
    records, _ = convert("csv", source)
    assert records == [chat("문" * 200_000, "답")]
    assert csv.field_size_limit() == limit  # the module-wide setting is given back


def test_csv_that_is_not_utf8(tmp_path: Path) -> None:
    source = tmp_path / "cp949.csv"
    source.write_bytes("user,assistant\n질문,답\n".encode("cp949"))
    with pytest.raises(InputError, match=r"cp949\.csv: not UTF-8 \(invalid byte 0xc1 near line"):
        convert("csv", source)
