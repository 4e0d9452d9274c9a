"""One record as open-model training sees it: rendered, tokenized, masked and truncated.

An ``Analyzer`` is built once per process for the configured tokenizer; ``analyze`` turns
a record into an ``Analysis`` that every TM rule reads, so a record is rendered and
tokenized once however many of the rules run.
"""

from __future__ import annotations

import bisect
import copy
import dataclasses
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeGuard

from tokenizers import Encoding

from tunelint.engine.findings import JsonPath
from tunelint.engine.template_settings import TemplateSettings
from tunelint.template.loading import ModelFiles, load_model_files, pick_template
from tunelint.template.masking import (
    Turn,
    TurnShape,
    assistant_turns_by_prefix,
    common_prefix,
    completion_messages,
    turns_from_generation,
)
from tunelint.template.rendering import ChatTemplate, Rendering, TemplateFailure

# Message fields whose text a template is expected to show.
TEXT_FIELDS = ("content", "reasoning_content", "thinking")
_PROBE = ("tunelint probe question", "tunelint probe answer")


@dataclass
class ArgumentsShape:
    """A tool call whose ``arguments`` the template does not take in the shape given."""

    location: JsonPath
    message: str


@dataclass
class Analysis:
    """What training makes of one record.

    ``failure`` is the template's error when the record does not render (nothing else is
    set then); an empty ``failure`` means the failure is the tool arguments' shape, which
    ``arguments_shape`` tells.
    """

    failure: str | None = None
    text: str = ""
    ids: Sequence[int] = ()
    offsets: Sequence[tuple[int, int]] = ()
    turns: list[Turn] = field(default_factory=list)
    """The assistant turns (or the completion), trained or not."""
    trained_turns: list[Turn] = field(default_factory=list)
    train_all: bool = False
    untrained_reason: str = ""
    """Why nothing is trained, when nothing is."""
    arguments_shape: list[ArgumentsShape] = field(default_factory=list)
    prompt_tokens: Mapping[int, Sequence[int]] = field(default_factory=dict)
    """Token ids of each trained turn's prompt rendered alone, when they were checked."""

    @cached_property
    def starts(self) -> list[int]:
        return [start for start, _ in self.offsets]

    def token_range(self, turn: Turn) -> range:
        """The tokens that begin inside ``turn``'s characters."""
        return range(
            bisect.bisect_left(self.starts, turn.start), bisect.bisect_left(self.starts, turn.end)
        )

    @cached_property
    def trained_count(self) -> int:
        if self.train_all:
            return len(self.ids)
        return sum(len(self.token_range(turn)) for turn in self.trained_turns)


