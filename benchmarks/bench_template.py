"""Examples per second of the template rules (``--tokenizer``), on one core.

Builds a byte-level BPE tokenizer folder (8,000 tokens, trained on the generated data,
with ChatML special tokens and a Qwen2.5-style template, once into ``--workdir``), then
lints the benchmark's generated chat data with only the TM rules in one process and
reports examples per second, for the default loss mode (assistant turns found by
rendering prefixes) and for a template with ``{% generation %}`` blocks.

    python benchmarks/bench_template.py [--examples N] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from generate import generate  # noqa: E402

from tunelint.engine.config import ConfigFile, resolve_settings  # noqa: E402
from tunelint.engine.runner import lint_file  # noqa: E402

from tiny_tokenizers import CHATML_GENERATION, CHATML_TOOLS, train_bpe  # noqa: E402

SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]


def build_tokenizer(folder: Path, data: Path, template: str) -> Path:
    if (folder / "tokenizer.json").exists():
        return folder
    folder.mkdir(parents=True)
    with data.open(encoding="utf-8") as lines:
        texts = [line for _, line in zip(range(20_000), lines, strict=False)]
    tokenizer = train_bpe(texts, SPECIALS, 8000)
    tokenizer.save(str(folder / "tokenizer.json"))
    config = {"eos_token": "<|im_end|>", "chat_template": template}
    (folder / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")
    return folder


def measure(data: Path, folder: Path, examples: int, loss: str) -> tuple[float, float]:
    """Examples per second of wall time and per second of this process's CPU time: on a
    shared machine the second is the rate one core gives."""
    overrides = {"select": ["TM"], "tokenizer": str(folder), "loss": loss}
    settings = resolve_settings(ConfigFile(None), overrides)
    lint_file(data, settings)  # warm: tokenizer loaded, template compiled
    started, cpu = time.perf_counter(), time.process_time()
    result = lint_file(data, settings)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert result.examples == examples
    return examples / elapsed, examples / cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=20_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/tunelint-bench-template"))
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    data = args.workdir / f"chat-{args.examples}.jsonl"
    if not data.exists():
        generate(data, args.examples, 0)
    plain = build_tokenizer(args.workdir / "chatml", data, CHATML_TOOLS)
    marked = build_tokenizer(args.workdir / "chatml-generation", data, CHATML_GENERATION)
    print(f"{args.examples:,} generated chat examples, TM rules only, one process")
    for label, folder, loss in [
        ("prefix rendering (assistant-turns)", plain, "assistant-turns"),
        ("generation blocks (assistant-only)", marked, "assistant-only"),
        ("all tokens", plain, "all"),
    ]:
        wall, cpu = measure(data, folder, args.examples, loss)
        print(f"  {label:<36} {wall:>8,.0f} examples/s wall  {cpu:>8,.0f} per CPU-second")


if __name__ == "__main__":
    main()
