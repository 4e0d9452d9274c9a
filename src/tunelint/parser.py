"""The command-line parser, which suggests the command or flag a typo was meant to be."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Iterator
from typing import Any, NoReturn

from tunelint.engine.patterns import LazyPattern
from tunelint.engine.suggest import did_you_mean

_INVALID_CHOICE = LazyPattern(r"invalid choice: '([^']*)' \(choose from (.*)\)")
_UNRECOGNIZED = LazyPattern(r"unrecognized arguments: (.*)")


def option_strings(parser: argparse.ArgumentParser) -> Iterator[str]:
    """Every flag of ``parser`` and of its subcommands, at any depth."""
    for action in parser._actions:
        yield from action.option_strings
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from option_strings(sub)


class SuggestingParser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The flags a misspelt one is matched against (a parser built for one subcommand
        # sets every command's).
        self.flags: Callable[[], Iterator[str]] = lambda: option_strings(self)
        self._checking_argument = False

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        # argparse checks each argument with a help formatter, and a formatter asks shutil
        # (which imports zlib, bz2 and lzma) for the terminal's width: the check needs no
        # width, so it gets a fixed one; help and usage still fit the terminal.
        self._checking_argument = True
        try:
            return super().add_argument(*args, **kwargs)
        finally:
            self._checking_argument = False

    def _get_formatter(self) -> argparse.HelpFormatter:
        if self._checking_argument:
            return argparse.HelpFormatter(self.prog, width=80)
        return super()._get_formatter()

    def error(self, message: str) -> NoReturn:
        super().error(message + self._suggestion(message))

    def _suggestion(self, message: str) -> str:
        choice = _INVALID_CHOICE.search(message)
        if choice:
            return did_you_mean(choice.group(1), re.findall(r"'([^']*)'", choice.group(2)))
        unrecognized = _UNRECOGNIZED.search(message)
        if unrecognized:
            flags = set(self.flags())
            for word in unrecognized.group(1).split():
                if word.startswith("--"):
                    hint = did_you_mean(word.partition("=")[0], flags)
                    if hint:
                        return hint
        return ""
