"""The rule families; importing this package registers every rule."""

from tunelint.rules import conversation, dataset, jsonl, preference, schema, tokens, tools

__all__ = ["conversation", "dataset", "jsonl", "preference", "schema", "tokens", "tools"]
