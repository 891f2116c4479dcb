"""The personal-data guard: find and mask e-mail addresses, phone numbers,
IBANs, payment card numbers and IP addresses in free text.

The rules (regular expressions, digit counts, IBAN lengths) are data in
``pii_rules.json`` beside this module, read here and embedded in the ticket
form for the browser's copy of the checks (``static/js/tickets/pii.js`` reads
the form's ``data-pii-patterns``), so the inline warning while typing and the
server's check on submit agree and cannot drift. The regexes are written in the
common subset of Python and JavaScript syntax: ASCII classes, fixed-width
lookbehind, flags passed separately.

A regex only proposes candidates; each is then confirmed by a check a typo or
an order number rarely passes: IBANs by their mod-97 check digits, card
numbers by the Luhn checksum, IP addresses by their octets or groups, phone
numbers by digit counts and national formats (NL, DE, SE, PL and
international), with order numbers, versions and dates left alone.
"""
from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass
from pathlib import Path

RULES_PATH = Path(__file__).with_name("pii_rules.json")
#: The shared rules, as the browser gets them (see pii_rules.json's $comment).
RULES: dict = json.loads(RULES_PATH.read_text(encoding="utf-8"))


def _pair(value: list) -> tuple[str, str]:
    source, flags = value
    return source, flags


#: kind -> (regex source, JavaScript flags). Order matters: earlier kinds win
#: where candidates overlap (a card number is not also a phone number).
PATTERNS: dict[str, tuple[str, str]] = {kind: _pair(value) for kind, value in RULES["patterns"].items()}
#: Text just before a number that says it is not personal data.
NOT_PERSONAL_BEFORE = _pair(RULES["notPersonalBefore"])
#: Text just before a number that says it IS a phone number.
PHONE_BEFORE = _pair(RULES["phoneBefore"])
#: A bare 9-digit Polish number counts only in its usual groupings.
POLISH_GROUPING = _pair(RULES["polishGrouping"])
#: IBAN lengths of the countries our customers bank in; others: any of IBAN_OTHER_LENGTHS.
IBAN_LENGTHS: dict[str, int] = RULES["ibanLengths"]
IBAN_OTHER_LENGTHS: tuple[int, int] = tuple(RULES["ibanOtherLengths"])
CARD_DIGITS: tuple[int, int] = tuple(RULES["cardDigits"])
PHONE_DIGITS: dict = RULES["phoneDigits"]
CONTEXT_CHARS: int = RULES["contextChars"]


def _compile(pair: tuple[str, str]) -> re.Pattern:
    """A [source, JavaScript flags] pair as a Python regex ('g' has no Python meaning)."""
    source, flags = pair
    return re.compile(source, re.IGNORECASE if "i" in flags else 0)


_compiled = {kind: _compile(pair) for kind, pair in PATTERNS.items()}
_not_personal = _compile(NOT_PERSONAL_BEFORE)
_phone_before = _compile(PHONE_BEFORE)
_polish = _compile(POLISH_GROUPING)
_iban_format = _compile(_pair(RULES["ibanFormat"]))
_mask_keep_front = _compile(_pair(RULES["maskKeepFront"]))

#: What :func:`scrub` puts in place of each kind (analytics keep no personal data).
PLACEHOLDERS = {"email": "[email]", "iban": "[iban]", "card": "[card]", "ipv4": "[ip]", "ipv6": "[ip]", "phone": "[phone]"}


@dataclass(frozen=True)
class Finding:
    kind: str
    start: int
    end: int
    text: str
    masked: str


def browser_patterns() -> dict:
    """Everything the browser needs to run the same checks: the rules file as it is."""
    return RULES


# -- checks -----------------------------------------------------------------

