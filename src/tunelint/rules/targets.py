"""TG: what the targets (``--target``) the data is for accept: layouts, limits and fields.

The facts each rule applies are the target's (``tunelint targets`` lists them with their
sources and the date they were checked); with several targets the data must pass them all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tunelint.rules.authoring import (
    JsonPath,
    LazyPattern,
    RecordContext,
    Scope,
    Settings,
    Severity,
    Violation,
    json_type,
    rule,
)
from tunelint.rules.dataset import ExampleCount
from tunelint.rules.walk import messages, quoted, texts
from tunelint.targets.catalogue import accepting
from tunelint.targets.layouts import FILE_LEVEL, Diagnosis, Layout, record_layout
from tunelint.targets.shapes import layout_problems

_DATA_URL = LazyPattern(r"data:image/([a-z0-9.+-]+);base64,", re.IGNORECASE)


def convert_command(layout: Layout, to: str, path: Path | str = "FILE") -> str:
    """The command that rewrites a file of ``layout`` for a target written in ``to``."""
    source = {
        Layout.SHAREGPT: "sharegpt",
        Layout.ALPACA: "alpaca",
        Layout.PROMPT_COMPLETION: "prompt-completion",
        Layout.TEXT: "together-text",
        Layout.VERTEX: "vertex",
        Layout.BEDROCK: "bedrock",
        Layout.SQUAD: "squad",
        Layout.JSON_ARRAY: "json-array",
        Layout.CSV: "csv",
        Layout.OPENAI_CHAT: "openai",
    }.get(layout)
    if source is None:
        return ""
    target = f" --to {to}" if to != "openai" else ""
    return f"tunelint convert --from {source}{target} {path} -o OUTPUT.jsonl"


@rule("TG001", "layout-not-accepted", Severity.ERROR, Scope.PATH)
def layout_not_accepted(
    path: Path, settings: Settings, diagnosis: Diagnosis
) -> Iterator[Violation]:
    """The file is written in a layout the target does not read.

    ## What it does
    Before any record is linted, the file's layout is recognised once from its head: OpenAI
    chat, preference or reinforcement records, prompt-completion pairs, `text` records,
    ShareGPT, Alpaca, `chosen`/`rejected` pairs, Vertex AI `contents`, Bedrock
    conversations, a SQuAD document, a JSON array, CSV/TSV, UTF-16 (compressed files and
    Parquet are read decompressed, as rows: their records decide).
    When every record shares a layout that a target (`--target`, `openai` by default)
    does not accept, this one finding names the layout, the targets that accept it as it is
    and the command that converts it, and the file's records are not linted further. A file
    that mixes layouts is linted record by record instead.

    ## Why is this bad?
    The provider rejects the whole file. An error on every record would bury the one fact
    that matters: the file was written for another ecosystem.

    ## Example
    ```jsonl
    {"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello"}]}
    ```

    ## How to fix
    Convert the file (`tunelint convert --from sharegpt FILE -o OUTPUT.jsonl`), or lint it
    for the trainer it was written for (`--target llamafactory`).

    ```jsonl
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    ```
    """
    layout = diagnosis.layout
    if layout is None or layout is Layout.UNKNOWN:
        return
    refusing = [target for target in settings.targets if not target.accepts(layout)]
    if not refusing:
        return
    readers = accepting(layout)
    accepted = f"accepted by: {', '.join(readers)}" if readers else "no target reads it as it is"
    command = convert_command(layout, refusing[0].convert_to, path)
    hint = f"; convert with `{command}`" if command else ""
    names = ", ".join(target.name for target in refusing)
    count = sum(diagnosis.counts.values())
    sample = f" ({count} records read, all alike)" if count else ""
    yield Violation(
        f"file is in the {layout} layout{sample}, which {names} does not accept "
        f"({layout.description}); {accepted}{hint}"
    )


@rule("TG007", "records-not-linted", Severity.INFO, Scope.PATH)
def records_not_linted(path: Path, settings: Settings, diagnosis: Diagnosis) -> Iterator[Violation]:
    """The file is one document the targets read, but whose records tunelint cannot lint.

    ## What it does
    A trainer such as LLaMA-Factory reads a JSON array (`data.json`) as it is; tunelint
    lints JSON Lines record by record. This note says the file passed its layout check but
    its records were not linted.

    ## Why is this bad?
    A clean result must not be mistaken for a clean dataset.

    ## Example
    ```json
    [{"instruction": "Say hi", "input": "", "output": "Hi!"}]
    ```

    ## How to fix
    Lint a JSON Lines copy: `tunelint convert --from json-array data.json -o data.jsonl`.
    """
    layout = diagnosis.layout
    if layout in FILE_LEVEL and all(target.accepts(layout) for target in settings.targets):
        command = convert_command(layout, "openai", path)
        yield Violation(
            f"the {layout} file is read as it is by {', '.join(t.name for t in settings.targets)}, "
            f"but its records were not linted; lint a JSON Lines copy (`{command}`)"
        )


@rule("TG004", "file-too-large", Severity.ERROR, Scope.PATH)
def file_too_large(path: Path, settings: Settings, diagnosis: Diagnosis) -> Iterator[Violation]:
    """The file is larger than the target accepts for upload.

    ## What it does
    Compares the file's size with each target's documented limit (Together 100 GB, Nebius
    5 GB, Vertex AI 1 GB; `tunelint targets` lists them).

    ## Why is this bad?
    The upload or the job fails after the transfer, the slowest moment to find out.

    ## Example
    A 2 GB JSONL file for `--target vertex` (1 GB at most).

    ## How to fix
    Split the file, or drop examples.
    """
    if not path.is_file():  # standard input or a URL: no size before it is read
        return
    size = path.stat().st_size
    for target in settings.targets:
        if target.max_file_bytes is not None and size > target.max_file_bytes:
            yield Violation(
                f"file is {size:,} bytes; {target.name} accepts at most {target.max_file_bytes:,}",
                line=1,
            )


@rule(
    "TG002",
    "invalid-layout-record",
    Severity.ERROR,
    quiet_on_plain=True,
    quiet_on_typed=True,
    any_layout=True,
)
def invalid_layout_record(ctx: RecordContext) -> Iterator[Violation]:
    """A record written in another dialect than OpenAI's does not have that dialect's shape.

    ## What it does
    Checks records of the layouts the OpenAI-format rules do not read, against their own
    documentation: Vertex AI (`contents` of `{"role": "user"|"model", "parts": [...]}`,
    ending with the model's turn; preference records with two `completions` scored 1 and
    0), Bedrock conversations (`schemaVersion`, `system` and `content` as lists of
    blocks, turns alternating from the user's to the assistant's), ShareGPT
    (`conversations` of `{"from", "value"}`), Alpaca (string `instruction` and
    `output`, `history` as pairs), `text` and `chosen`/`rejected` records.

    ## Why is this bad?
    The trainer or provider rejects the record, or silently trains on a broken example.

    ## Example
    ```jsonl
    {"contents": [{"role": "assistant", "parts": [{"text": "Hello"}]}]}
    ```

    ## How to fix
    Follow the dialect's documented layout (`tunelint targets` links it).

    ```jsonl
    {"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hello"}]}]}
    ```
    """
    layout = record_layout(ctx.record)
    if layout.openai_family or layout in FILE_LEVEL or layout is Layout.UNKNOWN:
        return
    for message, location in layout_problems(layout, ctx.record):
        yield Violation(message, location)


def _targets_read_openai_chat(settings: Settings) -> bool:
    """A plain record is OpenAI chat: TG008 reports it only for a target that refuses it."""
    return all(target.accepts(Layout.OPENAI_CHAT) for target in settings.targets)


def _targets_read_openai_layouts(settings: Settings) -> bool:
    """A well-formed tool-calling record is OpenAI chat, a well-formed pair OpenAI
    preference (``engine.typed``): TG008 reports them only for a target refusing either."""
    return all(
        target.accepts(Layout.OPENAI_CHAT) and target.accepts(Layout.OPENAI_PREFERENCE)
        for target in settings.targets
    )


@rule(
    "TG008",
    "record-layout-not-accepted",
    Severity.ERROR,
    quiet_on_plain=_targets_read_openai_chat,
    quiet_on_typed=_targets_read_openai_layouts,
    any_layout=True,
)
def record_layout_not_accepted(ctx: RecordContext) -> Iterator[Violation]:
    """A record, in a file that mixes layouts, is in a layout the target does not read.

    ## What it does
    A file whose records share one layout is judged once (TG001). In a file that mixes
    layouts, each record in a layout a target does not accept is reported here, naming
    the layout; the OpenAI-format rules leave records of other dialects alone.

    ## Why is this bad?
    The provider rejects the file; a trainer misreads the record or fails on it.

    ## Example
    ```jsonl
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    {"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello"}]}
    ```

    ## How to fix
    Convert the records to one layout (`tunelint convert`), or split the file.

    ```jsonl
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    ```
    """
    layout = record_layout(ctx.record)
    if layout is Layout.UNKNOWN:
        return
    refusing = [target.name for target in ctx.settings.targets if not target.accepts(layout)]
    if refusing:
        yield Violation(
            f"record is in the {layout} layout, which {', '.join(refusing)} does not accept"
        )


@rule(
    "TG009",
    "image-not-accepted",
    Severity.ERROR,
    quiet_on_plain=True,
    quiet_on_typed=True,
    any_layout=True,
)
def image_not_accepted(ctx: RecordContext) -> Iterator[Violation]:
    """An embedded image is of a kind, or a size, the target does not accept.

    ## What it does
    Reads the type and the decoded size of each `data:image/...;base64,` image and
    compares them with each target's list of image kinds and its largest image (Fireworks
    takes PNG and JPEG, Bedrock PNG, JPEG and GIF, Together PNG, JPEG and WEBP up to 10 MB).

    ## Why is this bad?
    The provider rejects the example, or the whole upload.

    ## Example
    With `--target fireworks`:
    ```jsonl
    {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/webp;base64,UklGRg=="}}]}, {"role": "assistant", "content": "A cat."}]}
    ```

    ## How to fix
    Convert the image to an accepted type, or resize it.

    ```jsonl
    {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]}, {"role": "assistant", "content": "A cat."}]}
    ```
    """
    policies = [
        (t.name, t.images) for t in ctx.settings.targets if t.images.kinds or t.images.max_bytes
    ]
    if not policies:
        return
    for where, url in _image_urls(ctx):
        if (found := _DATA_URL.match(url)) is None:
            continue
        kind = found.group(1).lower()
        size = (len(url) - found.end()) * 3 // 4
        for name, policy in policies:
            if policy.kinds and kind not in policy.kinds:
                kinds = ", ".join(sorted(policy.kinds))
                yield Violation(f"{name} accepts {kinds} images, not {kind}", where)
            if policy.max_bytes is not None and size > policy.max_bytes:
                yield Violation(
                    f"image is {size:,} bytes; {name} accepts at most {policy.max_bytes:,}",
                    where,
                )


def _image_urls(ctx: RecordContext) -> Iterator[tuple[JsonPath, str]]:
    """(location, URL) of every ``image_url`` part of the record's messages."""
    for path, message in messages(ctx):
        content = message.get("content")
        if not isinstance(content, list):
            continue
        for index, part in enumerate(content):
            image = part.get("image_url") if isinstance(part, dict) else None
            url = image.get("url") if isinstance(image, dict) else None
            if isinstance(url, str):
                yield (*path, "content", index, "image_url", "url"), url


