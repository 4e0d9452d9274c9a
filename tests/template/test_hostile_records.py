"""Records of every odd shape go through every template and loss mode without a crash:
what a template cannot render is a TM001 finding, never an exception."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tunelint.engine.config import ConfigFile, resolve_settings
from tunelint.engine.registry import all_rules
from tunelint.engine.runner import lint_file
from tunelint.engine.template_settings import LOSS_MODES

from tiny_tokenizers import FAMILIES

HOSTILE = Path(__file__).parent / "hostile.jsonl"


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_hostile_records(family: str, tokenizer: Callable[[str], Path]) -> None:
    for loss in LOSS_MODES:
        overrides = {
            "select": ["TM"],
            "tokenizer": str(tokenizer(family)),
            "loss": loss,
            "max-seq-len": 8,
        }
        result = lint_file(HOSTILE, resolve_settings(ConfigFile(None), overrides))
        assert result.examples == 17
        assert {finding.code for finding in result.findings} <= {
            code for code in all_rules() if code.startswith("TM")
        }
