"""Read ``[tool.tunelint]`` (pyproject.toml) or ``tunelint.toml`` and resolve it to ``Settings``.

Unknown keys, unknown rule selectors and values of the wrong type are configuration errors:
a typo must not silently switch a check off.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import msgspec

from tunelint.engine.errors import ConfigError
from tunelint.engine.findings import Severity
from tunelint.engine.patterns import LazyPattern
from tunelint.engine.profiles import get_profile
from tunelint.engine.registry import Rule, all_rules, config_keys
from tunelint.engine.selection import resolve_selector, resolve_selectors
from tunelint.engine.settings import Settings
from tunelint.engine.suggest import did_you_mean
from tunelint.engine.template_settings import KEYS as TEMPLATE_KEYS
from tunelint.engine.template_settings import check_value, resolve_template
from tunelint.sources.walk import DEFAULT_EXCLUDE
from tunelint.targets.catalogue import DEFAULT, get_target
from tunelint.targets.resolve import target_profile, target_quiet_codes, target_rule_options

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

CONFIG_FILES = ("tunelint.toml", "pyproject.toml")


def _string(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{key} must be a string, not {type(value).__name__}")
    return value


def _string_list(key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{key} must be a list of strings")
    return value


def _boolean(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{key} must be true or false, not {type(value).__name__}")
    return value


def _table(key: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{key} must be a table")
    return value


def _datasets(key: str, value: Any) -> list[dict[str, str]]:
    """``[[datasets]]`` entries: a training file and its validation file."""
    if not isinstance(value, list):
        raise ConfigError(f"{key} must be a list of tables ([[{key}]])")
    for entry in value:
        table = _table(key, entry)
        if set(table) != {"train", "validation"}:
            raise ConfigError(f"each [[{key}]] entry needs exactly 'train' and 'validation'")
        for name, path in table.items():
            _string(f"{key}.{name}", path)
    return value


def _targets(key: str, value: Any) -> list[str]:
    """``target``: one name (or ``.toml`` path), or a list the data must pass them all."""
    names = [value] if isinstance(value, str) else _string_list(key, value)
    if not names:
        raise ConfigError(f"{key} must name at least one target")
    return names


# Every key [tool.tunelint] accepts, with the check of its value's type; rules add the
# keys they read (``registry.config_key``), such as ``models``.
KNOWN_KEYS: dict[str, Callable[[str, Any], Any]] = {
    "profile": _string,
    "target": _targets,
    "model": _string,
    "select": _string_list,
    "extend-select": _string_list,
    "ignore": _string_list,
    "fail-on": _string,
    "per-file-ignores": _table,
    "severity": _table,
    "rules": _table,
    "datasets": _datasets,
    "exclude": _string_list,
    "extend-exclude": _string_list,
    "respect-gitignore": _boolean,
    **dict.fromkeys(TEMPLATE_KEYS, check_value),
}


class ConfigFile(msgspec.Struct, frozen=True):
    """The ``[tool.tunelint]`` table of one file, its keys checked."""

    path: Path | None
    values: Mapping[str, Any] = msgspec.field(default_factory=dict)

    @property
    def root(self) -> Path:
        return self.path.parent if self.path else Path.cwd()


def find_config(start: Path) -> Path | None:
    """The nearest ``tunelint.toml``, or ``pyproject.toml`` with a ``[tool.tunelint]`` table."""
    for folder in (start, *start.parents):
        for name in CONFIG_FILES:
            candidate = folder / name
            if candidate.is_file() and (name != "pyproject.toml" or _has_tunelint(candidate)):
                return candidate
    return None


# What a ``[tool.tunelint]`` table needs, written in any TOML way: the dotted ``tool.tunelint``
# (a header or a key, quoted or spaced), or a ``[tool]`` table or ``tool = {...}`` with a
# ``tunelint`` key. A project that only depends on tunelint (most that mention it) has
# none of these: its pyproject.toml is not parsed.
_MAY_HOLD_TUNELINT = LazyPattern(
    r"""tool["']?[ \t]*\.[ \t]*["']?tunelint"""
    r"""|\[[ \t]*["']?tool["']?[ \t]*\]|(?:^|[\s{,])["']?tool["']?[ \t]*=""",
    re.MULTILINE,
)


def _has_tunelint(pyproject: Path) -> bool:
    try:
        stat = pyproject.stat()
    except OSError:
        return False
    return _parsed_has_tunelint(pyproject, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=64)
def _parsed_has_tunelint(pyproject: Path, mtime_ns: int, size: int) -> bool:
    """``_has_tunelint``, parsed once per version of the file (a search for the nearest
    configuration, then for the working directory's, meets the same files)."""
    try:
        text = pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    escaped = "\\u" in text or "\\U" in text  # an escape in a quoted key could spell it
    if not escaped and ("tunelint" not in text or not _MAY_HOLD_TUNELINT.search(text)):
        return False
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return False
    return isinstance(data.get("tool"), dict) and "tunelint" in data["tool"]


