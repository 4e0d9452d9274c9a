"""The linter engine: reading, formats, the rule registry and plan, configuration, running.

The engine never prints, never exits, and imports neither the rules nor the tokenizers nor
an adapter (CLI, output, pytest, openai): the rule modules fill its registry when
``engine.plugins`` loads them, and adapters call it through ``tunelint.application``.
"""
