"""Which characters of a rendered record the loss sees, per loss mode.

- ``assistant-turns`` (default): every assistant message, as axolotl
  (``roles_to_train: [assistant]``), LLaMA-Factory and Unsloth's
  ``train_on_responses_only`` train; from the template's ``{% generation %}`` blocks when
  it has them, otherwise by rendering prefixes: the messages before each assistant turn
  with the generation prompt, and through it, against the full rendering.
- ``assistant-only``: TRL's ``assistant_only_loss`` (transformers'
  ``return_assistant_tokens_mask``): the ``{% generation %}`` blocks and nothing else;
  a template without them trains no token.
- ``last-turn``: only the final assistant turn (``mask_history``, ``train_on_eos: last``).
- ``completion-only``: TRL's ``completion_only_loss`` on prompt-completion records; on a
  ``messages`` record, the assistant messages after the last other message.
- ``all``: every token (TRL's default on ``messages`` data).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from tunelint.template.rendering import ChatTemplate, Rendering, TemplateFailure


class Turn(NamedTuple):
    """An assistant turn (or a completion) as characters of the full rendering."""

    message: int | None
    """Its index in ``messages`` (``None``: a prompt-completion record's completion)."""
    start: int
    end: int
    prompt: str | None = None
    """The rendering of what comes before it, with the generation prompt, when known:
    its tokens should be a prefix of the full rendering's (``prompt-boundary-merge``)."""


def common_prefix(a: str, b: str) -> int:
    """The length of the longest common prefix of ``a`` and ``b``."""
    if b.startswith(a):
        return len(a)
    low, high = 0, min(len(a), len(b))
    while low < high:  # binary search over prefix equality: few string comparisons in C
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _turn_end(through: str, full: str, diverged: int) -> int:
    """Where a turn rendered as the last message ends inside the full rendering.

    Usually ``through`` is a prefix of ``full``. A template that renders a turn
    differently once later turns follow (Qwen3 drops earlier reasoning) diverges at
    ``diverged``: the turn then ends after the longest tail of ``through`` that the full
    rendering continues with there.
    """
    if diverged == len(through):
        return diverged
    tail = through[diverged:]
    rest = full[diverged:]
    for cut in range(len(tail)):
        if rest.startswith(tail[cut:]):
            return diverged + len(tail) - cut
    return diverged


def assistant_turns_by_prefix(
    template: ChatTemplate,
    messages: Sequence[Any],
    full: str,
    tools: Any,
    extra: dict[str, Any],
    wanted: Sequence[int],
) -> list[Turn]:
    """The turns of the assistant messages at ``wanted``, by rendering prefixes."""
    turns = []
    for index in wanted:
        prompt = template.render(messages[:index], tools, True, extra).text
        start = common_prefix(prompt, full)
        if index + 1 == len(messages):
            end = len(full)
        else:
            through = template.render(messages[: index + 1], tools, False, extra).text
            end = _turn_end(through, full, common_prefix(through, full))
        turns.append(Turn(index, start, max(start, end), prompt))
    return turns


def turns_from_generation(rendering: Rendering, assistants: Sequence[int]) -> list[Turn]:
    """The generation blocks as turns, matched to the assistant messages in order."""
    turns = []
    for position, (start, end) in enumerate(rendering.generation):
        message = assistants[position] if position < len(assistants) else None
        turns.append(Turn(message, start, end))
    return turns


def completion_messages(messages: Sequence[Any]) -> list[int]:
    """The trailing assistant messages: a ``messages`` record's completion."""
    wanted: list[int] = []
    for index in range(len(messages) - 1, -1, -1):
        if messages[index].get("role") != "assistant":
            break
        wanted.insert(0, index)
    return wanted


_PLAIN_KEYS = frozenset({"role", "content", "name", "weight"})
_PROBES = (
    [{"role": "user", "content": "Question one?"}, {"role": "assistant", "content": "Answer one."}],
    [
        {"role": "system", "content": "System text."},
        {"role": "user", "content": "Question one?"},
        {"role": "assistant", "content": "Answer one."},
        {"role": "user", "content": "Question two?"},
        {"role": "assistant", "content": "Answer two."},
    ],
)


class TurnShape:
    """How the template wraps an assistant answer, learned once and shared by every record:
    the text before it (the generation prompt) and after it (the end of turn).

    Where rendering prefixes of probe conversations finds exactly the turns that these
    two strings around each answer find, a record of plain messages (text contents, no
    tools) needs one rendering instead of two per assistant turn: its turns are found by
    searching the full rendering. Templates that render an answer differently by position
    or content (Qwen3 and its reasoning) fail the probe, or the search, and every record
    is rendered by prefixes.
    """

    def __init__(self, template: ChatTemplate) -> None:
        self.before = self.after = ""
        self.usable = False
        try:
            self._learn(template)
        except TemplateFailure:
            self.usable = False

    def _learn(self, template: ChatTemplate) -> None:
        first = _PROBES[0]
        prompt = template.render(first[:1], None, True).text
        base = template.render(first[:1], None, False).text
        full = template.render(first, None, False).text
        if not prompt.startswith(base) or not full.startswith(prompt):
            return
        answer = first[1]["content"]
        rest = full[len(prompt) :]
        if not rest.startswith(answer):
            return
        self.before, self.after = prompt[len(base) :], rest[len(answer) :]
        if not self.before or not self.after:
            return
        self.usable = True
        for probe in _PROBES:
            try:
                text = template.render(probe, None, False).text
                wanted = [i for i, m in enumerate(probe) if m["role"] == "assistant"]
                expected = assistant_turns_by_prefix(template, probe, text, None, {}, wanted)
            except TemplateFailure:
                # A probe the template rejects (a system message, for Gemma 2) says
                # nothing: records shaped like it fail to render anyway.
                continue
            found = self.find(probe, text, wanted)
            if found is None or [t[:3] for t in found] != [t[:3] for t in expected]:
                self.usable = False
                return

    def find(self, messages: Sequence[Any], full: str, wanted: Sequence[int]) -> list[Turn] | None:
        """The turns of the assistant messages at ``wanted``, or ``None`` when the record is
        not plain enough to find them without rendering prefixes."""
        if not self.usable:
            return None
        for message in messages:
            plain = isinstance(message.get("role"), str) and isinstance(message.get("content"), str)
            if not plain or not message.keys() <= _PLAIN_KEYS:
                return None
        turns = []
        position = 0
        chosen = set(wanted)
        for index, message in enumerate(messages):
            if message["role"] != "assistant":
                continue
            content = message["content"]
            found = -1
            for text in (content, content.strip()):
                found = full.find(f"{self.before}{text}{self.after}", position)
                if found >= 0:
                    break
            if found < 0:
                return None
            start = found + len(self.before)
            position = start + len(text) + len(self.after)
            if index in chosen:
                turns.append(Turn(index, start, position))
        return turns
