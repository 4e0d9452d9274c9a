"""Load a tokenizer folder as transformers would, without transformers: ``tokenizer.json``
for the tokens, ``tokenizer_config.json`` for the special tokens and the chat template,
and the separate template files that take precedence over the config's template.

transformers' order: ``chat_template.jinja`` (the default template) and
``additional_chat_templates/NAME.jinja`` (named ones) replace whatever ``chat_template``
``tokenizer_config.json`` holds; a legacy ``chat_template.json`` is read when neither
exists; ``tokenizer_config.json``'s ``chat_template`` is a string, or a list of
``{"name", "template"}`` objects.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tokenizers import Tokenizer

from tunelint.engine.errors import ConfigError
from tunelint.engine.template_settings import TemplateSettings

SPECIAL_TOKEN_NAMES = ("bos_token", "eos_token", "unk_token", "sep_token", "pad_token",
                       "cls_token", "mask_token")  # fmt: skip
# A ``model_max_length`` this large means "unset" (transformers writes 1e30).
_UNSET_LENGTH = 10**12


@dataclass(frozen=True)
class ModelFiles:
    """What a tokenizer folder says about rendering and tokenizing a conversation."""

    folder: Path
    tokenizer: Tokenizer
    templates: Mapping[str, str]
    """Chat templates by name; a single unnamed template is ``default``."""
    special_tokens: Mapping[str, str] = field(default_factory=dict)
    """``bos_token`` … as the template sees them."""
    special_contents: frozenset[str] = frozenset()
    """Every added token the tokenizer treats as special (``<|im_end|>``)."""
    stop_ids: frozenset[int] = frozenset()
    """The end-of-sequence tokens: ``eos_token`` and ``generation_config.json``'s."""
    model_max_length: int | None = None


def _read_json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ConfigError(f"{path}: cannot read it as JSON: {error}") from None
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: expected a JSON object")
    return value


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read it: {error}") from None


def _token_text(value: Any) -> str | None:
    """A special token as ``tokenizer_config.json`` writes it: a string or an AddedToken."""
    if isinstance(value, str):
        return value
    content = value.get("content") if isinstance(value, dict) else None
    return content if isinstance(content, str) else None


def _templates(folder: Path, config: Mapping[str, Any]) -> dict[str, str]:
    templates: dict[str, str] = {}
    if (folder / "chat_template.jinja").is_file():
        templates["default"] = _read_text(folder / "chat_template.jinja")
    extra = folder / "additional_chat_templates"
    if extra.is_dir():
        for path in sorted(extra.glob("*.jinja")):
            templates[path.stem] = _read_text(path)
    if templates:
        return templates
    legacy = _read_json(folder / "chat_template.json").get("chat_template")
    value = config.get("chat_template", legacy)
    if isinstance(value, str):
        return {"default": value}
    if isinstance(value, list):
        for entry in value:
            if (
                isinstance(entry, dict)
                and isinstance(entry.get("name"), str)
                and isinstance(entry.get("template"), str)
            ):
                templates[entry["name"]] = entry["template"]
    return templates


def _ids(value: Any) -> list[int]:
    if isinstance(value, int) and not isinstance(value, bool):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, int) and not isinstance(item, bool)]
    return []


def load_model_files(settings: TemplateSettings) -> ModelFiles:
    """Read the folder ``settings.tokenizer`` (already located; see ``template_settings``)."""
    folder = Path(settings.tokenizer)
    try:
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    except Exception as error:  # the Rust side raises plain Exceptions
        raise ConfigError(
            f"{folder / 'tokenizer.json'}: cannot load the tokenizer: {error}"
        ) from None
    config = _read_json(folder / "tokenizer_config.json")
    special_map = _read_json(folder / "special_tokens_map.json")
    special_tokens = {}
    for name in SPECIAL_TOKEN_NAMES:
        text = _token_text(config.get(name, special_map.get(name)))
        if text is not None:
            special_tokens[name] = text
    templates = _templates(folder, config)
    if settings.chat_template is not None and _is_file(settings.chat_template):
        templates = {"default": _read_text(Path(settings.chat_template))}
    added = tokenizer.get_added_tokens_decoder()
    special_contents = frozenset(token.content for token in added.values() if token.special)
    stop_ids = set(_ids(_read_json(folder / "generation_config.json").get("eos_token_id")))
    eos = special_tokens.get("eos_token")
    if eos is not None and (eos_id := tokenizer.token_to_id(eos)) is not None:
        stop_ids.add(eos_id)
    length = config.get("model_max_length")
    usable = isinstance(length, int | float) and 0 < length < _UNSET_LENGTH
    return ModelFiles(
        folder=folder,
        tokenizer=tokenizer,
        templates=templates,
        special_tokens=special_tokens,
        special_contents=special_contents,
        stop_ids=frozenset(stop_ids),
        model_max_length=int(length) if usable and isinstance(length, int | float) else None,
    )


def _is_file(choice: str) -> bool:
    return choice.endswith(".jinja") or Path(choice).is_file()


def pick_template(files: ModelFiles, choice: str | None, with_tools: bool) -> str:
    """The template a trainer would use: the named one, else ``tool_use`` for a record with
    tools when there is one, else the default (transformers' ``get_chat_template``)."""
    templates = files.templates
    if not templates:
        raise ConfigError(
            f"{files.folder}: no chat template (no chat_template.jinja, none in "
            "tokenizer_config.json); give one with --chat-template FILE"
        )
    if choice is not None and not _is_file(choice):
        if choice not in templates:
            names = ", ".join(sorted(templates))
            raise ConfigError(f"chat template {choice!r} not in {files.folder} (it has: {names})")
        return templates[choice]
    if with_tools and "tool_use" in templates:
        return templates["tool_use"]
    if "default" in templates:
        return templates["default"]
    names = ", ".join(sorted(templates))
    raise ConfigError(
        f"{files.folder} has named chat templates ({names}) and no default: "
        "choose one with --chat-template NAME"
    )
