"""The built-in targets (``data/*.toml``) and targets of the user's own (a ``.toml`` path).

A target file is checked like the configuration: an unknown key, a wrong type or an
unknown layout is a configuration error naming the file, never a silent default.
"""

from __future__ import annotations

import datetime
import functools
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from tunelint.engine.errors import ConfigError
from tunelint.engine.profiles import Profile
from tunelint.targets.layouts import Layout
from tunelint.targets.model import ImagePolicy, ModelFacts, PriceBracket, Pricing, Target

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

DEFAULT = "openai"
_WEIGHT_POLICIES = ("none", "non-negative", "any")


def get_target(name: str) -> Target:
    """A built-in target by name, or the target defined in a ``.toml`` file at ``name``."""
    if name.endswith(".toml"):
        return load_target(Path(name))
    # Only the named file is read: a run needs one or two of the eleven.
    file = _DATA / f"{name}.toml"
    if file.parent == _DATA and file.is_file():
        return _builtin_target(file.name)
    choices = ", ".join(builtin_targets())
    raise ConfigError(f"unknown target {name!r} (expected one of {choices})")


_DATA = Path(__file__).parent / "data"
"""The built-in targets, one file each, named after the target. Beside this module; not
through ``importlib.resources``, whose imports (tempfile, shutil, zipfile) would cost
every ``check`` a few milliseconds of start-up."""


@functools.cache
def _builtin_target(file_name: str) -> Target:
    return parse_target((_DATA / file_name).read_text(encoding="utf-8"), file_name)


@functools.cache
def builtin_targets() -> Mapping[str, Target]:
    """Every built-in target by name, ``openai`` first, then in name order."""
    found = {}
    for entry in _DATA.iterdir():
        if entry.name.endswith(".toml"):
            target = _builtin_target(entry.name)
            found[target.name] = target
    return dict(sorted(found.items(), key=lambda item: (item[0] != DEFAULT, item[0])))


def accepting(layout: Layout) -> list[str]:
    """Names of the built-in targets that read ``layout`` as it is."""
    return [name for name, target in builtin_targets().items() if target.accepts(layout)]


def load_target(path: Path) -> Target:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read target {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"target {path}: not UTF-8") from None
    return parse_target(text, str(path))


def parse_target(text: str, where: str) -> Target:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"target {where}: invalid TOML: {error}") from None
    try:
        return _target(data)
    except ConfigError as error:
        raise ConfigError(f"target {where}: {error}") from None


def _checked(table: Mapping[str, Any], known: Mapping[str, Callable[[str, Any], Any]],
             required: tuple[str, ...] = ()) -> dict[str, Any]:  # fmt: skip
    unknown = sorted(set(table) - set(known))
    if unknown:
        raise ConfigError(f"unknown key {unknown[0]!r}")
    missing = [key for key in required if key not in table]
    if missing:
        raise ConfigError(f"missing key {missing[0]!r}")
    return {key: known[key](key, value) for key, value in table.items()}


def _of(kind: type | tuple[type, ...]) -> Callable[[str, Any], Any]:
    def check(key: str, value: Any) -> Any:
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise ConfigError(f"{key} has the wrong type ({type(value).__name__})")
        return value

    return check


def _strings(key: str, value: Any) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{key} must be a list of strings")
    return frozenset(value)


def _layouts(key: str, value: Any) -> frozenset[Layout]:
    names = _strings(key, value)
    try:
        return frozenset(Layout(name) for name in names)
    except ValueError as error:
        raise ConfigError(f"{key}: {error}") from None


def _date(key: str, value: Any) -> datetime.date:
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise ConfigError(f"{key} must be a date (YYYY-MM-DD)")
    return value


def _choice(choices: tuple[str, ...]) -> Callable[[str, Any], str]:
    def check(key: str, value: Any) -> str:
        if value not in choices:
            raise ConfigError(f"{key} must be one of {', '.join(choices)}")
        return str(value)

    return check


def _numbers(key: str, value: Any) -> frozenset[float]:
    if not isinstance(value, list) or not all(
        isinstance(item, int | float) and not isinstance(item, bool) for item in value
    ):
        raise ConfigError(f"{key} must be a list of numbers")
    return frozenset(value)


_INT = _of(int)
_STR = _of(str)
_TABLE = _of(dict)