def load_config(path: Path | None) -> ConfigFile:
    """Parse and check the configuration in ``path`` (``None``: defaults only)."""
    if path is None:
        return ConfigFile(None)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror}") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    if path.name == "pyproject.toml":
        tool = data.get("tool")  # another tool's business, whatever it holds
        data = tool.get("tunelint", {}) if isinstance(tool, dict) else {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: [tool.tunelint] must be a table")
    try:
        return ConfigFile(path, check_keys(data))
    except ConfigError as error:
        raise ConfigError(f"{path}: {error}") from None


def check_keys(values: Mapping[str, Any]) -> dict[str, Any]:
    known = {**KNOWN_KEYS, **config_keys()}
    unknown = sorted(set(values) - set(known))
    if unknown:
        hint = did_you_mean(unknown[0], known)
        raise ConfigError(f"unknown configuration key {unknown[0]!r}{hint}")
    return {key: known[key](key, value) for key, value in values.items()}


def resolve_settings(config: ConfigFile, overrides: Mapping[str, Any] | None = None) -> Settings:
    """Combine a configuration file with command-line overrides (same keys; they win).

    ``extend-select``, ``extend-exclude`` and ``datasets`` from both places add up; every
    other key is replaced. Dataset paths in the file are relative to its folder, overrides'
    to the working directory.
    """
    overrides = check_keys({k: v for k, v in (overrides or {}).items() if v is not None})
    values = {**config.values, **overrides}
    rules = all_rules()
    target_folder = config.root if "target" not in overrides else Path.cwd()
    targets = tuple(
        get_target(str(target_folder / name) if name.endswith(".toml") else name)
        for name in values.get("target", [DEFAULT])
    )
    profile = get_profile(values["profile"]) if "profile" in values else target_profile(targets)

    if "select" in values:
        enabled = resolve_selectors(values["select"], rules)
    elif profile.default_select is not None:
        enabled = resolve_selectors(profile.default_select, rules)
    else:
        enabled = frozenset(code for code, rule in rules.items() if rule.default)
    if "select" not in values:  # the defaults; what the user selects stays selected
        enabled -= target_quiet_codes(targets)
    enabled |= resolve_selectors(config.values.get("extend-select", []), rules)
    enabled |= resolve_selectors(overrides.get("extend-select", []), rules)
    enabled -= resolve_selectors(values.get("ignore", []), rules)

    return Settings(
        profile=profile,
        model=values.get("model"),
        enabled=enabled,
        severities=_severities(values.get("severity", {}), rules),
        fail_on=_severity("fail-on", values.get("fail-on", "error")),
        per_file_ignores=tuple(
            (pattern, resolve_selectors(_string_list(f"per-file-ignores.{pattern}", codes), rules))
            for pattern, codes in values.get("per-file-ignores", {}).items()
        ),
        rule_options={
            **target_rule_options(targets, rules),
            **_rule_options(values.get("rules", {}), rules),
        },
        models=values.get("models", {}),
        root=config.root,
        config_file=config.path,
        datasets=tuple(
            ((folder / entry["train"]).resolve(), (folder / entry["validation"]).resolve())
            for folder, entries in (
                (config.root, config.values.get("datasets", [])),
                (Path.cwd(), overrides.get("datasets", [])),
            )
            for entry in entries
        ),
        exclude=(
            *values.get("exclude", DEFAULT_EXCLUDE),
            *config.values.get("extend-exclude", []),
            *overrides.get("extend-exclude", []),
        ),
        respect_gitignore=values.get("respect-gitignore", True),
        template=resolve_template(values, config.root, config.values),
        targets=targets,
    )


def _severity(key: str, value: Any) -> Severity:
    try:
        return Severity.parse(_string(key, value))
    except ValueError as error:
        raise ConfigError(f"{key}: {error}") from None


def _severities(table: Mapping[str, Any], rules: Mapping[str, Rule]) -> dict[str, Severity]:
    severities: dict[str, Severity] = {}
    for selector, level in table.items():
        for code in resolve_selector(selector, rules):
            severities[code] = _severity(f"severity.{selector}", level)
    return severities


def _rule_options(
    table: Mapping[str, Any], rules: Mapping[str, Rule]
) -> dict[str, Mapping[str, Any]]:
    options: dict[str, Mapping[str, Any]] = {}
    for selector, values in table.items():
        codes = resolve_selector(selector, rules)
        if len(codes) != 1:
            raise ConfigError(f"rules.{selector}: name one rule, not a group")
        (code,) = codes
        rule = rules[code]
        given = _table(f"rules.{selector}", values)
        for key, value in given.items():
            if key not in rule.options:
                known = ", ".join(rule.options) or "none"
                hint = did_you_mean(key, rule.options)
                raise ConfigError(
                    f"rules.{selector}: unknown option {key!r}{hint} (known: {known})"
                )
            if not _same_type(value, rule.options[key]):
                expected = type(rule.options[key]).__name__
                raise ConfigError(f"rules.{selector}.{key} must be of type {expected}")
        options[code] = {**rule.options, **given}
    return options


def _same_type(value: Any, default: Any) -> bool:
    """TOML types match the default's; an integer is a fine float, a boolean no number."""
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, float):
        return isinstance(value, int | float)
    return isinstance(value, type(default))
