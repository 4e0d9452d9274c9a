"""The rule families; importing this package registers every rule."""

from tunelint.rules import (
    content,
    conversation,
    dataset,
    jsonl,
    preference,
    privacy,
    schema,
    template,
    tokens,
    tools,
)

__all__ = [
    "content",
    "conversation",
    "dataset",
    "jsonl",
    "preference",
    "privacy",
    "schema",
    "template",
    "tokens",
    "tools",
]
