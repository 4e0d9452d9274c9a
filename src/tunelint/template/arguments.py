"""The command-line flags of the template checks, and loading what they name up front so
that a bad tokenizer folder or template is a one-line error before any file is read."""

from __future__ import annotations

import argparse
from typing import Any

from tunelint.argtypes import positive_int
from tunelint.engine.template_settings import LOSS_MODES, TRUNCATION_SIDES, TemplateSettings


def add_template_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "open-model training (the TM rules; needs tunelint[template])"
    )
    group.add_argument(
        "--tokenizer",
        metavar="DIR",
        help="a local tokenizer folder or hub-cache snapshot (or a repo id in the local "
        "hub cache): render records with its chat template",
    )
    group.add_argument(
        "--chat-template",
        metavar="NAME|FILE",
        help="a named template of the tokenizer (e.g. tool_use), or a .jinja file",
    )
    group.add_argument(
        "--max-seq-len",
        type=positive_int,
        metavar="N",
        help="the trainer's maximum sequence length (default: the tokenizer's model_max_length)",
    )
    group.add_argument(
        "--loss",
        choices=LOSS_MODES,
        help=f"which tokens are trained (default: {LOSS_MODES[0]})",
    )
    group.add_argument(
        "--truncation-side",
        choices=TRUNCATION_SIDES,
        help=f"which end truncation removes (default: {TRUNCATION_SIDES[0]})",
    )


def template_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The flags as configuration keys (``None`` where not given)."""
    return {
        "tokenizer": getattr(args, "tokenizer", None),
        "chat-template": getattr(args, "chat_template", None),
        "max-seq-len": getattr(args, "max_seq_len", None),
        "loss": getattr(args, "loss", None),
        "truncation-side": getattr(args, "truncation_side", None),
    }


def prepare_template(settings: TemplateSettings) -> None:
    """Load the tokenizer and compile its template now: errors end the run in one line."""
    from tunelint.template import require_extra

    require_extra()
    from tunelint.template.analysis import analyzer_for

    analyzer_for(settings)