def _target(data: Mapping[str, Any]) -> Target:
    values = _checked(
        data,
        {
            "name": _STR,
            "title": _STR,
            "kind": _choice(("provider", "trainer")),
            "checked": _date,
            "sources": _of(list),
            "notes": _STR,
            "layouts": _layouts,
            "roles": _strings,
            "message_keys": _TABLE,
            "top_level_keys": _strings,
            "default_model": _STR,
            "convert_to": _STR,
            "limits": _TABLE,
            "weights": _TABLE,
            "images": _TABLE,
            "preference": _TABLE,
            "models": _TABLE,
            "byte_order_mark": _choice(("avoid", "advised")),
            "pricing": _TABLE,
            "reserved_keywords": _strings,
            "default_epochs": _INT,
        },
        required=("name", "title", "kind", "checked", "sources", "layouts", "roles"),
    )
    limits = _checked(
        values.get("limits", {}),
        {"min_examples": _INT, "max_examples": _INT, "max_file_bytes": _INT},
    )
    weights = _checked(
        values.get("weights", {}),
        {"sample": _choice(_WEIGHT_POLICIES), "message": _numbers},
    )
    preference = _checked(
        values.get("preference", {}),
        {"outputs": _choice(("one-assistant", "assistant-or-tool"))},
    )
    message_keys = {
        role: _strings(f"message_keys.{role}", keys)
        for role, keys in values.get("message_keys", {}).items()
    }
    message_keys.setdefault("*", frozenset({"role", "content"}))
    profile = Profile(
        name=values["name"],
        description=values["title"],
        roles=values["roles"],
        message_keys=message_keys,
        cookbook_semantics=False,
        default_select=None,
        default_model=values.get("default_model", "gpt-4o-mini"),
        top_level_keys=values.get("top_level_keys", frozenset()),
    )
    return Target(
        name=values["name"],
        title=values["title"],
        kind=values["kind"],
        layouts=values["layouts"],
        profile=profile,
        checked=values["checked"],
        sources=tuple(_STR("sources", source) for source in values["sources"]),
        notes=values.get("notes", ""),
        min_examples=limits.get("min_examples"),
        max_examples=limits.get("max_examples"),
        max_file_bytes=limits.get("max_file_bytes"),
        sample_weight=weights.get("sample", "none"),
        message_weights=weights.get("message", frozenset({0, 1})),
        preference_outputs=preference.get("outputs", "one-assistant"),
        images=_images(values.get("images", {})),
        models={
            name: _model(name, _TABLE(f"models.{name}", entry))
            for name, entry in values.get("models", {}).items()
        },
        convert_to=values.get("convert_to", "openai"),
        byte_order_mark=values.get("byte_order_mark", "avoid"),
        pricing=_pricing(values["pricing"]) if "pricing" in values else None,
        reserved_keywords=tuple(sorted(values.get("reserved_keywords", ()))),
        default_epochs=values.get("default_epochs"),
    )


def _pricing(table: Mapping[str, Any]) -> Pricing:
    values = _checked(
        table,
        {
            "billing": _STR,
            "source": _STR,
            "rates": _STR,
            "checked": _date,
            "brackets": _brackets,
        },
        required=("billing", "source"),
    )
    if values.get("brackets") and "checked" not in values:
        raise ConfigError("pricing.brackets needs pricing.checked, the day the rates were read")
    return Pricing(**values)


def _brackets(key: str, value: Any) -> tuple[PriceBracket, ...]:
    if not isinstance(value, list):
        raise ConfigError(f"{key} must be a list of tables")
    number = _of((int, float))
    brackets = []
    for entry in value:
        fields = _checked(
            _TABLE(key, entry),
            {"up_to_billion_parameters": number, "usd_per_million": number},
            required=("up_to_billion_parameters", "usd_per_million"),
        )
        brackets.append(PriceBracket(**{name: float(v) for name, v in fields.items()}))
    if [b.up_to_billion_parameters for b in brackets] != sorted(
        b.up_to_billion_parameters for b in brackets
    ):
        raise ConfigError(f"{key} must go from the smallest models to the largest")
    return tuple(brackets)


def _images(table: Mapping[str, Any]) -> ImagePolicy:
    values = _checked(
        table,
        {
            "per_example": _INT,
            "max_bytes": _INT,
            "roles": _strings,
            "kinds": _strings,
            "urls": _of(bool),
        },
    )
    return ImagePolicy(**values)


def _model(name: str, table: Mapping[str, Any]) -> ModelFacts:
    values = _checked(
        table,
        {
            "context": _INT,
            "price": _of((int, float)),
            "price_unit": _STR,
            "tokenizer": _STR,
        },
    )
    if "price" in values:
        values["price"] = float(values["price"])
    return ModelFacts(name, **values)
