"""What a record or file rule is given to look at."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from tunelint.engine.findings import JsonPath

if TYPE_CHECKING:
    from tunelint.engine.formats import Format
    from tunelint.engine.profiles import Profile
    from tunelint.engine.settings import Settings

Piece = tuple[JsonPath, str]
"""A text of a record as written, and where it is."""
Origin = tuple[tuple[Piece, ...], ...]
"""Per message of a record's chat view, the pieces of the record its text is made of."""


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
    origin: Origin | None = None
    """Set when ``record`` is the chat view of a record in another dialect
    (``Settings.view``): where each message's text is in the record as written, raw."""

    @property
    def profile(self) -> Profile:
        return self.settings.profile
