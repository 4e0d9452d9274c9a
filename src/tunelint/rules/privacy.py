"""PV: secrets and personal data inside texts. Findings show values masked, never whole."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

# The secret shapes live with the engine's quoting, which masks them in every output.
from tunelint.engine.quoting import LETTER_AND_DIGIT, SECRET_TRIGGER, secret_patterns
from tunelint.rules.authoring import (
    JsonPath,
    LazyPattern,
    RecordContext,
    Severity,
    Violation,
    mask,
    quote,
    rule,
)
from tunelint.rules.walk import NON_PREFERRED, judged_in_full, judged_texts

# Every phone, card and registration number has 8 digits or more in a short span; this
# scan starts only at digits, so it is cheap, and the exact patterns run only where it hits.
# Digits are ASCII digits throughout: numbers written in other scripts are not looked for.
_NUMBERS_PATTERN = r"[0-9][0-9 ().+-]{6,}[0-9]"
_NUMBERS = LazyPattern(_NUMBERS_PATTERN)


def _matches(
    ctx: RecordContext,
    code: str,
    pattern: LazyPattern[str],
    accept: Callable[[str], bool],
    has: LazyPattern[str] = _NUMBERS,
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Matches that ``accept`` confirms, in the texts where ``has`` finds a candidate."""
    for text in judged_texts(ctx, code):
        if not has.search(text.text):
            continue
        for found in pattern.finditer(text.text):
            if accept(found.group()):
                yield text.location, found.group()


@rule(
    "PV001",
    "secret-in-content",
    Severity.ERROR,
    trigger=SECRET_TRIGGER,
    options=NON_PREFERRED,
    chat_view=True,
)
def secret_in_content(ctx: RecordContext) -> Iterator[Violation]:
    """A text contains an API key, a token or a private key.

    ## What it does
    Looks, in every string of the record (texts, tool-call arguments, names, ids, URLs and
    keys alike), for credentials with a recognisable shape: OpenAI (`sk-`, `sk-proj-`) and
    Anthropic (`sk-ant-`) API keys, AWS access key IDs and secret keys, GitHub, Slack,
    Google, Stripe and Hugging Face tokens, JSON Web Tokens and PEM private key blocks. The
    finding shows the kind of secret and a masked form (`sk-p…9xQ`), never the secret,
    so CI logs do not leak it again. On by default; an error because a secret in training
    data can be reproduced by the model for anyone.

    The non-preferred output of a preference pair, meant to be bad, is left alone
    unless the option `non-preferred` is true.

    ## Why is this bad?
    Fine-tuned models memorise rare strings; a key in the data can come back in an answer,
    and the uploaded file itself is a copy of the secret outside your control.

    ## Example
    ```jsonl
    {"messages": [{"role": "user", "content": "Why does my call fail?"}, {"role": "assistant", "content": "Use client = OpenAI(api_key='sk-proj-Xa81kQm2Lp0sT7vBn4Rz9cYw')"}]}
    ```

    ## How to fix
    Revoke the credential, then replace it in the data with a placeholder such as
    `sk-...`.

    ```jsonl
    {"messages": [{"role": "user", "content": "Why does my call fail?"}, {"role": "assistant", "content": "Use client = OpenAI(api_key=os.environ['OPENAI_API_KEY'])"}]}
    ```
    """
    for location, text in every_string(ctx.record):
        if location[:1] == ("non_preferred_output",) and not judged_in_full(ctx, "PV001"):
            continue
        for kind, literal, pattern in secret_patterns():
            if literal not in text:
                continue
            for found in pattern.finditer(text):
                secret = found.group()
                if kind == "private key":
                    yield Violation(f"{kind} block {quote(secret)}", location)
                elif kind.startswith("AWS") or LETTER_AND_DIGIT.match(secret):
                    yield Violation(f"{kind} {mask(secret)}", location)


def every_string(record: Any) -> Iterator[tuple[JsonPath, str]]:
    """Every string of ``record``, keys included (at the object that holds them)."""
    pending: list[tuple[JsonPath, Any]] = [((), record)]  # in reverse document order
    while pending:
        location, value = pending.pop()
        if isinstance(value, str):
            yield location, value
        elif isinstance(value, dict):
            for key in value:
                yield location, key
            pending.extend(((*location, key), item) for key, item in reversed(value.items()))
        elif isinstance(value, list):
            pending.extend(
                ((*location, index), value[index]) for index in reversed(range(len(value)))
            )


