"""``tunelint stats --html``: the page, rendered by a real headless Chromium.

Chromium (the Debian package ``chromium``, which ``.ci/run`` installs) loads the page from
disk with networking off; the test reads the DOM it built, its console log, and
screenshots at desktop and phone sizes in light and dark mode.
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import WriteJsonl, run_tunelint

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--enable-logging=stderr",
    "--log-level=0",
)


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser, "install Chromium: apt-get install -y chromium (as .ci/run does)"
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    return subprocess.run(
        [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


class Bars(HTMLParser):
    """Bars of each chart (``figure[data-chart]``) in a DOM, and which are highlighted."""

    def __init__(self) -> None:
        super().__init__()
        self.chart: str | None = None
        self.bars: dict[str, list[bool]] = {}
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "figure" and found.get("data-chart"):
            self.chart = found["data-chart"]
            self.bars[self.chart] = []
        classes = (found.get("class") or "").split()
        if tag == "rect" and "bar" in classes and self.chart:
            self.bars[self.chart].append("highlight" in classes)
        self.scripts += tag == "script"


def pixel(png: Path, x: int = 0, y: int = 0) -> tuple[int, int, int]:
    """The colour of pixel (x, 0) of an 8-bit RGB(A) PNG with an unfiltered first byte run."""
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, idat = 8, b""
    width = channels = 0
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            width, _, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8
            channels = {2: 3, 6: 4}[colour]
        elif kind == b"IDAT":
            idat += body
        position += 12 + length
    raw = zlib.decompress(idat)
    row = raw[1 : 1 + width * channels]
    assert raw[0] == 0 or x == 0, "only the first pixel of a filtered row can be read"
    assert y == 0
    return tuple(row[x * channels : x * channels + 3])  # type: ignore[return-value]


@pytest.fixture
def report(tmp_path: Path, write_jsonl: WriteJsonl) -> Path:
    """A page for 60 examples of 2, 4 or 6 messages, two of them over the cookbook's limit."""
    records = []
    for n in range(60):
        turns = [{"role": "user", "content": f"question {n} " + "word " * (n * 7)}]
        for extra in range(n % 6):
            role = "assistant" if extra % 2 == 0 else "user"
            turns.append({"role": role, "content": f"turn {extra} " + "text " * (n % 13)})
        if turns[-1]["role"] != "assistant":
            turns.append({"role": "assistant", "content": "answer " * (n % 17 + 1)})
        records.append({"messages": turns})
    records[10]["messages"][0]["content"] = "토큰 " * 9000
    records[20]["messages"][0]["content"] = "토큰 " * 9500
    data = write_jsonl(records, "train.jsonl")
    page = tmp_path / "report.html"
    result = run_tunelint(
        "stats", data, "--profile", "cookbook", "--epochs", "3", "--html", page, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert f"wrote {page}" in result.stderr
    return page


def test_page_is_self_contained(report: Path) -> None:
    text = report.read_text(encoding="utf-8")
    assert "<script" not in text
    assert not re.search(r"\b(src|href)=", text)
    assert not re.search(r"https?://", text)
    assert "default-src 'none'" in text  # and the browser may fetch nothing


def test_chromium_renders_the_charts_without_console_messages(report: Path, tmp_path: Path) -> None:
    from tunelint.engine.config import ConfigFile, resolve_settings
    from tunelint.tokens.stats import compute_stats

    rendered = chromium(tmp_path, "--dump-dom", report.as_uri())
    assert ":CONSOLE" not in rendered.stderr, rendered.stderr
    dom = Bars()
    dom.feed(rendered.stdout)
    assert dom.scripts == 0

    settings = resolve_settings(ConfigFile(None, {}), {"profile": "cookbook"})
    stats = compute_stats([report.parent / "train.jsonl"], settings, epochs=3)
    token_bins = len(stats.histogram("tokens_per_example", 12))
    assert token_bins >= 10
    bars = dom.bars
    assert list(bars) == [
        "messages_per_example",
        "tokens_per_example",
        "assistant_tokens_per_example",
        "over_limit",
        "cost",
        "findings",
    ]
    assert len(bars["messages_per_example"]) == 5  # 2 to 6 messages: a bar each, 3 and 5 empty
    assert len(bars["tokens_per_example"]) == token_bins
    assert len(bars["assistant_tokens_per_example"]) == len(
        stats.histogram("assistant_tokens_per_example", 12)
    )
    assert bars["over_limit"] == [False, True]
    assert bars["cost"] == [epochs == 3 for epochs in range(1, 11)]  # the run's 3 epochs stand out
    assert bars["tokens_per_example"][-1]  # the bin beyond 16,385 tokens stands out
    statistics = run_tunelint(
        "check", report.parent / "train.jsonl", "--profile", "cookbook", "--statistics",
        "--output-format", "json", cwd=tmp_path,
    )  # fmt: skip
    assert len(bars["findings"]) == min(10, len(json.loads(statistics.stdout)))


def test_the_page_fits_a_phone_and_follows_dark_mode(report: Path, tmp_path: Path) -> None:
    light = tmp_path / "desktop-light.png"
    chromium(tmp_path, "--window-size=1280,1800", f"--screenshot={light}", report.as_uri())
    dark = tmp_path / "phone-dark.png"
    chromium(
        tmp_path,
        "--window-size=412,2400",
        "--force-dark-mode",
        "--blink-settings=preferredColorScheme=0",
        f"--screenshot={dark}",
        report.as_uri(),
    )
    assert sum(pixel(light)) > 3 * 240  # a white page
    assert sum(pixel(dark)) < 3 * 40  # a dark one
