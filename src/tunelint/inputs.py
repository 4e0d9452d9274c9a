"""What the command line reads: ``-`` for standard input, and each file's configuration.

Configuration follows the files, as in ruff: each file is checked with the nearest
``tunelint.toml`` or ``pyproject.toml`` (with a ``[tool.tunelint]`` table) above it, or the
working directory's when there is none above it; ``--config`` applies one file to all.
Suppressions live next to the configuration that applies, so files under different
configurations are reported group by group.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from tunelint.engine.config import find_config
from tunelint.engine.errors import UsageError
from tunelint.engine.settings import Settings
from tunelint.sources import is_remote, is_stdin, use_stdin

STDIN = "-"


def with_stdin(paths: Sequence[Path], stdin_filename: Path | None) -> list[Path]:
    """``paths`` with ``-`` standing for standard input, named ``stdin_filename`` in reports
    and for configuration (``-`` is implied when only ``--stdin-filename`` is given)."""
    dashes = [path for path in paths if str(path) == STDIN]
    if len(dashes) > 1:
        raise UsageError("'-' (standard input) can be given only once")
    if not dashes and stdin_filename is None:
        return list(paths)
    if not dashes and paths:
        raise UsageError("--stdin-filename names standard input: give '-' among the paths")
    name = use_stdin(stdin_filename)
    return [name if str(path) == STDIN else path for path in paths] or [name]


Group = tuple[Settings, list[Path]]


class SettingsFinder:
    """The settings of each file: those of the nearest configuration above it."""

    def __init__(
        self, make: Callable[[Path | None], Settings], config: Path | None, one: bool = False
    ) -> None:
        """``make`` turns a configuration file (or ``None``: defaults) into settings;
        ``config`` is ``--config``; with it, or with ``one``, one configuration applies to
        every file."""
        self._make = make
        self._one = one or config is not None
        self._fixed = config
        self._settings: dict[Path | None, Settings] = {}
        self._near: dict[Path, Path | None] = {}

    @classmethod
    def fixed(cls, settings: Settings) -> SettingsFinder:
        """One set of settings for every file."""
        return cls(lambda _: settings, None, one=True)

    def config_for(self, path: Path) -> Path | None:
        if self._one:
            return self._fixed
        if is_remote(path) or (str(path) == STDIN and is_stdin(path)):
            folder = Path.cwd()
        else:
            folder = (path if path.is_dir() and not is_stdin(path) else path.parent).absolute()
        if folder not in self._near:
            found = find_config(folder)
            self._near[folder] = found if found is not None else find_config(Path.cwd())
        return self._near[folder]

    def settings_for(self, path: Path) -> Settings:
        config = self.config_for(path)
        if config not in self._settings:
            self._settings[config] = self._make(config)
        return self._settings[config]

    def groups(self, files: Iterable[Path]) -> list[Group]:
        """``files`` grouped by the configuration that applies, in order of appearance."""
        grouped: dict[Path | None, Group] = {}
        for path in files:
            config = self.config_for(path)
            if config not in grouped:
                grouped[config] = (self.settings_for(path), [])
            grouped[config][1].append(path)
        return list(grouped.values())
