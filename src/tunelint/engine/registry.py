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

What the fast path may skip is declared on the rule too, and checked here at registration
(``engine.plan`` compiles it; ``tests/test_plain.py`` proves each claim on real records):

- ``quiet_on_object``: a line rule that cannot report a line holding a JSON object;
- ``quiet_on_plain``: a record rule that cannot report a plain record (``engine.plain``),
  or a function of the settings saying whether it can under them;
- ``roles_only``: a record rule whose findings on a plain record depend only on its
  sequence of roles (computed once per sequence);
- ``quiet_on_typed``: a record rule that cannot report a well-formed tool-calling record or
  preference pair (``engine.typed``; ``tests/test_typed.py`` proves it), or a function of
  the settings saying whether it can under them;
- ``whole_file``: a file rule that does not merge across byte ranges (no ``partial`` /
  ``absorb``) and so makes a large file be read a second time, in one process;
- ``partial_holds_text``: a file rule whose ``partial()`` holds text of the records: it
  merges across worker processes, but is never written to a shard's state file
  (``engine.units``), so shards run it over the whole file.

Which records a rule can read is declared too. By default a record or file rule judges
OpenAI's formats, and a file written wholly in another dialect that the targets read
(Alpaca, ShareGPT, Vertex ``contents``...; ``tunelint.targets.gate``) is left to the rules
that declare one of:

