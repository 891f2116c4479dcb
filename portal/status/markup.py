"""Incident update text: markdown in, sanitized HTML and plain text out.

Reuses the help center's renderer (:mod:`portal.kb.rendering`: Python-Markdown
plus an nh3 allowlist) without video embeds; a minimal markdown + nh3 pair is
the fallback should that module be absent.
"""
from __future__ import annotations

import html
import re

_TAG = re.compile(r"<[^>]+>")


class MarkdownRefused(ValueError):
    """Text the renderer refuses (too long, nested too deeply)."""


try:
    from portal.kb.rendering import MarkdownRefused  # noqa: F401,F811 - the same error as articles
except ImportError:  # the kb domain not installed
    pass


def render(source: str) -> tuple[str, str]:
    """``(safe_html, plain_text)`` of an update's markdown body."""
    try:
        from portal.kb.rendering import render_markdown
    except ImportError:  # the kb domain not installed: render here
        return _render_minimal(source)
    rendered = render_markdown(source or "", embed_hosts=())
    return rendered.html, rendered.text


def _render_minimal(source: str) -> tuple[str, str]:
    import markdown
    import nh3

    raw = markdown.markdown(source or "", extensions=["extra", "sane_lists"])
    safe = nh3.clean(raw, link_rel="noopener nofollow")
    return safe, html.unescape(_TAG.sub(" ", safe)).strip()


def plain_text(markup: str) -> str:
    """Text of sanitized HTML, for feeds' summaries and search matching."""
    return re.sub(r"\s+", " ", html.unescape(_TAG.sub(" ", markup or ""))).strip()
