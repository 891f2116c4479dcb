"""The personal-data guard: find and mask e-mail addresses, phone numbers,
IBANs, payment card numbers and IP addresses in free text.

The same regular expressions run in the browser (``static/js/tickets.js``
reads :func:`browser_patterns` from the form's ``data-pii-patterns``), so the
inline warning while typing and the server's check on submit agree. They are
written in the common subset of Python and JavaScript regex syntax: ASCII
classes, fixed-width lookbehind, flags passed separately.

A regex only proposes candidates; each is then confirmed by a check a typo or
an order number rarely passes: IBANs by their mod-97 check digits, card
numbers by the Luhn checksum, IP addresses by their octets or groups, phone
numbers by digit counts and national formats (NL, DE, SE, PL and
international), with order numbers, versions and dates left alone.
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

#: kind -> (regex source, JavaScript flags). Order matters: earlier kinds win
#: where candidates overlap (a card number is not also a phone number).
PATTERNS: dict[str, tuple[str, str]] = {
    "email": (r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}", "g"),
    "iban": (r"(?<![A-Za-z0-9])[A-Za-z]{2}[0-9]{2}(?:[ ]?[A-Za-z0-9]){11,32}(?![A-Za-z0-9])", "g"),
    "card": (r"(?<![0-9])[0-9](?:[ -]?[0-9]){12,22}(?![0-9])", "g"),
    "ipv4": (r"(?<![0-9.])(?:[0-9]{1,3}\.){3}[0-9]{1,3}(?![0-9]|\.[0-9])", "g"),
    "ipv6": (r"(?<![0-9A-Za-z:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![0-9A-Za-z:])", "g"),
    "phone": (r"(?<![0-9A-Za-z+./-])(?:\+|00)?[0-9(][0-9 ()/-]{6,22}[0-9](?![0-9A-Za-z])", "g"),
}

#: Text just before a number that says it is not personal data.
NOT_PERSONAL_BEFORE = (
    r"(?:order|bestel|invoice|factu|rechnung|bestellung|auftrag|zam[oó]wieni|faktur|ticket|ref|"
    r"version|versie|versio|wersja|build|release|artikel|article|sku|ean|#)[^0-9]{0,12}$",
    "i",
)
#: Text just before a number that says it IS a phone number.
PHONE_BEFORE = (r"(?:tel|phone|telefoon|telefon|mobil|mobiel|gsm|handy|call|bel|ring|zadzwo)[^0-9]{0,12}$", "i")
#: A bare 9-digit Polish number counts only in its usual groupings.
POLISH_GROUPING = (r"^[1-9][0-9]{2}[ -][0-9]{3}[ -][0-9]{3}$|^[1-9][0-9][ -][0-9]{3}[ -][0-9]{2}[ -][0-9]{2}$", "")

#: IBAN lengths of the countries our customers bank in; others: any 15-34.
IBAN_LENGTHS = {
    "AT": 20, "BE": 16, "CH": 21, "CZ": 24, "DE": 22, "DK": 18, "ES": 24, "FI": 18, "FR": 27,
    "GB": 22, "IE": 22, "IT": 27, "LU": 20, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "SE": 24,
}

CONTEXT_CHARS = 25

_compiled = {kind: re.compile(src) for kind, (src, _flags) in PATTERNS.items()}
_not_personal = re.compile(NOT_PERSONAL_BEFORE[0], re.IGNORECASE)
_phone_before = re.compile(PHONE_BEFORE[0], re.IGNORECASE)
_polish = re.compile(POLISH_GROUPING[0])

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
    """Everything the browser needs to run the same checks (JSON-serialisable)."""
    return {
        "patterns": PATTERNS,
        "notPersonalBefore": NOT_PERSONAL_BEFORE,
        "phoneBefore": PHONE_BEFORE,
        "polishGrouping": POLISH_GROUPING,
        "ibanLengths": IBAN_LENGTHS,
        "contextChars": CONTEXT_CHARS,
    }


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
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}", iban):
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
    lengths = [known] if known else range(min(len(compact), 34), 14, -1)
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
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
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
        ok = 8 <= len(digits) - (2 if value.startswith("00") else 0) <= 15
    elif value.startswith("0"):
        ok = 9 <= len(digits) <= 12  # NL 10, DE 10-12, SE 9-10 with the trunk 0
    else:
        ok = bool(_polish.match(value)) or (len(digits) == 9 and bool(_phone_before.search(before)))
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
    keep_front = len(re.match(r"^(?:\+[0-9]{1,3}|00[0-9]{1,3}|[0-9]{2})", value).group())
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
