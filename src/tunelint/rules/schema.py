"""SC: the shape of records and messages that the fine-tuning API accepts."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from tunelint.rules.authoring import (
    PLAIN_ROLES,
    Fix,
    Format,
    JsonPath,
    LazyPattern,
    PlainBatch,
    RecordContext,
    Reports,
    Scope,
    Settings,
    Severity,
    TypedBatch,
    Violation,
    is_one_of,
    json_type,
    quote,
    remove_items,
    rule,
)
from tunelint.rules.walk import Message, message_lists, messages, quoted

MESSAGE_FORMATS = (Format.CHAT, Format.REINFORCEMENT, Format.PREFERENCE)

TOP_LEVEL_KEYS = {
    Format.CHAT: frozenset({"messages", "tools", "functions", "parallel_tool_calls"}),
    Format.PREFERENCE: frozenset({"input", "preferred_output", "non_preferred_output"}),
    Format.COMPLETION: frozenset({"prompt", "completion"}),
}

MAX_IMAGE_BYTES = 10 * 1024 * 1024
_IMAGE_DATA_URL = LazyPattern(r"^data:image/(jpeg|jpg|png|webp);base64,", re.IGNORECASE)
_IMAGE_DETAILS = frozenset({"auto", "low", "high"})


def _content_optional(message: Message) -> bool:
    """An assistant turn that calls a tool or refuses may have no (or null) content."""
    return any(message.get(key) for key in ("tool_calls", "function_call", "refusal"))


@rule(
    "SC001",
    "missing-messages",
    Severity.ERROR,
    aliases=["missing_messages_list"],
    quiet_on_plain=True,
    quiet_on_typed=True,
)
def missing_messages(ctx: RecordContext) -> Iterator[Violation]:
    """A chat record has no non-empty `messages` list.

    ## What it does
    Reports chat and reinforcement records whose `messages` key is missing, empty or not
    a list. Records that match no known format are treated as chat records and land here.
    Under the `cookbook` profile every record without a truthy `messages` value is
    reported, as the notebook does (`missing_messages_list`).

    ## Why is this bad?
    The conversation is the training example; without it there is nothing to learn.

    ## Example
    ```jsonl
    {"conversation": [{"role": "user", "content": "Hi"}]}
    ```

    ## How to fix
    Put the turns under `messages` as a list of `{"role", "content"}` objects, or use
    `tunelint convert` for ShareGPT, Alpaca and other layouts.

    ```jsonl
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    ```
    """
    if ctx.profile.cookbook_semantics:
        if not ctx.record.get("messages"):
            yield Violation("record has no messages list")
        return
    if ctx.format not in (Format.CHAT, Format.REINFORCEMENT):
        return
    if "messages" not in ctx.record:
        yield Violation("record has no 'messages' list")
        return
    value = ctx.record["messages"]
    if not isinstance(value, list):
        yield Violation(f"must be a list of messages, not a {json_type(value)}", ("messages",))
    elif not value:
        yield Violation("must not be empty", ("messages",))


@rule(
    "SC002",
    "message-not-object",
    Severity.ERROR,
    formats=MESSAGE_FORMATS,
    quiet_on_plain=True,
    quiet_on_typed=True,
)
def message_not_object(ctx: RecordContext) -> Iterator[Violation]:
    """An item of a `messages` list is not an object.

    ## What it does
    Reports strings, numbers, lists or `null` where a message object is expected, in
    `messages` and in the lists of preference records.

    ## Why is this bad?
    The provider rejects the example; the cookbook notebook misreads a string message
    (`"role" in "..."` tests for a substring) instead of reporting it.

    ## Example
    ```jsonl
    {"messages": ["Hi", {"role": "assistant", "content": "Hello"}]}
    ```

    ## How to fix
    Write each turn as `{"role": ..., "content": ...}`.

    ```jsonl
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    ```
    """
    for path, items in message_lists(ctx):
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                yield Violation(f"message is a {json_type(item)}, not an object", (*path, index))


@rule("SC003", "message-missing-key", Severity.ERROR, formats=MESSAGE_FORMATS,
      aliases=["message_missing_key"], quiet_on_plain=True, quiet_on_typed=True)  # fmt: skip
def message_missing_key(ctx: RecordContext) -> Iterator[Violation]:
    """A message lacks `role` or `content`.

    ## What it does
    Reports messages without a `role`, or without `content` (an assistant message that
    calls a tool with `tool_calls` or `function_call`, or that carries a `refusal`,
    may omit it). Under the
    `cookbook` profile both keys are always required, as in the notebook
    (`message_missing_key`).

    ## Why is this bad?
    The provider rejects messages without a role or without content.

    ## Example
    ```jsonl
    {"messages": [{"content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    ```

    ## How to fix
    Add the missing key; for an assistant turn that only calls a tool, set `content` to
    `null` and keep `tool_calls`.

    ```jsonl
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    ```
    """
    cookbook = ctx.profile.cookbook_semantics
    for path, message in messages(ctx):
        missing = [key for key in ("role", "content") if key not in message]
        if not cookbook and "content" in missing and _content_optional(message):
            missing.remove("content")
        if missing:
            yield Violation(f"message has no {' or '.join(map(repr, missing))}", path)


@rule("SC004", "unrecognized-message-key", Severity.ERROR, formats=MESSAGE_FORMATS,
      aliases=["message_unrecognized_key"], quiet_on_plain=True, quiet_on_typed=True)  # fmt: skip
def unrecognized_message_key(ctx: RecordContext) -> Iterator[Violation]:
    """A message has a key the format does not define.

    ## What it does
    Reports, once per message, the keys outside those the role may carry: `role`,
    `content`, `name` and `weight` for every role; `tool_calls`, `function_call`
    and `refusal` for assistant messages; `tool_call_id` for tool messages. The
    `cookbook` profile allows exactly `role`, `content`, `name`, `function_call`
    and `weight` on every message (`message_unrecognized_key`).

    ## Why is this bad?
    The provider rejects unknown keys; they are usually a misspelling (`contents`) or
    export metadata (`id`, `timestamp`) that belongs outside the training file.

    ## Example
    ```jsonl
    {"messages": [{"role": "user", "content": "Hi", "id": 7}, {"role": "assistant", "content": "Hello"}]}
    ```

    ## How to fix
    Remove the key, or rename it to the one the format defines.

    ```jsonl
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    ```
    """
    for path, message in messages(ctx):
        allowed = ctx.profile.allowed_keys(message.get("role"))
        unknown = [key for key in message if key not in allowed]
        if unknown:
            role = message.get("role")
            where = f"a {role} message" if isinstance(role, str) else "a message"
            noun = "key" if len(unknown) == 1 else "keys"
            yield Violation(
                f"unrecognized {noun} {quoted(unknown)} in {where}", (*path, unknown[0])
            )


def _plain_roles_accepted(settings: Settings) -> bool:
    """A plain record's roles are all accepted, unless the target lacks one (``function``)."""
    return settings.profile.roles >= PLAIN_ROLES


