""" "Did you mean …?" for a near-miss name: rule codes and names, configuration keys, commands."""

from __future__ import annotations

from collections.abc import Iterable


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice ``word`` most likely misspells (case and ``_``/``-`` aside), if any."""

    def folded(text: str) -> str:
        return text.lower().replace("_", "-")

    by_folded: dict[str, str] = {}
    for choice in choices:
        by_folded.setdefault(folded(choice), choice)
    if folded(word) in by_folded:
        return by_folded[folded(word)]
    import difflib  # only a misspelling pays for it

    close = difflib.get_close_matches(folded(word), list(by_folded), n=1, cutoff=0.6)
    return by_folded[close[0]] if close else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'X'?"`` to end an error message with, or ``""``."""
    match = closest(word, choices)
    return f"; did you mean {match!r}?" if match is not None and match != word else ""
