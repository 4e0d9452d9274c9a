"""Facts a rule declares for the fast path are checked when it registers, not at run time."""

from __future__ import annotations

from typing import Any

import pytest

from tunelint.engine.formats import Format
from tunelint.engine.registry import Scope, all_rules, rule
from tunelint.rules.authoring import Severity


def check(ctx: Any) -> tuple[()]:
    """Reports nothing."""
    return ()


class Counter:
    """Counts records."""

    def __init__(self, settings: Any) -> None:
        pass

    def visit(self, ctx: Any) -> tuple[()]:
        return ()

    def finish(self) -> tuple[()]:
        return ()


class HalfMergeable(Counter):
    """Hands over a partial it cannot absorb."""

    def partial(self) -> int:
        return 0


class Mergeable(HalfMergeable):
    """Merges across byte ranges."""

    def absorb(self, partial: int, lines_before: int, examples_before: int) -> None:
        pass


@pytest.mark.parametrize(
    ("scope", "facts", "target", "message"),
    [
        (Scope.RECORD, {"quiet_on_object": True}, check, "only a line rule can be quiet"),
        (Scope.LINE, {"quiet_on_plain": True}, check, "only a record rule can be quiet_on_plain"),
        (Scope.FILE, {"roles_only": True}, Mergeable, "only a record rule can be quiet_on_plain"),
        (Scope.RECORD, {"roles_only": True, "trigger": "x"}, check, "no other plain-record form"),
        (Scope.RECORD, {"roles_only": True, "quiet_on_plain": True}, check, "no other plain"),
        (Scope.RECORD, {"quiet_on_plain": True, "batch": check}, check, "needs no batch form"),
        (Scope.FILE, {}, Counter, "is declared whole_file=True"),
        (Scope.FILE, {}, HalfMergeable, "both partial and absorb"),
        (Scope.FILE, {"whole_file": True}, Mergeable, "either merges"),
        (Scope.RECORD, {"whole_file": True}, check, "only a file rule can be whole_file"),
        (Scope.RECORD, {"partial_holds_text": True}, check, "only a mergeable file rule"),
        (Scope.FILE, {"partial_holds_text": True, "whole_file": True}, Counter, "only a merge"),
        (Scope.RECORD, {}, check, r"clashes with SC001 \(missing-messages\) of tunelint\.rules"),
        (
            Scope.LINE,
            {"chat_view": True},
            check,
            "only a record, file or dataset rule can read the chat",
        ),
        (Scope.RECORD, {"chat_view": True, "any_layout": True}, check, "only a record, file or"),
        (Scope.RECORD, {"chat_view": True, "formats": [Format.PREFERENCE]}, check, "chat records"),
        (Scope.FILE, {"typed_batch": check}, Mergeable, "typed batch form is its visit_typed"),
        (Scope.LINE, {"typed_roles_only": True}, check, "typed batch form is its visit_typed"),
        (Scope.RECORD, {"typed_roles_only": True, "typed_batch": check}, check, "no other typed"),
        (Scope.RECORD, {"typed_roles_only": True, "quiet_on_typed": True}, check, "no other typ"),
    ],
)
def test_contradicting_facts_are_refused(
    scope: Scope, facts: dict[str, Any], target: Any, message: str
) -> None:
    code = "SC001" if "clashes" in message else "ZZ999"
    before = dict(all_rules())
    with pytest.raises(ValueError, match=message):
        rule(code, "zz-test", Severity.INFO, scope, **facts)(target)
    assert dict(all_rules()) == before


def test_a_rule_taking_another_rules_name_is_refused() -> None:
    before = dict(all_rules())
    with pytest.raises(ValueError, match=r"rule ZZ999 \(missing-messages\) clashes with SC001"):
        rule("ZZ999", "missing-messages", Severity.INFO)(check)
    assert dict(all_rules()) == before


def test_the_builtin_rules_declare_their_facts() -> None:
    rules = all_rules()
    assert {code for code, r in rules.items() if r.quiet_on_object} == {
        "JL001", "JL002", "JL003", "JL004", "JL005",
    }  # fmt: skip
    assert {code for code, r in rules.items() if r.roles_only} == {
        "CV004", "CV005",
    }  # fmt: skip
    assert {code for code, r in rules.items() if r.typed_roles_only} == {
        "CV004", "CV005", "PF001",
    }  # fmt: skip
    assert [code for code, r in rules.items() if r.scope is Scope.FILE and not r.mergeable] == []
    assert {code for code, r in rules.items() if r.quiet_on_typed} == {
        "CV001", "CV007", "SC001", "SC002", "SC003", "SC004", "SC005", "SC006", "SC007",
        "SC009", "SC010", "SC011", "TG002", "TG005", "TG006", "TG008", "TG009", "TG010",
        "TL001", "TL002", "TL003", "TL004", "TL005", "TL006", "TL007", "TL008",
    }  # fmt: skip
    # Shards never write these rules' state (text of the records) to disk.
    assert [code for code, r in rules.items() if r.partial_holds_text] == ["CT006"]
    assert {code for code, r in rules.items() if r.chat_view} == {
        "CT001", "CT002", "CT003", "CT004", "CT005", "CT006", "CT007",
        "PV001", "PV002", "PV003", "PV004", "PV005", "TK001", "DS004", "DS005", "DS006", "TG010",
    }  # fmt: skip
    assert {code for code, r in rules.items() if r.any_layout} == {
        "DS001", "DS003", "DS007", "TG002", "TG003", "TG005", "TG006", "TG008", "TG009",
    }  # fmt: skip