@rule("SC005", "unrecognized-role", Severity.ERROR, formats=MESSAGE_FORMATS,
      aliases=["unrecognized_role"], quiet_on_plain=_plain_roles_accepted, quiet_on_typed=True)  # fmt: skip
def unrecognized_role(ctx: RecordContext) -> Iterator[Violation]:
    """A message's role is not one the provider accepts.

    ## What it does
    Reports roles outside `system`, `developer`, `user`, `assistant`, `tool` and
    `function`. The `cookbook` profile accepts only `system`, `user`, `assistant`
    and `function`, and also counts a missing role here (`unrecognized_role`).

    ## Why is this bad?
    Exports from other tools use `human`/`gpt`, `bot` or `model`; the provider
    rejects them, and a role typed wrongly silently changes who says what.

    ## Example
    ```jsonl
    {"messages": [{"role": "human", "content": "Hi"}, {"role": "gpt", "content": "Hello"}]}
    ```

    ## How to fix
    Map the roles to the provider's (`tunelint convert --from sharegpt` does this).

    ```jsonl
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    ```
    """
    roles = ctx.profile.roles
    for path, message in messages(ctx):
        if "role" not in message and not ctx.profile.cookbook_semantics:
            continue
        role = message.get("role")
        if not isinstance(role, str) or role not in roles:
            shown = quote(role) if isinstance(role, str) else json_type(role)
            yield Violation(
                f"unrecognized role {shown} (expected one of {quoted(roles)})", (*path, "role")
            )


@rule("SC006", "missing-content", Severity.ERROR, formats=MESSAGE_FORMATS,
      aliases=["missing_content"], fixable=True, quiet_on_plain=True, quiet_on_typed=True)  # fmt: skip
