"""The personal-data guard: what is flagged, what is not, and the masks."""
from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest

from portal.tickets import pii


@pytest.mark.parametrize("text, kind, found, masked", [
    ("mail me at jan.jansen@example.com please", "email", "jan.jansen@example.com", "j***@example.com"),
    ("IBAN NL91 ABNA 0417 1643 00 thanks", "iban", "NL91 ABNA 0417 1643 00", "NL** **** **** **** 00"),
    ("iban nl91abna0417164300", "iban", "nl91abna0417164300", "NL** **** **** **** 00"),
    ("DE89 3704 0044 0532 0130 00", "iban", "DE89 3704 0044 0532 0130 00", "DE** **** **** **** **** 00"),
    ("card 4111 1111 1111 1111 exp 12/27", "card", "4111 1111 1111 1111", "**** **** **** 1111"),
    ("5500-0000-0000-0004", "card", "5500-0000-0000-0004", "**** **** **** 0004"),
    ("4111111111111111 2027", "card", "4111111111111111", "**** **** **** 1111"),
    ("call +31 20 123 4567", "phone", "+31 20 123 4567", "+31 ** *** **67"),
    ("+31 (0)20 123 4567", "phone", "+31 (0)20 123 4567", None),
    ("0031 20 1234567", "phone", "0031 20 1234567", None),
    ("mobile 06-12345678", "phone", "06-12345678", "06-******78"),
    ("020 123 4567", "phone", "020 123 4567", None),
    ("Berlin 030 12345678", "phone", "030 12345678", None),
    ("Handy 0151 12345678", "phone", "0151 12345678", None),
    ("+49 30 12345678", "phone", "+49 30 12345678", None),
    ("+48 512 345 678", "phone", "+48 512 345 678", None),
    ("numer 512 345 678", "phone", "512 345 678", None),
    ("tel. 22 123 45 67", "phone", "22 123 45 67", None),
    ("070-123 45 67", "phone", "070-123 45 67", None),
    ("08-123 456 78", "phone", "08-123 456 78", None),
    ("+46 70 123 45 67", "phone", "+46 70 123 45 67", None),
    ("call me on 612345678", "phone", "612345678", None),
    ("my server 203.0.113.42 is down", "ipv4", "203.0.113.42", "203.0.*.*"),
    ("from 2001:db8::1 at 10:30:00", "ipv6", "2001:db8::1", "2001:db8:****:****"),
])
def test_personal_data_is_found_and_masked(text, kind, found, masked):
    findings = pii.find_pii(text)
    assert [(f.kind, f.text) for f in findings] == [(kind, found)]
    if masked:
        assert findings[0].masked == masked
    assert found not in pii.mask_text(text)
    assert pii.find_pii(pii.mask_text(text)) == []  # masking is final


@pytest.mark.parametrize("text", [
    "order 123456789",
    "order 0612345678",
    "my order #20261122001 is late",
    "invoice 2026-000123",
    "ticket T-2026-000123",
    "version 4.2.1",
    "v10.0.19045",
    "version 1.2.3.4",
    "on 2026-11-22 at 10:30:00",
    "between 09:00-17:00",
    "we have 1500 orders per day and 12 stores",
    "error code 0x80070005",
    "card 4111 1111 1111 1112",  # fails Luhn
    "GB82WEST12345698765433",  # fails mod 97
    "postcode 1012 AB Amsterdam",
    "EAN 8712345678906",
    "sku 1234567890123",
    "256.1.1.1 is not an address",
    "j***@example.com and **** **** **** 1111",
])
def test_numbers_that_are_not_personal_data_are_left_alone(text):
    assert pii.find_pii(text) == []


def test_several_findings_in_one_text_are_masked_in_place():
    text = "Hi, I'm jan@shop.nl, +31 6 12345678, paid from NL91ABNA0417164300."
    assert [f.kind for f in pii.find_pii(text)] == ["email", "phone", "iban"]
    assert pii.mask_text(text) == "Hi, I'm j***@shop.nl, +31 * ******78, paid from NL** **** **** **** 00."


def test_scrub_replaces_with_placeholders():
    assert pii.scrub("refund to NL91ABNA0417164300 for jan@shop.nl") == "refund to [iban] for [email]"


def test_checksums():
    assert pii.luhn_valid("4111111111111111") and not pii.luhn_valid("4111111111111112")
    assert pii.iban_valid("GB82WEST12345698765432") and not pii.iban_valid("GB82WEST12345698765433")


def test_browser_gets_the_same_patterns_as_json():
    patterns = json.loads(json.dumps(pii.browser_patterns()))
    assert set(patterns["patterns"]) == {"email", "iban", "card", "ipv4", "ipv6", "phone"}
    assert patterns["patterns"]["card"][0] == pii.PATTERNS["card"][0]
    assert patterns["ibanLengths"]["NL"] == 18


# -- one data file for both sides -------------------------------------------

STATIC_JS = Path(__file__).resolve().parent.parent / "static" / "js"


def _rules_file() -> dict:
    return json.loads((Path(pii.__file__).with_name("pii_rules.json")).read_text(encoding="utf-8"))


def _regex_sources(rules: dict) -> list[str]:
    pairs = list(rules["patterns"].values()) + [rules[k] for k in
                                                  ("notPersonalBefore", "phoneBefore", "polishGrouping", "ibanFormat", "maskKeepFront")]
    return [source for source, _flags in pairs]


def test_the_server_reads_its_rules_from_the_data_file():
    rules = _rules_file()
    assert pii.browser_patterns() == rules
    assert pii.PATTERNS == {kind: tuple(pair) for kind, pair in rules["patterns"].items()}
    assert list(pii.PATTERNS) == list(rules["patterns"])  # the order decides overlaps
    assert pii.IBAN_LENGTHS == rules["ibanLengths"] and pii.CONTEXT_CHARS == rules["contextChars"]
    assert [p.pattern for p in pii._compiled.values()] == [pair[0] for pair in rules["patterns"].values()]


def test_the_form_embeds_the_data_file_for_the_browser(client):
    html = client.get("/en/contact/technical").get_data(as_text=True)
    embedded = re.search(r'data-pii-patterns="([^"]*)"', html).group(1)
    assert json.loads(unescape(embedded)) == _rules_file()


def test_the_browser_code_holds_no_copy_of_the_rules():
    """The rules reach tickets/pii.js only through the page: no regex of the file is written in the scripts."""
    scripts = [STATIC_JS / "tickets.js", *sorted((STATIC_JS / "tickets").glob("*.js"))]
    assert STATIC_JS / "tickets" / "pii.js" in scripts
    sources = _regex_sources(_rules_file())
    for script in scripts:
        code = script.read_text(encoding="utf-8")
        for source in sources:
            assert source not in code and source.replace("\\", "\\\\") not in code, (script.name, source)
    assert "ibanLengths" in (STATIC_JS / "tickets" / "pii.js").read_text(encoding="utf-8")
