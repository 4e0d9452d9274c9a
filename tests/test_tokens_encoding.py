"""Offline encodings: the genuine vocabularies, checked, without network or environment."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest
import tiktoken_ext.openai_public

from tunelint.tokens.encoding import (
    VOCABULARY_SHA256,
    TokenizerError,
    get_encoding,
    read_ranks,
    vocabulary_path,
)

from conftest import TOY, run_tunelint

KOREAN = "안녕하세요, 오늘 날씨가 정말 좋네요. 한국어 토큰 수를 세어 봅시다."


def test_pinned_hashes_are_the_ones_tiktoken_expects() -> None:
    source = Path(tiktoken_ext.openai_public.__file__).read_text(encoding="utf-8")
    for name, digest in VOCABULARY_SHA256.items():
        url = re.search(
            rf'"(https://[^"]+/{name}\.tiktoken)",\s*expected_hash="([0-9a-f]+)"', source
        )
        assert url is not None, name
        assert url.group(2) == digest


@pytest.mark.parametrize(
    ("name", "text", "tokens"),
    [
        # The figures of OpenAI's guide "How to count tokens with tiktoken".
        ("cl100k_base", "tiktoken is great!", [83, 1609, 5963, 374, 2294, 0]),
        ("o200k_base", "tiktoken is great!", [83, 8251, 2488, 382, 2212, 0]),
        ("cl100k_base", "hello world", [15339, 1917]),
        ("o200k_base", "hello world", [24912, 2375]),
    ],
)
def test_known_token_ids(name: str, text: str, tokens: list[int]) -> None:
    assert get_encoding(name).encode_ordinary(text) == tokens


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # bpe-openai's importlib use
@pytest.mark.parametrize(("name", "count"), [("cl100k_base", 44), ("o200k_base", 24)])
def test_korean_counts_agree_with_an_independent_tokenizer(name: str, count: int) -> None:
    # bpe-openai's Rust tokenizer is a separate implementation over the same vocabulary.
    import bpe_openai

    ours = get_encoding(name).encode_ordinary(KOREAN)
    assert len(ours) == count
    assert ours == bpe_openai.get_encoding(name).encode_ordinary(KOREAN)


def test_loaded_once_without_touching_the_environment() -> None:
    before = dict(os.environ)
    assert get_encoding("cl100k_base") is get_encoding("cl100k_base")
    assert dict(os.environ) == before


def test_vocabulary_found_without_importing_bpe_openai(tmp_path: Path) -> None:
    code = (
        "import sys; from tunelint.tokens.encoding import get_encoding; "
        "get_encoding('o200k_base'); print('bpe_openai' in sys.modules, 'numpy' in sys.modules)"
    )
    import subprocess

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert result.stdout.split() == ["False", "False"]
    assert vocabulary_path("o200k_base").name == "o200k_base.tiktoken.gz"


def test_a_hash_other_than_the_pinned_one_is_refused() -> None:
    with pytest.raises(TokenizerError, match="tiktoken expects cl100k_base"):
        read_ranks("cl100k_base", "0" * 64)


def test_unknown_encoding_is_a_one_line_error() -> None:
    with pytest.raises(TokenizerError, match="unknown encoding 'p50k_base'"):
        get_encoding("p50k_base")


def test_no_network_and_no_cache_still_counts(tmp_path: Path) -> None:
    """Proxies at a closed port and an empty tiktoken cache, for the child process only."""
    cache = tmp_path / "tiktoken-cache"
    cache.mkdir()
    closed = "http://127.0.0.1:9"
    env = {
        **os.environ,
        "HTTP_PROXY": closed,
        "HTTPS_PROXY": closed,
        "http_proxy": closed,
        "https_proxy": closed,
        "NO_PROXY": "",
        "no_proxy": "",
        "TIKTOKEN_CACHE_DIR": str(cache),
    }
    result = run_tunelint(
        "stats", TOY, "--model", "gpt-4o-mini", "--format", "json", cwd=tmp_path, env=env
    )
    assert result.returncode == 0, result.stderr
    assert '"examples": 5' in result.stdout
    assert list(cache.iterdir()) == []


@pytest.mark.parametrize(
    ("profile", "heavy"),
    [
        # The toy file's longest example has 26,108 bytes of text: within gpt-4o-mini's
        # 65,536 tokens by its size alone, but only its token count (8,032) shows it within
        # the cookbook's 16,385.
        ("openai", []),
        ("cookbook", ["tiktoken"]),
    ],
)
def test_check_loads_a_tokenizer_only_when_sizes_cannot_decide(
    tmp_path: Path, profile: str, heavy: list[str]
) -> None:
    import subprocess

    code = (
        "import sys; from tunelint.cli import main; "
        "main(['check', '--profile', sys.argv[1], sys.argv[2]]); "
        "print(sorted({'tiktoken', 'numpy', 'bpe_openai'} & {m.split('.')[0] for m in sys.modules}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, profile, str(TOY)],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert "TK001" not in result.stdout
    assert result.stdout.splitlines()[-1] == str(heavy)
