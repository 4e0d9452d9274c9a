"""Token counts from bpe-openai's Rust tokenizer: the ``tunelint[fast]`` extra.

On the benchmark's texts bpe-openai counts the same tokens as tiktoken's ``encode_ordinary``
in about 0.6x its time (``tests/test_tokens_bpe.py`` compares the two). Importing its Python
package parses the vocabularies of all its encodings (about 1 s); its Rust extension alone
loads in milliseconds, with tables of its own. So the extension is loaded from the installed
package without running the package, as ``encoding`` reads quicktok's files without
importing quicktok. Any surprise (not installed, another layout, an encoding it lacks) means
no counter here, and tiktoken counts.
"""

from __future__ import annotations

import functools
import importlib.machinery
import importlib.util
import sys
import threading
from collections.abc import Callable
from typing import Any

from tunelint.tokens.encoding import package_folders

BPE_ENCODINGS = frozenset({"cl100k_base", "o200k_base"})
"""The encodings both tokenizers have (bpe-openai's ``voyage3_base`` is no OpenAI model's)."""

_EXTENSION = "bpe_openai._bindings"

_lock = threading.Lock()


def bpe_count(encoding: str) -> Callable[[str], int] | None:
    """bpe-openai's token count of a text in ``encoding``, or ``None`` where it has none."""
    if encoding not in BPE_ENCODINGS:
        return None
    with _lock:
        return _load(encoding)


@functools.cache
def _load(encoding: str) -> Callable[[str], int] | None:
    try:
        count: Callable[[str], int] = _extension().tokenizer_for_encoding(encoding).count
    except (ImportError, AttributeError, ValueError, RuntimeError):
        return None

    def count_text(text: str) -> int:
        try:
            return count(text)
        except UnicodeEncodeError:
            # A lone surrogate (JSON allows "\ud800"): replaced as tiktoken replaces it.
            return count(text.encode("utf-16", "surrogatepass").decode("utf-16", "replace"))

    return count_text


def _extension() -> Any:
    """bpe-openai's Rust extension module, loaded (once per process) without its package.

    Raises ``ImportError`` when it is not installed or cannot be loaded.
    """
    loaded = sys.modules.get(_EXTENSION)
    if loaded is not None:
        return loaded
    for folder in package_folders("bpe_openai"):
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = folder / f"_bindings{suffix}"
            if path.is_file():
                loader = importlib.machinery.ExtensionFileLoader(_EXTENSION, str(path))
                spec = importlib.util.spec_from_file_location(_EXTENSION, path, loader=loader)
                assert spec is not None  # a file location with its loader always has a spec
                module = importlib.util.module_from_spec(spec)
                loader.exec_module(module)
                # Registered, so that importing bpe_openai later finds it, not a second copy.
                sys.modules[_EXTENSION] = module
                return module
    raise ImportError("bpe-openai is not installed")
