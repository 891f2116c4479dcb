"""The site icon in the brand colours: ``/favicon.svg`` for browsers that take
SVG icons and ``/favicon.ico`` (16, 32 and 48 px) for the rest and for the
requests browsers make on their own.

Both are drawn from ``SITE_PRIMARY_COLOR`` and ``SITE_ACCENT_COLOR``, so a
rebranded portal gets a matching icon without shipping image files; results
are cached per colour pair.
"""
from __future__ import annotations

import io
import re
from functools import lru_cache

from PIL import Image, ImageDraw

DEFAULT_PRIMARY = "#1f5fbf"
DEFAULT_ACCENT = "#0f7b5f"
ICO_SIZES = (16, 32, 48)
_HEX_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")

# A speech bubble on a rounded square, in a 64-unit box (shared by both formats).
_SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">
<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">
<stop offset="0" stop-color="{primary}"/><stop offset="1" stop-color="{accent}"/></linearGradient></defs>
<rect width="64" height="64" rx="14" fill="url(#g)"/>
<path d="M14 18a6 6 0 0 1 6-6h24a6 6 0 0 1 6 6v16a6 6 0 0 1-6 6H30l-10 9v-9a6 6 0 0 1-6-6z" fill="#fff"/>
</svg>
"""


def safe_color(value: str | None, default: str) -> str:
    """``value`` if it is a ``#rgb``/``#rrggbb`` colour, else ``default``."""
    return value if value and _HEX_COLOR.match(value) else default


def _rgb(color: str) -> tuple[int, int, int]:
    digits = color[1:]
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    return tuple(int(digits[i:i + 2], 16) for i in (0, 2, 4))


@lru_cache(maxsize=8)
def svg_icon(primary: str, accent: str) -> str:
    return _SVG.format(primary=primary, accent=accent)


def _draw(size: int, primary: str, accent: str) -> Image.Image:
    """The icon at ``size`` px, drawn 4x larger and scaled down for smooth edges."""
    big = size * 4
    scale = big / 64
    top, bottom = _rgb(primary), _rgb(accent)
    gradient = Image.new("RGBA", (big, big))
    pixels = gradient.load()
    for y in range(big):
        for x in range(big):
            t = (x + y) / (2 * big - 2)
            pixels[x, y] = tuple(round(a + (b - a) * t) for a, b in zip(top, bottom)) + (255,)
    mask = Image.new("L", (big, big), 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, big - 1, big - 1), radius=14 * scale, fill=255)
    icon = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    icon.paste(gradient, (0, 0), mask)
    draw = ImageDraw.Draw(icon)
    draw.rounded_rectangle((14 * scale, 12 * scale, 50 * scale, 40 * scale), radius=6 * scale, fill="white")
    draw.polygon([(20 * scale, 38 * scale), (20 * scale, 49 * scale), (32 * scale, 38 * scale)], fill="white")
    return icon.resize((size, size), Image.LANCZOS)


@lru_cache(maxsize=8)
def ico_icon(primary: str, accent: str) -> bytes:
    largest = _draw(max(ICO_SIZES), primary, accent)
    out = io.BytesIO()
    largest.save(out, format="ICO", sizes=[(s, s) for s in ICO_SIZES])
    return out.getvalue()
