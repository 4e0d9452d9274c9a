"""The Jinja environment chat templates expect, and the generation blocks' spans."""

from __future__ import annotations

import re

import pytest

from tunelint.engine.errors import ConfigError
from tunelint.template.rendering import ChatTemplate, TemplateFailure

HELLO = [{"role": "user", "content": "Grüße, 世界"}]


def render(source: str, messages: list[dict[str, object]] = HELLO, **extra: object) -> str:
    return ChatTemplate(source, {"bos_token": "<s>"}).render(messages, extra=extra).text


def test_tojson_keeps_non_ascii_and_takes_json_dumps_arguments() -> None:
    assert render("{{ messages[0] | tojson }}") == '{"role": "user", "content": "Grüße, 世界"}'
    assert render("{{ {'b': 1, 'a': 2} | tojson(indent=2, sort_keys=True) }}") == (
        '{\n  "a": 2,\n  "b": 1\n}'
    )
    assert render("{{ {'a': 1} | tojson(separators=(',', ':')) }}") == '{"a":1}'


def test_trim_and_lstrip_blocks_loop_controls_and_special_tokens() -> None:
    source = (
        "{{ bos_token }}\n"
        "    {% for message in messages %}\n"
        "{% if loop.index > 1 %}{% break %}{% endif %}"
        "{{ message.role }}\n"
        "{% endfor %}"
    )
    two = [*HELLO, {"role": "assistant", "content": "x"}]
    assert render(source, two) == "<s>\nuser\n"


def test_raise_exception_is_the_templates_own_message() -> None:
    with pytest.raises(TemplateFailure, match=r"^Only user turns, please$"):
        render("{{ raise_exception('Only user turns, please') }}")


def test_strftime_now_and_kwargs_pass_through() -> None:
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", render("{{ strftime_now('%Y-%m-%d') }}"))
    assert render("{{ 'think' if enable_thinking else 'no' }}", enable_thinking=False) == "no"


def test_the_sandbox_keeps_the_record_unchanged() -> None:
    messages = [{"role": "user", "content": "Hi"}]
    with pytest.raises(TemplateFailure, match="unsafe"):
        render("{{ messages.append({'role': 'x'}) }}", messages)
    assert messages == [{"role": "user", "content": "Hi"}]
    with pytest.raises(TemplateFailure, match=r"unsafe|has no attribute"):
        render("{{ messages.__class__.__mro__ }}{{ ''.__class__.__subclasses__() }}")


def test_template_errors_are_described() -> None:
    with pytest.raises(TemplateFailure, match="'dict object' has no attribute 'missing'"):
        render("{{ messages[0].missing.deeper }}")
    with pytest.raises(TemplateFailure, match="TypeError"):
        render("{{ messages[0].content + 1 }}")


def test_a_template_that_does_not_compile_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match="does not compile"):
        ChatTemplate("{% for m in messages %}", {})


def test_generation_blocks_become_spans_of_the_text() -> None:
    source = (
        "{% for m in messages %}<{{ m.role }}>"
        "{% if m.role == 'assistant' %}{% generation %}{{ m.content }}</end>{% endgeneration %}"
        "{% else %}{{ m.content }}{% endif %}{{ '\\n' }}{% endfor %}"
    )
    messages = [
        {"role": "user", "content": "a"},
        {"role": "assistant", "content": "bb"},
        {"role": "user", "content": "c"},
        {"role": "assistant", "content": "dd"},
    ]
    rendering = ChatTemplate(source, {}).render(messages)
    assert rendering.text == "<user>a\n<assistant>bb</end>\n<user>c\n<assistant>dd</end>\n"
    assert [rendering.text[start:end] for start, end in rendering.generation] == [
        "bb</end>",
        "dd</end>",
    ]
    assert ChatTemplate(source, {}).has_generation
    assert not ChatTemplate("{{ messages }}", {}).has_generation


def test_generation_spans_hold_whatever_the_text_contains() -> None:
    source = (
        "{% for m in messages %}[{% generation %}{{ m.content }}{% endgeneration %}]{% endfor %}"
    )
    messages = [
        {"role": "assistant", "content": "\ufdd1a\ufdd0"},
        {"role": "assistant", "content": ""},
    ]
    rendering = ChatTemplate(source, {}).render(messages)
    assert rendering.text == "[\ufdd1a\ufdd0][]"
    assert rendering.generation == ((1, 4), (6, 6))
