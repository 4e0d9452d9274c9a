"""Errors that end a run with exit status 2: bad usage, configuration or I/O."""


class TunelintError(Exception):
    """A problem with how tunelint was called, not with the data: reported in one line."""


class ConfigError(TunelintError):
    """The configuration (file or flags) is invalid."""


class UsageError(TunelintError):
    """The command line asks for something impossible (a missing path, a bad option)."""
