"""Every rule's documentation is Markdown with the same sections, and its JSONL example and
fix are data cases: the example makes the rule report, the fix does not."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from tunelint.engine.config import ConfigFile, resolve_settings
from tunelint.engine.registry import Rule, all_rules
from tunelint.engine.runner import lint_file
from tunelint.engine.template_settings import TemplateSettings

SECTIONS = ["What it does", "Why is this bad?", "Example", "How to fix"]
OPTIONAL = {"Targets": "How to fix"}
"""Sections a rule may have, each before the one named: what the targets change."""
PROSE_EXAMPLES = {
    "DS001": "needs ten records or more",
    "DS005": "needs two files and a configuration",
    "JL004": "a byte-order mark is invisible in a block",
    "JL005": "bytes that are not UTF-8 cannot be shown as text",
    "JL006": "a carriage return is invisible in a block",
    "PF003": "needs hundreds of pairs",
    "SC011": "eleven images do not fit on a line to read",
    "SC012": "needs a grader (--grader)",
    "CT006": "needs the same artifact on nearly every line of a file",
    "TG003": "needs more examples than the target accepts",
    "TG004": "needs a file larger than the target accepts",
    "JL007": "needs a line of more than 16 MiB",
    "TG007": "a JSON array a trainer reads whole is not JSONL",
    "TK001": "needs an example of thousands of tokens",
    "TM003": "needs a conversation longer than the maximum sequence length",
    "TM004": "needs a template whose generation blocks leave the end-of-turn token out",
}
"""Rules whose example is told in words, and why; every other rule shows JSONL."""
_RST_LITERAL = re.compile(r"(?<!`)``(?!`)")
RULES = all_rules()
TEMPLATE_FAMILIES = {
    "TM001": "gemma",  # "With a Gemma template, which rejects the `system` role"
    "TM002": "chatml",
    "TM005": "qwen3",  # "With a Qwen3-style template"
    "TM006": "chatml",
    "TM007": "chatml-tools",  # "With a template that writes `{{ tool_call.arguments | tojson }}`"
    "TM008": "chatml",
}
"""The tiny tokenizer (``tests/tiny_tokenizers.py``) a chat-template rule's example is run
with: the family its documentation names."""


def section(doc: str, title: str) -> str:
    return doc.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def jsonl_blocks(text: str) -> list[str]:
    return re.findall(r"```jsonl\n(.*?)\n```", text, re.DOTALL)


@pytest.mark.parametrize("rule", RULES.values(), ids=list(RULES))
def test_documentation_is_markdown_with_the_usual_sections(rule: Rule) -> None:
    doc = rule.documentation
    assert not _RST_LITERAL.search(doc), f"{rule.code}: use `code`, not ``code``"
    found = re.findall(r"^## (.+)$", doc, re.M)
    for optional, before in OPTIONAL.items():
        if optional in found:
            assert found.index(optional) == found.index(before) - 1, f"{rule.code}: {found}"
            found.remove(optional)
    assert found == SECTIONS
    if rule.code in PROSE_EXAMPLES:
        return
    assert len(jsonl_blocks(section(doc, "Example"))) == 1, f"{rule.code}: a ```jsonl example"
    assert len(jsonl_blocks(section(doc, "How to fix"))) == 1, (
        f"{rule.code}: end 'How to fix' with the example fixed, in a ```jsonl block"
    )


def _codes(
    tmp_path: Path, name: str, block: str, rule: Rule, tokenizer: Callable[[str], Path]
) -> set[str]:
    path = tmp_path / f"{name}.jsonl"
    path.write_text(block + "\n", encoding="utf-8")
    # An example for one target says so: "With `--target together`:".
    target = re.search(r"`--target (\S+)`", section(rule.documentation, "Example"))
    overrides = {"select": [rule.code], **({"target": [target[1]]} if target else {})}
    settings = resolve_settings(ConfigFile(None, {}), overrides)
    if rule.code in TEMPLATE_FAMILIES:
        folder = tokenizer(TEMPLATE_FAMILIES[rule.code])
        settings = replace(settings, template=TemplateSettings(tokenizer=str(folder)))
    return {finding.code for finding in lint_file(path, settings).findings}


@pytest.mark.parametrize(
    "rule", [r for r in RULES.values() if r.code not in PROSE_EXAMPLES], ids=lambda r: r.code
)
def test_the_example_is_reported_and_its_fix_is_not(
    rule: Rule, tmp_path: Path, tokenizer: Callable[[str], Path]
) -> None:
    (example,) = jsonl_blocks(section(rule.documentation, "Example"))
    (fixed,) = jsonl_blocks(section(rule.documentation, "How to fix"))
    assert _codes(tmp_path, "example", example, rule, tokenizer) == {rule.code}
    assert _codes(tmp_path, "fixed", fixed, rule, tokenizer) == set()


def test_every_template_rule_with_an_example_names_its_tokenizer() -> None:
    shown = {code for code in RULES if code.startswith("TM") and code not in PROSE_EXAMPLES}
    assert shown == set(TEMPLATE_FAMILIES)


def test_docs_rules_md_is_current_and_every_rule_url_has_its_heading() -> None:
    """JSON and SARIF link each finding to ``docs/rules.md#code``: the page exists, is what
    ``tunelint rules --output-format markdown`` writes, and has that heading."""
    from tunelint.output.catalogue import rule_url

    from conftest import REPO, run_tunelint

    page = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    written = run_tunelint("rules", "--output-format", "markdown", cwd=REPO)
    assert page == written.stdout, (
        "regenerate: tunelint rules --output-format markdown > docs/rules.md"
    )
    anchors = {line[3:].lower() for line in page.splitlines() if line.startswith("## ")}
    for code in all_rules():
        url = rule_url(code)
        assert url.endswith(f"/docs/rules.md#{code.lower()}") and code.lower() in anchors