- ``any_layout``: it reads a record of any layout as written (the example count, exact
  copies, the targets' own rules); line and path rules always do;
- ``chat_view``: a record, file or dataset rule that judges roles and texts alone, so it
  reads a record of another dialect through its chat view (``Settings.view``; a dataset
  rule the training file's records too), and its findings point into the record as
  written (``RecordContext.origin``).
"""

from __future__ import annotations

import enum
import inspect
import re
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import msgspec

from tunelint.engine.findings import Severity, Violation
from tunelint.engine.formats import Format

if TYPE_CHECKING:
    from tunelint.engine.batch import PlainBatch, Reports
    from tunelint.engine.context import RecordContext
    from tunelint.engine.reader import Line
    from tunelint.engine.settings import Settings
    from tunelint.engine.typed_batch import TypedBatch

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
TypedBatchCheck = Callable[["TypedBatch"], "Reports"]
"""A record rule's check over a run of well-formed records (``engine.typed_batch``)."""


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


class Rule(msgspec.Struct, frozen=True):
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
    options: Mapping[str, Any] = msgspec.field(default_factory=dict)
    """Per-rule settings and their defaults, set under ``[tool.tunelint.rules.<name>]``."""
    fixable: bool = False
    """Its violations can carry a safe fix (``engine.fixes``) that ``check --fix`` applies."""
    trigger: str | None = None
    """For a record rule: a pattern every line it can report matches (``engine.triggers``)."""
    on_validation: bool = True
    """It runs on a file configured as a validation file (``datasets``) too."""
    batch: BatchCheck | None = None
    """For a line or record rule: the same check over a run of plain records at once (a
    line rule's over a run of well-formed records too: it reads only ``raws`` and ``line``)."""
    quiet_on_object: bool = False
    """For a line rule: it reports nothing on a line holding an object (without a BOM)."""
    quiet_on_plain: bool | Callable[[Settings], bool] = False
    """For a record rule: it reports nothing on a plain record (under these settings)."""
    roles_only: bool = False
    """For a record rule: on a plain record, what it reports depends only on the roles."""
    quiet_on_typed: bool | Callable[[Settings], bool] = False
    """For a record rule: it reports nothing on a well-formed tool-calling record or
    preference pair (``engine.typed``), under these settings."""
    typed_batch: TypedBatchCheck | None = None
    """For a record rule: the same check over a run of well-formed records at once (a
    file rule's is its ``visit_typed`` method)."""
    typed_roles_only: bool = False
    """For a record rule: on a well-formed record, what it reports depends only on its
    roles (``TypedBatch.shapes``): it runs once per distinct shape of a run."""
    whole_file: bool = False
    """For a file rule: it cannot merge across byte ranges; large files are read twice."""
    partial_holds_text: bool = False
    """For a mergeable file rule: its ``partial()`` holds record text (kept off disk)."""
    any_layout: bool = False
    """It reads records of any layout as written (line and path rules always do)."""
    chat_view: bool = False
    """It judges roles and texts alone: a record of another dialect is read as its chat
    view (``Settings.view``)."""

    @property
    def reads_any_layout(self) -> bool:
        """Whether it has work on a file wholly in another dialect than OpenAI's."""
        return self.any_layout or self.chat_view or self.scope in (Scope.LINE, Scope.PATH)

    @property
    def mergeable(self) -> bool:
        """A file-scope rule whose state merges across byte ranges (``MergeableCheck``)."""
        return self.scope is Scope.FILE and not self.whole_file

    def skips_plain(self, settings: Settings) -> bool:
        """Whether this record rule can be skipped on plain records under ``settings``."""
        quiet = self.quiet_on_plain
        return quiet(settings) if callable(quiet) else quiet

    def skips_typed(self, settings: Settings) -> bool:
        """Whether this record rule can be skipped on well-formed records (``engine.typed``)."""
        quiet = self.quiet_on_typed
        return quiet(settings) if callable(quiet) else quiet

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
_BY_NAME: dict[str, Rule] = {}
_sorted: Mapping[str, Rule] = MappingProxyType({})
_CONFIG_KEYS: dict[str, Callable[[str, Any], Any]] = {}

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
    quiet_on_object: bool = False,
    quiet_on_plain: bool | Callable[[Settings], bool] = False,
    roles_only: bool = False,
    quiet_on_typed: bool | Callable[[Settings], bool] = False,
    typed_batch: TypedBatchCheck | None = None,
    typed_roles_only: bool = False,
    whole_file: bool = False,
    partial_holds_text: bool = False,
    any_layout: bool = False,
    chat_view: bool = False,
) -> Callable[[T], T]:
    """Register the decorated function (or, for file and dataset scope, class) as a rule."""

    kinds = frozenset(formats)

    def register(check: T) -> T:
        if not _CODE.match(code) or not _NAME.match(name):
            raise ValueError(f"malformed rule code or name: {code} {name}")
        clash = _RULES.get(code) or _BY_NAME.get(name)
        if clash is not None:
            where = _origin(clash.check)
            raise ValueError(
                f"rule {code} ({name}) clashes with {clash.code} ({clash.name}) of {where}"
            )
        # A docstring of its own is enough; only without one is an inherited one looked for
        # (inspect.getdoc cleans the whole text: dozens of rules' worth at every start-up).
        if not ((check.__doc__ or "").strip() or inspect.getdoc(check)):
            raise ValueError(f"rule {code} has no documentation")
        if trigger is not None and scope is not Scope.RECORD:
            raise ValueError(f"rule {code}: only record rules can have a trigger")
        if batch is not None and scope not in (Scope.LINE, Scope.RECORD):
            raise ValueError(f"rule {code}: a file rule's batch form is its visit_plain method")
        _check_fast_path_facts(code, scope, check, trigger, batch, quiet_on_object,
                               quiet_on_plain, roles_only, whole_file)  # fmt: skip
        if quiet_on_typed and (scope is not Scope.RECORD or trigger is not None):
            raise ValueError(f"rule {code}: only an untriggered record rule can be quiet_on_typed")
        if (typed_batch is not None or typed_roles_only) and scope is not Scope.RECORD:
            raise ValueError(
                f"rule {code}: a file rule's typed batch form is its visit_typed method"
            )
        if typed_roles_only and (typed_batch is not None or quiet_on_typed):
            raise ValueError(f"rule {code}: a typed_roles_only rule has no other typed form")
        if partial_holds_text and (scope is not Scope.FILE or whole_file):
            raise ValueError(f"rule {code}: only a mergeable file rule has a partial state")
        if chat_view and (any_layout or scope not in (Scope.RECORD, Scope.FILE, Scope.DATASET)):
            raise ValueError(
                f"rule {code}: only a record, file or dataset rule can read the chat view"
            )
        if chat_view and Format.CHAT not in kinds:
            raise ValueError(f"rule {code}: a chat_view rule must read chat records")
        _RULES[code] = _BY_NAME[name] = Rule(
            code=code,
            name=name,
            severity=severity,
            scope=scope,
            check=check,
            formats=kinds,
            aliases=tuple(aliases),
            default=default,
            options=dict(options or {}),
            fixable=fixable,
            trigger=trigger,
            on_validation=on_validation,
            batch=batch,
            quiet_on_object=quiet_on_object,
            quiet_on_plain=quiet_on_plain,
            roles_only=roles_only,
            quiet_on_typed=quiet_on_typed,
            typed_batch=typed_batch,
            typed_roles_only=typed_roles_only,
            whole_file=whole_file,
            partial_holds_text=partial_holds_text,
            any_layout=any_layout,
            chat_view=chat_view,
        )
        return check

    return register


def _check_fast_path_facts(
    code: str,
    scope: Scope,
    check: Any,
    trigger: str | None,
    batch: BatchCheck | None,
    quiet_on_object: bool,
    quiet_on_plain: bool | Callable[[Settings], bool],
    roles_only: bool,
    whole_file: bool,
) -> None:
    """Refuse facts that do not fit the rule's scope or contradict each other."""
    if quiet_on_object and scope is not Scope.LINE:
        raise ValueError(f"rule {code}: only a line rule can be quiet on objects")
    if (quiet_on_plain or roles_only) and scope is not Scope.RECORD:
        raise ValueError(f"rule {code}: only a record rule can be quiet_on_plain or roles_only")
    if roles_only and (quiet_on_plain or batch is not None or trigger is not None):
        raise ValueError(f"rule {code}: a roles_only rule has no other plain-record form")
    if quiet_on_plain is True and batch is not None:
        raise ValueError(f"rule {code}: a rule quiet on plain records needs no batch form")
    if scope is Scope.FILE:
        merges = [hasattr(check, method) for method in ("partial", "absorb")]
        if whole_file == any(merges) or any(merges) != all(merges):
            raise ValueError(
                f"rule {code}: a file rule either merges across byte ranges (both partial and "
                "absorb) or is declared whole_file=True (large files are then read twice)"
            )
    elif whole_file:
        raise ValueError(f"rule {code}: only a file rule can be whole_file")


def _origin(check: Any) -> str:
    """The module that registered a rule: names the plugin in a clash."""
    return str(getattr(check, "__module__", "?"))


def all_rules() -> Mapping[str, Rule]:
    """Every registered rule by code, in code order.

    The first call loads tunelint's rule modules and the plugins' (``engine.plugins``).
    """
    global _sorted
    # Rules ask for their options on every record: sort once, again only after a new rule.
    if not _sorted or len(_sorted) != len(_RULES):
        if not _RULES:
            from tunelint.engine.plugins import load_rule_modules

            load_rule_modules()  # registration happens on import
        _sorted = MappingProxyType(dict(sorted(_RULES.items())))
    return _sorted


def config_key(key: str, check: Callable[[str, Any], Any]) -> None:
    """Register a ``[tool.tunelint]`` key that rules read, with the check of its value
    (``check(key, value)`` returns the value or raises ``ConfigError``)."""
    if key in _CONFIG_KEYS:
        raise ValueError(f"configuration key {key!r} registered twice")
    _CONFIG_KEYS[key] = check


def config_keys() -> Mapping[str, Callable[[str, Any], Any]]:
    """The keys rules registered (loading the rules first)."""
    all_rules()
    return MappingProxyType(_CONFIG_KEYS)
