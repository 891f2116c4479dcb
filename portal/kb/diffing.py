"""Readable differences between two versions of an article (``difflib``).

Three views of one change, as the history page shows them: the fields that
changed (title, category, tags, ...), the *rendered* text with word-level
insertions and deletions (what a reader would notice), and the markdown side
by side, line by line, with changed words marked inside changed lines.
Everything returned is escaped :class:`markupsafe.Markup`.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from portal.kb.rendering import render_markdown

#: Words and the whitespace between them, so that a diff keeps the spacing.
_TOKENS = re.compile(r"\s+|[^\s]+")

FIELD_LABELS = {
    "title": _l("Title"), "status": _l("Status"), "category_slug": _l("Category"), "tags": _l("Tags"),
    "questions": _l("Other ways customers ask"), "summary": _l("Summary"), "position": _l("Order"),
    "visibility": _l("Visibility"),
}


def _tokens(text: str) -> list[str]:
    return _TOKENS.findall(text or "")


def inline_words(old: str, new: str) -> Markup:
    """``new`` with deleted words in ``<del>`` and inserted ones in ``<ins>``."""
    old_tokens, new_tokens = _tokens(old), _tokens(new)
    parts: list[str] = []
    matcher = difflib.SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            parts.append(str(escape("".join(old_tokens[a0:a1]))))
            continue
        if op in ("delete", "replace"):
            parts.append(f"<del>{escape(''.join(old_tokens[a0:a1]))}</del>")
        if op in ("insert", "replace"):
            parts.append(f"<ins>{escape(''.join(new_tokens[b0:b1]))}</ins>")
    return Markup("".join(parts))


def _one_side(old: str, new: str) -> tuple[Markup, Markup]:
    """A changed line as (old with deletions marked, new with insertions marked)."""
    old_tokens, new_tokens = _tokens(old), _tokens(new)
    left: list[str] = []
    right: list[str] = []
    matcher = difflib.SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        old_part, new_part = escape("".join(old_tokens[a0:a1])), escape("".join(new_tokens[b0:b1]))
        if op == "equal":
            left.append(str(old_part))
            right.append(str(new_part))
        else:
            if old_part:
                left.append(f"<del>{old_part}</del>")
            if new_part:
                right.append(f"<ins>{new_part}</ins>")
    return Markup("".join(left)), Markup("".join(right))


@dataclass
class Row:
    """One line pair of the side-by-side markdown diff."""

    kind: str  # equal, changed, deleted, inserted
    left: Markup
    right: Markup


def side_by_side(old: str, new: str, context: int = 3) -> list[Row]:
    """Markdown lines side by side; unchanged runs longer than ``2*context`` are folded."""
    old_lines, new_lines = (old or "").splitlines(), (new or "").splitlines()
    rows: list[Row] = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for group_index, group in enumerate(matcher.get_grouped_opcodes(context)):
        if group_index:
            rows.append(Row("fold", Markup("…"), Markup("…")))
        for op, a0, a1, b0, b1 in group:
            if op == "equal":
                rows.extend(Row("equal", escape(line), escape(line)) for line in old_lines[a0:a1])
            elif op == "replace":
                pairs = max(a1 - a0, b1 - b0)
                for offset in range(pairs):
                    left = old_lines[a0 + offset] if a0 + offset < a1 else None
                    right = new_lines[b0 + offset] if b0 + offset < b1 else None
                    if left is not None and right is not None:
                        rows.append(Row("changed", *_one_side(left, right)))
                    elif left is not None:
                        rows.append(Row("deleted", Markup(f"<del>{escape(left)}</del>"), Markup("")))
                    else:
                        rows.append(Row("inserted", Markup(""), Markup(f"<ins>{escape(right)}</ins>")))
            elif op == "delete":
                rows.extend(Row("deleted", Markup(f"<del>{escape(line)}</del>"), Markup(""))
                            for line in old_lines[a0:a1])
            else:
                rows.extend(Row("inserted", Markup(""), Markup(f"<ins>{escape(line)}</ins>"))
                            for line in new_lines[b0:b1])
    return rows


#: Stored values shown in the writer's words.
VALUE_LABELS = {"status": {"published": _l("Published"), "draft": _l("Draft")},
                "visibility": {"public": _l("Public: everyone"), "internal": _l("Internal: signed-in staff only")}}


def _shown(value, key: str = "") -> str:
    if key in VALUE_LABELS and value in VALUE_LABELS[key]:
        return str(VALUE_LABELS[key][value])
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return "" if value is None else str(value)


@dataclass
class Comparison:
    fields: list[tuple[str, Markup]]  # (label, old → new with marks)
    rendered: Markup                   # the rendered text, word-level
    markdown: list[Row]
    body_changed: bool

    @property
    def identical(self) -> bool:
        return not self.fields and not self.body_changed


def compare(old: dict, new: dict) -> Comparison:
    """Compare two contents (as :func:`portal.kb.services.revision_content` returns them)."""
    fields = []
    for key, label in FIELD_LABELS.items():
        before, after = _shown(old.get(key), key), _shown(new.get(key), key)
        if before != after:
            fields.append((str(label), inline_words(before, after)))
    old_body, new_body = old.get("body_md") or "", new.get("body_md") or ""
    body_changed = old_body != new_body
    rendered = inline_words(render_markdown(old_body).text, render_markdown(new_body).text) if body_changed \
        else Markup("")
    return Comparison(fields=fields, rendered=rendered, markdown=side_by_side(old_body, new_body) if body_changed else [],
                      body_changed=body_changed)