class Analyzer:
    """The configured tokenizer, its chat template(s) and how the trainer uses them."""

    def __init__(self, settings: TemplateSettings) -> None:
        self.settings = settings
        self.files: ModelFiles = load_model_files(settings)
        self.tokenizer = self.files.tokenizer
        self.templates: dict[bool, ChatTemplate] = {}
        self.shapes: dict[int, TurnShape] = {}
        self.special_pattern = _alternation(self.files.special_contents)
        self.max_length = settings.max_seq_len or self.files.model_max_length
        self.template(False)  # a template that is missing or does not compile fails now

    def template(self, with_tools: bool) -> ChatTemplate:
        """The template for a record with or without tools (``tool_use`` when named)."""
        found = self.templates.get(with_tools)
        if found is None:
            source = pick_template(self.files, self.settings.chat_template, with_tools)
            other = self.templates.get(not with_tools)
            found = (
                other
                if other is not None and other.source == source
                else ChatTemplate(source, {**self.files.special_tokens, **self.settings.kwargs})
            )
            self.templates[with_tools] = found
        return found

    @cached_property
    def stop_ids(self) -> frozenset[int]:
        """End-of-sequence tokens, and the special token the template closes a turn with."""
        ids = set(self.files.stop_ids)
        try:
            text = (
                self.template(False)
                .render(
                    [
                        {"role": "user", "content": _PROBE[0]},
                        {"role": "assistant", "content": _PROBE[1]},
                    ]
                )
                .text
            )
        except TemplateFailure:
            return frozenset(ids)
        after = text.find(_PROBE[1])
        if after >= 0 and self.special_pattern is not None:
            tail = text[after + len(_PROBE[1]) :]
            match = self.special_pattern.search(tail)
            if match and not tail[: match.start()].strip():
                token = self.tokenizer.token_to_id(match.group())
                if token is not None:
                    ids.add(token)
        return frozenset(ids)

    def stop_names(self) -> str:
        names = sorted(filter(None, map(self.tokenizer.id_to_token, self.stop_ids)))
        return ", ".join(names) or "none known"

    def encode(self, text: str, special: bool = False) -> Encoding:
        return self.tokenizer.encode(text, add_special_tokens=special)

    # --- records -----------------------------------------------------------------------

    def analyze(self, record: Mapping[str, Any]) -> Analysis | None:
        """The record as training sees it; ``None`` for a shape the rules leave to others."""
        messages = record.get("messages")
        if isinstance(messages, list):
            if not messages or not all(isinstance(m, dict) for m in messages):
                return None
            return self._conversation(record, messages)
        prompt, completion = record.get("prompt"), record.get("completion")
        if isinstance(prompt, str) and isinstance(completion, str):
            return self._text_pair(prompt, completion)
        if _message_list(prompt) and _message_list(completion):
            return self._conversation_pair(record, prompt, completion)
        return None

    def _extra(self, record: Mapping[str, Any]) -> dict[str, Any]:
        kwargs = record.get("chat_template_kwargs")
        return dict(kwargs) if isinstance(kwargs, dict) else {}

    def _conversation(self, record: Mapping[str, Any], messages: list[Any]) -> Analysis:
        tools = record.get("tools")
        template = self.template(tools is not None)
        extra = self._extra(record)
        try:
            rendering = template.render(messages, tools, False, extra)
        except TemplateFailure as failure:
            return self._failed(template, messages, tools, extra, str(failure))
        analysis = self._tokenized(rendering.text)
        analysis.arguments_shape = self._arguments_shape(
            template, messages, rendering.text, tools, extra
        )
        assistants = [i for i, m in enumerate(messages) if m.get("role") == "assistant"]
        mode = self.settings.loss
        try:
            analysis.turns = self._turns(template, messages, rendering, tools, extra, assistants)
        except TemplateFailure as failure:  # a prefix of the conversation does not render
            analysis.turns = []
            analysis.untrained_reason = f"a prefix of the conversation fails to render: {failure}"
        analysis.train_all = mode == "all"
        if mode == "assistant-only":
            analysis.trained_turns = list(turns_from_generation(rendering, assistants))
            if not template.has_generation:
                analysis.untrained_reason = (
                    "the chat template has no {% generation %} blocks, so assistant-only "
                    "loss (TRL's assistant_only_loss) trains no token"
                )
        elif mode == "last-turn":
            analysis.trained_turns = analysis.turns[-1:]
        elif mode == "completion-only":
            wanted = set(completion_messages(messages))
            analysis.trained_turns = [t for t in analysis.turns if t.message in wanted]
        else:
            analysis.trained_turns = list(analysis.turns)
        if not assistants and not analysis.untrained_reason:
            roles = ", ".join(dict.fromkeys(str(m.get("role")) for m in messages))
            analysis.untrained_reason = f"no message has the role assistant (roles: {roles})"
        elif not analysis.untrained_reason:
            analysis.untrained_reason = "the assistant turns render as no token"
        return analysis

    def _turns(
        self,
        template: ChatTemplate,
        messages: list[Any],
        rendering: Rendering,
        tools: Any,
        extra: dict[str, Any],
        assistants: list[int],
    ) -> list[Turn]:
        if template.has_generation:
            return turns_from_generation(rendering, assistants)
        wanted = assistants
        if self.settings.loss == "last-turn":
            wanted = assistants[-1:]
        elif self.settings.loss == "completion-only":
            wanted = completion_messages(messages)
        if tools is None and not extra:
            shape = self.shapes.get(id(template))
            if shape is None:
                shape = self.shapes[id(template)] = TurnShape(template)
            found = shape.find(messages, rendering.text, wanted)
            if found is not None:
                return found
        return assistant_turns_by_prefix(template, messages, rendering.text, tools, extra, wanted)

    def _conversation_pair(
        self, record: Mapping[str, Any], prompt: list[Any], completion: list[Any]
    ) -> Analysis:
        """TRL's conversational prompt-completion: the prompt with the generation prompt,
        the completion being what the full rendering adds to it."""
        tools = record.get("tools")
        template = self.template(tools is not None)
        extra = self._extra(record)
        messages = [*prompt, *completion]
        try:
            prompt_text = template.render(prompt, tools, True, extra).text
            full = template.render(messages, tools, False, extra)
        except TemplateFailure as failure:
            return self._failed(template, messages, tools, extra, str(failure))
        analysis = self._tokenized(full.text)
        analysis.arguments_shape = self._arguments_shape(
            template, messages, full.text, tools, extra
        )
        turn = Turn(None, common_prefix(prompt_text, full.text), len(full.text), prompt_text)
        analysis.turns = [turn]
        analysis.train_all = self.settings.loss == "all"
        analysis.trained_turns = [turn]
        analysis.untrained_reason = "the completion renders as no token"
        return analysis

    def _text_pair(self, prompt: str, completion: str) -> Analysis:
        """TRL's plain prompt-completion: the tokenizer's own special tokens added, and the
        EOS token appended to the completion when it does not end with it."""
        eos = self.files.special_tokens.get("eos_token")
        if eos and not completion.endswith(eos):
            completion += eos
        text = prompt + completion
        encoding = self.encode(text, special=True)
        analysis = Analysis(text=text, ids=encoding.ids, offsets=encoding.offsets)
        turn = Turn(None, len(prompt), len(text), prompt)
        analysis.turns = analysis.trained_turns = [turn]
        analysis.train_all = self.settings.loss == "all"
        analysis.untrained_reason = "the completion is empty"
        analysis.prompt_tokens = {0: self.encode(prompt, special=True).ids}
        return analysis

    def _tokenized(self, text: str) -> Analysis:
        encoding = self.encode(text)
        return Analysis(text=text, ids=encoding.ids, offsets=encoding.offsets)

    def _failed(
        self,
        template: ChatTemplate,
        messages: list[Any],
        tools: Any,
        extra: dict[str, Any],
        error: str,
    ) -> Analysis:
        """A failed rendering; when parsing string arguments makes it render, it is their
        shape that fails (``tool-arguments-shape``), not the template."""
        parsed = _with_parsed_arguments(messages)
        if parsed is not None:
            try:
                template.render(parsed, tools, False, extra)
            except TemplateFailure:
                pass
            else:
                shapes = [
                    ArgumentsShape(
                        location,
                        "arguments are a JSON string, but the chat template expects an object "
                        f"(it fails: {error}); write them as an object",
                    )
                    for location, _ in _string_arguments(messages)
                ]
                return Analysis(failure="", arguments_shape=shapes)
        return Analysis(failure=error)

    def _arguments_shape(
        self,
        template: ChatTemplate,
        messages: list[Any],
        text: str,
        tools: Any,
        extra: dict[str, Any],
    ) -> list[ArgumentsShape]:
        found = []
        for location, arguments in _all_arguments(messages):
            if isinstance(arguments, str):
                if arguments.strip() and _tojson(arguments) in text:
                    found.append(
                        ArgumentsShape(
                            location,
                            "arguments are a JSON string and the chat template writes them "
                            "with tojson: the model learns a quoted, escaped string instead "
                            "of an object; write them as an object",
                        )
                    )
            elif isinstance(arguments, dict) and arguments and repr(arguments) in text:
                found.append(
                    ArgumentsShape(
                        location,
                        "arguments are an object and the chat template prints it as Python "
                        f"text ({_excerpt(repr(arguments))}); it expects a JSON string",
                    )
                )
        if not found and _string_arguments(messages):
            found = self._arguments_unseen(template, messages, text, tools, extra)
        return found

    def _arguments_unseen(
        self,
        template: ChatTemplate,
        messages: list[Any],
        text: str,
        tools: Any,
        extra: dict[str, Any],
    ) -> list[ArgumentsShape]:
        """String arguments missing from the rendering that show once given as objects."""
        missing = [
            (location, value)
            for location, value in _string_arguments(messages)
            if value.strip() and value not in text
        ]
        parsed = _with_parsed_arguments(messages) if missing else None
        if parsed is None:
            return []
        try:
            again = template.render(parsed, tools, False, extra).text
        except TemplateFailure:
            return []
        return [
            ArgumentsShape(
                location,
                "arguments are a JSON string, but the chat template only shows arguments "
                "given as an object; write them as an object",
            )
            for location, value in missing
            if any(str(key) in again and str(key) not in text for key in json.loads(value))
        ]

    # --- what the rules ask --------------------------------------------------------------

    def dropped_text(
        self, record: Mapping[str, Any], analysis: Analysis
    ) -> Iterator[tuple[JsonPath, str]]:
        """Text fields of the record's messages that the rendering leaves out."""
        text = analysis.text
        for location, value in _texts(record):
            lines = [line.strip() for line in value.splitlines()]
            lines = [line for line in lines if line]
            missing = [
                line for line in lines if line not in text and _tojson(line)[1:-1] not in text
            ]
            if not missing:
                continue
            if len(missing) == len(lines):
                yield location, "the chat template leaves this text out of the rendering entirely"
            else:
                yield (
                    location,
                    (
                        f"the chat template leaves {len(missing)} of {len(lines)} lines of this "
                        f"text out of the rendering (first: {_excerpt(missing[0])})"
                    ),
                )

    def special_tokens_in(self, record: Mapping[str, Any]) -> Iterator[tuple[JsonPath, str]]:
        if self.special_pattern is None:
            return
        for location, value in _texts(record):
            match = self.special_pattern.search(value)
            if match:
                yield location, match.group()


