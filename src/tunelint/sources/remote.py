"""Data behind a URL, through fsspec: streamed in blocks, never downloaded whole first.

Credentials come from each protocol's usual chain (environment, configuration files,
instance roles); they are never printed: errors name the URL with its user information and
query values masked, and say what failed in one line.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from tunelint.sources.errors import MissingExtra, SourceError, require

if TYPE_CHECKING:
    from tunelint.sources.base import Stream

BLOCK_SIZE = 4 << 20
"""Bytes fetched per request: what a remote input holds in memory at a time."""

EXTRAS = {
    "s3": ("s3fs", "s3"),
    "s3a": ("s3fs", "s3"),
    "gs": ("gcsfs", "gcs"),
    "gcs": ("gcsfs", "gcs"),
    "az": ("adlfs", "azure"),
    "abfs": ("adlfs", "azure"),
    "abfss": ("adlfs", "azure"),
    "hf": ("huggingface_hub", "hf"),
    "http": ("aiohttp", "http"),
    "https": ("aiohttp", "http"),
}
_NO_BUCKET = ("bucketdoesnotexist", "nosuchbucket", "containernotfound", "containerdoesnotexist")
_USERINFO = re.compile(r"(?<=://)[^/@]*@")
_QUERY_VALUE = re.compile(r"(?<=[?&])([^=&#]+)=[^&#]*")


def masked(url: str) -> str:
    """``url`` with user information and query values (tokens, signatures) hidden."""
    return _QUERY_VALUE.sub(r"\1=***", _USERINFO.sub("***@", url))


def _fsspec(url: str) -> Any:  # fsspec has no type hints
    """``fsspec.core``, once fsspec and the package for ``url``'s scheme import; missing,
    one line naming the extra that installs them."""
    scheme = url.partition("://")[0].lower()
    package, extra = EXTRAS[scheme]
    require("fsspec", extra, f"reading {scheme}:// URLs")
    require(package, extra, f"reading {scheme}:// URLs")
    import fsspec.core

    return fsspec.core


_listed_sizes: dict[str, int] = {}
"""The size of each object a folder listing found, by URL."""


def list_folder(url: str) -> list[str] | None:
    """The data files under ``url`` when it names a folder (a prefix), sorted; else ``None``
    (a missing object is reported when it is opened)."""
    from tunelint.sources.walk import is_data_file

    fsspec = _fsspec(url)
    try:
        filesystem, where = fsspec.url_to_fs(url)
        if not filesystem.isdir(where):
            return None
        found = filesystem.find(where, detail=True)
    except Exception:  # the open that follows says what is wrong, in one line
        return None
    sizes = {
        filesystem.unstrip_protocol(name): int(info.get("size") or 0)
        for name, info in found.items()
        if is_data_file(PurePosixPath(name))
    }
    _listed_sizes.update(sizes)
    return sorted(sizes)


def listed_size(url: str) -> int:
    """The bytes of an object a folder listing found (to balance work); 0 for others."""
    return _listed_sizes.get(url, 0)


@contextlib.contextmanager
def open_url(url: str, display: str) -> Iterator[Stream]:
    """The bytes behind ``url``, as a seekable stream read in ``BLOCK_SIZE`` requests."""
    fsspec = _fsspec(url)
    try:
        filesystem, where = fsspec.url_to_fs(url)
        stream: Any = filesystem.open(where, "rb", block_size=BLOCK_SIZE)
    except MissingExtra:
        raise
    except Exception as error:  # each filesystem raises its own kinds
        raise SourceError(f"{display}: {describe(error)}") from None
    try:
        yield _Remote(stream, display)
    finally:
        with contextlib.suppress(Exception):
            stream.close()


def describe(error: BaseException) -> str:
    """One line about a failed request, without anything that could carry a secret."""
    if isinstance(error, FileNotFoundError):
        # A missing object's error names the object; a missing bucket's says so.
        text = str(error).lower().replace(" ", "")
        return "no such bucket" if any(w in text for w in _NO_BUCKET) else "no such object"
    if isinstance(error, PermissionError):
        return "access denied"
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return masked(text)


class _Remote:
    """A remote file whose read errors are one line naming the URL."""

    def __init__(self, stream: Any, display: str) -> None:
        self._stream, self._display = stream, display

    def read(self, size: int = -1) -> bytes:
        try:
            data: bytes = self._stream.read(size)
        except Exception as error:
            raise SourceError(f"{self._display}: {describe(error)}") from None
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        position: int = self._stream.seek(offset, whence)
        return position

    def tell(self) -> int:
        position: int = self._stream.tell()
        return position

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._stream.close()

    @property
    def closed(self) -> bool:
        return bool(self._stream.closed)
