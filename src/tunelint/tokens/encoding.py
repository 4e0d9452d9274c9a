"""Load tiktoken encodings offline, from the vocabulary files the ``quicktok-v1`` wheel ships.

tiktoken downloads a vocabulary the first time an encoding is used, which fails on a machine
without internet. The same vocabularies are published on PyPI inside ``quicktok/data/``
(the lightest wheel that has both, 4 MB where ``bpe-openai``'s is 75 MB), as a list of
token bytes in rank order. Rebuilt as tiktoken's ``.tiktoken`` text, they have the sha256
tiktoken itself expects; the files of the release this was proven on are recognised by
their own sha256 (``KNOWN_FILES``), any other file is rebuilt and checked against
tiktoken's hash before use. They are read without importing ``quicktok``, and the process
environment (``TIKTOKEN_CACHE_DIR`` and the like) is neither read nor changed.
"""

from __future__ import annotations

import _thread
import functools
import types
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunelint.engine.errors import TunelintError

if TYPE_CHECKING:
    import tiktoken

VOCABULARY_SHA256 = {
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
}
"""The genuine vocabularies, as pinned in ``tiktoken_ext/openai_public.py``."""

ENCODINGS = tuple(VOCABULARY_SHA256)

KNOWN_FILES = {
    "cl100k_base": "4a945d497c213acde921bc8d69bc8dad9c603ea97c50c014e04ad0fadc09eecb",
    "o200k_base": "6b17521f79788c7ace48fc75f6edde125637a90b0018427e68f28d051b2ac1fe",
}
"""sha256 of quicktok-v1 0.4.0's vocabulary files, which rebuild to ``VOCABULARY_SHA256``
(``tests/test_tokens_encoding.py`` rebuilds them)."""

_FILE_NAMES = {"cl100k_base": "cl100k.vocab", "o200k_base": "o200k.vocab"}
# The modules that read a vocabulary (importlib.util, struct, binascii, threading) are
# imported when one is read: the models table imports this module for ENCODINGS on every
# `check`, which counts no token unless a token rule fires (about 6M instructions).
_lock = _thread.allocate_lock()  # what threading.Lock is


class TokenizerError(TunelintError):
    """An encoding cannot be loaded (unknown name, missing or corrupt vocabulary file)."""


def package_folders(package: str) -> list[Path]:
    """The folders of an installed package, found without running its ``__init__``
    (which may be slow, or need what it ships); empty when it is not installed."""
    import importlib.util

    spec = importlib.util.find_spec(package)
    return [Path(folder) for folder in (spec and spec.submodule_search_locations) or ()]


def vocabulary_path(name: str) -> Path:
    """The vocabulary file for ``name`` inside the installed ``quicktok-v1`` wheel."""
    folders = package_folders("quicktok")
    if not folders:
        raise TokenizerError("the quicktok-v1 package is not installed (pip install quicktok-v1)")
    for folder in folders:
        candidate = folder / "data" / _FILE_NAMES[name]
        if candidate.is_file():
            return candidate
    raise TokenizerError(f"quicktok-v1 has no vocabulary file for {name}")


def read_ranks(name: str, expected_sha256: str | None = None) -> dict[bytes, int]:
    """Read and verify the vocabulary of ``name`` (token bytes -> rank)."""
    import hashlib  # loads OpenSSL: not on the start-up of a `check` that counts no token

    expected = VOCABULARY_SHA256[name]
    if expected_sha256 not in (None, expected):
        raise TokenizerError(
            f"tiktoken expects {name} with sha256 {expected_sha256}, not {expected}"
        )
    path = vocabulary_path(name)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise TokenizerError(f"{path}: cannot read vocabulary: {error.strerror}") from None
    tokens = _tokens(path, data)
    if hashlib.sha256(data).hexdigest() != KNOWN_FILES[name]:
        digest = hashlib.sha256(tiktoken_text(tokens)).hexdigest()
        if digest != expected:
            raise TokenizerError(
                f"{path}: rebuilds to sha256 {digest}, not the expected {expected}"
            )
    return {token: rank for rank, token in enumerate(tokens)}


def _tokens(path: Path, data: bytes) -> list[bytes]:
    """The tokens of a quicktok vocabulary file, in order: a little-endian ``u32`` count,
    then per token its ``u16`` length, its bytes and its ``u32`` rank."""
    import struct

    length_of, rank_of = struct.Struct("<H"), struct.Struct("<I")
    tokens: list[bytes] = []
    try:
        count = rank_of.unpack_from(data, 0)[0]
        position = rank_of.size
        for _ in range(count):
            (length,) = length_of.unpack_from(data, position)
            start = position + length_of.size
            position = start + length
            tokens.append(data[start:position])
            position += rank_of.size  # the rank: the hash proves it is the token's position
    except struct.error as error:
        raise TokenizerError(f"{path}: not a vocabulary file: {error}") from None
    if position != len(data):
        raise TokenizerError(f"{path}: not a vocabulary file: bytes after the last token")
    return tokens


def tiktoken_text(tokens: list[bytes]) -> bytes:
    """The ``.tiktoken`` file of ``tokens`` (by rank): ``<base64 token> <rank>`` lines."""
    import binascii

    return b"".join(
        [
            binascii.b2a_base64(token, newline=False) + b" %d\n" % rank
            for rank, token in enumerate(tokens)
        ]
    )


def _offline_constructor(name: str) -> Any:
    """tiktoken's own constructor for ``name``, reading ranks from disk instead of the web.

    The constructor is rebuilt with its own globals plus a local ``load_tiktoken_bpe``, so the
    pattern and special tokens come from the installed tiktoken unchanged, the hash it expects
    is checked, and nothing in tiktoken is modified.
    """
    from tiktoken_ext import openai_public  # type: ignore[import-untyped]

    original = openai_public.ENCODING_CONSTRUCTORS[name]

    def load_tiktoken_bpe(url: str, expected_hash: str | None = None) -> dict[bytes, int]:
        return read_ranks(name, expected_hash)

    scope = {**original.__globals__, "load_tiktoken_bpe": load_tiktoken_bpe}
    return types.FunctionType(original.__code__, scope, original.__name__)


@functools.cache
def _load(name: str) -> tiktoken.Encoding:
    import tiktoken

    parameters = _offline_constructor(name)()
    return tiktoken.Encoding(**parameters)


def get_encoding(name: str) -> tiktoken.Encoding:
    """The encoding ``name`` (``cl100k_base`` or ``o200k_base``), loaded once per process."""
    if name not in VOCABULARY_SHA256:
        raise TokenizerError(f"unknown encoding {name!r} (known: {', '.join(ENCODINGS)})")
    with _lock:
        return _load(name)