_AT = LazyPattern("@")
_EMAIL = LazyPattern(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@((?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,})(?![A-Za-z0-9-])"
)
# RFC 2606 and RFC 6761 reserve these for documentation and tests.
_EXAMPLE_DOMAINS = ("example.com", "example.org", "example.net", "example", "test", "invalid")


# Not reserved, but used as placeholders far more than as mailboxes (`you@yourcompany.com`):
# the "your..." names under any top-level domain, and two generic .com names. Real providers
# that examples borrow (`mail.com`, `email.com`) are left out: their addresses can be real.
_PLACEHOLDER_NAMES = frozenset(
    {"yourdomain", "your-domain", "yourcompany", "your-company", "youremail", "yoursite"}
)
_PLACEHOLDER_DOMAINS = frozenset({"domain.com", "company.com"})


def _real_address(address: str) -> bool:
    domain = address.rsplit("@", 1)[1].lower()
    return not any(domain == name or domain.endswith("." + name) for name in _EXAMPLE_DOMAINS)


def _personal_address(address: str) -> bool:
    domain = address.rsplit("@", 1)[1].lower()
    names = domain.split(".")[:-1]  # the top-level domain is never a placeholder name
    return (
        _real_address(address)
        and domain not in _PLACEHOLDER_DOMAINS
        and _PLACEHOLDER_NAMES.isdisjoint(names)
    )


@rule(
    "PV002", "email-address", Severity.WARNING, trigger="@", options=NON_PREFERRED, chat_view=True
)
def email_address(ctx: RecordContext) -> Iterator[Violation]:
    """A text contains an e-mail address.

    ## What it does
    Reports e-mail addresses, except those at the domains reserved for examples
    (`example.com`, `.org`, `.net`, and the `.example`, `.test` and `.invalid`
    top-level domains) and at the common placeholders `yourdomain`, `your-domain`,
    `yourcompany`, `your-company`, `youremail` and `yoursite` (under any top-level domain),
    `domain.com` and `company.com`, masked in the finding. Addresses at real providers
    such as `mail.com` and `email.com` are reported even when they look made up. An
    address written several times in one text is reported once, with the count. On by
    default: the pattern is precise.

    The non-preferred output of a preference pair, meant to be bad, is left alone
    unless the option `non-preferred` is true.

    ## Why is this bad?
    Addresses in training data are personal data: the model can repeat them to anyone,
    and keeping them may need a legal basis.

    ## Example
    ```jsonl
    {"messages": [{"role": "user", "content": "Who handled my refund?"}, {"role": "assistant", "content": "Jane (jane.kim@gmail.com) did."}]}
    ```

    ## How to fix
    Replace addresses with placeholders (`user@example.com`) or remove them.

    ```jsonl
    {"messages": [{"role": "user", "content": "Who handled my refund?"}, {"role": "assistant", "content": "Jane (jane@example.com) did."}]}
    ```
    """
    # One finding per address and text: code that logs in and sends repeats the address.
    seen: dict[tuple[JsonPath, str], list[str]] = {}
    for location, address in _matches(ctx, "PV002", _EMAIL, _personal_address, _AT):
        seen.setdefault((location, address.lower()), []).append(address)
    for (location, _), written in seen.items():
        times = f" ({len(written)} times)" if len(written) > 1 else ""
        yield Violation(f"e-mail address {mask(written[0])}{times}", location)


_PHONE = LazyPattern(
    r"(?<![\w+.-])(?:"
    r"\+[0-9]{1,3}[ .-]?(?:\([0-9]{1,4}\)[ .-]?)?[0-9]{1,4}(?:[ .-][0-9]{2,4}){1,3}"  # international
    r"|0(?:1[016789]|2|[3-6][1-5]|70|80)[ .)-][0-9]{3,4}[ .-][0-9]{4}"  # Korean, separated
    r"|010[0-9]{8}"  # Korean mobile, unseparated
    r"|\([0-9]{3}\) ?[0-9]{3}-[0-9]{4}|[0-9]{3}-[0-9]{3}-[0-9]{4}"  # North American
    r")(?![\w.-]*[0-9])"
)


def _phone_digits(number: str) -> bool:
    return 8 <= sum(char.isdigit() for char in number) <= 15


