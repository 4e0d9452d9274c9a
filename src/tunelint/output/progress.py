"""A progress line on stderr while ``check`` reads large input.

Drawn only on a terminal, never in pre-commit's or a CI service's log (where it would be
noise), and only once the input is large enough to take a while. A thread redraws it ten
times a second, so the elapsed time moves even while one large file is being linted.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TextIO, TypeVar

PROGRESS_MIN_BYTES = 16 << 20
"""Input smaller than this is read too fast for a progress bar to be worth drawing."""
BAR_WIDTH = 30
_NOT_IN = ("CI", "PRE_COMMIT", "GITHUB_ACTIONS", "GITLAB_CI")

T = TypeVar("T")


def progress_wanted(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """A progress bar on ``stream`` helps: a terminal, and neither pre-commit nor CI."""
    env = os.environ if environ is None else environ
    if any(env.get(name, "") not in ("", "0", "false") for name in _NOT_IN):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


class CheckProgress:
    """``checking [####......] 40% of 253 MiB, file 3 of 10, 7 s``, redrawn in place."""

    def __init__(self, files: Sequence[Path], stream: TextIO) -> None:
        self.stream = stream
        self.sizes = [_size(path) for path in files]
        self.total = sum(self.sizes)
        self.done = self.index = 0
        self.started = time.monotonic()
        self.drawn = False
        import threading  # only for a bar on a terminal: a check in CI never imports it

        self.stop = threading.Event()
        self.lock = threading.Lock()

    def draw(self) -> None:
        with self.lock:
            fraction = self.done / self.total if self.total else 1.0
            filled = round(BAR_WIDTH * fraction)
            bar = "#" * filled + "." * (BAR_WIDTH - filled)
            files = len(self.sizes)
            place = f", file {min(self.index + 1, files)} of {files}" if files > 1 else ""
            elapsed = time.monotonic() - self.started
            self.stream.write(
                f"\rchecking [{bar}] {fraction:4.0%} of {self.total / 2**20:,.0f} MiB"
                f"{place}, {elapsed:.0f} s"
            )
            self.stream.flush()
            self.drawn = True

    def _redraw(self) -> None:
        while not self.stop.wait(0.1):
            self.draw()

    def track(self, results: Iterable[T]) -> Iterator[T]:
        """``results``, one per file in order, while the bar follows them."""
        import threading

        self.draw()
        thread = threading.Thread(target=self._redraw, daemon=True)
        thread.start()
        try:
            for result in results:
                with self.lock:
                    self.done += self.sizes[self.index]
                    self.index += 1
                self.clear()
                yield result
        finally:
            self.stop.set()
            thread.join()
            self.clear()

    def clear(self) -> None:
        with self.lock:
            if self.drawn:
                self.stream.write("\r\x1b[K")
                self.stream.flush()
                self.drawn = False


def with_progress(files: Sequence[Path], results: Iterable[T], enabled: bool) -> Iterable[T]:
    """``results`` of ``files``, with a progress bar on stderr when it helps and the input
    is large."""
    if not enabled or not progress_wanted(sys.stderr):
        return results
    progress = CheckProgress(files, sys.stderr)
    if progress.total < PROGRESS_MIN_BYTES:
        return results
    return progress.track(results)
