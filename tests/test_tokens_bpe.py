"""bpe-openai's counts (the ``fast`` extra): the same as tiktoken's, and used by ``stats``
only on data large enough, never by ``check``."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

from tunelint.engine.pool import POOL_BYTES
from tunelint.tokens.bpe import bpe_count
from tunelint.tokens.counting import token_count

GENERATE = Path(__file__).resolve().parent.parent / "benchmarks" / "generate.py"

PIECES = [
    # English, with the contractions and numbers the pre-split treats apart
    "The flight",
    " to Seoul",
    " isn't",
    " we'll",
    " I'M",
    " 3.14159",
    " 1234567",
    " $20",
    # Korean and other scripts, accents composed and not
    "안녕하세요",
    " 감사합니다",
    "항공권 예약",
    "中文字符",
    "こんにちは",
    " السلام",
    "नमस्ते",
    "été",
    "e\u0301te\u0301",
    "Straße",
    "İstanbul",
    "ﬁne",
    # code
    "def count(text):\n    return len(text)\n",
    '{"city": "Busan", "rain": 0.25}',
    "if (x != y) { return -1; }",
    "    self.x = x  # why\n",
    "SELECT * FROM t;",
    "a_b__c___",
    # emoji, one code point and many
    "🙂",
    "🤖🤖🤖",
    "👨\u200d👩\u200d👧",
    "🇰🇷",
    "👍🏽",
    # whitespace runs, the lookahead of the pre-split
    " ",
    "  ",
    "   \n",
    "\n\n\n",
    "\t\t",
    " \t \n ",
    "\r\n",
    "\u00a0",
    "\u3000",
    "\u200b",
    " " * 40,
    "\n" * 9,
    "x" * 60,
    # text that looks like special tokens (counted as ordinary text)
    "<|endoftext|>",
    "<|im_start|>user",
    "<|fim_prefix|>",
    "<|endofprompt|>",
    "<|",
    "|>",
    # lone surrogates, which JSON allows
    "\ud800",
    "a\udc00b",
]


def _text(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.15:  # code points from every plane
        return "".join(
            chr(
                rng.choice(
                    [
                        rng.randint(32, 0x7F),
                        rng.randint(0xA0, 0x7FF),
                        rng.randint(0x800, 0xFFFF),
                        rng.randint(0x10000, 0x10FFFF),
                    ]
                )
            )
            for _ in range(rng.randint(1, 30))
        )
    if kind < 0.16:  # longer than one piece of the tokenizer (counting._pieces)
        return " ".join(rng.choice(PIECES) for _ in range(1000))
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 16)))


@pytest.mark.parametrize("encoding", ["cl100k_base", "o200k_base"])
def test_bpe_openai_counts_every_text_as_tiktoken_does(encoding: str) -> None:
    assert bpe_count(encoding) is not None  # else "fast" would be tiktoken against itself
    fast, slow = token_count(encoding, fast=True), token_count(encoding)
    rng = random.Random(25)
    texts = [_text(rng) for _ in range(30_000)]
    assert [text for text in texts if fast(text) != slow(text)] == []


def test_no_bpe_counter_for_an_encoding_of_no_openai_model() -> None:
    assert bpe_count("voyage3_base") is None  # bpe-openai has it, tiktoken does not


# Runs tunelint's command line; logs which tokenizer each process's counter was asked for
# (``fast``); prints its own process id and the tokenizer modules it imported (bpe-openai's,
# and tiktoken itself). With
# "without", bpe-openai cannot be found, as when the extra is not installed.
PROBE = """\
import json, os, sys
from tunelint.tokens import stats
if sys.argv[1] == "without":
    sys.modules["bpe_openai"] = None
token_count = stats.token_count
def logged(encoding, fast=False):
    with open(sys.argv[2], "a") as log:
        print(os.getpid(), fast, file=log)
    return token_count(encoding, fast)