def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def iban_valid(iban: str) -> bool:
    iban = iban.upper()
    if not _iban_format.fullmatch(iban):
        return False
    rearranged = iban[4:] + iban[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


def _span_of_chars(text: str, start: int, count: int, wanted) -> int:
    """End index after ``count`` characters satisfying ``wanted`` from ``start``."""
    seen = 0
    for index in range(start, len(text)):
        if wanted(text[index]):
            seen += 1
            if seen == count:
                return index + 1
    return len(text)


def _confirm_iban(text: str, match: re.Match) -> tuple[int, int] | None:
    compact = re.sub(r"[^A-Za-z0-9]", "", match.group()).upper()
    known = IBAN_LENGTHS.get(compact[:2])
    shortest, longest = IBAN_OTHER_LENGTHS
    lengths = [known] if known else range(min(len(compact), longest), shortest - 1, -1)
    for length in lengths:
        if length <= len(compact) and iban_valid(compact[:length]):
            return match.start(), _span_of_chars(text, match.start(), length, str.isalnum)
    return None


def _confirm_card(text: str, match: re.Match) -> tuple[int, int] | None:
    candidate = match.group()
    groups = re.split(r"[ -]", candidate)
    # try the whole run, then shorter runs of whole groups ("4111 1111 1111 1111 2027")
    for count in range(len(groups), 0, -1):
        digits = "".join(groups[:count])
        if CARD_DIGITS[0] <= len(digits) <= CARD_DIGITS[1] and luhn_valid(digits):
            return match.start(), _span_of_chars(text, match.start(), len(digits), str.isdigit)
    return None


def _context_before(text: str, start: int) -> str:
    return text[max(0, start - CONTEXT_CHARS):start]


def _confirm_ipv4(text: str, match: re.Match) -> tuple[int, int] | None:
    if any(int(part) > 255 for part in match.group().split(".")):
        return None
    if _not_personal.search(_context_before(text, match.start())):
        return None
    return match.span()


def _confirm_ipv6(text: str, match: re.Match) -> tuple[int, int] | None:
    value = match.group()
    if sum(c.isalnum() for c in value) < 3:
        return None
    try:
        ipaddress.IPv6Address(value)
    except ValueError:
        return None
    return match.span()


def _confirm_phone(text: str, match: re.Match) -> tuple[int, int] | None:
    value = match.group()
    digits = re.sub(r"[^0-9]", "", value)
    before = _context_before(text, match.start())
    if _not_personal.search(before):
        return None
    if value.startswith("+") or value.startswith("00"):
        shortest, longest = PHONE_DIGITS["international"]
        ok = shortest <= len(digits) - (2 if value.startswith("00") else 0) <= longest
    elif value.startswith("0"):
        shortest, longest = PHONE_DIGITS["trunk"]  # NL 10, DE 10-12, SE 9-10 with the trunk 0
        ok = shortest <= len(digits) <= longest
    else:
        ok = bool(_polish.match(value)) or (len(digits) == PHONE_DIGITS["bare"] and bool(_phone_before.search(before)))
    return match.span() if ok else None


_CONFIRM = {
    "email": lambda text, match: match.span(),
    "iban": _confirm_iban,
    "card": _confirm_card,
    "ipv4": _confirm_ipv4,
    "ipv6": _confirm_ipv6,
    "phone": _confirm_phone,
}


# -- masks ------------------------------------------------------------------

def _mask_email(value: str) -> str:
    local, _at, domain = value.partition("@")
    return f"{local[:1]}***@{domain}"


def _mask_iban(value: str) -> str:
    compact = re.sub(r"[^A-Za-z0-9]", "", value).upper()
    hidden = compact[:2] + "*" * (len(compact) - 4) + compact[-2:]
    return " ".join(hidden[i:i + 4] for i in range(0, len(hidden), 4))


def _mask_card(value: str) -> str:
    return "**** **** **** " + re.sub(r"[^0-9]", "", value)[-4:]


def _mask_ipv4(value: str) -> str:
    return ".".join(value.split(".")[:2] + ["*", "*"])


def _mask_ipv6(value: str) -> str:
    groups = [g for g in value.split(":") if g][:2]
    return ":".join(groups + ["****", "****"])


def _mask_phone(value: str) -> str:
    keep_front = len(_mask_keep_front.match(value).group())
    digit_positions = [i for i, c in enumerate(value) if c.isdigit()]
    keep_back = set(digit_positions[-2:])
    return "".join(
        "*" if c.isdigit() and i >= keep_front and i not in keep_back else c
        for i, c in enumerate(value)
    )


_MASK = {"email": _mask_email, "iban": _mask_iban, "card": _mask_card,
         "ipv4": _mask_ipv4, "ipv6": _mask_ipv6, "phone": _mask_phone}


# -- public API -------------------------------------------------------------

def find_pii(text: str) -> list[Finding]:
    """Personal data in ``text``, in order of position, never overlapping."""
    if not text:
        return []
    taken: list[tuple[int, int]] = []
    findings: list[Finding] = []
    for kind, regex in _compiled.items():
        for match in regex.finditer(text):
            span = _CONFIRM[kind](text, match)
            if span is None:
                continue
            start, end = span
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            # a value already masked by us ("j***@example.com") is fine
            value = text[start:end]
            if "*" in value:
                continue
            taken.append((start, end))
            findings.append(Finding(kind, start, end, value, _MASK[kind](value)))
    return sorted(findings, key=lambda f: f.start)


def _replace(text: str, findings: list[Finding], replacement) -> str:
    out, position = [], 0
    for finding in findings:
        out.append(text[position:finding.start])
        out.append(replacement(finding))
        position = finding.end
    out.append(text[position:])
    return "".join(out)


def mask_text(text: str) -> str:
    """``text`` with every finding replaced by its mask (``j***@example.com``)."""
    return _replace(text, find_pii(text), lambda f: f.masked)


def scrub(text: str) -> str:
    """``text`` with every finding replaced by a placeholder such as ``[email]``."""
    return _replace(text, find_pii(text), lambda f: PLACEHOLDERS[f.kind])
