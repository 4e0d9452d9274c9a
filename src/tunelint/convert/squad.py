"""SQuAD v1/v2 and KorQuAD v1: ``data[].paragraphs[].qas[]`` questions with answer spans.

One example per answerable question, answered with its first answer; unanswerable (v2)
questions are skipped. SQuAD is a single JSON document, so it is parsed whole; the output is
still written a record at a time.

A question asked again is kept, not merged: dropping either copy would lose data silently,
and when the answers differ, which one is right is the user's call. Each repeat is a
``Note`` (``check`` warns about them too: DS006 conflicting-answers, DS003 duplicates);
``--with-context`` usually tells them apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tunelint.convert.base import (
    Example,
    Item,
    Note,
    Options,
    Skip,
    array,
    chat,
    expect,
    load_json,
    place,
    text,
)

REPEATED = "question asked again with a different answer (both kept)"
DUPLICATE = "question asked again with the same answer (both kept)"


def convert(path: Path, options: Options) -> Iterator[Item]:
    document = expect(load_json(path), dict, str(path), "the document")
    first_answers: dict[tuple[str, str], str] = {}
    for a, article in enumerate(array(document, "data", str(path))):
        where = place(path, ("data", a))
        for p, paragraph in enumerate(array(article, "paragraphs", where)):
            where = place(path, ("data", a, "paragraphs", p))
            context = text(paragraph, "context", where).strip() if options.with_context else ""
            for q, qa in enumerate(array(paragraph, "qas", where)):
                where = place(path, ("data", a, "paragraphs", p, "qas", q))
                yield from _question(qa, context, where, first_answers)


def _question(
    qa: Any, context: str, where: str, first_answers: dict[tuple[str, str], str]
) -> Iterator[Item]:
    question = text(qa, "question", where).strip()
    answers = array(qa, "answers", where, required=False)
    if qa.get("is_impossible") is True or not answers:
        yield Skip("unanswerable question", where)
        return
    answer = text(answers[0], "text", f"{where}.answers[0]").strip()
    if not question or not answer:
        yield Skip("empty question or answer", where)
        return
    first = first_answers.get((context, question))
    if first is None:
        first_answers[(context, question)] = answer
    else:
        yield Note(REPEATED if first != answer else DUPLICATE, where)
    yield Example(chat(f"{context}\n\n{question}" if context else question, answer), where)
