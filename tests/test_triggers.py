"""The trigger prefilter: which rules a raw line wakes up (``engine.triggers``)."""

from __future__ import annotations

import random

from tunelint.engine.registry import all_rules
from tunelint.engine.triggers import Triggers

TRIGGERS = Triggers((rule.code, rule.trigger) for rule in all_rules().values() if rule.trigger)


def test_a_plain_line_wakes_no_rule() -> None:
    line = b'{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello, how can I help?"}]}'
    assert TRIGGERS.fired(line) == frozenset()


def test_a_line_wakes_the_rules_whose_trigger_it_holds() -> None:
    line = b'{"messages": [{"role": "user", "content": "Mail me at a@b.co or call 010-2345-6789"}]}'
    assert TRIGGERS.fired(line) == {"PV002", "PV003", "PV004", "PV005"}


def test_an_escaped_latin1_character_wakes_every_rule() -> None:
    line = b'{"messages": [{"role": "user", "content": "caf\\u00e9"}]}'
    assert TRIGGERS.fired(line) == TRIGGERS.codes
    assert {"CT002", "CT003", "CT004", "PV001", "PV002"} <= TRIGGERS.codes


def test_a_huge_line_of_noise_is_searched_to_its_end() -> None:
    noise = random.Random(7).randbytes(30 << 20).replace(b"@", b"a").replace(b"\\", b"b")
    assert "PV002" not in TRIGGERS.fired(noise)
    assert "PV002" in TRIGGERS.fired(noise + b"x@y")
