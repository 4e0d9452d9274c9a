"""Targets: the dialect each fine-tuning provider or open-source trainer accepts, as data.

``get_target("together")`` returns one; ``builtin_targets()`` all of them. Each is read
from ``data/<name>.toml`` with the date its facts were checked and their sources.
"""

from tunelint.targets.catalogue import accepting, builtin_targets, get_target
from tunelint.targets.layouts import Layout
from tunelint.targets.model import ImagePolicy, ModelFacts, Target

__all__ = [
    "ImagePolicy",
    "Layout",
    "ModelFacts",
    "Target",
    "accepting",
    "builtin_targets",
    "get_target",
]
