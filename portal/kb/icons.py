"""Category icons: a small shipped set of inline SVG icons (Lucide, ISC
license: ``icons/LICENSE``) that a category's ``icon:`` front matter names.

Emoji render as empty boxes on systems without a colour-emoji font, so the
cards show SVG drawn in the text colour instead. Older category files with an
emoji keep working: the common ones map to an icon, any other value (an
unknown name or emoji) shows the generic folder icon.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from markupsafe import Markup

ICON_DIR = Path(__file__).resolve().parent / "icons"
DEFAULT_ICON = "folder"

#: Emoji used by category files before icons had names (variation selectors removed).
EMOJI_ICONS = {
    "📦": "package", "💳": "credit-card", "💰": "receipt", "🧾": "receipt", "🔌": "plug", "🚚": "truck",
    "🚛": "truck", "✉": "mail", "📧": "mail", "📨": "mail", "🖨": "printer", "👋": "hand", "🛠": "wrench",
    "🔧": "wrench", "⚙": "settings", "📊": "chart-column", "📈": "chart-column", "📖": "book-open",
    "📚": "book-open", "🛟": "life-buoy", "👥": "users", "🛡": "shield", "📄": "file-text", "❓": "circle-help",
    "🛒": "shopping-cart", "🌍": "globe", "🌐": "globe", "🔒": "lock", "🔐": "lock", "🔑": "key", "📁": "folder",
    "🚀": "rocket", "🔔": "bell", "🏪": "store", "☁": "cloud", "📱": "smartphone",
}

_SVG_INNER = re.compile(r"<svg\b[^>]*>(.*?)</svg>", re.S)
_NAME = re.compile(r"^[a-z0-9-]+$")


@lru_cache(maxsize=1)
def available() -> tuple[str, ...]:
    """The names a category's ``icon:`` may use."""
    return tuple(sorted(path.stem for path in ICON_DIR.glob("*.svg")))


def icon_name(value: str | None) -> str | None:
    """The shipped icon that ``value`` (a name or a legacy emoji) stands for; None for no icon."""
    value = (value or "").strip().replace("\ufe0f", "")
    if not value:
        return None
    name = value.lower()
    if _NAME.match(name):
        return name if name in available() else DEFAULT_ICON
    return EMOJI_ICONS.get(value, DEFAULT_ICON)


@lru_cache(maxsize=64)
def _drawing(name: str) -> str:
    match = _SVG_INNER.search((ICON_DIR / f"{name}.svg").read_text(encoding="utf-8"))
    return " ".join(match.group(1).split())


def icon_svg(value: str | None, css_class: str = "kb-icon") -> Markup:
    """Inline ``<svg>`` for a category's icon (decorative: hidden from screen readers)."""
    name = icon_name(value)
    if name is None:
        return Markup("")
    return Markup(
        '<svg class="{css} icon-{name}" viewBox="0 0 24 24" width="24" height="24" fill="none" '
        'stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" '
        'aria-hidden="true" focusable="false">{drawing}</svg>'
    ).format(css=css_class, name=name, drawing=Markup(_drawing(name)))
