"""README's promises each name the tests that hold them: those tests must exist."""

from __future__ import annotations

import re

from conftest import REPO


def test_every_test_a_promise_names_exists() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## What tunelint promises", 1)[1].split("\n## ", 1)[0]
    named = re.findall(r"`(tests/[\w/]+\.py)(?:::(\w+))?`", section)
    assert len(named) >= 10
    for path, name in named:
        source = (REPO / path).read_text(encoding="utf-8")
        assert not name or f"def {name}(" in source, f"{path}::{name}"
    for promise in ("No record is lost", "Secrets are shown masked", "never a traceback",
                    "Memory stays bounded"):  # fmt: skip
        assert promise in section