stats.token_count = logged
from tunelint.cli import main
status = main(sys.argv[3:])
print(os.getpid(), *sorted(
    m for m, v in sys.modules.items() if v and (m == "tiktoken" or m.startswith("bpe_openai"))
))
"""


class Run(NamedTuple):
    output: str
    modules: list[str]
    """The tokenizer modules the command imported: bpe-openai's, and ``tiktoken``'s."""
    fast: dict[int, set[bool]]
    """Per process that counted, the ``fast`` values its counters were built with."""
    pid: int
    """The command's own process."""


def _run(bpe: str, *args: str | Path, cwd: Path) -> Run:
    """``tunelint ARGS`` with bpe-openai installed or ``without`` it."""
    log = cwd / "fast.log"
    log.unlink(missing_ok=True)
    log.touch()
    result = subprocess.run(
        [sys.executable, "-c", PROBE, bpe, log, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
        cwd=cwd,
    )
    output, last = result.stdout.rsplit("\n", 2)[:2]
    pid, *modules = last.split()
    fast: dict[int, set[bool]] = {}
    for line in log.read_text().splitlines():
        process, flag = line.split()
        fast.setdefault(int(process), set()).add(flag == "True")
    return Run(output, modules, fast, int(pid))


@pytest.fixture(scope="module")
def benchmark_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The benchmark generator's chat file, 8,000 examples: more than a pool's share
    (``POOL_BYTES``), so that ``--jobs 2`` uses workers."""
    path = tmp_path_factory.mktemp("bench") / "chat.jsonl"
    subprocess.run([sys.executable, str(GENERATE), str(path), "--examples", "8000"], check=True)
    assert path.stat().st_size > POOL_BYTES
    return path


@pytest.mark.parametrize("model", ["gpt-3.5-turbo-0125", "gpt-4o-mini"])
def test_stats_on_large_data_counts_with_bpe_openai_and_the_same_figures(
    benchmark_file: Path, model: str, tmp_path: Path
) -> None:
    stats = ("stats", "--model", model, "--format", "json", benchmark_file)
    fast = _run("with", *stats, "--jobs", "1", cwd=tmp_path)
    slow = _run("without", *stats, "--jobs", "1", cwd=tmp_path)
    assert fast.modules == ["bpe_openai._bindings"]  # the extension alone, not the package
    assert fast.fast == {fast.pid: {True}}
    assert "tiktoken" in slow.modules  # the same choice, and tiktoken counts
    assert not any(module.startswith("bpe_openai") for module in slow.modules)
    assert json.loads(fast.output)["examples"] == 8000
    assert fast.output == slow.output
    # Workers count with what the main process chose, and so give the same figures.
    pooled = _run("with", *stats, "--jobs", "2", cwd=tmp_path)
    assert pooled.output == slow.output
    assert pooled.modules == ["bpe_openai._bindings"]
    assert pooled.fast and pooled.pid not in pooled.fast
    assert all(flags == {True} for flags in pooled.fast.values())


def test_small_data_is_counted_with_bpe_openai_too_and_check_never_loads_it(
    benchmark_file: Path, tmp_path: Path
) -> None:
    # Loading bpe-openai's tables costs less than tiktoken's vocabulary: it pays at any size.
    small = tmp_path / "small.jsonl"
    with benchmark_file.open("rb") as source:
        small.write_bytes(b"".join(next(source) for _ in range(10)))
    stats = ("stats", "--model", "gpt-4o-mini", "--format", "json")
    run = _run("with", *stats, small, cwd=tmp_path)
    assert run.modules == ["bpe_openai._bindings"]  # tiktoken's vocabulary is never read
    assert run.fast == {run.pid: {True}}
    assert run.output == _run("without", *stats, small, cwd=tmp_path).output
    # check counts tokens (TK rules, cookbook profile) with tiktoken, on data of any size.
    check = ("check", "--no-cache", "--profile", "cookbook", "--format", "json", benchmark_file)
    assert not any(m.startswith("bpe_openai") for m in _run("with", *check, cwd=tmp_path).modules)
