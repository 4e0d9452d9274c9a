"""Load tiktoken encodings offline, from the vocabulary files the ``bpe-openai`` wheel ships.

tiktoken downloads a vocabulary the first time an encoding is used, which fails on a machine
without internet. The same files (byte for byte: the sha256 is checked against the hash
tiktoken itself expects) are published on PyPI inside ``bpe_openai/data/``. They are read
without importing ``bpe_openai``, whose import loads a 74 MB native module, and the process
environment (``TIKTOKEN_CACHE_DIR`` and the like) is neither read nor changed.
"""

from __future__ import annotations

import binascii
import functools
import gzip
import hashlib
import importlib.util
import threading
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

_lock = threading.Lock()


class TokenizerError(TunelintError):
    """An encoding cannot be loaded (unknown name, missing or corrupt vocabulary file)."""


def vocabulary_path(name: str) -> Path:
    """The gzipped ``.tiktoken`` file for ``name`` inside the installed ``bpe-openai`` wheel."""
    spec = importlib.util.find_spec("bpe_openai")
    folders = spec.submodule_search_locations if spec else None
    if not folders:
        raise TokenizerError("the bpe-openai package is not installed (pip install bpe-openai)")
    for folder in folders:
        candidate = Path(folder) / "data" / f"{name}.tiktoken.gz"
        if candidate.is_file():
            return candidate
    raise TokenizerError(f"bpe-openai has no vocabulary file for {name}")


def read_ranks(name: str, expected_sha256: str | None = None) -> dict[bytes, int]:
    """Decompress, verify and parse the vocabulary of ``name`` (token bytes -> rank)."""
    expected = VOCABULARY_SHA256[name]
    if expected_sha256 not in (None, expected):
        raise TokenizerError(
            f"tiktoken expects {name} with sha256 {expected_sha256}, not {expected}"
        )
    path = vocabulary_path(name)
    try:
        data = gzip.decompress(path.read_bytes())
    except (OSError, EOFError) as error:
        raise TokenizerError(f"{path}: cannot read vocabulary: {error}") from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != expected:
        raise TokenizerError(f"{path}: sha256 {digest} is not the expected {expected}")
    # Lines of "<base64 token> <rank>"; the hash already proved the layout.
    fields = data.split()
    return dict(zip(map(binascii.a2b_base64, fields[0::2]), map(int, fields[1::2]), strict=True))


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
