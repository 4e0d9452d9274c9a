"""Which files a run lints: the files, standard input and URLs given, and the data files
found in folders (``tunelint.sources.walk``)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from tunelint.engine.errors import UsageError
from tunelint.engine.settings import Settings
from tunelint.sources import is_remote, is_stdin
from tunelint.sources.walk import find_files


def expand_paths(
    paths: Iterable[Path], settings: Settings | None = None, force_exclude: bool = False
) -> list[Path]:
    """Files to lint: files, standard input and URLs as given, folders walked for data files
    (``tunelint.sources.walk``) with the exclusions of ``settings``.

    A missing path is a usage error. Each file appears once, folders' contents in sorted
    order.
    """
    paths = list(paths)
    for path in paths:
        if not (path.exists() or is_stdin(path) or is_remote(path)):
            raise UsageError(f"{path}: no such file or directory")
    exclusions = (settings or Settings()).exclusions(force_exclude)
    return find_files(paths, exclusions)
