"""Present ``tunelint stats --tokenizer DIR`` (``tunelint.template.stats``) as text or JSON."""

from __future__ import annotations

import json
from typing import TextIO

from tunelint.output.stats import _block, _plural, distribution_lines
from tunelint.template.stats import TemplateStats

_TITLES = {
    "tokens_per_example": "Tokens per example",
    "trained_tokens_per_example": "Trained tokens per example",
}


def template_stats_json(stats: TemplateStats) -> str:
    return json.dumps(stats.to_dict(), indent=2)


def template_stats_text(stats: TemplateStats, stream: TextIO) -> str:
    settings = stats.settings
    block = _block(stream)
    lines = [
        f"{_plural(stats.examples, 'example')} in {_plural(stats.files, 'file')}; "
        f"tokenizer {settings.tokenizer}, loss {settings.loss}",
        "",
    ]
    lines += distribution_lines(stats, _TITLES, block)
    share = f" ({stats.trained / stats.tokens:.1%})" if stats.tokens else ""
    lines += [
        f"Tokens trained: {stats.trained:,} of {stats.tokens:,}{share}",
        f"Examples without a trained token: {_plural(stats.untrained_examples, 'example')}",
    ]
    packing = stats.packing()
    if stats.max_length is None:
        lines.append("Maximum sequence length: unknown (give --max-seq-len N)")
    else:
        lines.append(
            f"Over the {stats.max_length:,}-token maximum sequence length (truncated on the "
            f"{settings.truncation_side}): {_plural(stats.over_length or 0, 'example')}"
        )
    if packing is not None and packing["fill"] is not None:
        lines.append(
            f"Packed into {packing['sequences']:,} sequences of {stats.max_length:,} tokens: "
            f"{packing['fill']:.1%} full"
        )
    for count, what in (
        (stats.failed, "the chat template fails to render (see `tunelint check`)"),
        (stats.unsupported, "no chat or prompt-completion record"),
    ):
        if count:
            lines.append(f"Not counted: {_plural(count, 'example')}: {what}")
    return "\n".join(lines)
