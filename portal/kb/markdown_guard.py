"""Defuse markdown on which Python-Markdown is superlinear or recurses too deep.

Every article, incident update, postmortem and announcement goes through
:func:`portal.kb.rendering.render_markdown`, and some come from files or
people nobody reviewed. Python-Markdown rebuilds a paragraph's whole text
for every inline match (link, emphasis, code, escape, entity) and scans
ahead from every ``[``, ``<`` and ``](`` for a partner, so a paragraph with
thousands of them costs the square of its length (the issue's 40 KB
``[[[…a](x)…`` took more than 40 s); and its table-of-contents pass recurses
once per level of nesting (a ``RecursionError`` at about 1,000 levels).

:func:`defuse` rewrites only what no writer means, in one linear pass:

* a paragraph whose inline-markup characters times its length exceeds
  ``SCAN_BUDGET`` is shown as the plain text it is: each line's content is
  replaced by a placeholder word that :func:`restore_literals` turns into the
  escaped text after rendering (its quote/list markers stay markdown);
* runs of more than ``MAX_EMPHASIS_RUN`` ``*``/``_`` are escaped (nesting
  that deep means nothing; a line of only ``*``/``-``/``_`` is a rule and kept);
* quote markers beyond ``MAX_QUOTE_DEPTH`` and indentation beyond
  ``MAX_INDENT`` columns are flattened.

Fenced code blocks and inline code spans are left exactly as written. With
every paragraph under the budget, a document of ``N`` characters costs at
most about ``N * sqrt(SCAN_BUDGET)`` steps.
"""
from __future__ import annotations

import html
import re
import secrets

#: Inline work allowed per paragraph: markup characters × characters.
SCAN_BUDGET = 2_000_000
MAX_QUOTE_DEPTH = 16
MAX_INDENT = 64
MAX_EMPHASIS_RUN = 16

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_BACKTICKS = re.compile(r"`+")
#: Characters that start an inline match or a scan-ahead in Python-Markdown.
_INLINE_MARKUP = re.compile(r"[\[\]<>*_`&\\!]|\]\(")
_LONG_EMPHASIS = re.compile(r"[*_]{%d,}" % (MAX_EMPHASIS_RUN + 1))
_RULE = re.compile(r"^ {0,3}([*_-])(?:[ \t]*\1){2,}[ \t]*$")
_QUOTES = re.compile(r"^( {0,3}>[ \t]?)+")
_LEADING = re.compile(r"^[ \t]+")
#: What stays markdown on a literal line: indentation, quote markers, a list
#: marker or a heading marker.
_BLOCK_PREFIX = re.compile(r"^[ \t]*(?:>[ \t]?)*[ \t]*(?:[-*+][ \t]+|\d{1,9}[.)][ \t]+|#{1,6}[ \t]+)?")


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


class Literals:
    """Lines taken out of markdown, keyed by the placeholder word left in their place."""

    def __init__(self):
        self._prefix = "portalliteral" + secrets.token_hex(6)
        self.lines: dict[str, str] = {}

    def add(self, text: str) -> str:
        key = f"{self._prefix}n{len(self.lines)}x"
        self.lines[key] = text
        return key

    def restore(self, markup: str) -> str:
        """``markup`` with every placeholder replaced by its line, HTML-escaped."""
        if not self.lines:
            return markup
        pattern = re.compile(re.escape(self._prefix) + r"n\d+x")
        return pattern.sub(lambda m: html.escape(self.lines.get(m.group(0), ""), quote=False), markup)


def _as_literal(line: str, literals: Literals) -> str:
    prefix = _BLOCK_PREFIX.match(line).group(0)
    content = line[len(prefix):]
    return prefix + literals.add(content) if content.strip() else line


def _defuse_paragraph(lines: list[str], literals: Literals) -> list[str]:
    lines = [_flatten_structure(line) for line in lines]
    size = sum(len(line) + 1 for line in lines)
    markup = sum(len(_INLINE_MARKUP.findall(line)) for line in lines)
    if markup * size > SCAN_BUDGET:
        return [_as_literal(line, literals) for line in lines]
    return [line if _RULE.match(line) or not _LONG_EMPHASIS.search(line) else _outside_code(line, _escape_emphasis)
            for line in lines]


def defuse(text: str) -> tuple[str, Literals]:
    """``text`` with the constructs above neutralised, and the lines taken out
    as literal text (put back with ``Literals.restore`` on the HTML).
    Ordinary markdown is returned unchanged."""
    literals = Literals()
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
        if marker or not line.strip():
            out.extend(_defuse_paragraph(paragraph, literals))
            paragraph = []
            out.append(line)
            fence = marker.group(1) if marker else None
            continue
        paragraph.append(line)
    out.extend(_defuse_paragraph(paragraph, literals))
    return "\n".join(out), literals
