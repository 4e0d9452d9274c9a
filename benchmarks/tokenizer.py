"""``cl100k_base`` for the cookbook script, offline.

tiktoken downloads its vocabulary on first use; the genuine file ships in the
``bpe-openai`` wheel, and tiktoken's own loader verifies it against the hash it expects.
"""

from __future__ import annotations

import gzip
import tempfile
from importlib.resources import files
from pathlib import Path

import tiktoken
import tiktoken.load
import tiktoken_ext.openai_public as public


def cl100k_base() -> tiktoken.Encoding:
    packed = files("bpe_openai.data").joinpath("cl100k_base.tiktoken.gz").read_bytes()
    with tempfile.TemporaryDirectory() as folder:
        vocabulary = Path(folder) / "cl100k_base.tiktoken"
        vocabulary.write_bytes(gzip.decompress(packed))
        load = public.load_tiktoken_bpe
        public.load_tiktoken_bpe = lambda _url, expected_hash: tiktoken.load.load_tiktoken_bpe(
            str(vocabulary), expected_hash
        )
        try:
            return tiktoken.Encoding(**public.cl100k_base())
        finally:
            public.load_tiktoken_bpe = load
