"""Render a chat template in the environment transformers gives it.

A sandbox that cannot change its inputs, ``trim_blocks`` and ``lstrip_blocks``, loop
controls, a ``tojson`` that keeps non-ASCII text (and takes ``indent``, ``separators``,
``sort_keys``), ``raise_exception`` and ``strftime_now``, and the
``{% generation %}…{% endgeneration %}`` block that marks the assistant's tokens for
``return_assistant_tokens_mask``. Each block's text is wrapped in two noncharacters while
rendering, which are cut out again and become character spans: one rendering gives the
text and the spans.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension, loopcontrols
from jinja2.parser import Parser
from jinja2.sandbox import ImmutableSandboxedEnvironment

from tunelint.engine.errors import ConfigError

# Unicode noncharacters: never text anyone writes, so they can bracket a generation block.
_OPEN, _CLOSE = "\ufdd0", "\ufdd1"
_GENERATION_TAG = re.compile(r"{%-?\s*generation\s*-?%}")

Span = tuple[int, int]


class TemplateFailure(Exception):
    """The template raised while rendering a record: its own message, as the trainer shows it."""


class _GenerationBlocks(Extension):
    tags = {"generation"}  # noqa: RUF012  (jinja2's own declaration style)

    def parse(self, parser: Parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        return nodes.CallBlock(self.call_method("_mark"), [], [], body).set_lineno(lineno)

    def _mark(self, caller: Any) -> str:
        return f"{_OPEN}{caller()}{_CLOSE}"


def _tojson(
    value: Any,
    ensure_ascii: bool = False,
    indent: int | None = None,
    separators: tuple[str, str] | None = None,
    sort_keys: bool = False,
) -> str:
    return json.dumps(
        value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys
    )


def _raise_exception(message: str) -> None:
    raise TemplateFailure(message)


def _strftime_now(format: str) -> str:
    return datetime.now().strftime(format)


def _environment() -> ImmutableSandboxedEnvironment:
    environment = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[_GenerationBlocks, loopcontrols]
    )
    environment.filters["tojson"] = _tojson
    environment.globals["raise_exception"] = _raise_exception
    environment.globals["strftime_now"] = _strftime_now
    return environment


class Rendering(NamedTuple):
    text: str
    generation: tuple[Span, ...]
    """Character spans of ``{% generation %}`` blocks in ``text``."""


class ChatTemplate:
    """One compiled chat template and the variables every rendering of it gets."""

    def __init__(self, source: str, variables: Mapping[str, Any]) -> None:
        try:
            self.template = _environment().from_string(source)
        except jinja2.TemplateSyntaxError as error:
            raise ConfigError(f"the chat template does not compile: {error}") from None
        self.source = source
        self.variables = dict(variables)
        self.has_generation = _GENERATION_TAG.search(source) is not None

    def render(
        self,
        messages: Sequence[Any],
        tools: Any = None,
        add_generation_prompt: bool = False,
        extra: Mapping[str, Any] | None = None,
    ) -> Rendering:
        """Raises ``TemplateFailure`` with the template's error when it fails."""
        context = {**self.variables, **(extra or {})}
        try:
            text = self.template.render(
                context,
                messages=messages,
                tools=tools,
                documents=None,
                add_generation_prompt=add_generation_prompt,
            )
        except TemplateFailure:
            raise
        except RecursionError:
            raise TemplateFailure("the template recursed too deeply") from None
        except Exception as error:  # a template may raise anything Python can
            raise TemplateFailure(_describe(error)) from None
        if not self.has_generation or _OPEN not in text:
            return Rendering(text, ())
        return _cut_markers(text)


def _describe(error: Exception) -> str:
    text = str(error)
    if isinstance(error, jinja2.TemplateError):
        return text or type(error).__name__
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


_MARKER = re.compile(f"[{_OPEN}{_CLOSE}]")


def _cut_markers(text: str) -> Rendering:
    """The text without the generation brackets, and the spans they enclosed."""
    spans: list[Span] = []
    depth = opened = 0
    for removed, match in enumerate(_MARKER.finditer(text)):
        at = match.start() - removed
        if match.group() == _OPEN:
            depth += 1
            if depth == 1:
                opened = at
        elif depth:
            depth -= 1
            if depth == 0:
                spans.append((opened, at))
    return Rendering(_MARKER.sub("", text), tuple(spans))
