"""Fine-tuning providers: what each accepts (``presets``, ``limits``) and how each is reached
(one backend per API: ``openai_api``, ``together_api``, ``fireworks_api``)."""
