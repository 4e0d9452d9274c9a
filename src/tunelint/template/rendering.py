"""Render a chat template in the environment transformers gives it.

A sandbox that cannot change its inputs, ``trim_blocks`` and ``lstrip_blocks``, loop
controls, a ``tojson`` that keeps non-ASCII text (and takes ``indent``, ``separators``,
``sort_keys``), ``raise_exception`` and ``strftime_now``, and the
``{% generation %}…{% endgeneration %}`` block that marks the assistant's tokens for
``return_assistant_tokens_mask``. As in transformers, a template with such blocks is
rendered chunk by chunk, and each block notes where it starts in the text given out so
far: one rendering gives the text and the blocks' character spans.
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

_GENERATION_TAG = re.compile(r"{%-?\s*generation\s*-?%}")

Span = tuple[int, int]


class TemplateFailure(Exception):
    """The template raised while rendering a record: its own message, as the trainer shows it."""


class _Tracker:
    """The text given out so far in one rendering, and the generation blocks' spans."""

    def __init__(self) -> None:
        self.length = 0
        self.spans: list[Span] = []


class _GenerationBlocks(Extension):
    tags = {"generation"}  # noqa: RUF012  (jinja2's own declaration style)

    def __init__(self, environment: jinja2.Environment) -> None:
        super().__init__(environment)
        self.tracker: _Tracker | None = None

    def parse(self, parser: Parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        return nodes.CallBlock(self.call_method("_mark"), [], [], body).set_lineno(lineno)

    def _mark(self, caller: Any) -> str:
        body: str = caller()
        if self.tracker is not None:  # the block's text is given out next, in one chunk
            self.tracker.spans.append((self.tracker.length, self.tracker.length + len(body)))
        return body


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
        environment = _environment()
        try:
            self.template = environment.from_string(source)
        except jinja2.TemplateSyntaxError as error:
            raise ConfigError(f"the chat template does not compile: {error}") from None
        self.source = source
        self.variables = dict(variables)
        self.has_generation = _GENERATION_TAG.search(source) is not None
        self.blocks = next(
            ext for ext in environment.extensions.values() if isinstance(ext, _GenerationBlocks)
        )

    def render(
        self,
        messages: Sequence[Any],
        tools: Any = None,
        add_generation_prompt: bool = False,
        extra: Mapping[str, Any] | None = None,
    ) -> Rendering:
        """Raises ``TemplateFailure`` with the template's error when it fails."""
        context = {
            **self.variables,
            **(extra or {}),
            "messages": messages,
            "tools": tools,
            "documents": None,
            "add_generation_prompt": add_generation_prompt,
        }
        tracker = _Tracker() if self.has_generation else None
        self.blocks.tracker = tracker
        try:
            if tracker is None:
                return Rendering(self.template.render(context), ())
            pieces = []
            for piece in self.template.generate(context):
                tracker.length += len(piece)
                pieces.append(piece)
            return Rendering("".join(pieces), tuple(tracker.spans))
        except TemplateFailure:
            raise
        except RecursionError:
            raise TemplateFailure("the template recursed too deeply") from None
        except Exception as error:  # a template may raise anything Python can
            raise TemplateFailure(_describe(error)) from None
        finally:
            self.blocks.tracker = None


def _describe(error: Exception) -> str:
    text = str(error)
    if isinstance(error, jinja2.TemplateError):
        return text or type(error).__name__
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