def missing_content(ctx: RecordContext) -> Iterator[Violation]:
    """A message's content is empty, `null` or of the wrong type.

    ## What it does
    Reports `content` that is an empty or whitespace-only string, `null` (allowed only on
    an assistant message that calls a tool or refuses), an empty list, or neither a string nor a list
    of content parts. A tool message may return an empty string. A missing `content` key
    is SC003's finding. The `cookbook` profile applies the notebook's test exactly
    (`missing_content`): content must be a non-empty string unless `function_call` is
    set, and even then must be a string.

    ## Why is this bad?
    An empty system or user turn teaches nothing and often means a conversion lost text
    (the KorQuAD conversion in tunelint's seeds writes `"content": ""` system messages);
    an empty assistant turn trains the model to answer with nothing.

    ## Example
    ```jsonl
    {"messages": [{"role": "system", "content": ""}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    ```

    ## How to fix
    Remove the empty message or fill it in. An empty or whitespace-only *system* message
    says nothing, so `tunelint check --fix` removes it (a safe fix); other empty turns
    need a person to decide.

    ```jsonl
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    ```
    """
    for path, message in messages(ctx):
        fix = _REMOVE_EMPTY_SYSTEM.get(path[:-1]) if _is_empty_system(message) else None
        if ctx.profile.cookbook_semantics:
            content = message.get("content")
            if (not content and not message.get("function_call")) or not isinstance(content, str):
                yield Violation(
                    "content is missing, empty or not a string", (*path, "content"), fix=fix
                )
            continue
        if "content" not in message:
            continue
        problem = _content_problem(message)
        if problem:
            yield Violation(problem, (*path, "content"), fix=fix)


def _is_empty_system(message: Any) -> bool:
    if not isinstance(message, dict):
        return False
    content = message.get("content")
    return message.get("role") == "system" and isinstance(content, str) and not content.strip()


def _remove_empty_system(list_path: JsonPath) -> Fix:
    """A fix that drops every empty system message from the message list at ``list_path``."""
    return remove_items("remove the empty system message", list_path, _is_empty_system)


# Message lists live at one of these places (``rules.walk.message_lists``).
_REMOVE_EMPTY_SYSTEM: dict[JsonPath, Fix] = {
    path: _remove_empty_system(path)
    for path in (
        ("messages",),
        ("input", "messages"),
        ("preferred_output",),
        ("non_preferred_output",),
    )
}


def _content_problem(message: Message) -> str | None:
    content = message["content"]
    role = message.get("role")
    if content is None:
        return None if _content_optional(message) else "content is null"
    if isinstance(content, str):
        if content.strip() or role == "tool" or _content_optional(message):
            return None
        return "content is empty" if not content else "content is only whitespace"
    if isinstance(content, list):
        return None if content else "content is an empty list"
    return f"content must be a string or a list of content parts, not a {json_type(content)}"


@rule(
    "SC007", "unrecognized-top-level-key", Severity.ERROR, quiet_on_plain=True, quiet_on_typed=True
)
def unrecognized_top_level_key(ctx: RecordContext) -> Iterator[Violation]:
    """A record has a top-level key its format does not define.

    ## What it does
    Chat records may carry `messages`, `tools`, `functions` and
    `parallel_tool_calls`; preference records `input`, `preferred_output` and
    `non_preferred_output`; legacy records `prompt` and `completion`. Reinforcement
    records may carry any extra key (their graders read them).

    ## Why is this bad?
    The provider rejects the record. A frequent case is `weight` written at the top level
    instead of on the assistant message it should apply to.

    ## Example
    ```jsonl
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}], "weight": 0}
    ```

    ## How to fix
    Move the key where the format defines it, or drop it.

    ```jsonl
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello", "weight": 1}]}
    ```
    """
    allowed = TOP_LEVEL_KEYS.get(ctx.format)
    if allowed is None:
        return
    for key in ctx.record:
        if key not in allowed and key not in ctx.profile.top_level_keys:
            hint = " (weight belongs on assistant messages)" if key == "weight" else ""
            yield Violation(
                f"unrecognized top-level key {quote(key)} in a {ctx.format} record{hint}", (key,)
            )


