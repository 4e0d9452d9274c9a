"""The linter engine: reading, formats, rules registry, configuration, running.

The engine never prints, never exits and never imports an adapter (CLI, output, pytest,
openai); adapters call it and present what it returns.
"""
