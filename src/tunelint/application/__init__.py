"""The application layer: what a run does, shared by every way in.

The CLI, the pytest plugin and the Python API (``tunelint.api``) build settings through
``application.settings`` and lint through ``application.check``; they parse and present,
and the engine below never imports them. Arrows point one way: adapters -> application ->
rules and tokens -> engine (the import-linter contracts in ``pyproject.toml``).
"""