def _fictional(number: str) -> bool:
    """A North American number that no one can have: area code 555 is never assigned, and
    555-0100 to 555-0199 are set aside for fiction in every area (NANPA)."""
    digits = "".join(char for char in number if char.isdigit())
    if number.startswith("+1") and len(digits) == 11:
        digits = digits[1:]
    elif number.startswith("+") or digits.startswith("0") or len(digits) != 10:
        return False  # outside North America, or Korean
    return digits.startswith("555") or digits[3:8] == "55501"


def _phone(number: str) -> bool:
    return _phone_digits(number) and not _fictional(number)


@rule(
    "PV003",
    "phone-number",
    Severity.WARNING,
    trigger=_NUMBERS_PATTERN,
    options=NON_PREFERRED,
    chat_view=True,
)
def phone_number(ctx: RecordContext) -> Iterator[Violation]:
    """A text contains a phone number.

    ## What it does
    Reports international numbers (`+82 10-1234-5678`, `+1 (415) 392-0146`), Korean
    numbers (`010-1234-5678`, `02-123-4567`, `01012345678`) and North American ones
    (`(415) 392-0146`), masked, written in ASCII digits. Numbers need their usual separators (Korean mobile
    numbers aside), so prices, dates and IDs do not match. North American numbers that
    cannot belong to anyone are left alone: area code 555 (`(555) 123-4567`, never
    assigned) and 555-0100 to 555-0199 (`(415) 555-0132`, reserved for fiction). On by
    default.

    The non-preferred output of a preference pair, meant to be bad, is left alone
    unless the option `non-preferred` is true.

    ## Why is this bad?
    Phone numbers are personal data that the model can memorise and repeat.

    ## Example
    ```jsonl
    {"messages": [{"role": "user", "content": "How do I reach the driver?"}, {"role": "assistant", "content": "Call him at 010-2345-6789."}]}
    ```

    ## How to fix
    Replace numbers with placeholders or remove them.

    ```jsonl
    {"messages": [{"role": "user", "content": "How do I reach the driver?"}, {"role": "assistant", "content": "Call him from the app's trip screen."}]}
    ```
    """
    for location, number in _matches(ctx, "PV003", _PHONE, _phone):
        yield Violation(f"phone number {mask(number)}", location)


_CARD = LazyPattern(r"(?<![0-9-])[0-9](?:[ -]?[0-9]){12,18}(?![0-9-])")
# Issuer prefixes (IIN ranges) of the major networks, with their card lengths.
_ISSUERS = LazyPattern(
    r"4(?:\d{12}|\d{15}|\d{18})"  # Visa
    r"|(?:5[1-5]\d{2}|222[1-9]|22[3-9]\d|2[3-6]\d{2}|27[01]\d|2720)\d{12}"  # Mastercard
    r"|3[47]\d{13}"  # American Express
    r"|(?:6011|65\d{2}|64[4-9]\d)\d{12,15}"  # Discover
    r"|35(?:2[89]|[3-8]\d)\d{12,15}"  # JCB
    r"|3(?:0[0-5]|[68]\d)\d{11}"  # Diners Club
    r"|62\d{14,17}"  # UnionPay
)


