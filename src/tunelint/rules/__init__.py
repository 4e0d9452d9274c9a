"""The rule families; importing this package registers every rule."""

from tunelint.rules import (
    artifacts,
    content,
    conversation,
    dataset,
    grader,
    jsonl,
    preference,
    privacy,
    schema,
    targets,
    template,
    tokens,
    tool_schemas,
    tools,
)

__all__ = [
    "artifacts",
    "content",
    "conversation",
    "dataset",
    "grader",
    "jsonl",
    "preference",
    "privacy",
    "schema",
    "targets",
    "template",
    "tokens",
    "tool_schemas",
    "tools",
]
