"""Suppressions (a committed sidecar file) and baselines (a saved JSON report).

JSONL has no comments, so a finding is silenced by listing it in
``tunelint-suppressions.json`` next to the configuration file (the settings' ``root``)::

    {"version": 1, "suppressions": [
      {"path": "data/train.jsonl", "code": "SC005", "fingerprint": "3f1c...", "count": 1,
       "message": "messages[0].role: unrecognized role 'human' ..."}]}

Both match findings by path (relative to the root, with ``/``), rule code and the
fingerprint of the record (``engine.fingerprint``), counting repeats: two identical blank
lines need ``"count": 2``. Line numbers play no part, so edits elsewhere in the file keep
them valid; changing the record lapses them. ``message`` is for the reviewer only, and so
is an optional ``reason`` (why the finding is accepted), which rewrites of the file keep.

A suppression is *stale* when its file was checked with its rule enabled and no finding
matched it; ``check`` reports stale suppressions as a warning on stderr (they do not fail
the run: the data got better); ``--prune-suppressions`` drops them and nothing else, and
``--add-suppressions`` drops them too when it records the current findings.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import msgspec

from tunelint.engine.atomic import atomic_write_text
from tunelint.engine.errors import ConfigError, UsageError
from tunelint.engine.findings import FileResult, Finding
from tunelint.engine.quoting import clean
from tunelint.engine.settings import Settings, relative_path

SIDECAR = "tunelint-suppressions.json"
VERSION = 1

Key = tuple[str, str, str]
"""(path relative to the root, rule code, fingerprint)."""


def _key(finding: Finding, root: Path) -> Key:
    return relative_path(finding.path, root), finding.code, finding.fingerprint


class Matcher(msgspec.Struct):
    """A multiset of keys that findings consume as they match."""

    root: Path
    counts: Counter[Key] = msgspec.field(default_factory=Counter)
    used: Counter[Key] = msgspec.field(default_factory=Counter)

    def fresh(self) -> Matcher:
        """The same entries, none of them used yet."""
        return Matcher(self.root, self.counts)

    def unmatched(self, path: str | Path, findings: Iterable[Finding]) -> tuple[Finding, ...]:
        """The ``findings`` of the file ``path`` that match no unused entry."""
        if not self.counts:
            return tuple(findings)
        kept = []
        relative = relative_path(path, self.root)
        for finding in findings:
            key = (relative, finding.code, finding.fingerprint)
            if self.used[key] < self.counts[key]:
                self.used[key] += 1
            else:
                kept.append(finding)
        return tuple(kept)


class Suppressions(Matcher):
    file: Path = msgspec.field(default_factory=Path)
    messages: dict[Key, str] = msgspec.field(default_factory=dict)
    reasons: dict[Key, str] = msgspec.field(default_factory=dict)
    checked: set[tuple[str, str]] = msgspec.field(default_factory=set)
    """(path, code) pairs this run checked: only their entries can be stale."""

    @classmethod
    def load(cls, root: Path) -> Suppressions:
        """The sidecar under ``root``; empty when there is none."""
        file = root / SIDECAR
        suppressions = cls(root=root, file=file)
        if not file.exists():
            return suppressions
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
            entries = data["suppressions"] if isinstance(data, dict) else None
            if not isinstance(entries, list):
                raise ValueError("expected an object with a 'suppressions' list")
            for entry in entries:
                key = (str(entry["path"]), str(entry["code"]), str(entry["fingerprint"]))
                suppressions.counts[key] += int(entry.get("count", 1))
                suppressions.messages[key] = str(entry.get("message", ""))
                if entry.get("reason"):
                    suppressions.reasons[key] = str(entry["reason"])
        except OSError as error:
            raise ConfigError(f"cannot read {file}: {error.strerror}") from None
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise ConfigError(f"{file}: invalid suppressions file: {error}") from None
        return suppressions

    def mark_checked(self, path: Path, settings: Settings) -> None:
        """Remember that the file ``path`` was checked with its rules under ``settings``."""
        relative = relative_path(path, self.root)
        self.checked.update((relative, rule.code) for rule in settings.rules_for(path))

    def apply(
        self,
        path: Path,
        findings: Iterable[Finding],
        settings: Settings,
        baseline: Matcher | None = None,
    ) -> tuple[Finding, ...]:
        """The ``findings`` of the file ``path`` (checked under ``settings``) that neither a
        suppression nor the ``baseline`` matches; the file counts as checked for ``stale``."""
        self.mark_checked(path, settings)
        kept = self.unmatched(path, findings)
        return kept if baseline is None else baseline.unmatched(path, kept)

    def stale(self, path: Path | None = None) -> list[Key]:
        """Entries of checked files and rules that matched nothing, in order; only those of
        the file ``path`` when given."""
        relative = None if path is None else relative_path(path, self.root)
        return sorted(
            key
            for key, count in self.counts.items()
            if key[:2] in self.checked and self.used[key] < count and relative in (None, key[0])
        )

    def describe_stale(self, key: Key) -> str:
        """What to tell the user about the stale entry ``key``: its fields come from a file
        anyone may have edited, so they are shown as any data is (secrets masked, control
        characters escaped)."""
        path, code, fingerprint = key
        return clean(
            f"{self.file.name}: suppression of {code} in {path} (record {fingerprint}) "
            "no longer matches a finding"
        )

    def suppress(self, results: Iterable[FileResult]) -> int:
        """Replace the entries of the checked files and rules by ``results``' findings;
        write the file. Returns the number of findings suppressed."""
        kept = Counter({k: n for k, n in self.counts.items() if k[:2] not in self.checked})
        suppressed = 0
        for result in results:
            for finding in result.findings:
                key = _key(finding, self.root)
                kept[key] += 1
                self.messages.setdefault(key, finding.message)
                suppressed += 1
        self.counts = kept
        _write_json(self.file, {"version": VERSION, "suppressions": list(self._entries())})
        return suppressed

    def prune(self) -> int:
        """Drop the stale entries (``stale``), keep every other; write the file when one
        was dropped. Returns the number of findings no longer suppressed."""
        dropped = 0
        for key in self.stale():
            dropped += self.counts[key] - self.used[key]
            self.counts[key] = self.used[key]
        self.counts = +self.counts
        if dropped:
            _write_json(self.file, {"version": VERSION, "suppressions": list(self._entries())})
        return dropped

    def _entries(self) -> Iterator[dict[str, Any]]:
        for key in sorted(self.counts):
            path, code, fingerprint = key
            entry: dict[str, Any] = {"path": path, "code": code, "fingerprint": fingerprint}
            if self.counts[key] > 1:
                entry["count"] = self.counts[key]
            entry["message"] = self.messages.get(key, "")
            if key in self.reasons:
                entry["reason"] = self.reasons[key]
            yield entry


def load_baseline(file: Path) -> Matcher:
    """The findings of a saved ``--output-format json`` report, to be ignored; the report's
    paths are relative to the report's folder (as written from there)."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except OSError as error:
        raise UsageError(f"cannot read baseline {file}: {error.strerror}") from None
    except ValueError as error:
        raise UsageError(f"{file}: baseline is not a JSON report: {error}") from None
    if not isinstance(data, list) or not all(_is_finding(item) for item in data):
        raise UsageError(
            f"{file}: baseline must be a report of `tunelint check --output-format json` "
            "(with fingerprints)"
        )
    root = file.parent
    baseline = Matcher(root)
    for item in data:
        if _file_name(item["path"]):
            path = relative_path(root / item["path"], root)
            baseline.counts[path, item["code"], item["fingerprint"]] += 1
    return baseline


def _file_name(path: str) -> bool:
    """Whether ``path`` can name a file (a lone surrogate in JSON cannot): other entries
    match nothing."""
    try:
        os.fsencode(path)
    except UnicodeError:
        return False
    return True


def _is_finding(item: Any) -> bool:
    return isinstance(item, Mapping) and all(
        isinstance(item.get(key), str) for key in ("path", "code", "fingerprint")
    )


def _write_json(file: Path, data: Any) -> None:
    with atomic_write_text(file) as out:
        json.dump(data, out, ensure_ascii=False, indent=2)
        out.write("\n")
