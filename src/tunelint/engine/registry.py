"""The rule catalogue: every rule registers itself here with a decorator.

A rule is a small unit with a stable code, a kebab-case name, a default severity and a
docstring that is its user documentation (what it does / why it matters / example / fix).

Four scopes:

- ``line``: a function ``(Line) -> Iterable[Violation]`` run on every physical line;
- ``record``: a function ``(RecordContext) -> Iterable[Violation]`` run on every record
  (a line holding a JSON object) of the formats it declares;
- ``file``: a class built once per file as ``cls(settings)``, whose ``visit(ctx)`` sees every
  record of its formats and whose ``finish()`` reports what only the whole file shows;
- ``dataset``: like ``file``, for a validation file paired with its training file: the
  check first reads every training record with ``reference(ctx)``, then visits the
  validation file. It runs only on files that have a training file configured;
- ``path``: a function ``(path, settings, diagnosis) -> Iterable[Violation]`` run once per
  file before its records are read, on what the file is as a whole (its size, and its
  layout as ``tunelint.targets.gate`` diagnosed it).

A line or record rule may also have a *batch form* (``@rule(..., batch=...)``), and a file
rule a ``visit_plain`` method (``BatchFileCheck``): the same check over a run of plain
records at once (``engine.batch``). A rule without one is run on such records one by one.
"""

from __future__ import annotations

import enum
import inspect
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from tunelint.engine.findings import Severity, Violation
from tunelint.engine.formats import Format

if TYPE_CHECKING:
    from tunelint.engine.batch import PlainBatch, Reports
    from tunelint.engine.context import RecordContext
    from tunelint.engine.reader import Line
    from tunelint.engine.settings import Settings

_CODE = re.compile(r"^[A-Z]{2}[0-9]{3}$")
_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

ALL_FORMATS = frozenset(Format)


class Scope(str, enum.Enum):
    LINE = "line"
    RECORD = "record"
    FILE = "file"
    DATASET = "dataset"
    PATH = "path"


LineCheck = Callable[["Line"], Iterable[Violation]]
RecordCheck = Callable[["RecordContext"], Iterable[Violation]]
BatchCheck = Callable[["PlainBatch"], "Reports"]
"""A line or record rule's check over a run of plain records (``engine.batch``)."""


class FileCheck(Protocol):
    """A rule that needs to see the whole file before it can judge."""

    def visit(self, ctx: RecordContext) -> Iterable[Violation]: ...

    def finish(self) -> Iterable[Violation]: ...


class MergeableCheck(FileCheck, Protocol):
    """A file-scope rule that can run on byte ranges of a file in separate processes.

    Each range's instance hands over ``partial()`` (picklable, in the range's own line and
    example numbering) instead of finishing; a fresh instance ``absorb``s the partials in
    file order, shifted by the lines and examples before each range, then finishes.
    Rules without these methods run over the whole file in one process.
    """

    def partial(self) -> Any: ...

    def absorb(self, partial: Any, lines_before: int, examples_before: int) -> None: ...


class BatchFileCheck(FileCheck, Protocol):
    """A file-scope rule that also visits a run of plain records at once (``engine.batch``),
    as ``visit`` would visit them one by one."""

    def visit_plain(self, batch: PlainBatch) -> Reports: ...


FileCheckFactory = Callable[["Settings"], FileCheck]


class DatasetCheck(FileCheck, Protocol):
    """A rule that compares a validation file with the training file it belongs to."""

    def reference(self, ctx: RecordContext) -> None: ...


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    name: str
    severity: Severity
    scope: Scope
    check: Any
    """A ``LineCheck``, ``RecordCheck`` or ``FileCheckFactory`` (a factory of
    ``DatasetCheck`` for ``Scope.DATASET``), according to ``scope``."""
    formats: frozenset[Format] = ALL_FORMATS
    aliases: tuple[str, ...] = ()
    default: bool = True
    options: Mapping[str, Any] = field(default_factory=dict)
    """Per-rule settings and their defaults, set under ``[tool.tunelint.rules.<name>]``."""
    fixable: bool = False
    """Its violations can carry a safe fix (``engine.fixes``) that ``check --fix`` applies."""
    trigger: str | None = None
    """For a record rule: a pattern every line it can report matches (``engine.triggers``)."""
    on_validation: bool = True
    """It runs on a file configured as a validation file (``datasets``) too."""
    batch: BatchCheck | None = None
    """For a line or record rule: the same check over a run of plain records at once."""

    @property
    def mergeable(self) -> bool:
        """A file-scope rule whose state merges across byte ranges (``MergeableCheck``)."""
        return self.scope is Scope.FILE and hasattr(self.check, "absorb")

    @property
    def family(self) -> str:
        return self.code[:2]

    @property
    def summary(self) -> str:
        return self.documentation.splitlines()[0] if self.documentation else self.name

    @property
    def documentation(self) -> str:
        return inspect.getdoc(self.check) or ""


_RULES: dict[str, Rule] = {}
_sorted: Mapping[str, Rule] = MappingProxyType({})

T = TypeVar("T")


def rule(
    code: str,
    name: str,
    severity: Severity,
    scope: Scope = Scope.RECORD,
    *,
    formats: Iterable[Format] = ALL_FORMATS,
    aliases: Iterable[str] = (),
    default: bool = True,
    options: Mapping[str, Any] | None = None,
    fixable: bool = False,
    trigger: str | None = None,
    on_validation: bool = True,
    batch: BatchCheck | None = None,
) -> Callable[[T], T]:
    """Register the decorated function (or, for file and dataset scope, class) as a rule."""

    def register(check: T) -> T:
        if not _CODE.match(code) or not _NAME.match(name):
            raise ValueError(f"malformed rule code or name: {code} {name}")
        if code in _RULES or any(existing.name == name for existing in _RULES.values()):
            raise ValueError(f"rule {code} ({name}) registered twice")
        if not inspect.getdoc(check):
            raise ValueError(f"rule {code} has no documentation")
        if trigger is not None and scope is not Scope.RECORD:
            raise ValueError(f"rule {code}: only record rules can have a trigger")
        if batch is not None and scope not in (Scope.LINE, Scope.RECORD):
            raise ValueError(f"rule {code}: a file rule's batch form is its visit_plain method")
        _RULES[code] = Rule(
            code=code,
            name=name,
            severity=severity,
            scope=scope,
            check=check,
            formats=frozenset(formats),
            aliases=tuple(aliases),
            default=default,
            options=dict(options or {}),
            fixable=fixable,
            trigger=trigger,
            on_validation=on_validation,
            batch=batch,
        )
        return check

    return register


def all_rules() -> Mapping[str, Rule]:
    """Every registered rule by code, in code order; importing the rules package fills it."""
    global _sorted
    # Rules ask for their options on every record: sort once, again only after a new rule.
    if not _sorted or len(_sorted) != len(_RULES):
        import tunelint.rules  # noqa: F401  (registration happens on import)

        _sorted = MappingProxyType(dict(sorted(_RULES.items())))
    return _sorted
