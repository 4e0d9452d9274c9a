"""Convert common dataset layouts into chat JSONL that passes ``tunelint check``."""

FORMATS = ("squad", "alpaca", "sharegpt", "prompt-completion", "csv")
"""The ``--from`` choices; ``tunelint.convert.run.SOURCES`` implements each."""