def luhn(digits: str) -> bool:
    """The Luhn checksum that every payment card number satisfies."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _card(number: str) -> bool:
    digits = re.sub(r"[ -]", "", number)
    return _ISSUERS.fullmatch(digits) is not None and luhn(digits)


@rule(
    "PV004",
    "payment-card-number",
    Severity.WARNING,
    trigger=_NUMBERS_PATTERN,
    options=NON_PREFERRED,
    chat_view=True,
)
def payment_card_number(ctx: RecordContext) -> Iterator[Violation]:
    """A text contains a payment card number.

    ## What it does
    Reports 13 to 19 digits (spaces or hyphens allowed between them) that start like a
    card of a major network and pass the Luhn checksum, masked. A random 16-digit number
    fails the checksum nine times in ten and the issuer prefix most of the rest, so order
    and tracking numbers rarely match. On by default.

    The non-preferred output of a preference pair, meant to be bad, is left alone
    unless the option `non-preferred` is true.

    ## Why is this bad?
    Card numbers are payment data (PCI DSS): they must not be stored, let alone trained
    into a model that may repeat them.

    ## Example
    ```jsonl
    {"messages": [{"role": "user", "content": "Charge my card 4111 1111 1111 1111."}, {"role": "assistant", "content": "Done."}]}
    ```

    ## How to fix
    Remove the number or replace it with a placeholder such as `XXXX-XXXX-XXXX-1234`.

    ```jsonl
    {"messages": [{"role": "user", "content": "Charge the card ending in 1111."}, {"role": "assistant", "content": "Done."}]}
    ```
    """
    for location, number in _matches(ctx, "PV004", _CARD, _card):
        yield Violation(f"payment card number {mask(number)}", location)


_RRN_DATE = r"(?<![0-9])[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
_RRN = LazyPattern(_RRN_DATE + r"-?[1-8][0-9]{6}(?![0-9])")  # what outputs mask
# What the rule reports: the hyphenated form, or 13 digits that are not an operand or the
# result of a sum (`= 1903242526696`), which a checksum passes one time in ten.
_OPERATOR = r"[=+*/\u00d7\u00f7^<>-]"  # \u00d7 and \u00f7: times and divided by
_RRN_WRITTEN = LazyPattern(
    rf"{_RRN_DATE}-[1-8][0-9]{{6}}(?![0-9])"
    rf"|(?<!{_OPERATOR})(?<!{_OPERATOR} ){_RRN_DATE}[1-8][0-9]{{6}}(?![0-9])(?! ?{_OPERATOR})"
)
_RRN_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)


def rrn_checksum(number: str) -> bool:
    """The check digit of a Korean resident registration number (numbers before 2020-10)."""
    digits = [int(char) for char in number if char.isdigit()]
    total = sum(weight * digit for weight, digit in zip(_RRN_WEIGHTS, digits, strict=False))
    return (11 - total % 11) % 10 == digits[12]


@rule(
    "PV005",
    "korean-resident-registration-number",
    Severity.WARNING,
    trigger=_NUMBERS_PATTERN,
    options=NON_PREFERRED,
    chat_view=True,
)
def korean_resident_registration_number(ctx: RecordContext) -> Iterator[Violation]:
    """A text contains a Korean resident registration number (주민등록번호).

    ## What it does
    Reports 13-digit numbers written `YYMMDD-NNNNNNN` (hyphen optional) whose date is
    valid, whose seventh digit is 1 to 8 and whose check digit is right, masked. Without
    the hyphen, a number next to `=`, `+`, `-`, `*`, `/` or another operator is taken for
    arithmetic (`256626720691 + 1646615806005 = 1903242526696`) and left alone. Numbers
    issued since October 2020 have no check digit and are not reported: precision first.
    On by default.

    The non-preferred output of a preference pair, meant to be bad, is left alone
    unless the option `non-preferred` is true.

    ## Why is this bad?
    Korean law (PIPA) restricts processing these numbers; in training data they can be
    reproduced by the model, and with a birth date they identify a person.

    ## Example
    ```jsonl
    {"messages": [{"role": "user", "content": "제 주민번호는 900101-1234568 입니다."}, {"role": "assistant", "content": "확인했습니다."}]}
    ```

    ## How to fix
    Remove the number or replace it with a placeholder such as `YYMMDD-XXXXXXX`.

    ```jsonl
    {"messages": [{"role": "user", "content": "제 주민번호는 YYMMDD-XXXXXXX 입니다."}, {"role": "assistant", "content": "확인했습니다."}]}
    ```
    """
    for location, number in _matches(ctx, "PV005", _RRN_WRITTEN, rrn_checksum):
        yield Violation(f"resident registration number {mask(number)}", location)


_PERSONAL: tuple[tuple[str, LazyPattern[str], Callable[[str], bool]], ...] = (
    ("@", _EMAIL, _real_address),
    ("", _PHONE, _phone_digits),
    ("", _CARD, _card),
    ("", _RRN, lambda number: True),  # numbers since 2020 have no check digit: all of them
)


def sensitive_spans(text: str) -> Iterator[tuple[int, int]]:
    """Start and end of every secret and piece of personal data in ``text`` that the PV
    rules look for (resident numbers without a valid check digit too): what an output that
    quotes data must mask."""
    for _, literal, secret in secret_patterns():
        if literal in text:
            for found in secret.finditer(text):
                yield found.span()
    if not _NUMBERS.search(text) and "@" not in text:
        return
    for literal, pattern, accept in _PERSONAL:
        if literal in text:
            for found in pattern.finditer(text):
                if accept(found.group()):
                    yield found.span()