@rule("TG003", "too-many-examples", Severity.ERROR, Scope.FILE, any_layout=True)
class TooManyExamples(ExampleCount):
    """The file has more examples than the target accepts.

    ## What it does
    Counts the file's examples against each target's documented maximum (Fireworks
    3,000,000; Vertex AI 1,000,000 text examples).

    ## Why is this bad?
    The provider rejects the dataset after the upload.

    ## Example
    A file of 3,000,001 records for `--target fireworks`.

    ## How to fix
    Split the data over several jobs, or sample it down.
    """

    def __init__(self, settings: Settings) -> None:
        self.limits = [
            (target.name, target.max_examples)
            for target in settings.targets
            if target.max_examples is not None
        ]

    def finish(self) -> Iterator[Violation]:
        for name, maximum in self.limits:
            if self.examples > maximum:
                yield Violation(
                    f"file has {self.examples:,} examples; {name} accepts at most {maximum:,}",
                    line=1,
                )


@rule(
    "TG005",
    "invalid-sample-weight",
    Severity.ERROR,
    quiet_on_plain=True,
    quiet_on_typed=True,
    any_layout=True,
)
def invalid_sample_weight(ctx: RecordContext) -> Iterator[Violation]:
    """A record's top-level `weight` is not what the target accepts.

    ## What it does
    Some targets weight whole examples with a top-level `weight`: Together a
    non-negative number, Fireworks any number. Reports any other value (a string, a
    boolean, a negative number for Together). Where no target reads a top-level weight
    (OpenAI), the key itself is SC007's finding.

    ## Why is this bad?
    The provider rejects the file, or the example silently counts with the wrong weight.

    ## Example
    With `--target together`:
    ```jsonl
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}], "weight": -1}
    ```

    ## How to fix
    Use a number (`1.0` is the default weight; `0` leaves the example out).

    ```jsonl
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}], "weight": 1.0}
    ```
    """
    if "weight" not in ctx.record:
        return
    weight: Any = ctx.record["weight"]
    policies = {target.name: target.sample_weight for target in ctx.settings.targets}
    if "none" in policies.values():
        return  # SC007 reports the key
    if isinstance(weight, bool) or not isinstance(weight, int | float):
        yield Violation(f"weight must be a number, not a {json_type(weight)}", ("weight",))
        return
    for name, policy in policies.items():
        if policy == "non-negative" and weight < 0:
            yield Violation(f"weight must not be negative for {name} (got {weight!r})", ("weight",))


