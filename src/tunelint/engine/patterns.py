"""Regular expressions compiled on first use.

``re.compile`` runs Python code: a large pattern costs a short run as much as importing a
module. Most patterns of the rules and the report only look at the few texts a trigger, a
cheaper test or a finding picks out, and a clean run of a small file should not compile
them (``tests/test_startup.py`` holds it to that).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any, AnyStr, Generic

_METHODS = ("search", "match", "fullmatch", "finditer", "sub")


class LazyPattern(Generic[AnyStr]):
    """``re.compile(pattern, flags)``, compiled the first time one of its methods is
    called; from then on the methods are the compiled pattern's own, as fast."""

    search: Callable[..., re.Match[AnyStr] | None]
    match: Callable[..., re.Match[AnyStr] | None]
    fullmatch: Callable[..., re.Match[AnyStr] | None]
    finditer: Callable[..., Iterator[re.Match[AnyStr]]]
    sub: Callable[..., AnyStr]

    def __init__(self, pattern: AnyStr, flags: int = 0) -> None:
        self.pattern: AnyStr = pattern
        self.flags = flags
        for name in _METHODS:
            setattr(self, name, self._first_call(name))

    def _first_call(self, name: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            compiled = re.compile(self.pattern, self.flags)
            for method in _METHODS:
                setattr(self, method, getattr(compiled, method))
            return getattr(compiled, name)(*args, **kwargs)

        return call
