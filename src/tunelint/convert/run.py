"""One conversion: read a source format, add the system message, write, and summarise."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson

from tunelint.convert import alpaca, csv, foreign, prompt_completion, sharegpt, squad
from tunelint.convert.base import Columns, Example, Item, Note, Options, Record, Skip, Source
from tunelint.convert.dialects import TO, Unconvertible
from tunelint.convert.summary import Summary
from tunelint.convert.writer import Split, write, write_split
from tunelint.engine.errors import UsageError

SOURCES: dict[str, Source] = {
    "squad": squad.convert,
    "alpaca": alpaca.convert,
    "sharegpt": sharegpt.convert,
    "prompt-completion": prompt_completion.convert,
    "csv": csv.convert,
    "openai": foreign.openai,
    "vertex": foreign.vertex,
    "bedrock": foreign.bedrock,
    "llamafactory": foreign.llamafactory,
    "together-text": foreign.together_text,
    "json-array": foreign.json_array,
}


def make_options(
    source_format: str, with_context: bool, columns: tuple[str | None, str | None, str | None]
) -> Options:
    """Options from the command line; a flag the format does not use is a usage error."""
    if with_context and source_format != "squad":
        raise UsageError("--with-context applies to --from squad only")
    user, assistant, system = columns
    if source_format != "csv":
        if any(columns):
            raise UsageError(
                "--user-column, --assistant-column, --system-column apply to --from csv only"
            )
        return Options(with_context=with_context)
    return Options(columns=Columns(user or "user", assistant or "assistant", system))


OWN_SYSTEM = "kept the example's own system message instead of --system"


def convert_file(
    source_format: str,
    source: Path,
    output: Path,
    options: Options,
    system: str | None = None,
    split: Split | None = None,
    to: str = "openai",
) -> Summary:
    """Convert ``source`` into ``output`` (or the two files of ``split``).

    Raises ``InputError`` for input not in the format's layout, ``UsageError`` for outputs
    that would overwrite the input, ``OSError`` for I/O; no output is left behind then.
    """
    outputs = split.paths(output) if split else (output,)
    _refuse_to_overwrite(source, outputs)
    summary = Summary(source, source_format if to == "openai" else f"{source_format} to {to}")
    lines = _lines(SOURCES[source_format](source, options), system, summary, to)
    if split is None:
        summary.written[output] = write(lines, output)
    else:
        summary.written = dict(zip(outputs, write_split(lines, output, split), strict=True))
        summary.split_rule = (
            f" Split by a hash of each example keyed with seed {split.seed}: "
            "identical examples stay together."
        )
    return summary


def _lines(
    items: Iterator[Item], system: str | None, summary: Summary, to: str = "openai"
) -> Iterator[bytes]:
    translate = TO.get(to)
    for item in items:
        if isinstance(item, Example) and translate is not None:
            try:
                record, notes = translate(_with_system(item, system, summary))
            except Unconvertible as reason:
                summary.skip(Skip(f"{reason} (for {to})", item.where))
                continue
            summary.read += 1
            for note in notes:
                summary.note(Note(note, item.where))
            yield orjson.dumps(record)
        elif isinstance(item, Example):
            summary.read += 1
            yield orjson.dumps(_with_system(item, system, summary))
        elif isinstance(item, Skip):
            summary.skip(item)
        else:
            summary.note(item)


def _with_system(example: Example, system: str | None, summary: Summary) -> Record:
    if not system or not system.strip():
        return example.record
    messages = example.record.get("messages")
    if not isinstance(messages, list):
        summary.note(Note("no 'messages': --system not added", example.where))
        return example.record
    if messages and messages[0].get("role") == "system":
        summary.note(Note(OWN_SYSTEM, example.where))
        return example.record
    return {
        **example.record,
        "messages": [{"role": "system", "content": system.strip()}, *messages],
    }


def _refuse_to_overwrite(source: Path, outputs: tuple[Path, ...]) -> None:
    for output in outputs:
        if output.exists() and source.exists() and source.samefile(output):
            raise UsageError(f"{output}: refusing to overwrite the input file")
