"""What rules report (violations) and what the engine returns (findings, file results)."""

from __future__ import annotations

import enum
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tunelint.engine.fixes import Fix

JsonPath = tuple[str | int, ...]


class Severity(enum.IntEnum):
    """How bad a finding is; ordered so that ``severity >= fail_on`` means failure."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.upper()]
        except KeyError:
            choices = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {text!r} (expected one of {choices})") from None


def json_pointer(path: JsonPath) -> str:
    """RFC 6901 pointer for a location inside a record (``""`` is the whole record)."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def dotted_path(path: JsonPath) -> str:
    """Human-readable location: ``messages[2].role``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


@dataclass(frozen=True, slots=True)
class Violation:
    """One problem a rule found, located inside the record (or file) it was looking at.

    ``line`` and ``example`` are only set by file-scope rules that report on an earlier
    record than the one being visited (or from ``finish``); record rules leave them unset.
    ``column`` is left unset when the engine should find the location's column itself.
    ``fix`` is a safe repair of the line the violation is reported on (``engine.fixes``).
    """

    message: str
    location: JsonPath = ()
    column: int | None = None
    line: int | None = None
    example: int | None = None
    fix: Fix | None = None


@dataclass(slots=True)
class Finding:
    """A violation placed in a file and attributed to a rule: what adapters present.

    Not frozen, as one is made for every finding and a frozen dataclass is built several
    times slower. Only the merge of a file's byte ranges changes findings, renumbering
    the ones it received from the workers; anything else copies (``dataclasses.replace``).
    """

    code: str
    name: str
    severity: Severity
    message: str
    path: str
    line: int
    column: int
    example: int | None
    pointer: str
    fix: Fix | None = field(default=None, compare=False, repr=False)
    fingerprint: str = ""
    """Hash of the record the finding is about (``engine.fingerprint``): it follows the
    record when lines move, and changes when the record does."""

    def __reduce__(self) -> tuple[type[Finding], tuple[Any, ...]]:
        # Pickled by the constructor's arguments: a third of the default's work and size,
        # for findings crossing processes by the thousand.
        return Finding, _field_values(self)


_field_values: Callable[[Finding], tuple[Any, ...]] = operator.attrgetter(
    *(item.name for item in fields(Finding))
)


@dataclass(frozen=True, slots=True)
class FileResult:
    """What linting one file gave: its findings in order, and how many examples it has."""

    path: str
    findings: tuple[Finding, ...]
    examples: int
    """Non-blank lines: records, and lines that should have been records."""

    def without_fixes(self) -> FileResult:
        """This result with its fixes reduced to their descriptions (``Fix.described``),
        as fixes hold code: what crosses processes and disk.

        Only ``check --fix`` applies fixes, and it lints in its own process.
        """
        return replace(self, findings=described_fixes(self.findings))

    def failed(self, fail_on: Severity) -> bool:
        return any(finding.severity >= fail_on for finding in self.findings)


def described_fixes(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """``findings`` with each fix reduced to its description (copies of those that had one),
    so that reports still say which findings are fixable and how."""
    return tuple(
        finding if finding.fix is None else replace(finding, fix=finding.fix.described())
        for finding in findings
    )
