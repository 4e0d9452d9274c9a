"""CV: the structure of a conversation — who speaks, in what order, what is trained."""

from __future__ import annotations

from collections.abc import Iterator

from tunelint.rules.authoring import (
    Format,
    RecordContext,
    Scope,
    Severity,
    Violation,
    is_one_of,
    quote,
    rule,
)
from tunelint.rules.tally import RecordTally
from tunelint.rules.walk import SYSTEM_ROLES, PerRecord, chat_messages

CONVERSATION_FORMATS = (Format.CHAT, Format.REINFORCEMENT)


_roles = PerRecord(lambda ctx: [message.get("role") for message in chat_messages(ctx)])
"""The role of each message of a conversation, read once for the rules of this family."""


def _system_roles(ctx: RecordContext) -> frozenset[str]:
    return frozenset({"system"}) if ctx.profile.cookbook_semantics else SYSTEM_ROLES


@rule("CV001", "missing-assistant-message", Severity.ERROR, formats=[Format.CHAT],
      aliases=["example_missing_assistant_message"], quiet_on_plain=True, quiet_on_typed=True)  # fmt: skip
def missing_assistant_message(ctx: RecordContext) -> Iterator[Violation]:
    """A chat example has no assistant message.

    ## What it does
    Reports chat examples in which no message has the role `assistant`
    (`example_missing_assistant_message` in the cookbook).

    ## Why is this bad?
    Supervised fine-tuning learns the assistant's turns; an example without one teaches
    nothing, and the provider rejects it.

    ## Example
    ```jsonl
    {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]}
    ```

    ## How to fix
    Add the answer the model should give as an assistant message.

    ```jsonl
    {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    ```
    """
    roles = _roles(ctx)
    if roles and "assistant" not in roles:
        yield Violation("example has no assistant message", ("messages",))


@rule("CV002", "missing-system-message", Severity.WARNING, Scope.FILE, formats=CONVERSATION_FORMATS)
class MissingSystemMessage(RecordTally):
    """Examples have no system (or developer) message.

    ## What it does
    Counts the examples without a `system` message (or `developer`, its newer name;
    the `cookbook` profile counts `system` only, as the notebook does) and reports
    them once for the file: "N of M examples have no system message; first at line L",
    the count the cookbook notebook prints as a warning.

    ## Why is this bad?
    The system message sets the behaviour the model learns; training without it means the
    tuned model behaves that way only when prompted without one. Mixing examples with and
    without a system message is usually unintended.

    ## Example
    ```jsonl
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    ```

    ## How to fix
    Add the system prompt you will use in production (`tunelint convert --system`), or
    ignore this rule if the model will run without one.

    ```jsonl
    {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    ```
    """

    trait = "have no system message"

    def matches(self, ctx: RecordContext) -> bool:
        roles = _roles(ctx)
        named = [role for role in roles if isinstance(role, str)]
        return bool(roles) and _system_roles(ctx).isdisjoint(named)

    def matches_roles(self, roles: tuple[str, ...]) -> bool:
        return "system" not in roles  # a plain record has no developer message


@rule("CV003", "missing-user-message", Severity.WARNING, Scope.FILE, formats=CONVERSATION_FORMATS)
class MissingUserMessage(RecordTally):
    """Examples have no user message.

    ## What it does
    Counts the examples in which no message has the role `user` and reports them once
    for the file: "N of M examples have no user message; first at line L". The cookbook
    notebook counts these as a warning.

    ## Why is this bad?
    The model learns to answer without being asked, which rarely matches how it is used.

    ## Example
    ```jsonl
    {"messages": [{"role": "system", "content": "Be brief."}, {"role": "assistant", "content": "Hello"}]}
    ```

    ## How to fix
    Add the user turn the answer responds to.

    ```jsonl
    {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    ```
    """

    trait = "have no user message"

    def matches(self, ctx: RecordContext) -> bool:
        roles = _roles(ctx)
        return bool(roles) and "user" not in roles

    def matches_roles(self, roles: tuple[str, ...]) -> bool:
        return "user" not in roles


@rule(
    "CV004",
    "system-message-not-first",
    Severity.WARNING,
    formats=CONVERSATION_FORMATS,
    roles_only=True,
    typed_roles_only=True,
)
def system_message_not_first(ctx: RecordContext) -> Iterator[Violation]:
    """A system (or developer) message comes after the conversation started.

    ## What it does
    Reports `system` and `developer` messages at any position but the first.

    ## Why is this bad?
    Chat templates put the system prompt first; one in the middle is usually two
    conversations concatenated by mistake, and trains the model on a layout it never sees.

    ## Example
    ```jsonl
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "system", "content": "Be brief."}, {"role": "assistant", "content": "Hello"}]}
    ```

    ## How to fix
    Move the system message to the start, or split the example.

    ```jsonl
    {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    ```
    """
    items = ctx.record.get("messages")
    if not isinstance(items, list):
        return
    for index, message in enumerate(items):
        role = message.get("role") if isinstance(message, dict) else None
        if index and is_one_of(role, SYSTEM_ROLES):
            yield Violation(
                f"{message['role']} message is not the first message", ("messages", index)
            )


@rule(
    "CV005",
    "last-message-not-assistant",
    Severity.WARNING,
    formats=[Format.CHAT],
    roles_only=True,
    typed_roles_only=True,
)
def last_message_not_assistant(ctx: RecordContext) -> Iterator[Violation]:
    """A chat example ends with a turn that is not the assistant's.

    ## What it does
    Reports chat examples whose last message is not an assistant message (examples with no
    assistant message at all are CV001's).

    ## Why is this bad?
    Only assistant turns are trained on: what follows the last one is sent, tokenized and
    billed, and teaches nothing. It is often a truncated conversation.

    ## Example
    ```jsonl
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}, {"role": "user", "content": "Thanks"}]}
    ```

    ## How to fix
    Drop the trailing turns, or add the answer to them.

    ```jsonl
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}, {"role": "user", "content": "Thanks"}, {"role": "assistant", "content": "You're welcome."}]}
    ```
    """
    items = ctx.record.get("messages")
    roles = _roles(ctx)
    if not isinstance(items, list) or "assistant" not in roles:
        return
    last = items[-1]
    if isinstance(last, dict) and last.get("role") != "assistant":
        yield Violation(
            f"example ends with {_a_role(last.get('role'))} message, which trains nothing",
            ("messages", len(items) - 1),
        )


@rule(
    "CV007",
    "nothing-to-train",
    Severity.ERROR,
    formats=[Format.CHAT],
    quiet_on_plain=True,
    quiet_on_typed=True,
)
def nothing_to_train(ctx: RecordContext) -> Iterator[Violation]:
    """Every assistant message of the example has `weight` 0.

    ## What it does
    Reports chat examples in which all assistant messages are excluded from training.

    ## Why is this bad?
    The example is billed and trains nothing; the provider may reject it.

    ## Example
    ```jsonl
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello", "weight": 0}]}
    ```

    ## How to fix
    Set `weight` to 1 on the turn(s) the model should learn, or drop the example.

    ```jsonl
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello", "weight": 1}]}
    ```
    """
    answers = [m for m in chat_messages(ctx) if m.get("role") == "assistant"]
    if answers and all(m.get("weight", 1) == 0 for m in answers):
        yield Violation("every assistant message has weight 0: nothing is trained", ("messages",))


def _a_role(role: object) -> str:
    """``a 'user'``, or for a role that is no string ``an object``."""
    return f"a {quote(role)}" if isinstance(role, str) else quote(role)
