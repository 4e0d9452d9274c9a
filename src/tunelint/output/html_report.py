"""``tunelint stats --html report.html``: one page to look at before paying for a run.

The page is self-contained: inline CSS and SVG, no script, no font, no image to fetch (its
Content-Security-Policy forbids any), so it opens offline, from an e-mail or an artifact.
It is readable on a phone (one column under 40em) and follows the reader's dark mode.
Every chart is an SVG of ``<rect class="bar">`` elements, one per bin, each with a
``<title>`` that a pointer or a screen reader shows.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

from tunelint.engine.atomic import atomic_write_text
from tunelint.tokens.stats import DatasetStats

HISTOGRAM_BINS = 12
TOP_FINDINGS = 10
MAX_EPOCHS_SHOWN = 10

_TITLES = {
    "messages_per_example": "Messages per example",
    "tokens_per_example": "Tokens per example",
    "assistant_tokens_per_example": "Assistant tokens per example",
    "trainable_tokens_per_example": "Trainable tokens per example",
}

_STYLE = """
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1d232b; --muted: #5b6673;
  --card: #f3f5f8; --bar: #2f6fdb; --accent: #d9480f; --grid: #d5dbe3; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #11151b; --fg: #e6e9ee; --muted: #9aa5b3; --card: #1b2129;
    --bar: #6ea0ff; --accent: #ff8a4c; --grid: #2c3440; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 64em; margin: 0 auto; padding: 1.25em; }
h1 { font-size: 1.5em; margin: 0 0 .25em; }
h2 { font-size: 1.1em; margin: 0 0 .5em; }
p.lead { color: var(--muted); margin: 0 0 1.25em; overflow-wrap: anywhere; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(9.5em, 1fr));
  gap: .75em; margin-bottom: 1.5em; }
.card { background: var(--card); border-radius: .6em; padding: .75em 1em; }
.card .value { font-size: 1.35em; font-weight: 650; display: block; }
.card .label { color: var(--muted); font-size: .85em; }
.card.warn .value { color: var(--accent); }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(26em, 1fr));
  gap: 1.25em; }
figure.chart { margin: 0; background: var(--card); border-radius: .6em; padding: 1em; }
figure.chart svg { width: 100%; height: auto; display: block; }
figcaption { color: var(--muted); font-size: .85em; margin-top: .4em; }
svg text { fill: var(--muted); font-size: 15px; font-family: inherit; }
svg text.value { fill: var(--fg); }
svg .bar { fill: var(--bar); }
svg .bar.highlight { fill: var(--accent); }
svg line.axis { stroke: var(--grid); }
@media (max-width: 40em) {
  main { padding: .75em; } .charts { grid-template-columns: 1fr; } }
