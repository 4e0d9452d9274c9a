"""What a record or file rule is given to look at."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from tunelint.engine.formats import Format
    from tunelint.engine.profiles import Profile
    from tunelint.engine.settings import Settings


class RecordContext(NamedTuple):
    """One record (a line holding a JSON object) and where it stands in its file.

    A named tuple, as one is made for every record: it is built several times faster
    than a frozen dataclass.
    """

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
