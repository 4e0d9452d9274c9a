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
