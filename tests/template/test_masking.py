"""Which tokens each loss mode trains, on the tiny tokenizers' templates."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tunelint.engine.template_settings import TemplateSettings
from tunelint.template.analysis import Analysis, Analyzer

Tokenizer = Callable[[str], Path]

TWO_TURNS = {
    "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "2+2?"},
        {"role": "assistant", "content": "4"},
        {"role": "user", "content": "3+3?"},
        {"role": "assistant", "content": "6"},
    ]
}


def analyze(tokenizer: Tokenizer, family: str, record: dict[str, Any], **options: Any) -> Analysis:
    analyzer = Analyzer(TemplateSettings(tokenizer=str(tokenizer(family)), **options))
    analysis = analyzer.analyze(record)
    assert analysis is not None and analysis.failure is None, analysis
    return analysis


def trained_text(analysis: Analysis) -> list[str]:
    turns = analysis.turns if analysis.train_all else analysis.trained_turns
    return [analysis.text[turn.start : turn.end] for turn in turns]


def test_assistant_turns_by_prefix_rendering(tokenizer: Tokenizer) -> None:
    analysis = analyze(tokenizer, "chatml", TWO_TURNS)
    assert trained_text(analysis) == ["4<|im_end|>\n", "6<|im_end|>\n"]
    assert [turn.message for turn in analysis.trained_turns] == [2, 4]
    assert analysis.trained_count == 6  # '4', '<|im_end|>', '\n' twice


def test_llama3_turns_include_the_end_of_turn_token(tokenizer: Tokenizer) -> None:
    analysis = analyze(tokenizer, "llama3", TWO_TURNS)
    assert trained_text(analysis) == ["4<|eot_id|>", "6<|eot_id|>"]


def test_generation_blocks_decide_the_turns(tokenizer: Tokenizer) -> None:
    for loss in ("assistant-turns", "assistant-only"):
        analysis = analyze(tokenizer, "chatml-generation", TWO_TURNS, loss=loss)
        assert trained_text(analysis) == ["4<|im_end|>", "6<|im_end|>"]


def test_last_turn_completion_only_and_all(tokenizer: Tokenizer) -> None:
    last = analyze(tokenizer, "chatml", TWO_TURNS, loss="last-turn")
    assert trained_text(last) == ["6<|im_end|>\n"]
    completion = analyze(tokenizer, "chatml", TWO_TURNS, loss="completion-only")
    assert trained_text(completion) == ["6<|im_end|>\n"]
    everything = analyze(tokenizer, "chatml", TWO_TURNS, loss="all")
    assert everything.trained_count == len(everything.ids)


def test_qwen3_turn_whose_reasoning_is_dropped_later(tokenizer: Tokenizer) -> None:
    """The first answer renders with its reasoning when it is the last message, without
    it once a user turn follows: its span in the full rendering is the answer alone."""
    record = {
        "messages": [
            {"role": "user", "content": "2+2?"},
            {"role": "assistant", "content": "<think>\nAdd.\n</think>\n\n4"},
            {"role": "user", "content": "3+3?"},
            {"role": "assistant", "content": "<think>\nAdd again.\n</think>\n\n6"},
        ]
    }
    analysis = analyze(tokenizer, "qwen3", record)
    assert trained_text(analysis) == [
        "4<|im_end|>\n",
        "<think>\nAdd again.\n</think>\n\n6<|im_end|>\n",
    ]


def test_prompt_completion_records(tokenizer: Tokenizer) -> None:
    text = analyze(tokenizer, "chatml", {"prompt": "Q: Paris?\nA:", "completion": " Yes"})
    assert trained_text(text) == [" Yes<|im_end|>"]  # TRL appends the EOS token
    conversational = {
        "prompt": [{"role": "user", "content": "Hi"}],
        "completion": [{"role": "assistant", "content": "Hello"}],
    }
    chat = analyze(tokenizer, "chatml", conversational, loss="completion-only")
    assert trained_text(chat) == ["Hello<|im_end|>\n"]


def test_template_kwargs_from_settings_and_record(tokenizer: Tokenizer, tmp_path: Path) -> None:
    template = tmp_path / "thinking.jinja"
    template.write_text(
        "{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}"
        "{% if enable_thinking is defined and not enable_thinking %}(no thinking){% endif %}",
        encoding="utf-8",
    )
    record: dict[str, Any] = {"messages": [{"role": "user", "content": "Hi"}]}
    options = {"chat_template": str(template), "loss": "all"}
    assert "(no thinking)" not in analyze(tokenizer, "chatml", record, **options).text
    off = analyze(tokenizer, "chatml", record, kwargs={"enable_thinking": False}, **options)
    assert off.text.endswith("(no thinking)")
    record["chat_template_kwargs"] = {"enable_thinking": False}
    assert analyze(tokenizer, "chatml", record, **options).text.endswith("(no thinking)")


def test_tool_use_template_for_records_with_tools(tokenizer: Tokenizer, tmp_path: Path) -> None:
    folder = tmp_path / "named"
    folder.mkdir()
    (folder / "tokenizer.json").write_bytes((tokenizer("chatml") / "tokenizer.json").read_bytes())
    (folder / "additional_chat_templates").mkdir()
    (folder / "chat_template.jinja").write_text("plain", encoding="utf-8")
    (folder / "additional_chat_templates" / "tool_use.jinja").write_text("tools", encoding="utf-8")
    analyzer = Analyzer(TemplateSettings(tokenizer=str(folder), loss="all"))
    plain = analyzer.analyze({"messages": [{"role": "user", "content": "Hi"}]})
    with_tools = analyzer.analyze({"messages": [{"role": "user", "content": "Hi"}], "tools": []})
    assert plain is not None and with_tools is not None
    assert (plain.text, with_tools.text) == ("plain", "tools")


def test_turn_shape_is_learned_for_regular_templates_only(tokenizer: Tokenizer) -> None:
    """Templates that wrap every answer alike are rendered once per record; a Qwen3-style
    template, which renders the last answer differently, by prefixes."""
    from tunelint.template.masking import TurnShape

    for family, usable in [("chatml", True), ("llama3", True), ("gemma", True), ("qwen3", False)]:
        analyzer = Analyzer(TemplateSettings(tokenizer=str(tokenizer(family))))
        shape = TurnShape(analyzer.template(False))
        assert shape.usable is usable, family
    analyzer = Analyzer(TemplateSettings(tokenizer=str(tokenizer("chatml"))))
    text = analyzer.template(False).render(TWO_TURNS["messages"]).text
    found = TurnShape(analyzer.template(False)).find(TWO_TURNS["messages"], text, [2, 4])
    assert found is not None
    assert [text[turn.start : turn.end] for turn in found] == ["4<|im_end|>\n", "6<|im_end|>\n"]
