"""Convert common dataset layouts into chat JSONL that passes ``tunelint check``."""

FORMATS = (
    "squad",
    "alpaca",
    "sharegpt",
    "prompt-completion",
    "csv",
    "openai",
    "vertex",
    "bedrock",
    "llamafactory",
    "together-text",
    "json-array",
)
"""The ``--from`` choices; ``tunelint.convert.run.SOURCES`` implements each."""

DIALECTS = ("openai", "vertex", "bedrock")
"""The ``--to`` choices: the dialect the output is written in."""
