"""One way to show data in a message: secrets masked, non-printable characters escaped,
length bounded.

Findings quote the data they are about, and data can hold anything: an API key, an escape
sequence that clears the terminal, a newline that forges another output line, a megabyte
of text. Every finding's message passes through ``clean`` when it is made, and values are
quoted with ``quote``, which masks before it cuts (a cut could leave a key's head that no
longer looks like a key). Outputs that show data another way (``--diff``, error lines)
pass it through ``clean`` too. The secret shapes here are also what PV001 looks for.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from tunelint.engine.patterns import LazyPattern

# (kind, literal every match contains, trigger, pattern): the literal is looked for first,
# in C, so texts without it cost one substring search per kind; the trigger (RE2, on the
# line as written: a slash may be escaped) is what every line holding one contains. The
# boundary check comes after the literal so that the regular expression engine can search
# for the literal. A key's body must mix letters and digits: "sk-this-is-a-placeholder"
# is not a key.
_BEFORE = r"(?<![A-Za-z0-9_-]{})"
_SECRET_SHAPES = (
    ("private key", "PRIVATE KEY", "PRIVATE KEY",
     r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"),
    ("Anthropic API key", "sk-ant-", "sk-ant-", r"sk-ant-" + _BEFORE + r"[A-Za-z0-9_-]{20,}"),
    ("OpenAI API key", "sk-", "sk-",
     r"sk-" + _BEFORE + r"(?!ant-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}"),
    ("AWS access key ID", "IA", "A[KS]IA",
     r"A[KS]IA(?<![A-Z0-9]A[KS]IA)[A-Z0-9]{16}(?![A-Z0-9])"),
    ("AWS secret access key", "_", "(?i:aws_secret_access_key)",
     r"(?i:aws_secret_access_key)[\"']?\s*[:=]\s*[\"']?[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])"),
    ("GitHub token", "gh", "gh[pousr]_",
     r"gh[pousr]_(?<![A-Za-z0-9_-]gh[pousr]_)[A-Za-z0-9]{36,}"),
    ("GitHub token", "github_pat_", "github_pat_",
     r"github_pat_" + _BEFORE + r"[A-Za-z0-9_]{22,}"),
    ("Slack token", "xox", "xox[abposr]-",
     r"xox[abposr]-(?<![A-Za-z0-9_-]xox[abposr]-)[A-Za-z0-9-]{10,}"),
    ("Slack webhook", "hooks.slack.com/", r"hooks\.slack\.com",
     r"hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]+"),
    ("Google API key", "AIza", "AIza",
     r"AIza" + _BEFORE + r"[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])"),
    ("Stripe secret key", "_live_", "[sr]k_live_",
     r"[sr]k_live_(?<![A-Za-z0-9_-][sr]k_live_)[0-9A-Za-z]{24,}"),
    ("Hugging Face token", "hf_", "hf_",
     r"hf_" + _BEFORE + r"[A-Za-z0-9]{34,}(?![A-Za-z0-9_-])"),
    ("JSON Web Token", "eyJ", "eyJ",
     r"eyJ" + _BEFORE + r"[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
)  # fmt: skip


@functools.cache
def secret_patterns() -> tuple[tuple[str, str, re.Pattern[str]], ...]:
    """(kind, literal, pattern) of each secret shape, compiled on first use: a run with
    nothing to quote never needs them (compiling them took 2% of `check` on 10 records)."""
    return tuple(
        (kind, literal, re.compile(pattern.replace("{}", re.escape(literal))))
        for kind, literal, _, pattern in _SECRET_SHAPES
    )


# A key written with JSON escapes (``\\u0073k-``) shows none of the triggers on the line.
SECRET_TRIGGER = "|".join(
    [*dict.fromkeys(trigger for _, _, trigger, _ in _SECRET_SHAPES), r"\\u00[0-7]"]
)
LETTER_AND_DIGIT = LazyPattern(r"(?=.*[A-Za-z])(?=.*[0-9])", re.DOTALL)


def mask(value: str) -> str:
    """``sk-p…9xQ``: at most four leading and three trailing characters, never a third more."""
    head = min(4, len(value) // 4)
    tail = min(3, len(value) // 4)
    return f"{value[:head]}…{value[len(value) - tail :]}" if tail else "…"


def _masked(found: re.Match[str]) -> str:
    secret = found.group()
    if secret.startswith("-----"):
        return secret  # a private key block's header: the key follows it
    return mask(secret)


def mask_secrets(text: str) -> str:
    """``text`` with every secret-shaped string masked."""
    for _, literal, pattern in secret_patterns():
        if literal in text:
            text = pattern.sub(_masked, text)
    return text


_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape_char(char: str) -> str:
    """One character as the escape every output shows it by (``\\n``, ``\\x01``, ``\\u202e``)."""
    if char in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def escape(text: str) -> str:
    """``text`` with control, format and separator characters (all but the space) escaped."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else escape_char(char) for char in text)


LONGEST_MESSAGE = 1000


def clean(text: str, limit: int = LONGEST_MESSAGE) -> str:
    """``text`` fit to print: secrets masked, non-printables escaped, at most ``limit``
    characters."""
    text = escape(mask_secrets(text))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quote(value: Any, limit: int = 40) -> str:
    """A value as a message shows it: a string in quotes, cut to ``limit`` characters, with
    secrets masked and escapes for what is not printable; anything else by its JSON type."""
    if not isinstance(value, str):
        from tunelint.engine.formats import json_type

        kind = json_type(value)
        return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"
    text = mask_secrets(value).replace("\\", "\\\\").replace("'", "\\'")
    text = escape(text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"'{text}'"