"""


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    tooltip: str
    highlight: bool = False


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _column_chart(bars: Sequence[Bar]) -> str:
    """Vertical bars with the value above each and labels under the first, middle and last."""
    width, height, top, bottom, side = 600, 260, 26, 40, 8
    tallest = max((bar.value for bar in bars), default=0) or 1
    step = (width - 2 * side) / max(len(bars), 1)
    gap = min(6.0, step * 0.15)
    shown_labels = {0, len(bars) // 2, len(bars) - 1}
    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img">',
        f'<line class="axis" x1="{side}" x2="{width - side}" y1="{height - bottom}" '
        f'y2="{height - bottom}"/>',
    ]
    for index, bar in enumerate(bars):
        size = (height - top - bottom) * bar.value / tallest
        x = side + index * step + gap / 2
        y = height - bottom - size
        kind = "bar highlight" if bar.highlight else "bar"
        parts.append(
            f'<rect class="{kind}" x="{x:.1f}" y="{y:.1f}" width="{step - gap:.1f}" '
            f'height="{size:.1f}" rx="2"><title>{escape(bar.tooltip)}</title></rect>'
        )
        middle = x + (step - gap) / 2
        if bar.value and len(bars) <= 16:
            parts.append(
                f'<text class="value" x="{middle:.1f}" y="{y - 5:.1f}" text-anchor="middle">'
                f"{escape(_number(bar.value))}</text>"
            )
        if index in shown_labels:
            anchor = "start" if index == 0 else "end" if index == len(bars) - 1 else "middle"
            at = x if anchor == "start" else x + step - gap if anchor == "end" else middle
            parts.append(
                f'<text x="{at:.1f}" y="{height - bottom + 20}" text-anchor="{anchor}">'
                f"{escape(bar.label)}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)


def _row_chart(bars: Sequence[Bar]) -> str:
    """Horizontal bars, one labelled row each (for names too long to go under a column)."""
    width, row, label_width = 600, 30, 300
    height = row * len(bars) + 4
    longest = max((bar.value for bar in bars), default=0) or 1
    parts = [f'<svg viewBox="0 0 {width} {height}" role="img">']
    for index, bar in enumerate(bars):
        y = index * row + 4
        size = (width - label_width - 60) * bar.value / longest
        parts += [
            f'<text x="{label_width - 8}" y="{y + 17}" text-anchor="end">{escape(bar.label)}</text>',
            f'<rect class="bar" x="{label_width}" y="{y}" width="{max(size, 1):.1f}" '
            f'height="{row - 8}" rx="2"><title>{escape(bar.tooltip)}</title></rect>',
            f'<text class="value" x="{label_width + size + 6:.1f}" y="{y + 17}">'
            f"{escape(_number(bar.value))}</text>",
        ]
    parts.append("</svg>")
    return "".join(parts)


def _figure(name: str, title: str, chart: str, caption: str) -> str:
    return (
        f'<figure class="chart" id="{name}" data-chart="{name}"><h2>{escape(title)}</h2>'
        f"{chart}<figcaption>{escape(caption)}</figcaption></figure>"
    )


def _histogram(stats: DatasetStats, name: str) -> str:
    bins = stats.histogram(name, HISTOGRAM_BINS)
    limit = stats.model.context if name != "messages_per_example" else None
    bars = [
        Bar(
            f"{low:,}" if low == high else f"{low:,}-{high:,}",
            count,
            f"{count:,} examples with {low:,}" + ("" if low == high else f" to {high:,}"),
            highlight=limit is not None and high > limit,
        )
        for low, high, count in bins
    ]
    figures = stats.distribution(name)
    caption = "  ".join(
        f"{key} {_number(value)}" for key, value in figures.items() if value is not None
    )
    title = _TITLES.get(name, name.replace("_", " ").capitalize())
    return _figure(name, title, _column_chart(bars), caption or "no examples")


def _over_limit(stats: DatasetStats) -> str:
    limit = stats.model.context
    within = stats.examples - stats.over_limit
    bars = [
        Bar("within", within, f"{within:,} examples within {limit:,} tokens"),
        Bar(
            "over",
            stats.over_limit,
            f"{stats.over_limit:,} examples over {limit:,} tokens (truncated in training)",
            highlight=True,
        ),
    ]
    caption = f"the {limit:,}-token limit of {stats.model.name}; longer examples are truncated"
    return _figure("over_limit", "Examples over the limit", _column_chart(bars), caption)


def _cost(stats: DatasetStats) -> str:
    price = stats.model.price
    shown = max(MAX_EPOCHS_SHOWN, stats.epochs)
    bars = []
    for epochs in range(1, shown + 1):
        tokens = stats.billing_tokens * epochs
        value = tokens if price is None else round(tokens * price / 1_000_000, 2)
        text = f"{tokens:,} tokens" if price is None else f"${value:,.2f} ({tokens:,} tokens)"
        bars.append(Bar(str(epochs), value, f"{epochs} epochs: {text}", epochs == stats.epochs))
    what = "billed tokens" if price is None else f"US$ at ${price:,.2f} per 1M tokens"
    caption = f"{what}, by number of epochs; {stats.epochs} is the run's"
    return _figure("cost", "Cost per epoch count", _column_chart(bars), caption)


def _short(label: str, longest: int = 34) -> str:
    return label if len(label) <= longest else label[: longest - 1] + "…"


def _findings(counts: Sequence[tuple[str, str, int]]) -> str:
    bars = [
        Bar(_short(f"{code} {name}"), count, f"{count:,} findings of {code} ({name})")
        for code, name, count in counts[:TOP_FINDINGS]
    ]
    if not bars:
        return _figure("findings", "Top findings", "<p>No findings.</p>", "tunelint check")
    caption = f"the {len(bars)} most frequent rules of `tunelint check`"
    return _figure("findings", "Top findings", _row_chart(bars), caption)


def _card(label: str, value: str, warn: bool = False) -> str:
    kind = "card warn" if warn else "card"
    return (
        f'<div class="{kind}"><span class="value">{escape(value)}</span>'
        f'<span class="label">{escape(label)}</span></div>'
    )


def render_report(
    stats: DatasetStats, findings: Sequence[tuple[str, str, int]], sources: Sequence[str]
) -> str:
    """The page for ``stats`` of the files ``sources``; ``findings`` are (code, name, count),
    most frequent first."""
    model = stats.model
    cost = "not billed per token" if stats.usd is None else f"${stats.usd:,.2f}"
    cards = [
        _card("examples", f"{stats.examples:,}"),
        _card("over the limit", f"{stats.over_limit:,}", warn=stats.over_limit > 0),
        _card("billing tokens per epoch", f"{stats.billing_tokens:,}"),
        _card("epochs", str(stats.epochs)),
        _card("estimated cost", cost),
        _card("findings", f"{sum(count for _, _, count in findings):,}", warn=bool(findings)),
    ]
    names = [name for name in (*_TITLES, *stats.values) if name in stats.values]
    charts = [_histogram(stats, name) for name in dict.fromkeys(names)]
    charts += [_over_limit(stats), _cost(stats), _findings(findings)]
    what = ", ".join(sources[:3]) + (f" and {len(sources) - 3:,} more" if len(sources) > 3 else "")
    return "\n".join(
        [
            "<!doctype html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="color-scheme" content="light dark">',
            '<meta http-equiv="Content-Security-Policy" '
            "content=\"default-src 'none'; style-src 'unsafe-inline'\">",
            f"<title>tunelint stats: {escape(what)}</title>",
            f"<style>{_STYLE}</style></head><body><main>",
            "<h1>Before you train</h1>",
            f'<p class="lead">{escape(what)} · {model.name} ({model.encoding}, '
            f"{model.context:,}-token limit)</p>",
            f'<section class="cards">{"".join(cards)}</section>',
            f'<section class="charts">{"".join(charts)}</section>',
            "</main></body></html>",
        ]
    )


def write_report(
    file: Path, stats: DatasetStats, findings: list[tuple[str, str, int]], paths: Sequence[Path]
) -> None:
    """Write the page of ``stats`` and the ``findings`` counts (code, name, count) to ``file``."""
    page = render_report(stats, findings, [str(p) for p in paths])
    with atomic_write_text(file) as stream:
        stream.write(page)
    print(f"tunelint: wrote {file}", file=sys.stderr)