def _alternation(contents: frozenset[str]) -> re.Pattern[str] | None:
    if not contents:
        return None
    ordered = sorted(contents, key=len, reverse=True)  # the longest token wins, as encoding
    return re.compile("|".join(map(re.escape, ordered)))


def _tojson(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _excerpt(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _message_list(value: Any) -> TypeGuard[list[Any]]:
    return isinstance(value, list) and bool(value) and all(isinstance(m, dict) for m in value)


def _texts(record: Mapping[str, Any]) -> Iterator[tuple[JsonPath, str]]:
    """Every message text of a record: contents (strings and text parts), reasoning, and the
    prompt and completion of a prompt-completion record."""
    for key in ("messages", "prompt", "completion"):
        value = record.get(key)
        if isinstance(value, str) and key != "messages":
            yield (key,), value
        elif isinstance(value, list):
            for index, message in enumerate(value):
                if not isinstance(message, dict):
                    continue
                for name in TEXT_FIELDS:
                    text = message.get(name)
                    if isinstance(text, str):
                        yield (key, index, name), text
                    elif isinstance(text, list):
                        for part_index, part in enumerate(text):
                            if isinstance(part, dict) and isinstance(part.get("text"), str):
                                yield (key, index, name, part_index, "text"), part["text"]


def _all_arguments(messages: Sequence[Any]) -> Iterator[tuple[JsonPath, Any]]:
    for index, message in enumerate(messages):
        calls = message.get("tool_calls") if isinstance(message, dict) else None
        if not isinstance(calls, list):
            continue
        for call_index, call in enumerate(calls):
            function = call.get("function") if isinstance(call, dict) else None
            if isinstance(function, dict) and "arguments" in function:
                yield (
                    ("messages", index, "tool_calls", call_index, "function", "arguments"),
                    function["arguments"],
                )


def _string_arguments(messages: Sequence[Any]) -> list[tuple[JsonPath, str]]:
    """String arguments that parse as a JSON object."""
    found = []
    for location, value in _all_arguments(messages):
        if isinstance(value, str):
            try:
                parsed = json.loads(value)
            except ValueError:
                continue
            if isinstance(parsed, dict):
                found.append((location, value))
    return found


def _with_parsed_arguments(messages: Sequence[Any]) -> list[Any] | None:
    """A copy of ``messages`` with string arguments parsed; ``None`` when there are none."""
    strings = _string_arguments(messages)
    if not strings:
        return None
    copied = copy.deepcopy(list(messages))
    for location, value in strings:
        _, index, _, call_index, _, _ = location
        assert isinstance(index, int) and isinstance(call_index, int)
        copied[index]["tool_calls"][call_index]["function"]["arguments"] = json.loads(value)
    return copied


_last: tuple[TemplateSettings, Analyzer] | None = None
_analyzers: dict[str, Analyzer] = {}


def analyzer_for(settings: TemplateSettings) -> Analyzer:
    """The process's analyzer for these settings, built on first use."""
    global _last
    if _last is not None and _last[0] is settings:
        return _last[1]
    key = json.dumps(dataclasses.asdict(settings), sort_keys=True, default=str)
    analyzer = _analyzers.get(key)
    if analyzer is None:
        analyzer = _analyzers[key] = Analyzer(settings)
    _last = (settings, analyzer)
    return analyzer
