"""Find the data files under folders: JSONL (plain or compressed) and Parquet.

A walk skips hidden folders, virtual environments (a folder with ``pyvenv.cfg``), what the
configuration's ``exclude`` / ``extend-exclude`` patterns match (gitignore syntax,
relative to the configuration's folder) and what ``.gitignore`` files ignore (those in the
walked folders and, inside a git repository, those above them). The shards of a Hugging
Face split (``data/train-00000-of-00002.parquet`` ...) are one input, named by a glob
(``data/train-*.parquet``); ``dataset_pairs`` pairs a folder's train and validation splits.
A URL that names a folder (an object-storage prefix) is listed for its data files.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

import msgspec

from tunelint.sources.base import is_remote, url_of
from tunelint.sources.codecs import COMPRESSED_SUFFIXES

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

JSONL_SUFFIXES = (".jsonl", ".ndjson")
DATA_SUFFIXES = (
    *JSONL_SUFFIXES,
    *(f"{jsonl}{codec}" for jsonl in JSONL_SUFFIXES for codec in COMPRESSED_SUFFIXES),
    ".parquet",
    ".arrow",
)
DEFAULT_EXCLUDE = ("node_modules", "__pycache__", "__pypackages__", "site-packages")
_SHARD = re.compile(r"(?P<split>[\w.]+?)-\d{5}-of-\d{5}(?:-[0-9a-f]+)?\.parquet")
TRAIN_SPLIT = "train"
VALIDATION_SPLITS = ("validation", "valid", "val", "dev")


def is_data_file(path: PurePath) -> bool:
    return path.name.lower().endswith(DATA_SUFFIXES)


class Exclusions(msgspec.Struct, frozen=True):
    """What a walk leaves out, and whether files named explicitly are left out too."""

    patterns: Sequence[str] = DEFAULT_EXCLUDE
    root: Path = msgspec.field(default_factory=Path.cwd)
    """Folder the patterns are relative to (the configuration's)."""
    gitignore: bool = True
    force: bool = False
    """``--force-exclude``: the patterns apply to files given by name as well."""

    def spec(self) -> GitIgnoreSpec:
        """The patterns, compiled (on first use: a run on named files never needs them)."""
        return _compiled(tuple(self.patterns))

    def excludes(self, path: Path, spec: GitIgnoreSpec, is_dir: bool = False) -> bool:
        relative = _relative(path, self.root)
        return bool(spec.match_file(relative + "/" if is_dir else relative))


@functools.cache
def _compiled(patterns: tuple[str, ...]) -> GitIgnoreSpec:
    from pathspec import GitIgnoreSpec

    return GitIgnoreSpec.from_lines(patterns)


def _absolute(path: Path) -> Path:
    """``path`` made absolute with ``..`` folded, as written (no symbolic links followed)."""
    return Path(os.path.abspath(path))  # noqa: PTH100 - resolve() would follow links


def _relative(path: Path, root: Path) -> str:
    absolute = _absolute(path)
    try:
        return absolute.relative_to(_absolute(root)).as_posix()
    except ValueError:
        return path.as_posix()


def find_files(paths: Iterable[Path], exclusions: Exclusions | None = None) -> list[Path]:
    """The data files named by ``paths``: files as given, folders walked (sorted).

    A missing path is the caller's to report; each file appears once.
    """
    exclusions = exclusions or Exclusions()
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            spec = exclusions.spec()
            walked = _Walk(exclusions, spec, _ignores_above(path) if exclusions.gitignore else [])
            found.extend(group_shards(sorted(walked.files(path))))
        elif is_remote(path) and (listed := _listed(path)) is not None:
            found.extend(Path(url) for url in listed)
        elif not (exclusions.force and exclusions.excludes(path, exclusions.spec())):
            found.append(path)
    return list(dict.fromkeys(found))


def _listed(path: Path) -> list[str] | None:
    from tunelint.sources.remote import list_folder

    return list_folder(url_of(path))


class _Walk(msgspec.Struct):
    exclusions: Exclusions
    spec: GitIgnoreSpec
    ignores: list[tuple[Path, GitIgnoreSpec]]
    """``.gitignore`` specs in force, outermost first, with their folders."""

    def files(self, folder: Path) -> Iterator[Path]:
        pushed = self.exclusions.gitignore and self._push_gitignore(folder)
        try:
            with os.scandir(folder) as entries:
                listed = sorted(entries, key=lambda entry: entry.name)
            for entry in listed:
                path = folder / entry.name
                is_dir = entry.is_dir()
                if is_dir and (entry.name.startswith(".") or (path / "pyvenv.cfg").exists()):
                    continue
                if self.exclusions.excludes(path, self.spec, is_dir) or self._ignored(path, is_dir):
                    continue
                if is_dir:
                    yield from self.files(path)
                elif is_data_file(path) and entry.is_file():
                    yield path
        finally:
            if pushed:
                self.ignores.pop()

    def _push_gitignore(self, folder: Path) -> bool:
        spec = _read_gitignore(folder)
        if spec is not None:
            self.ignores.append((_absolute(folder), spec))
        return spec is not None

    def _ignored(self, path: Path, is_dir: bool) -> bool:
        """Whether the innermost ``.gitignore`` that has a say about ``path`` ignores it."""
        absolute = _absolute(path)
        for folder, spec in reversed(self.ignores):
            relative = absolute.relative_to(folder).as_posix() + ("/" if is_dir else "")
            verdict = spec.check_file(relative).include
            if verdict is not None:
                return bool(verdict)
        return False


def _read_gitignore(folder: Path) -> GitIgnoreSpec | None:
    from pathspec import GitIgnoreSpec

    try:
        text = (folder / ".gitignore").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return GitIgnoreSpec.from_lines(text.splitlines())


def _ignores_above(folder: Path) -> list[tuple[Path, GitIgnoreSpec]]:
    """The ``.gitignore`` specs of ``folder``'s parents inside its git repository."""
    absolute = _absolute(folder)
    above: list[tuple[Path, GitIgnoreSpec]] = []
    for parent in absolute.parents:
        if (spec := _read_gitignore(parent)) is not None:
            above.append((parent, spec))
        if (parent / ".git").exists():
            return above[::-1]
    return []  # not in a repository: only the walked folders' own files count


def group_shards(files: Sequence[Path]) -> list[Path]:
    """``files`` with the shards of each Hugging Face split replaced by the split's glob."""
    grouped: list[Path] = []
    splits: dict[Path, int] = {}
    for path in files:
        match = _SHARD.fullmatch(path.name)
        if match is None:
            grouped.append(path)
            continue
        split = path.with_name(f"{match['split']}-[0-9]*-of-[0-9]*.parquet")
        if split not in splits:
            splits[split] = len(grouped)
            grouped.append(path)
        else:
            grouped[splits[split]] = split
    return grouped


def split_name(path: Path) -> str | None:
    """The split a Parquet file or split glob holds (``train``), if named like one."""
    match = _SHARD.fullmatch(path.name.replace("[0-9]*-of-[0-9]*", "00000-of-00000"))
    return match["split"] if match else None


def dataset_pairs(files: Iterable[Path]) -> list[tuple[Path, Path]]:
    """(train, validation) splits found side by side, for the overlap rule."""
    by_folder: dict[Path, dict[str, Path]] = {}
    for path in files:
        if (split := split_name(path)) is not None:
            by_folder.setdefault(path.parent, {})[split] = path
    pairs = []
    for splits in by_folder.values():
        validation = next((splits[name] for name in VALIDATION_SPLITS if name in splits), None)
        if TRAIN_SPLIT in splits and validation is not None:
            pairs.append((splits[TRAIN_SPLIT], validation))
    return pairs
