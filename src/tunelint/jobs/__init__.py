"""Fine-tuning jobs through the OpenAI fine-tuning API: upload, create, follow, sample.

Every module here imports ``openai`` inside its functions, so that ``import tunelint`` and
``tunelint check`` never pay for it.
"""
