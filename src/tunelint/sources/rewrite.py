"""Which inputs ``--fix`` may rewrite: plain local JSONL files only.

A fix rewrites a file in place through a draft beside it. Compressed files, Parquet,
standard input and URLs are refused, before anything is written, with one line saying
how to fix them instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from tunelint.engine.errors import UsageError
from tunelint.sources.base import Where, source_for

_HOW = {
    Where.STDIN: "standard input or a pipe cannot be rewritten; save it to a file and fix that",
    Where.URL: "a URL cannot be rewritten; download the file, fix it and upload it",
    Where.SHARDS: "Parquet cannot be rewritten; export the split to JSONL and fix that",
}


def refuse_unless_rewritable(files: Iterable[Path], flag: str) -> None:
    """Raise ``UsageError`` for the first of ``files`` that ``flag`` cannot rewrite."""
    for path in files:
        source = source_for(path)
        if source.splittable:
            continue
        how = _HOW.get(source.where) or (
            "Parquet cannot be rewritten; export it to JSONL and fix that"
            if source.codec == "parquet"
            else f"{source.codec}-compressed files are not rewritten; decompress, fix, "
            "and compress again"
        )
        raise UsageError(f"{source.display}: {flag}: {how}")
