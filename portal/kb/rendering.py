"""Markdown to safe HTML, a table of contents and plain text for search.

Articles are written by staff and imported from files nobody here reviewed (the
alchemy set alone is 11,000 of them), so the rendered HTML is sanitized with
nh3 against an explicit allowlist: no scripts, styles, event handlers or
``javascript:``/``data:`` links; images stay (http, https, relative, and small
inline ``data:image/...`` icons, which the CSP allows); ``<iframe>`` embeds stay
only when their host is in :func:`portal.web.embed_hosts`.

Input is bounded: more than ``MAX_SOURCE_CHARS`` is refused
(:class:`MarkdownRefused`, with a message for the writer), and constructs on
which Python-Markdown is superlinear or recurses too deep are defused first
(:mod:`portal.kb.markdown_guard`).

One :class:`markdown.Markdown` instance per thread is reused (``reset()``
between documents): building one per document costs more than converting it.
"""
from __future__ import annotations

import html
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit

import markdown
import nh3
from flask_babel import gettext as _
from markdown.extensions.toc import slugify_unicode

from portal.kb.markdown_guard import code_spans, defuse

#: Longest markdown rendered (characters); the longest real article is ~12 KB.
MAX_SOURCE_CHARS = 200_000

#: Tags a rendered article may contain. Anything else is dropped (its text kept),
#: and the content of script/style is dropped entirely.
ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "div", "dl",
    "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "iframe",
    "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "s", "samp", "small", "span", "strong",
    "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
})
ALLOWED_ATTRIBUTES = {
    "a": {"href", "name", "id", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "iframe": {"src", "title", "width", "height", "allow", "allowfullscreen"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "td": {"align", "colspan", "rowspan"},
    "ol": {"start", "type"},
    "abbr": {"title"},
    **{f"h{level}": {"id"} for level in range(1, 7)},
}
#: Inline images as the alchemy articles use them for toolbar icons. Raster
#: formats only: an SVG can carry script.
INLINE_IMAGE = re.compile(r"^data:image/(?:png|gif|jpeg|webp);base64,[A-Za-z0-9+/=\s]+$", re.IGNORECASE)

# Names that look like tags but are placeholders in prose ("Get-User <email address>"):
# the sanitizer would drop them with their text, so they are shown as text instead.
_HTML_TAG_NAMES = ALLOWED_TAGS | {
    "script", "style", "object", "embed", "form", "input", "button", "textarea", "select", "option",
    "video", "audio", "source", "picture", "section", "article", "aside", "nav", "header", "footer",
    "main", "center", "font", "big", "tt", "strike", "cite", "q", "dfn", "var", "time", "wbr", "col",
    "colgroup", "label", "fieldset", "legend", "meta", "link", "base", "svg", "math", "frame",
    "frameset", "noscript", "template", "body", "html", "head", "title", "map", "area", "canvas",
}
_TAG_LIKE = re.compile(r"<(/?)([A-Za-z][\w.-]*)(\s[^<>]*|/)?>")
_FENCE = re.compile(r"^\s*(```|~~~)")
_LEADING_H1 = re.compile(r"\A\s*#\s+[^\n]*\n?")
_ANCHOR_TAG = re.compile(r"<a\s([^>]*)>")
_HREF = re.compile(r'href="([^"]*)"')
_EMPTY_IFRAME = re.compile(r"<iframe(?![^>]*\ssrc=)[^>]*>.*?</iframe>", re.DOTALL)
_EMPTY_IMAGE = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")
_EMPTY_PARAGRAPH = re.compile(r"<p>\s*</p>\n?")
_TAG = re.compile(r"<[^>]+>")
_BLOCK_END = re.compile(r"</(?:p|h[1-6]|li|dt|dd|tr|pre|blockquote|div|table|figcaption|summary)>|<br\s*/?>")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")


class MarkdownRefused(ValueError):
    """Markdown that is not rendered (too long, or too deeply nested); the
    message is translated and says what to change."""


@dataclass
class Rendered:
    html: str
    text: str
    headings: list[dict] = field(default_factory=list)


_local = threading.local()


def _markdown() -> markdown.Markdown:
    md = getattr(_local, "md", None)
    if md is None:
        md = markdown.Markdown(
            extensions=["tables", "fenced_code", "toc", "sane_lists"],
            extension_configs={
                # ids on headings for the table of contents, no pilcrow permalinks
                "toc": {"permalink": False, "slugify": slugify_unicode, "toc_depth": "1-4"},
                "tables": {"use_align_attribute": True},
            },
            output_format="html",
        )
        _local.md = md
    return md


def _escape_placeholders_in_line(line: str) -> str:
    def fix(match: re.Match) -> str:
        if match.group(2).lower() in _HTML_TAG_NAMES:
            return match.group(0)
        return "&lt;" + match.group(0)[1:-1] + "&gt;"

    pieces, last = [], 0
    for start, end in code_spans(line):  # leave code spans alone: markdown escapes them
        pieces.append(_TAG_LIKE.sub(fix, line[last:start]))
        pieces.append(line[start:end])
        last = end
    pieces.append(_TAG_LIKE.sub(fix, line[last:]))
    return "".join(pieces)


def prepare_source(text: str) -> str:
    """Drop a leading ``# Title`` (the page shows the title) and make
    placeholder "tags" such as ``<email address>`` visible as text."""
    text = _LEADING_H1.sub("", text, count=1) if text.lstrip().startswith("# ") else text
    if "<" not in text:
        return text
    lines, in_fence = text.split("\n"), False
    for number, line in enumerate(lines):
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if not in_fence and "<" in line and not line.startswith("    "):
            lines[number] = _escape_placeholders_in_line(line)
    return "\n".join(lines)


def _flatten_toc(tokens: list[dict], out: list[dict]) -> list[dict]:
    for token in tokens:
        out.append({"id": token["id"], "text": html.unescape(token["name"]), "level": token["level"]})
        _flatten_toc(token.get("children") or [], out)
    return out


def _host(url: str) -> str | None:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("https", "") or not parts.netloc:
        return None
    return (parts.hostname or "").lower()


def _is_external(href: str) -> bool:
    try:
        parts = urlsplit(href.strip())
    except ValueError:
        return False
    return bool(parts.netloc) or parts.scheme in ("http", "https")


@lru_cache(maxsize=8)
def _cleaner(embed_hosts: tuple[str, ...]) -> nh3.Cleaner:
    allowed_hosts = {h.lower() for h in embed_hosts}

    def filter_attribute(tag: str, attribute: str, value: str) -> str | None:
        if tag == "iframe" and attribute == "src":
            return value if _host(value) in allowed_hosts else None
        if tag == "img" and attribute == "src" and value.lstrip().lower().startswith("data:"):
            return value if INLINE_IMAGE.match(value.strip()) else None
        if attribute == "href" and value.lstrip().lower().startswith("data:"):
            return None
        return value

    return nh3.Cleaner(
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=filter_attribute,
        url_schemes={"http", "https", "mailto", "tel", "data"},  # data: only survives the filter for images
        link_rel=None,  # set below, on external links only
        set_tag_attribute_values={
            "img": {"loading": "lazy"},
            "iframe": {"loading": "lazy", "referrerpolicy": "strict-origin-when-cross-origin"},
        },
        strip_comments=True,
    )


def _mark_external_links(markup: str) -> str:
    """``rel="noopener nofollow"`` on links leaving the site. nh3 output is
    normalized (quoted attributes, escaped ``>``), so a regex is reliable here."""
    def add_rel(match: re.Match) -> str:
        href = _HREF.search(match.group(1))
        if href and _is_external(html.unescape(href.group(1))):
            return f'<a {match.group(1)} rel="noopener nofollow">'
        return match.group(0)

    return _ANCHOR_TAG.sub(add_rel, markup)


def sanitize(markup: str, embed_hosts: tuple[str, ...]) -> str:
    """Clean HTML from any source against the article allowlist."""
    cleaned = _cleaner(tuple(embed_hosts)).clean(markup)
    if "<iframe" in cleaned:
        cleaned = _EMPTY_IFRAME.sub("", cleaned)  # embeds from hosts not allowed lost their src
    if "<img" in cleaned:
        cleaned = _EMPTY_PARAGRAPH.sub("", _EMPTY_IMAGE.sub("", cleaned))  # images whose URL was not allowed
    if "<a " in cleaned:
        cleaned = _mark_external_links(cleaned)
    return cleaned


def html_to_text(markup: str) -> str:
    """Plain text of sanitized HTML, one line per block, for search and snippets."""
    text = _BLOCK_END.sub("\n", markup)
    text = html.unescape(_TAG.sub("", text))
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def render_markdown(source: str, embed_hosts: tuple[str, ...] | None = None) -> Rendered:
    """Render article markdown: sanitized HTML, plain text and the headings.

    Raises :class:`MarkdownRefused` for text longer than ``MAX_SOURCE_CHARS``
    or nested deeper than the renderer can follow."""
    source = source or ""
    if len(source) > MAX_SOURCE_CHARS:
        raise MarkdownRefused(_("The text is too long (%(length)s characters; at most %(max)s). "
                                "Please split it up.", length=f"{len(source):,}", max=f"{MAX_SOURCE_CHARS:,}"))
    if embed_hosts is None:
        from portal.web import embed_hosts as configured_hosts

        embed_hosts = configured_hosts()
    md = _markdown()
    try:
        defused, literals = defuse(source)
        raw_html = literals.restore(md.convert(prepare_source(defused)))
        headings = _flatten_toc(getattr(md, "toc_tokens", []), [])
    except RecursionError as err:
        raise MarkdownRefused(_("The text is nested too deeply (lists, quotes or emphasis inside each other) "
                                "to be shown. Please simplify it.")) from err
    finally:
        md.reset()
    safe_html = sanitize(raw_html, tuple(embed_hosts))
    return Rendered(html=safe_html, text=html_to_text(safe_html), headings=headings)
