"""Find the rule modules: tunelint's own, then those of installed plugins.

A plugin is a distribution that names its rule modules in the ``tunelint.rules``
entry-point group, as flake8 and sqlfluff plugins do::

    [project.entry-points."tunelint.rules"]
    acme = "acme_tunelint.rules"

Importing a rule module registers its rules (``@rule``); a code or name that clashes with
a rule already registered is a one-line error naming the plugin. tunelint's own rules
are loaded first, by name, like flake8's own checkers, so that a plugin can never take
their codes.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tunelint.engine.errors import TunelintError

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

GROUP = "tunelint.rules"
BUILTIN_RULES = "tunelint.rules"


class PluginError(TunelintError):
    """A plugin's rules could not be loaded."""


def load_rule_modules() -> None:
    """Import tunelint's rules, then every plugin's (each module once per process)."""
    importlib.import_module(BUILTIN_RULES)
    # Importing importlib.metadata costs more than a run of small files takes: the entry
    # points are read only when some installed distribution declares the group.
    if not _declared(GROUP):
        return
    for entry in plugin_entry_points():
        try:
            entry.load()
        except Exception as error:  # a plugin may fail in any way
            where = f"{entry.name} = {entry.value}"
            if entry.dist is not None:
                where += f" ({entry.dist.name} {entry.dist.version})"
            raise PluginError(f"rule plugin {where}: {error}") from None


def plugin_sources() -> list[Path]:
    """The files of the rule modules that plugins registered, sorted."""
    from tunelint.engine.registry import all_rules

    names = {rule.check.__module__ for rule in all_rules().values()}
    files = (getattr(sys.modules.get(name), "__file__", None) for name in names)
    return sorted(Path(file) for file in files if file and not _is_builtin(Path(file)))


def _is_builtin(file: Path) -> bool:
    return file.is_relative_to(Path(__file__).parent.parent)


def plugin_entry_points() -> list[EntryPoint]:
    """The installed plugins' entry points, by name."""
    from importlib.metadata import entry_points

    return sorted(entry_points(group=GROUP), key=lambda entry: entry.name)


def _declared(group: str) -> bool:
    """Whether an ``entry_points.txt`` of a distribution in a folder on ``sys.path`` names
    ``group``: the files importlib.metadata would read."""
    header = f"[{group}]".encode()
    # os.scandir and os.open, not Path: this runs on every start-up, over every
    # distribution installed (most of which have no entry_points.txt).
    for folder in sys.path:
        try:
            with os.scandir(folder or ".") as scan:
                found = [entry.path for entry in scan if entry.name.endswith(_METADATA)]
        except OSError:
            continue
        for distribution in found:
            try:
                descriptor = os.open(f"{distribution}/entry_points.txt", os.O_RDONLY)
            except OSError:
                continue
            try:
                if header in _read_all(descriptor):
                    return True
            except OSError:
                continue
            finally:
                os.close(descriptor)
    return False


_METADATA = (".dist-info", ".egg-info")


def _read_all(descriptor: int) -> bytes:
    chunks = []
    while chunk := os.read(descriptor, 1 << 16):
        chunks.append(chunk)
    return b"".join(chunks)
