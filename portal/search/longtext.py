"""What matters in what a customer typed: from one half-typed word to a ticket.

A ticket is not a query. Its subject says what the problem is; its
description adds a greeting, context, a pasted stack trace and a signature.
This module turns such text into weighted words for the query builder:

* the **subject** weighs :data:`SUBJECT_WEIGHT`, the description
  :data:`DESCRIPTION_WEIGHT` (one plain query weighs 1);
* **pasted machine output** is dropped line by line (stack frames, log lines
  that are mostly digits and punctuation, hex dumps): their words are file
  names and addresses that match articles by accident. The exception line
  itself ("UnauthorizedAccessException: Access denied") stays;
* **greetings, thanks and sign-offs** (:data:`FILLER_WORDS`, per language)
  are dropped: in a help center they are rare, so BM25 would rank them as
  the most specific words of a ticket;
* the query builder then keeps the words that are rarest in the index
  (see ``querying.py``), so an error code or a product name that occurs in
  few articles decides the ranking.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

#: Weights of the parts of a ticket (relative to a one-field query's 1.0).
SUBJECT_WEIGHT = 1.0
DESCRIPTION_WEIGHT = 0.4
#: Longest text analyzed per part; beyond it the beginning is used.
MAX_TEXT_CHARS = 20_000

#: Greetings, politeness and sign-offs per language (lower case).
FILLER_WORDS = {
    "en": frozenset("""hi hello hey dear thanks thank thx please pls kindly regards cheers sincerely
        appreciate appreciated advance anyone somebody someone hope greetings guys folks sorry bother""".split()),
    "nl": frozenset("""hoi hallo beste geachte dank bedankt alvast vriendelijke groet groeten groetjes
        alstublieft aub svp iemand hopelijk goedemorgen goedemiddag goedenavond sorry""".split()),
    "de": frozenset("""hallo liebe lieber liebes geehrte geehrter danke vielen bitte freundliche
        freundlichen grüße grüßen gruß gruss grüssen lg mfg vg jemand hoffe guten entschuldigung""".split()),
    "sv": frozenset("""hej hejsan hallå tjena tack tacksam vänliga hälsningar hälsning mvh vänligen
        snälla någon hoppas ursäkta""".split()),
    "pl": frozenset("""cześć czesc witam witajcie szanowni szanowny państwo dziękuję dziekuje dzięki
        dzieki proszę prosze pozdrawiam pozdrowienia serdecznie uprzejmie ktoś ktos przepraszam""".split()),
}

_STACK_FRAME = re.compile(
    r"""^\s*(?:
        at\s+[\w$.<>\[\]`/\\:-]+\s*\(.*\)\s*$        # Java, C#, JavaScript: at a.b.C(File.java:12)
      | at\s+[\w$./\\:-]+:\d+(?::\d+)?\s*$          # JavaScript: at /app/x.js:10:5
      | File\s+".*",\s+line\s+\d+                    # Python
      | Traceback\s+\(most\s+recent\s+call\s+last\)
      | \#\d+\s+0x[0-9a-f]+                          # gdb / native frames
      | \.\.\.\s*\d+\s+more\s*$                      # Java: ... 12 more
      | [\w.]+\.(?:java|py|js|ts|cs|go|rb|php|cpp|c):\d+
    )""", re.X | re.I)
_LETTER = re.compile(r"[^\W\d_]")
#: A line with fewer letters than this share of its visible characters is machine output.
MIN_LETTER_SHARE = 0.5


@dataclass(frozen=True)
class Part:
    """One weighted piece of what the customer typed."""

    text: str
    weight: float


def is_noise_line(line: str) -> bool:
    """A stack frame, or a line that is mostly digits and punctuation (logs, dumps)."""
    visible = "".join(line.split())
    if not visible:
        return True
    if _STACK_FRAME.match(line):
        return True
    letters = len(_LETTER.findall(visible))
    return len(visible) >= 12 and letters < MIN_LETTER_SHARE * len(visible)


def without_noise(text: str) -> str:
    """``text`` without pasted stack frames and machine-output lines, cut to :data:`MAX_TEXT_CHARS`."""
    text = (text or "")[:MAX_TEXT_CHARS]
    if "\n" not in text:
        return text
    return "\n".join(line for line in text.splitlines() if not is_noise_line(line))


def ticket_parts(query: str | None = None, subject: str | None = None,
                 description: str | None = None) -> list[Part]:
    """The weighted parts of a plain query or of a ticket's subject and description."""
    parts = []
    if query and query.strip():
        parts.append(Part(without_noise(query), 1.0))
    if subject and subject.strip():
        parts.append(Part(without_noise(subject), SUBJECT_WEIGHT))
    if description and description.strip():
        parts.append(Part(without_noise(description), DESCRIPTION_WEIGHT))
    return parts


def filler_words(lang: str) -> frozenset[str]:
    return FILLER_WORDS.get(lang, frozenset())
