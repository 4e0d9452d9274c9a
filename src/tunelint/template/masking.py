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

from tunelint.template.rendering import ChatTemplate, Rendering


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
