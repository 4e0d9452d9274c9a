"""CSV (or TSV, by the ``.tsv`` suffix) with one example per row, columns mapped to roles.

Streamed a row at a time. The header names the columns; ``--user-column`` and
``--assistant-column`` (default ``user`` / ``assistant``) must exist, ``--system-column``
must exist when given. A cell may span lines; rows are located by the line they start on.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from tunelint.convert.base import Columns, Example, InputError, Item, Options, Skip, chat
from tunelint.sources import text_stream

_FIELD_LIMIT = 2**31 - 1  # the largest a C long holds everywhere


def convert(path: Path, options: Options) -> Iterator[Item]:
    # Long documents in one cell are ordinary in fine-tuning data; the default limit is 128 KiB.
    limit = csv.field_size_limit(_FIELD_LIMIT)
    try:
        yield from _rows(path, options.columns)
    finally:
        csv.field_size_limit(limit)


def _rows(path: Path, columns: Columns) -> Iterator[Item]:
    wanted = [columns.user, columns.assistant] + ([columns.system] if columns.system else [])
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    with text_stream(path) as stream:
        rows = csv.reader(stream, delimiter=delimiter)
        try:
            header = next(rows, None)
            if header is None:
                raise InputError(f"{path}: empty file, expected a header row")
            missing = [name for name in wanted if name not in header]
            if missing:
                found = ", ".join(map(repr, header))
                names = ", ".join(map(repr, missing))
                raise InputError(f"{path}:1: no column {names} in the header ({found})")
            user, assistant = header.index(columns.user), header.index(columns.assistant)
            system = header.index(columns.system) if columns.system else None
            start = rows.line_num + 1
            for row in rows:
                where = f"{path}:{start}"
                start = rows.line_num + 1
                if not any(cell.strip() for cell in row):
                    continue  # blank line: not a row
                if len(row) != len(header):
                    raise InputError(f"{where}: {len(row)} cells, the header has {len(header)}")
                question, answer = row[user].strip(), row[assistant].strip()
                if question and answer:
                    prompt = row[system] if system is not None else None
                    yield Example(chat(question, answer, prompt), where)
                else:
                    yield Skip("empty user or assistant cell", where)
        except UnicodeDecodeError as error:
            where = f"{path}: not UTF-8 (invalid byte 0x{error.object[error.start]:02x}"
            raise InputError(f"{where} near line {rows.line_num + 1})") from None
        except csv.Error as error:
            raise InputError(f"{path}:{rows.line_num}: not CSV: {error}") from None
