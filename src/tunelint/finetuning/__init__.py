"""Fine-tuning jobs on a provider: lint for it, upload, create, follow, sample.

``providers`` knows each provider (its documented limits, its API); every module here imports
a provider's SDK (``openai``, ``together``, ``fireworks``) inside its functions, so that
``import tunelint`` and ``tunelint check`` never pay for them.
"""
