"""Remember each file's result so that an unchanged file is not linted again.

An entry is keyed by the file's path, the settings and the tunelint build, and holds the
file's content hash with its complete result (findings included, not just the verdict), so
a cached run prints exactly what the run that filled the cache printed. An entry is JSON
data (never pickle, which would run code from a cache restored from elsewhere) behind a
header with its checksum; a damaged, foreign or unreadable entry is a miss. The hash is
XXH3-128, ten times faster than SHA-256: the cache guards against accidents, not against
someone who could edit the file anyway. Entries live in
``.tunelint_cache/`` next to the configuration (or in the working directory) and are
written like black writes its cache: to a temporary file in the same folder, then moved
into place with ``os.replace``, so a reader never sees half an entry. The cache is only an
optimisation: an entry that cannot be read or written is ignored.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeAlias

import msgspec
import xxhash

import tunelint
from tunelint.engine.atomic import atomic_write
from tunelint.engine.findings import FileResult, Finding, Severity
from tunelint.engine.fixes import Fix
from tunelint.engine.plugins import plugin_sources
from tunelint.engine.settings import Settings

CACHE_DIR = ".tunelint_cache"
_CHUNK = 1 << 20
_MAGIC = b"tunelint-cache-2 "
_LARGEST_ENTRY = 1 << 30
"""An entry larger than this is not read (a damaged one could claim any size)."""

_Row: TypeAlias = tuple[str, str, int, str, int, int, int | None, str, str, str | None]
"""A finding in an entry: code, name, severity, message, line, column, example, pointer,
fingerprint and its fix's description (its path is the file's: file names need not be
UTF-8)."""
_Entry: TypeAlias = tuple[str, int, list[_Row]]
"""An entry: the file's digest, its examples and its findings."""
_decode_entry = msgspec.json.Decoder(_Entry).decode


def _canonical(value: Any) -> Any:
    """A JSON-able form of a settings value that is the same in every process."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, msgspec.Struct):  # the same form as a dataclass's
        return {name: _canonical(getattr(value, name)) for name in value.__struct_fields__}
    if isinstance(value, Mapping):
        return sorted((str(key), _canonical(item)) for key, item in value.items())
    if isinstance(value, set | frozenset):
        return sorted(map(repr, value))
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    if isinstance(value, enum.Enum):
        return repr(value)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return repr(value)


def _build_fingerprint() -> str:
    """The tunelint version and its code, and the plugins' rule modules: a rule changed in
    place must not hit old entries."""
    package = Path(tunelint.__file__).parent
    digest = hashlib.sha256(tunelint.__version__.encode())
    for source in sorted(package.rglob("*.py")):
        stat = source.stat()
        digest.update(f"{source.relative_to(package)}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    for source in plugin_sources():
        stat = source.stat()
        digest.update(f"{source}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()


def settings_fingerprint(settings: Settings, build: str | None = None) -> str:
    """What a file's result depends on besides the file: the tunelint build (``build``, by
    default its code's fingerprint) and the settings."""
    return hashlib.sha256(
        json.dumps([build or _build_fingerprint(), _canonical(settings)]).encode()
    ).hexdigest()


def file_digest(path: Path) -> str:
    digest = xxhash.xxh3_128()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def lint_digest(path: Path, settings: Settings) -> str:
    """What a file's result depends on: its content, and its training file's if it has one
    (the dataset-scope rules compare the two)."""
    training = settings.training_file_for(path)
    own = file_digest(path)
    return own if training is None else f"{own}+{file_digest(training)}"


def _row(finding: Finding) -> _Row:
    f = finding
    return (f.code, f.name, int(f.severity), f.message, f.line, f.column, f.example,
            f.pointer, f.fingerprint, f.fix.description if f.fix else None)  # fmt: skip


def _finding(row: _Row, path: str) -> Finding:
    code, name, severity, message, line, column, example, pointer, fingerprint, fix = row
    described = None if fix is None else Fix.described_as(fix)
    return Finding(code, name, Severity(severity), message, path, line, column, example,
                   pointer, fix=described, fingerprint=fingerprint)  # fmt: skip


class ResultCache:
    """Results of earlier runs under ``folder``, for one set of settings."""

    def __init__(self, folder: Path, settings: Settings) -> None:
        self.folder = folder
        self.prefix = settings_fingerprint(settings)

    @classmethod
    def for_settings(cls, settings: Settings) -> ResultCache:
        return cls(settings.root / CACHE_DIR, settings)

    def _entry(self, path: Path) -> Path:
        name = hashlib.sha256(self.prefix.encode() + b"\0" + os.fsencode(path)).hexdigest()
        return self.folder / name[:2] / f"{name}.json"

    def get(self, path: Path, digest: str) -> FileResult | None:
        """The cached result of ``path`` if its content is still ``digest``."""
        try:
            with self._entry(path).open("rb") as stream:
                data = stream.read(_LARGEST_ENTRY + 1)
            header, payload = data.split(b"\n", 1)
            if header != _MAGIC + xxhash.xxh3_128_hexdigest(payload).encode():
                return None
            stored_digest, examples, rows = _decode_entry(payload)
            findings = tuple(_finding(row, str(path)) for row in rows)
        except (OSError, ValueError, msgspec.MsgspecError):
            return None
        if stored_digest != digest:
            return None
        return FileResult(str(path), findings, examples)

    def put(self, path: Path, digest: str, result: FileResult) -> None:
        entry = self._entry(path)
        # Readable by the owner only, as mkstemp made them: entries quote the data.
        rows = [_row(finding) for finding in result.findings]
        with contextlib.suppress(OSError, msgspec.MsgspecError, UnicodeError):
            payload = msgspec.json.encode((digest, result.examples, rows))
            entry.parent.mkdir(parents=True, exist_ok=True)
            self._mark(self.folder)
            # A lost entry is only a miss (``get`` rejects a broken one): no flush to disk.
            with atomic_write(entry, prefix=".tmp-", permissions=0o600, durable=False) as stream:
                stream.write(_MAGIC + xxhash.xxh3_128_hexdigest(payload).encode() + b"\n")
                stream.write(payload)

    @staticmethod
    def _mark(folder: Path) -> None:
        """Keep the cache out of version control, as ruff and pytest do with theirs."""
        ignore = folder / ".gitignore"
        if not ignore.exists():
            with atomic_write(ignore, durable=False) as stream:
                stream.write(b"# Created by tunelint automatically.\n*\n")
