"""README's open-model examples are the real output of the commands they show."""

from __future__ import annotations

import re
import shlex
import shutil
from collections.abc import Callable
from pathlib import Path

from conftest import REPO, run_tunelint

TRAIN = r"""{"messages": [{"role": "user", "content": "What is the capital of France?"}, {"role": "assistant", "content": "Paris."}]}
{"messages": [{"role": "user", "content": "What does <|im_end|> mean?"}, {"role": "assistant", "content": "It ends a turn."}]}
{"messages": [{"role": "user", "content": "Weather in Paris?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]}, {"role": "tool", "tool_call_id": "c1", "content": "sunny"}, {"role": "assistant", "content": "Sunny."}]}
"""

SECTION = "## Open models: the chat template and what training learns"
CONSOLE = re.compile(r"```console\n\$ (tunelint check [^\n]*)\n(.*?)```", re.S)


def test_readme_console_examples(tokenizer: Callable[[str], Path], tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index(SECTION) :].split("\n## ", 1)[0]
    examples = CONSOLE.findall(section)
    assert len(examples) == 2
    for name, family in (("tiny-chatml", "chatml"), ("tiny-chatml-tools", "chatml-tools")):
        shutil.copytree(tokenizer(family), tmp_path / "models" / name)
    (tmp_path / "train.jsonl").write_text(TRAIN, encoding="utf-8")
    for command, output in examples:
        result = run_tunelint(*shlex.split(command)[1:], "--no-cache", cwd=tmp_path)
        assert result.stdout == output, command