@rule("SC008", "mixed-formats", Severity.ERROR, Scope.FILE)
class MixedFormats:
    """A file mixes record formats (chat, preference, reinforcement, prompt-completion).

    ## What it does
    Takes the first record's format as the file's and reports, once per other format, the
    first record written in it, with how many records share that format.

    ## Why is this bad?
    A fine-tuning job trains one method on one format; the provider rejects a file that
    mixes them, and a stray record of another layout is usually a merge accident.

    ## Example
    ```jsonl
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    {"prompt": "Hi", "completion": "Hello"}
    ```

    ## How to fix
    Split the file by format, or convert the odd records (`tunelint convert`).

    ```jsonl
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    {"messages": [{"role": "user", "content": "Hi again"}, {"role": "assistant", "content": "Hello again"}]}
    ```
    """

    def __init__(self, settings: Settings) -> None:
        self.first: tuple[Format, int, int] | None = None
        self.others: dict[Format, tuple[int, int]] = {}
        self.counts: Counter[Format] = Counter()

    def visit(self, ctx: RecordContext) -> Iterable[Violation]:
        self._seen(ctx.format, ctx.line, ctx.example, 1)
        return ()

    def visit_plain(self, batch: PlainBatch) -> Reports:
        self._seen(Format.CHAT, batch.lines[0], batch.examples[0], len(batch))
        return ()

    def visit_typed(self, batch: TypedBatch) -> Reports:
        self._seen(batch.format, batch.lines[0], batch.examples[0], len(batch))
        return ()

    def _seen(self, form: Format, line: int, example: int, records: int) -> None:
        """``records`` records of format ``form``, the first of them on ``line``."""
        self.counts[form] += records
        if self.first is None:
            self.first = (form, line, example)
        elif form is not self.first[0]:
            self.others.setdefault(form, (line, example))

    def partial(self) -> tuple[Any, ...]:
        return self.first, self.others, self.counts

    def absorb(self, partial: tuple[Any, ...], lines_before: int, examples_before: int) -> None:
        first, others, counts = partial
        self.counts.update(counts)
        if first is None:
            return
        if self.first is None:
            self.first = (first[0], first[1] + lines_before, first[2] + examples_before)
        elif first[0] is not self.first[0]:
            self.others.setdefault(first[0], (first[1] + lines_before, first[2] + examples_before))
        for other, (line, example) in others.items():
            if other is not self.first[0]:
                self.others.setdefault(other, (line + lines_before, example + examples_before))

    def finish(self) -> Iterator[Violation]:
        if self.first is None:
            return
        main_format, main_line, _ = self.first
        for other, (line, example) in self.others.items():
            yield Violation(
                f"{self.counts[other]} {other} record(s) in a file of {main_format} records "
                f"(line {main_line} is {main_format}); this is the first",
                line=line,
                example=example,
            )


@rule(
    "SC009",
    "invalid-weight",
    Severity.ERROR,
    formats=MESSAGE_FORMATS,
    quiet_on_plain=True,
    quiet_on_typed=True,
)
def invalid_weight(ctx: RecordContext) -> Iterator[Violation]:
    """A message's `weight` is not 0 or 1, or is set on a message that is not trained.

    ## What it does
    `weight` marks whether an assistant message is trained on (1) or only context (0).
    Reports other values (`0.5`, `true`, `"1"`) and `weight` on non-assistant
    messages.

    ## Why is this bad?
    The provider accepts only 0 or 1, and only on assistant messages.

    ## Example
    ```jsonl
    {"messages": [{"role": "user", "content": "Hi", "weight": 1}, {"role": "assistant", "content": "Hello", "weight": 0.5}]}
    ```

    ## Targets
    The values allowed are the target's (`--target`): 0 or 1 for every built-in target
    that reads per-message weights.

    ## How to fix
    Use 0 or 1 on assistant messages; remove it elsewhere.

    ```jsonl
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello", "weight": 1}]}
    ```
    """
    allowed = ctx.settings.message_weights
    if not allowed:  # the target reads no per-message weight: SC004 reports the key
        return
    for path, message in messages(ctx):
        if "weight" not in message:
            continue
        weight = message["weight"]
        if message.get("role") != "assistant":
            yield Violation("weight is only allowed on assistant messages", (*path, "weight"))
        elif (
            isinstance(weight, bool) or not isinstance(weight, int | float) or weight not in allowed
        ):
            expected = " or ".join(f"{value:g}" for value in sorted(allowed))
            shown = weight if isinstance(weight, int | float) else quote(weight)
            yield Violation(f"weight must be {expected}, not {shown}", (*path, "weight"))


