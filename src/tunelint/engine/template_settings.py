"""The ``tokenizer`` configuration: which open model's tokenizer and chat template the
records are rendered with, and how its trainer masks and truncates them.

Only plain values live here (the engine imports no tokenizer); ``tunelint.template`` loads
and applies them. The digest of the folder's files is part of the settings, so a changed
tokenizer or template invalidates cached results.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xxhash

from tunelint.engine.errors import ConfigError

LOSS_MODES = ("assistant-turns", "assistant-only", "last-turn", "completion-only", "all")
"""Which tokens the loss sees; ``tunelint.template.masking`` documents each."""
TRUNCATION_SIDES = ("right", "left")

# Configuration keys and their value checks (the engine's config reads them).
KEYS = ("tokenizer", "chat-template", "max-seq-len", "loss", "truncation-side",
        "chat-template-kwargs")  # fmt: skip

# The files of a tokenizer folder that decide how a record renders and tokenizes.
_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "chat_template.jinja",
    "chat_template.json",
    "special_tokens_map.json",
    "generation_config.json",
)


@dataclass(frozen=True, slots=True)
class TemplateSettings:
    tokenizer: str
    """A tokenizer folder, a hub-cache ``models--org--name`` folder or snapshot, or a repo id
    found in the local hub cache."""
    chat_template: str | None = None
    """A named template of the tokenizer (``tool_use``), or a ``.jinja`` file."""
    max_seq_len: int | None = None
    loss: str = LOSS_MODES[0]
    truncation_side: str = TRUNCATION_SIDES[0]
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    """Extra variables every rendering sees (``enable_thinking = false``)."""
    digest: str = ""
    """Sizes and modification times of the files that matter, for the result cache."""


def check_value(key: str, value: Any) -> Any:
    """The type check of one of ``KEYS``' values."""
    if key == "max-seq-len":
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"{key} must be a positive integer")
        return value
    if key == "chat-template-kwargs":
        if not isinstance(value, dict):
            raise ConfigError(f"{key} must be a table")
        return value
    if not isinstance(value, str):
        raise ConfigError(f"{key} must be a string, not {type(value).__name__}")
    choices = {"loss": LOSS_MODES, "truncation-side": TRUNCATION_SIDES}.get(key)
    if choices is not None and value not in choices:
        raise ConfigError(f"{key} must be one of {', '.join(choices)}, not {value!r}")
    return value


def resolve_template(
    values: Mapping[str, Any], config_root: Path, from_file: Mapping[str, Any]
) -> TemplateSettings | None:
    """The template settings, or ``None`` when no tokenizer is configured.

    Paths from the configuration file are relative to its folder, paths given on the
    command line to the working directory.
    """
    tokenizer = values.get("tokenizer")
    if tokenizer is None:
        for key in KEYS[1:]:
            if key in values and key != "chat-template-kwargs":
                raise ConfigError(f"{key} needs a tokenizer (--tokenizer DIR)")
        return None
    tokenizer = locate_tokenizer(
        _resolve_path(tokenizer, config_root, from_file.get("tokenizer") == tokenizer)
    )
    template = values.get("chat-template")
    if template is not None and (template.endswith(".jinja") or os.sep in template):
        template = _resolve_path(template, config_root, from_file.get("chat-template") == template)
    return TemplateSettings(
        tokenizer=tokenizer,
        chat_template=template,
        max_seq_len=values.get("max-seq-len"),
        loss=values.get("loss", LOSS_MODES[0]),
        truncation_side=values.get("truncation-side", TRUNCATION_SIDES[0]),
        kwargs=dict(values.get("chat-template-kwargs", {})),
        digest=_digest(Path(tokenizer), template),
    )


def _resolve_path(value: str, config_root: Path, in_file: bool) -> str:
    path = Path(value).expanduser()
    base = config_root if in_file else Path.cwd()
    candidate = path if path.is_absolute() else base / path
    # A repo id (``Qwen/Qwen3-0.6B``) that is no local path is looked up in the hub cache.
    return str(candidate.resolve()) if candidate.exists() else value


def hub_cache() -> Path:
    """The local Hugging Face hub cache, where ``huggingface_hub`` keeps it."""
    if cache := os.environ.get("HF_HUB_CACHE"):
        return Path(cache).expanduser()
    home = os.environ.get("HF_HOME")
    return (Path(home).expanduser() if home else Path.home() / ".cache" / "huggingface") / "hub"


def locate_tokenizer(value: str) -> str:
    """The folder holding the tokenizer's files.

    A hub-cache ``models--org--name`` folder means the snapshot ``refs/main`` names (or its
    only snapshot); a repo id that is no local path means that folder in the local cache.
    """
    path = Path(value)
    if not path.exists() and value.count("/") == 1 and not value.startswith((".", "/")):
        path = hub_cache() / ("models--" + value.replace("/", "--"))
        if not path.exists():
            raise ConfigError(
                f"tokenizer {value!r}: no such folder, and not in the hub cache at "
                f"{hub_cache()} (nothing is downloaded)"
            )
    if not path.is_dir():
        raise ConfigError(f"tokenizer {value!r}: no such folder")
    snapshots = path / "snapshots"
    if snapshots.is_dir() and not (path / "tokenizer.json").exists():
        ref = path / "refs" / "main"
        chosen = snapshots / ref.read_text(encoding="utf-8").strip() if ref.is_file() else None
        if chosen is None or not chosen.is_dir():
            found = sorted(snapshots.iterdir(), key=lambda item: item.stat().st_mtime)
            if not found:
                raise ConfigError(f"tokenizer {value!r}: the hub-cache folder has no snapshot")
            chosen = found[-1]
        path = chosen
    if not (path / "tokenizer.json").is_file():
        raise ConfigError(
            f"tokenizer {value!r}: {path} has no tokenizer.json (a fast tokenizer is needed)"
        )
    return str(path.resolve())


def _digest(folder: Path, template: str | None) -> str:
    digest = xxhash.xxh3_64()
    paths = [folder / name for name in _FILES]
    if template is not None:
        paths.append(Path(template))
    if (folder / "additional_chat_templates").is_dir():
        paths.extend(sorted((folder / "additional_chat_templates").glob("*.jinja")))
    for path in paths:
        try:
            stat = path.stat()
        except OSError:
            continue
        digest.update(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()