@rule(
    "TG006",
    "image-url-not-accepted",
    Severity.ERROR,
    quiet_on_plain=True,
    quiet_on_typed=True,
    any_layout=True,
)
def image_url_not_accepted(ctx: RecordContext) -> Iterator[Violation]:
    """An image is given as a URL to a target that takes only embedded (base64) images.

    ## What it does
    Reports `image_url` parts whose URL is `http(s)://` when a target accepts images
    only as `data:image/...;base64,` URLs (Together, Fireworks).

    ## Why is this bad?
    The provider does not fetch the image: the upload is rejected.

    ## Example
    With `--target together`:
    ```jsonl
    {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]}, {"role": "assistant", "content": "A cat."}]}
    ```

    ## How to fix
    Download each image and embed it as a base64 data URL.

    ```jsonl
    {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]}, {"role": "assistant", "content": "A cat."}]}
    ```
    """
    refusing = [target.name for target in ctx.settings.targets if not target.images.urls]
    if not refusing:
        return
    for where, url in _image_urls(ctx):
        if url.startswith(("https://", "http://")):
            yield Violation(
                f"{', '.join(refusing)} accepts only base64 data URLs, not an image URL", where
            )


_PROMPT_ROLES = frozenset({"system", "user"})


def _reserves_nothing(settings: Settings) -> bool:
    """No target reserves a keyword: TG010 has nothing to look for on any record."""
    return not any(target.reserved_keywords for target in settings.targets)