@rule(
    "SC010",
    "invalid-content-part",
    Severity.ERROR,
    formats=MESSAGE_FORMATS,
    quiet_on_plain=True,
    quiet_on_typed=True,
)
def invalid_content_part(ctx: RecordContext) -> Iterator[Violation]:
    """A content part in a `content` list is malformed or not allowed there.

    ## What it does
    Checks each part of list-valued content: `{"type": "text", "text": "..."}` anywhere;
    `{"type": "image_url", "image_url": {"url": ..., "detail": ...}}` only in user
    messages (the roles the targets let carry images), with an `http(s)` URL or a base64 `data:image/(jpeg|png|webp)` URL of at
    most 10 MB and `detail` one of `auto`, `low`, `high`.

    ## Why is this bad?
    The provider rejects the example; images in assistant messages cannot be trained.

    ## Example
    ```jsonl
    {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "file:///tmp/cat.png"}}]}, {"role": "assistant", "content": "A cat."}]}
    ```

    ## How to fix
    Use the part layout above; host images over HTTPS or embed them as data URLs.

    ```jsonl
    {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]}, {"role": "assistant", "content": "A cat."}]}
    ```
    """
    image_roles = ctx.settings.image_roles
    for path, message in messages(ctx):
        content = message.get("content")
        if not isinstance(content, list):
            continue
        for index, part in enumerate(content):
            where: JsonPath = (*path, "content", index)
            problem = _part_problem(part, message.get("role"), image_roles)
            if problem:
                yield Violation(problem, where)


def _part_problem(part: object, role: object, image_roles: frozenset[str]) -> str | None:
    if not isinstance(part, dict):
        return f"content part is a {json_type(part)}, not an object"
    kind = part.get("type")
    if kind == "text":
        if not isinstance(part.get("text"), str):
            return "text part needs a string 'text'"
        extra = set(part) - {"type", "text"}
        return f"unrecognized key(s) {quoted(extra)} in a text part" if extra else None
    if kind == "image_url":
        if not is_one_of(role, image_roles):
            where = " or ".join(sorted(image_roles)) or "no"
            return f"image parts are only allowed in {where} messages, not {quote(role)} messages"
        return _image_problem(part)
    return f"unsupported content part type {quote(kind)} (expected 'text' or 'image_url')"


def _image_problem(part: dict[str, object]) -> str | None:
    extra = set(part) - {"type", "image_url"}
    if extra:
        return f"unrecognized key(s) {quoted(extra)} in an image part"
    image = part.get("image_url")
    if not isinstance(image, dict) or not isinstance(image.get("url"), str):
        return "image part needs 'image_url': {'url': ...}"
    extra = set(image) - {"url", "detail"}
    if extra:
        return f"unrecognized key(s) {quoted(extra)} in image_url"
    url: str = image["url"]
    detail = image.get("detail", "auto")
    if not isinstance(detail, str) or detail not in _IMAGE_DETAILS:
        return f"image detail must be one of {quoted(_IMAGE_DETAILS)}, not {quote(detail)}"
    if url.startswith(("https://", "http://")):
        return None
    if _IMAGE_DATA_URL.match(url):
        payload = len(url) - url.index(",") - 1
        if payload * 3 // 4 > MAX_IMAGE_BYTES:
            return "embedded image is larger than 10 MB"
        return None
    if url.startswith("data:"):
        return "data URL must be a base64 JPEG, PNG or WEBP image"
    return f"image URL must be http(s) or a data URL, not {quote(url)}"


def _no_negative_maximum(settings: Settings) -> bool:
    """A plain record has no image: only a negative maximum makes SC011 report it."""
    maximum: int = settings.options("SC011")["maximum"]
    return maximum >= 0


@rule("SC011", "too-many-images", Severity.ERROR, formats=MESSAGE_FORMATS,
      options={"maximum": 10}, quiet_on_plain=_no_negative_maximum, quiet_on_typed=_no_negative_maximum)  # fmt: skip
def too_many_images(ctx: RecordContext) -> Iterator[Violation]:
    """An example carries more images than the provider allows (10 by default).

    ## What it does
    Counts `image_url` content parts across the example's messages. The limit is the
    rule option `maximum`.

    ## Why is this bad?
    The provider skips or rejects examples with more than 10 images.

    ## Example
    A user message with eleven `image_url` parts.

    ## How to fix
    Split the example, or keep the images that matter.
    """
    maximum: int = ctx.settings.options("SC011")["maximum"]
    count = sum(
        1
        for _, message in messages(ctx)
        if isinstance(message.get("content"), list)
        for part in message["content"]
        if isinstance(part, dict) and part.get("type") == "image_url"
    )
    if count > maximum:
        yield Violation(f"example has {count} images (at most {maximum} allowed)")
