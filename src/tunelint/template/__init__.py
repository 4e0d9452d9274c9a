"""What open-model training will learn from a record: its chat template rendered as the
trainer renders it, tokenized with the model's own tokenizer, and the tokens the loss sees.

Needs the ``template`` extra (``jinja2`` and ``tokenizers``); nothing here is imported
until a tokenizer is configured, so ``import tunelint`` and a plain ``tunelint check`` stay
light. Nothing is downloaded: the tokenizer is a local folder or hub-cache snapshot.
"""

from __future__ import annotations

from tunelint.engine.errors import UsageError

INSTALL_HINT = "pip install 'tunelint[template]'"


def require_extra() -> None:
    """Fail in one line, naming the install command, when the extra is missing."""
    try:
        import jinja2  # noqa: F401
        import tokenizers  # noqa: F401
    except ImportError as error:
        raise UsageError(
            f"--tokenizer needs the template extra ({error.name} is missing): {INSTALL_HINT}"
        ) from None
