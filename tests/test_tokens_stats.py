"""Statistics and cost: the cookbook's figures, the epochs heuristic, models and config."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from tunelint.engine.batch import decode_block
from tunelint.engine.config import ConfigFile, check_keys, resolve_settings
from tunelint.engine.errors import ConfigError, UsageError
from tunelint.tokens import stats
from tunelint.tokens.models import MODELS, base_name, resolve_model
from tunelint.tokens.stats import compute_stats, default_epochs, percentile

from conftest import TOY, WriteJsonl

CHAT = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}]}


def settings(**values: object) -> object:
    return resolve_settings(ConfigFile(None), values)


def test_percentiles_and_mean_equal_numpys_to_the_last_bit() -> None:
    """The cookbook prints numpy's figures; tunelint computes them without numpy."""
    rng = random.Random(11)
    for _ in range(2000):
        ordered = sorted(
            rng.randint(0, rng.choice([3, 1000, 2**31])) for _ in range(rng.randint(1, 300))
        )
        data = np.array(ordered, dtype=np.uint32)
        for q in (5, 50, 95):
            assert percentile(ordered, q) == float(np.percentile(data, q))
        assert sum(ordered) / len(ordered) == float(data.mean())


def test_cookbook_parity_on_its_toy_file() -> None:
    stats = compute_stats([TOY], resolve_settings(ConfigFile(None)), "gpt-3.5-turbo-0125")
    figures = stats.to_dict()
    tokens = figures["distributions"]["tokens_per_example"]
    assistant = figures["distributions"]["assistant_tokens_per_example"]
    messages = figures["distributions"]["messages_per_example"]
    assert figures["examples"] == 5
    assert (figures["missing_system"], figures["missing_user"], figures["over_limit"]) == (1, 1, 0)
    assert (messages["min"], messages["max"], messages["mean"], messages["median"]) == (
        2,
        9,
        3.8,
        3,
    )
    assert (tokens["min"], tokens["max"], tokens["mean"], tokens["median"]) == (
        26,
        8032,
        1648.4,
        45,
    )
    assert (assistant["min"], assistant["max"], assistant["mean"]) == (4, 8000, 1610.2)
    assert figures["cost"] == {
        "billing_tokens": 8242,
        "epochs": 20,
        "billed_tokens": 164_840,
        "usd": 1.3187,  # 164,840 tokens at $8 per 1M
    }


def test_percentiles_are_the_true_5th_and_95th() -> None:
    stats = compute_stats([TOY], resolve_settings(ConfigFile(None)), "gpt-3.5-turbo")
    tokens = stats.distribution("tokens_per_example")
    values = [45, 111, 26, 28, 8032]
    assert tokens["p5"] == pytest.approx(np.percentile(values, 5)) == pytest.approx(26.4)
    assert tokens["p95"] == pytest.approx(np.percentile(values, 95)) == pytest.approx(6447.8)
    # The notebook's "p5 / p95" were its 10th and 90th percentiles: 26.8 and 4863.6.
    assert tokens["p5"] != pytest.approx(26.8)


@pytest.mark.parametrize(
    ("examples", "epochs"),
    [
        (0, 25),  # nothing to train; the cap applies
        (1, 25),  # 100 // 1 = 100, capped at 25
        (4, 25),
        (5, 20),  # the cookbook's toy file
        (33, 3),  # 99 < 100: 100 // 33 = 3
        (34, 3),  # 102 >= 100: the target
        (8333, 3),  # 24,999 <= 25,000
        (8334, 2),  # 25,002 > 25,000: 25,000 // 8,334 = 2
        (12_500, 2),
        (12_501, 1),
        (25_001, 1),  # 25,000 // 25,001 = 0, raised to the minimum
        (1_000_000, 1),
    ],
)
def test_default_epochs_heuristic(examples: int, epochs: int) -> None:
    assert default_epochs(examples) == epochs


