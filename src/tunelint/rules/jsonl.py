"""JL: JSONL syntax and encoding. Each line must be one UTF-8 JSON object."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from tunelint.rules.authoring import (
    UTF8_BOM,
    Line,
    LineProblem,
    PlainBatch,
    Reports,
    Scope,
    Severity,
    Violation,
    delete_line,
    edit_line,
    json_type,
    rule,
)


@rule("JL001", "invalid-json", Severity.ERROR, Scope.LINE, quiet_on_object=True)
def invalid_json(line: Line) -> Iterator[Violation]:
    """A line is not valid JSON.

    ## What it does
    Decodes every line on its own (RFC 8259 JSON) and reports the first syntax error with
    its column. `NaN`, `Infinity`, trailing commas, single quotes, comments and JSON
    nested deeper than 1,024 levels are all invalid.

    ## Why is this bad?
    The provider rejects the whole upload when one line does not parse, and the cookbook
    notebook stops with a traceback at the first such line.

    ## Example
    ```jsonl
    {"messages": [{"role": "user", "content": "Hi"},]}
    ```

    ## How to fix
    Write each record with a JSON serializer (`json.dumps`), one object per line; a
    pretty-printed record spanning several lines is several invalid lines.

    ```jsonl
    {"messages": [{"role": "user", "content": "Hi"}]}
    ```
    """
    if line.problem is LineProblem.INVALID_JSON:
        yield Violation(f"invalid JSON: {line.detail}", column=line.column)


@rule(
    "JL002",
    "record-not-object",
    Severity.ERROR,
    Scope.LINE,
    aliases=["data_type"],
    quiet_on_object=True,
)
def record_not_object(line: Line) -> Iterator[Violation]:
    """A line holds valid JSON that is not an object.

    ## What it does
    Reports lines whose JSON value is an array, string, number, boolean or `null`.
    The cookbook calls this `data_type`.

    ## Why is this bad?
    Every training example is an object (`{"messages": [...]}`); anything else is
    rejected by the provider.

    ## Example
    ```jsonl
    [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]
    ```

    ## How to fix
    Wrap the value in the object the format expects, e.g. `{"messages": [...]}`.

    ```jsonl
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    ```
    """
    if line.is_record and not isinstance(line.value, dict):
        yield Violation(f"record is a JSON {json_type(line.value)}, not an object")


_REMOVE_BLANK = delete_line("remove the blank line")
_REMOVE_BOM = edit_line("remove the byte-order mark", lambda raw: raw.removeprefix(UTF8_BOM))
_USE_LF = edit_line("end the line with LF", lambda raw: raw.rstrip(b"\r"))


@rule("JL003", "blank-line", Severity.WARNING, Scope.LINE, fixable=True, quiet_on_object=True)
def blank_line(line: Line) -> Iterator[Violation]:
    """A line is empty or holds only whitespace.

    ## What it does
    Reports empty lines, including whitespace-only ones, anywhere in the file.

    ## Why is this bad?
    JSONL has no empty records: strict readers (and the cookbook's `json.loads` per
    line) fail on them, and they often mark a record that was lost while editing.

    ## Example
    ```jsonl
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}

    {"messages": [{"role": "user", "content": "Bye"}, {"role": "assistant", "content": "Bye"}]}
    ```

    ## How to fix
    Delete the line; `tunelint check --fix` does (a safe fix).

    ```jsonl
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    {"messages": [{"role": "user", "content": "Bye"}, {"role": "assistant", "content": "Bye"}]}
    ```
    """
    if line.problem is LineProblem.BLANK:
        yield Violation("blank line", fix=_REMOVE_BLANK)


@rule("JL004", "byte-order-mark", Severity.WARNING, Scope.LINE, fixable=True, quiet_on_object=True)
def byte_order_mark(line: Line) -> Iterator[Violation]:
    """The file starts with a UTF-8 byte-order mark.

    ## What it does
    Reports the bytes `EF BB BF` at the start of the file. tunelint still checks the first
    record as if the mark were absent.

    ## Why is this bad?
    JSON forbids a byte-order mark (RFC 8259, section 8.1); many readers, Python's
    `json.loads` on text read with `encoding="utf-8"` among them, fail on the first line.
    Windows editors add it silently.

    ## Example
    A file saved as "UTF-8 with BOM".

    ## How to fix
    Save the file as UTF-8 without a BOM, or remove the first three bytes;
    `tunelint check --fix` does (a safe fix).
    """
    if line.has_bom:
        yield Violation("file starts with a UTF-8 byte-order mark", fix=_REMOVE_BOM)


@rule("JL005", "invalid-utf8", Severity.ERROR, Scope.LINE, quiet_on_object=True)
def invalid_utf8(line: Line) -> Iterator[Violation]:
    """A line is not valid UTF-8.

    ## What it does
    Reports the first byte that is not part of a valid UTF-8 sequence, and says so when the
    file looks UTF-16 encoded.

    ## Why is this bad?
    JSONL is UTF-8 by definition; the provider rejects other encodings, and text decoded
    with the wrong codec trains the model on mojibake.

    ## Example
    A file exported as "Unicode" (UTF-16) by a spreadsheet, or Latin-1 text.

    ## How to fix
    Re-encode the file as UTF-8 (`iconv -f UTF-16 -t UTF-8`).
    """
    if line.problem is LineProblem.INVALID_UTF8:
        yield Violation(line.detail, column=line.column)


def _crlf_lines(batch: PlainBatch) -> Reports:
    """JL006 on a run of plain records: only the lines with a ``\\r`` at the end."""
    return [
        (index, (Violation("line ends with CRLF", fix=_USE_LF),))
        for index, raw in enumerate(batch.raws)
        if raw.endswith(b"\r")
    ]


@rule("JL006", "crlf-line-ending", Severity.WARNING, Scope.LINE, fixable=True, batch=_crlf_lines)
def crlf_line_ending(line: Line) -> Iterable[Violation]:
    """A line ends with a carriage return (Windows `CRLF` line ending).

    ## What it does
    Reports every record line that ends in `\\r` before its `\\n` (or at the end of
    the file). Blank lines are JL003's finding, whatever their line ending.

    ## Why is this bad?
    JSON allows the `\\r` as whitespace, but line-oriented tools do not: `split("\\n")`
    leaves it in the text, `tail -c` and `wc` disagree with the editor, and a file
    edited on two platforms shows every line changed in review.

    ## Example
    A file saved by a Windows editor: `{"messages": [...]}\\r\\n` on every line.

    ## How to fix
    Save the file with LF line endings (`dos2unix`, or `* text eol=lf` in
    `.gitattributes`); `tunelint check --fix` does it (a safe fix).
    """
    # Runs on every line: a tuple, not a generator, for the common answer.
    if line.raw.endswith(b"\r") and line.problem is not LineProblem.BLANK:
        return (Violation("line ends with CRLF", fix=_USE_LF),)
    return ()


def _no_long_plain_lines(batch: PlainBatch) -> Reports:
    """JL007 on a run of plain records: they were decoded, so none is too long."""
    return ()


@rule("JL007", "line-too-long", Severity.ERROR, Scope.LINE, batch=_no_long_plain_lines)
def line_too_long(line: Line) -> Iterator[Violation]:
    """A line is longer than 16 MiB.

    ## What it does
    Reports a line longer than 16 MiB (16,777,216 bytes) as it streams past, without
    decoding or holding it: tunelint's memory stays bounded whatever the file holds.

    ## Why is this bad?
    No provider accepts an example of that size (context windows hold well under a
    megabyte of text, and embedded images are limited to 10 MB each); such a line is
    usually a file that is not JSONL at all, such as a JSON array on one line.

    ## Example
    A 200 MB JSON array written on one line, or ``/dev/urandom`` saved as ``.jsonl``.

    ## How to fix
    Write one example per line (``jq -c '.[]' data.json > data.jsonl``), and drop or
    shrink the oversized example.
    """
    if line.problem is LineProblem.TOO_LONG:
        yield Violation(line.detail)
