"""What a record or file rule is given to look at."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tunelint.engine.formats import Format
    from tunelint.engine.profiles import Profile
    from tunelint.engine.settings import Settings


@dataclass(frozen=True, slots=True)
class RecordContext:
    """One record (a line holding a JSON object) and where it stands in its file."""

    record: dict[str, Any]
    raw: bytes
    line: int
    example: int
    """1-based position among the file's non-blank lines (a broken line still counts)."""
    format: Format
    settings: Settings
    plain_roles: tuple[str, ...] | None = None
    """The roles, when the record is a plain conversation (``tunelint.engine.plain``)."""

    @property
    def profile(self) -> Profile:
        return self.settings.profile