@rule("TG010", "reserved-keyword", Severity.ERROR, chat_view=True,
      quiet_on_plain=_reserves_nothing, quiet_on_typed=_reserves_nothing)  # fmt: skip
def reserved_keyword(ctx: RecordContext) -> Iterator[Violation]:
    """A prompt holds a keyword the target reserves.

    ## What it does
    Looks in the system and user turns for the keywords a target reserves: Amazon
    Bedrock's Nova models reserve `User:`, `Bot:`, `Assistant:`, `System:`, `<image>`,
    `<video>` and `[EOS]` (case as written). Only targets that record reserved keywords
    are checked (`bedrock`).

    ## Why is this bad?
    Bedrock fails the whole training job on a data problem when a user or system prompt
    starts with or contains one of them, after the upload and the wait.

    ## Example
    With `--target bedrock`:
    ```jsonl
    {"schemaVersion": "bedrock-conversation-2024", "messages": [{"role": "user", "content": [{"text": "Continue the chat.\\nUser: hi\\nBot: hello"}]}, {"role": "assistant", "content": [{"text": "How can I help?"}]}]}
    ```

    ## How to fix
    Write the transcript's speakers with other words of the same meaning, as the Nova
    guide advises.

    ```jsonl
    {"schemaVersion": "bedrock-conversation-2024", "messages": [{"role": "user", "content": [{"text": "Continue the chat.\\nCustomer - hi\\nAgent - hello"}]}, {"role": "assistant", "content": [{"text": "How can I help?"}]}]}
    ```
    """
    reserving = [(t.name, t.reserved_keywords) for t in ctx.settings.targets if t.reserved_keywords]
    if not reserving:
        return
    for text in texts(ctx):
        if text.role not in _PROMPT_ROLES:
            continue
        for name, keywords in reserving:
            found = [keyword for keyword in keywords if keyword in text.text]
            if found:
                verb, pronoun = ("is", "it") if len(found) == 1 else ("are", "them")
                yield Violation(
                    f"{quoted(found)} {verb} reserved by {name}: a prompt holding {pronoun} "
                    "fails the training job",
                    text.location,
                )
