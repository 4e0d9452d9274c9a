"""Where data comes from: local files, compressed files, Parquet, stdin and URLs.

The engine names every input by a ``Path``; this package decides how the bytes behind
that name are read, and always hands back JSONL bytes, a stream at a time:

- a plain local file is read as it is (and may be split into byte ranges for workers);
- a ``.gz``, ``.bz2``, ``.xz`` or ``.zst`` stream, recognised by its magic bytes, is
  decompressed while it is read: line numbers are those of the decompressed text;
- a Parquet file (or the shards of a Hugging Face split) is rendered one JSON line per row,
  a row group at a time: line *n* is row *n*;
- ``-`` (or the ``--stdin-filename``) is standard input, read once as a stream and kept in
  a temporary spool so that later passes re-read the spool, never the pipe; so is any path
  that is no regular file (``/dev/stdin``, a FIFO, ``<(zcat x.gz)``);
- a URL (``s3://``, ``gs://``, ``az://``, ``hf://``, ``https://``) is opened through fsspec
  and streamed; ``Path`` folds its ``//``, which ``display_name`` restores.

Heavy libraries (pyarrow, fsspec, zstandard) are imported only when such an input appears.
"""

from __future__ import annotations

from tunelint.sources.base import (
    RowGroups,
    Source,
    display_name,
    is_remote,
    is_stdin,
    open_data,
    read_bytes,
    remote_path,
    source_for,
    text_stream,
    use_stdin,
)

__all__ = [
    "RowGroups",
    "Source",
    "display_name",
    "is_remote",
    "is_stdin",
    "open_data",
    "read_bytes",
    "remote_path",
    "source_for",
    "text_stream",
    "use_stdin",
]
