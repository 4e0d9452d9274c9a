"""Which files a run lints: the files given, and the data files found in folders."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from tunelint.engine.errors import UsageError

DATA_SUFFIXES = (".jsonl", ".ndjson")


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files to lint: files as given, folders searched for ``*.jsonl`` / ``*.ndjson``.

    Hidden folders (``.git``, ``.venv``) are skipped inside a folder; a missing path is a
    usage error. Each file appears once, folders' contents in sorted order.
    """
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(
                    found
                    for found in path.rglob("*")
                    if found.suffix in DATA_SUFFIXES
                    and found.is_file()
                    and not any(part.startswith(".") for part in found.relative_to(path).parts)
                )
            )
        elif path.exists():
            files.append(path)
        else:
            raise UsageError(f"{path}: no such file or directory")
    return list(dict.fromkeys(files))
