"""The interface every output format implements."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from tunelint.engine.findings import FileResult


class Reporter(Protocol):
    """Receives each file's result as soon as it is ready, then the end of the run."""

    def report(self, result: FileResult) -> None: ...

    def finish(self) -> None: ...
