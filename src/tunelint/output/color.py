"""Whether to colour the output, and the ANSI styles used when it is coloured.

``--color auto`` (the default) colours a terminal only, as ruff and pytest do: never a pipe
or a file, nor pre-commit's or a CI service's captured log. ``NO_COLOR`` (https://no-color.org)
turns colour off and ``FORCE_COLOR`` on, under ``auto``; ``--color always|never`` wins over both.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import ClassVar, TextIO

CHOICES = ("auto", "always", "never")

# Set by the services whose logs tunelint is most often read in (pre-commit sets PRE_COMMIT).
_CAPTURED_LOG_VARIABLES = ("CI", "PRE_COMMIT", "GITHUB_ACTIONS", "GITLAB_CI", "BUILDKITE")


def _set(environ: Mapping[str, str], name: str) -> bool:
    return environ.get(name, "") not in ("", "0", "false")


def use_color(choice: str, stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Colour ``stream`` under ``--color choice``?"""
    if choice != "auto":
        return choice == "always"
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):
        return False
    if _set(env, "FORCE_COLOR"):
        return True
    if any(_set(env, name) for name in _CAPTURED_LOG_VARIABLES) or env.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Style:
    """ANSI styles, or plain text when colour is off: one object for every format to use."""

    _CODES: ClassVar[dict[str, str]] = {
        "bold": "1",
        "dim": "2",
        "red": "31",
        "green": "32",
        "yellow": "33",
        "blue": "34",
        "cyan": "36",
        "bold_red": "1;31",
    }

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, name: str, text: str) -> str:
        if not self.enabled or not text:
            return text
        return f"\x1b[{self._CODES[name]}m{text}\x1b[0m"

    def severity(self, label: str, text: str) -> str:
        return self({"error": "bold_red", "warning": "yellow", "info": "blue"}[label], text)


PLAIN = Style(False)