def test_given_epochs_and_limit_capped_billing(write_jsonl: WriteJsonl) -> None:
    long = {"messages": [{"role": "user", "content": "word " * 100}, CHAT["messages"][1]]}
    path = write_jsonl([CHAT, long, CHAT])
    config = {"models": {"tiny": {"encoding": "cl100k_base", "context": 50, "price": 2}}}
    stats = compute_stats([path], settings(**config), "tiny", epochs=4)
    assert stats.to_dict()["over_limit"] == 1
    assert stats.billing_tokens == 13 + 50 + 13
    assert stats.to_dict()["cost"] == {
        "billing_tokens": 76,
        "epochs": 4,
        "billed_tokens": 304,
        "usd": round(304 * 2 / 1e6, 4),
    }
    with pytest.raises(UsageError):
        compute_stats([path], settings(), epochs=0)


def test_empty_file_and_lines_that_are_not_records(write_jsonl: WriteJsonl) -> None:
    path = write_jsonl(["", "[1, 2]", "{not json"])
    stats = compute_stats([path], settings())
    assert stats.skipped == 2
    figures = stats.to_dict()
    assert figures["examples"] == 0
    assert figures["distributions"]["tokens_per_example"]["mean"] is None
    assert figures["cost"]["billing_tokens"] == 0


def test_developer_counts_as_system_except_in_the_cookbook_profile(
    write_jsonl: WriteJsonl,
) -> None:
    path = write_jsonl(
        [{"messages": [{"role": "developer", "content": "Be brief."}, *CHAT["messages"]]}]
    )
    assert compute_stats([path], settings()).missing_system == 0
    assert compute_stats([path], settings(profile="cookbook")).missing_system == 1


@pytest.mark.parametrize(
    ("given", "base", "encoding", "context"),
    [
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini", "o200k_base", 65_536),
        ("ft:gpt-4.1-nano-2025-04-14:acme::abc", "gpt-4.1-nano", "o200k_base", 32_768),
        ("ft:gpt-3.5-turbo-0125:acme::abc", "gpt-3.5-turbo", "cl100k_base", 16_385),
        ("gpt-3.5-turbo-1106", "gpt-3.5-turbo", "cl100k_base", 16_385),
        ("gpt-3.5-turbo-0613", "gpt-3.5-turbo-0613", "cl100k_base", 4_096),
        ("gpt-4.1-2025-04-14", "gpt-4.1", "o200k_base", 65_536),
        ("o4-mini-2025-04-16", "o4-mini", "o200k_base", 65_536),
    ],
)
def test_models_by_name_snapshot_and_ft_prefix(
    given: str, base: str, encoding: str, context: int
) -> None:
    info = resolve_model(given)
    assert (info.name, info.encoding, info.context) == (given, encoding, context)
    assert MODELS[base].encoding == encoding


def test_ft_prefix_stripped_before_mapping() -> None:
    # Without stripping, "ft:gpt-4.1-mini-…" would not be found (or match the wrong entry).
    assert base_name("ft:gpt-4.1-mini-2025-04-14:org:custom:id") == "gpt-4.1-mini-2025-04-14"
    assert resolve_model("ft:gpt-4.1-mini-2025-04-14:org:custom:id").price == 5.0


def test_a_configured_fine_tuned_model_wins_over_its_base() -> None:
    mine = "ft:gpt-4o-mini-2024-07-18:acme::abc"
    overrides = check_keys({"models": {mine: {"encoding": "o200k_base", "context": 100}}})
    assert resolve_model(mine, overrides["models"]).context == 100
    assert (
        resolve_model("ft:gpt-4o-mini-2024-07-18:acme::other", overrides["models"]).context
        == 65_536
    )


def test_unknown_model_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"unknown model 'gpt-4-turbo' \(known: gpt-3\.5-turbo"):
        resolve_model("gpt-4-turbo")


