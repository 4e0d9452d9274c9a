"""The state file of one shard (``check --shard I/N --state-out FILE``), read by ``merge``.

Layout, version 2 (version 1 kept a line and example number per remembered example)::

    tunelint-shard-state 2\\n
    {header: JSON on one line}\\n
    payload: zlib-compressed pickle of {unit number: unit result}

The header names the tunelint version, the shard (``I`` of ``N``), and the run (its
command, the digest of each configuration's settings, each file's size and modification
time, the unit plan); the shards of one run must agree on all of it. The payload holds
what ``engine.units`` returns: findings as a report shows them (fixes as descriptions), counts,
line and example numbers, 8-byte hashes. The state of a rule that would carry record
text is never in it (``partial_holds_text``). Its SHA-256 is in the header, and it is
unpickled with an allow-list of types (tunelint's own, arrays, sets, counters, and the
identity edit of a described fix): a
corrupted, truncated or foreign file is a one-line error, never code run.
"""

from __future__ import annotations

import hashlib
import io
import json
import pickle
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tunelint
from tunelint.engine.atomic import atomic_write
from tunelint.engine.errors import UsageError

MAGIC = b"tunelint-shard-state"
VERSION = 2


class StateError(UsageError):
    """A state file that cannot be used: unreadable, corrupted, or from another run."""


@dataclass(frozen=True, slots=True)
class ShardState:
    shard: int
    """1-based."""
    shards: int
    run: dict[str, Any]
    """What every shard of the run must agree on (JSON)."""
    results: dict[int, Any]
    """Unit results by unit number in the run's plan."""


def write_state(path: Path, state: ShardState) -> None:
    """Write ``state`` to ``path`` (whole or not at all)."""
    payload = zlib.compress(pickle.dumps(state.results, protocol=pickle.HIGHEST_PROTOCOL), 6)
    header = {
        "tunelint": tunelint.__version__,
        "shard": state.shard,
        "shards": state.shards,
        "run": state.run,
        "payload": {"bytes": len(payload), "sha256": hashlib.sha256(payload).hexdigest()},
    }
    with atomic_write(path) as stream:
        stream.write(b"%s %d\n" % (MAGIC, VERSION))
        stream.write(json.dumps(header, sort_keys=True).encode() + b"\n")
        stream.write(payload)


def read_state(path: Path) -> ShardState:
    """The state in ``path``. Raises ``StateError`` naming the file when it is not a
    complete state file of this version of tunelint."""
    try:
        with path.open("rb") as stream:
            magic = stream.readline()
            header_line = stream.readline()
            payload = stream.read()
    except OSError as error:
        raise StateError(f"{path}: {error.strerror or error}") from None
    if not magic.startswith(MAGIC + b" "):
        raise StateError(f"{path}: not a tunelint shard state file")
    if magic.strip() != b"%s %d" % (MAGIC, VERSION):
        found = magic[len(MAGIC) :].strip().decode(errors="replace")
        raise StateError(f"{path}: state file format {found}; this tunelint reads {VERSION}")
    try:
        header = json.loads(header_line)
        expected = header["payload"]
        shard, shards, version = header["shard"], header["shards"], header["tunelint"]
    except (ValueError, KeyError, TypeError):
        raise StateError(f"{path}: corrupted state file (header)") from None
    if version != tunelint.__version__:
        raise StateError(
            f"{path}: written by tunelint {version}; merge with the same version "
            f"(this is {tunelint.__version__})"
        )
    if len(payload) != expected.get("bytes") or (
        hashlib.sha256(payload).hexdigest() != expected.get("sha256")
    ):
        raise StateError(f"{path}: corrupted or truncated state file (checksum)")
    try:
        results = _Unpickler(io.BytesIO(zlib.decompress(payload))).load()
    except (pickle.UnpicklingError, zlib.error, EOFError, ValueError, TypeError) as error:
        raise StateError(f"{path}: corrupted state file ({error})") from None
    return ShardState(shard, shards, header["run"], results)


_ALLOWED = {
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("collections", "Counter"),
    ("array", "array"),
    ("array", "_array_reconstructor"),
    ("copyreg", "_reconstructor"),
    ("builtins", "object"),
    ("tunelint.engine.fixes", "_unchanged"),  # a described fix's edit (``Fix.described``)
    # DS004's MinHash signatures: numpy arrays rebuilt from their bytes (numpy 2, then 1).
    ("numpy", "dtype"),
    ("numpy", "ndarray"),
    ("numpy._core.numeric", "_frombuffer"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy.core.multiarray", "_reconstruct"),
}


class _Unpickler(pickle.Unpickler):
    """Only data types: tunelint's and its rule plugins' classes (never functions) and a
    few of Python's."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        if module.split(".")[0] in _rule_packages():
            found = super().find_class(module, name)
            if isinstance(found, type):
                return found
        raise pickle.UnpicklingError(f"unexpected type {module}.{name}")


def _rule_packages() -> set[str]:
    """tunelint and the top-level packages of the plugins' rules (their partial states)."""
    from tunelint.engine.registry import all_rules

    return {"tunelint", *(rule.check.__module__.split(".")[0] for rule in all_rules().values())}
