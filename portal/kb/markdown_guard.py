"""Defuse markdown on which Python-Markdown is superlinear or recurses too deep.

Every article, incident update, postmortem and announcement goes through
:func:`portal.kb.rendering.render_markdown`, and some come from files or
people nobody reviewed. Python-Markdown scans ahead from every ``[``, ``<``
and ``](`` for its closing partner, so a paragraph with thousands of them
costs the square of its length (the issue's 40 KB ``[[[…a](x)…`` took more
than 40 s), and it recurses once per level of nested emphasis, quotes and
lists (a ``RecursionError`` at about 1,000 levels).

:func:`defuse` rewrites only what no writer means, in one pass:

* a paragraph whose openers times its length exceeds ``SCAN_BUDGET`` gets its
  link and tag characters escaped: it shows as the text it is;
* runs of more than three ``*``/``_`` inside text are escaped (``***`` is the
  most emphasis can mean; a line of only ``*``/``-``/``_`` is a rule and kept);
* quote markers beyond ``MAX_QUOTE_DEPTH`` and indentation beyond
  ``MAX_INDENT`` columns are flattened.

Fenced code blocks and inline code spans are left exactly as written.
"""
from __future__ import annotations

import re

#: Scan-ahead work allowed per paragraph: openers × characters (~0.2 s).
SCAN_BUDGET = 2_000_000
MAX_QUOTE_DEPTH = 16
MAX_INDENT = 64
MAX_EMPHASIS_RUN = 3

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_BACKTICKS = re.compile(r"`+")
_OPENERS = re.compile(r"\[|<|\]\(")
_LINK_CHARS = re.compile(r"[\[\]<(]")
_LONG_EMPHASIS = re.compile(r"[*_]{%d,}" % (MAX_EMPHASIS_RUN + 1))
_RULE = re.compile(r"^ {0,3}([*_-])(?:[ \t]*\1){2,}[ \t]*$")
_QUOTES = re.compile(r"^( {0,3}>[ \t]?)+")
_LEADING = re.compile(r"^[ \t]+")
_ESCAPES = {"[": "\\[", "]": "\\]", "<": "&lt;", "(": "\\("}


def code_spans(line: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each inline code span, in linear time: a run of n
    backticks is closed by the next run of exactly n (CommonMark)."""
    runs = [(m.start(), m.end()) for m in _BACKTICKS.finditer(line)]
    if len(runs) < 2:
        return []
    next_same: list[int | None] = [None] * len(runs)
    last_of_length: dict[int, int] = {}
    for index in range(len(runs) - 1, -1, -1):
        length = runs[index][1] - runs[index][0]
        next_same[index] = last_of_length.get(length)
        last_of_length[length] = index
    spans, index = [], 0
    while index < len(runs):
        closer = next_same[index]
        if closer is None:
            index += 1
            continue
        spans.append((runs[index][0], runs[closer][1]))
        index = closer + 1
    return spans


def _outside_code(line: str, rewrite) -> str:
    """``rewrite`` applied to the parts of ``line`` outside code spans."""
    if "`" not in line:
        return rewrite(line)
    pieces, last = [], 0
    for start, end in code_spans(line):
        pieces.append(rewrite(line[last:start]))
        pieces.append(line[start:end])
        last = end
    pieces.append(rewrite(line[last:]))
    return "".join(pieces)


def _escape_link_chars(text: str) -> str:
    return _LINK_CHARS.sub(lambda m: _ESCAPES[m.group(0)], text)


def _escape_emphasis(text: str) -> str:
    return _LONG_EMPHASIS.sub(lambda m: "".join("\\" + c for c in m.group(0)), text)


def _flatten_structure(line: str) -> str:
    quotes = _QUOTES.match(line)
    if quotes and quotes.group(0).count(">") > MAX_QUOTE_DEPTH:
        line = "> " * MAX_QUOTE_DEPTH + line[quotes.end():]
    indent = _LEADING.match(line)
    if indent and len(indent.group(0).expandtabs(4)) > MAX_INDENT:
        line = " " * MAX_INDENT + line[indent.end():]
    return line


def _defuse_paragraph(lines: list[str]) -> list[str]:
    lines = [_flatten_structure(line) for line in lines]
    size = sum(len(line) + 1 for line in lines)
    openers = sum(len(_OPENERS.findall(line)) for line in lines)
    too_costly = openers * size > SCAN_BUDGET

    def rewrite(text: str) -> str:
        if too_costly:
            text = _escape_link_chars(text)
        if len(text) > MAX_EMPHASIS_RUN and ("*" in text or "_" in text):
            text = _escape_emphasis(text)
        return text

    return [line if _RULE.match(line) else _outside_code(line, rewrite) for line in lines]


def defuse(text: str) -> str:
    """``text`` with the constructs above neutralised; ordinary markdown is
    returned unchanged."""
    out: list[str] = []
    paragraph: list[str] = []
    fence: str | None = None
    for line in text.split("\n"):
        marker = _FENCE.match(line)
        if fence is not None:
            out.append(line)
            if marker and marker.group(1)[0] == fence[0] and len(marker.group(1)) >= len(fence):
                fence = None
            continue
        if marker:
            out.extend(_defuse_paragraph(paragraph))
            paragraph = []
            out.append(line)
            fence = marker.group(1)
            continue
        if not line.strip():
            out.extend(_defuse_paragraph(paragraph))
            paragraph = []
            out.append(line)
            continue
        paragraph.append(line)
    out.extend(_defuse_paragraph(paragraph))
    return "\n".join(out)