def test_config_overrides_a_price_and_adds_a_model() -> None:
    table = check_keys(
        {"models": {"gpt-4o": {"price": 20}, "mine": {"encoding": "o200k_base", "context": 1000}}}
    )
    overrides = table["models"]
    assert resolve_model("gpt-4o-2024-08-06", overrides).price == 20.0
    assert resolve_model("gpt-4o", overrides).context == 65_536
    assert resolve_model("mine", overrides).price is None


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"mine": {"context": 10}}, "needs 'encoding' and 'context'"),
        ({"gpt-4o": {"encoding": "p50k_base"}}, "encoding must be one of"),
        ({"gpt-4o": {"context": 0}}, "context must be a positive integer"),
        ({"gpt-4o": {"price": -1}}, "price must be a non-negative number"),
        ({"gpt-4o": {"cost": 1}}, "unknown key 'cost'"),
        ({"gpt-4o": 3}, "must be a table"),
    ],
)
def test_invalid_models_table(entry: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        check_keys({"models": entry})


def test_stats_reads_folders(tmp_path: Path, write_jsonl: WriteJsonl) -> None:
    write_jsonl([CHAT], name="a/one.jsonl")
    write_jsonl([CHAT, CHAT], name="a/two.jsonl")
    stats = compute_stats([tmp_path / "a"], settings())
    assert (stats.files, stats.examples) == (2, 3)


def _sample_record(rng: random.Random) -> object:
    """A record of the many kinds a file mixes: mostly plain conversations (names,
    function results, Korean, repeated system prompts), and the near misses around them."""
    words = ["the", "flight", "서울", "예약", "refund", "{x}", "  ", "\u00e9t\u00e9", "🙂", "a\nb"]

    def text() -> str:
        return " ".join(rng.choice(words) for _ in range(rng.randint(1, 12)))

    messages: list[dict[str, object]] = []
    if rng.random() < 0.8:
        messages.append(
            {"role": rng.choice(["system", "system", "developer"]), "content": "Be brief."}
        )
    for _ in range(rng.randint(1, 3)):
        if rng.random() < 0.95:
            messages.append({"role": "user", "content": text()})
        if rng.random() < 0.1:
            messages.append({"role": "function", "name": "weather", "content": '{"t": 3}'})
        messages.append({"role": "assistant", "content": text()})
    kind = rng.random()
    if kind < 0.05:
        messages[-1]["name"] = rng.choice(["bot", "봇"])
    elif kind < 0.08:
        messages[-1]["content"] = rng.choice(["", " ", None, [{"type": "text", "text": "hi"}]])
    elif kind < 0.1:
        messages[-1]["weight"] = 0
    elif kind < 0.12:
        messages.pop()  # no answer at the end, or none at all
    elif kind < 0.14:
        return {"messages": messages, "tools": [{"type": "function", "function": {"name": "f"}}]}
    elif kind < 0.15:
        return {"prompt": text(), "completion": text()}
    elif kind < 0.16:
        return {"conversations": [{"from": "human", "value": text()}]}
    return {"messages": messages}


def test_plain_records_are_counted_as_any_record_is(
    write_jsonl: WriteJsonl, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Plain records are counted from their typed messages; every figure must be what the
    # record-by-record count gives, on 30,000 records of every kind and broken lines.
    rng = random.Random(25)
    lines: list[object] = []
    for _ in range(30_000):
        lines.append(
            _sample_record(rng) if rng.random() < 0.995 else rng.choice(["", "{bad", "[]"])
        )
    path = write_jsonl(lines)
    for profile in ("openai", "cookbook"):
        options = settings(profile=profile)
        fast = compute_stats([path], options, model="gpt-4o-mini")
        with monkeypatch.context() as patch:
            patch.setattr(stats, "decode_block", lambda raws: decode_block(raws, False))
            slow = compute_stats([path], options, model="gpt-4o-mini")
        assert fast == slow
        assert fast.missing_system > 1000 and fast.missing_user > 300
        assert fast.uncountable > 100 and fast.skipped > 50
