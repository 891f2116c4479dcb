"""Front matter of article and category files: checked, normalized, explained.

Every problem becomes a :class:`ValueError` (``ImportProblem``) whose text a
writer understands ("title is missing", "status must be draft or published"),
so that ``portal import`` can report it next to the file's path. Keys the portal
does not use (the alchemy files carry dozens of ``ms.*`` keys) are kept as they
were in ``Article.extra``.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time

from portal.config import SUPPORTED_LOCALES
from portal.content import ImportProblem, SourceFile
from portal.i18n import supported_locale
from portal.kb.models import ARTICLE_STATUSES, DEFAULT_CATEGORY, STATUS_PUBLISHED, VISIBILITIES, VISIBILITY_PUBLIC

ARTICLE_KEYS = {"kind", "title", "slug", "category", "locale", "tags", "questions", "summary", "status", "order",
                "visibility"}
CATEGORY_KEYS = {"kind", "title", "slug", "locale", "summary", "order", "icon"}
#: Column sizes (PostgreSQL enforces them; SQLite would not, so we check here).
MAX_TITLE, MAX_CATEGORY_TITLE, MAX_SLUG, MAX_CATEGORY, MAX_TAG, MAX_ICON = 300, 200, 200, 120, 60, 40
MAX_TAGS = 30
MAX_QUESTIONS, MAX_QUESTION = 50, 300

_NON_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(value: str, max_length: int = MAX_SLUG) -> str:
    """``"Connect your Shop!"`` → ``"connect-your-shop"`` (ASCII, URL-safe)."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    return _NON_SLUG.sub("-", ascii_text.lower()).strip("-")[:max_length].strip("-")


def title_from_slug(slug: str) -> str:
    """A readable placeholder title: ``"getting-started"`` → ``"Getting started"``."""
    words = slug.replace("-", " ").replace("_", " ").strip()
    return (words[:1].upper() + words[1:]) if words else slug


def normalize_locale(value) -> str | None:
    """``nl``, ``nl-NL``, ``nl_nl`` → ``nl``; raises for a language we do not support."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ImportProblem(f"locale must be a language code such as 'nl', not {_kind(value)}")
    primary = supported_locale(value)
    if primary is None:
        raise ImportProblem(f"locale {value.strip()!r} is not supported (use one of {', '.join(SUPPORTED_LOCALES)})")
    return primary


def _kind(value) -> str:
    names = {list: "a list", dict: "a mapping", bool: "true/false", int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)


def _text(meta: dict, key: str, *, required: bool = False, max_length: int | None = None) -> str | None:
    value = meta.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ImportProblem(f"{key} is missing")
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ImportProblem(f"{key} must be text, not {_kind(value)}")
    text = " ".join(str(value).split()) if key == "title" else str(value).strip()
    if max_length and len(text) > max_length:
        raise ImportProblem(f"{key} is longer than {max_length} characters")
    return text


def _slug(meta: dict, key: str, default: str, max_length: int) -> str:
    raw = meta.get(key)
    if raw is None or raw == "":
        raw = default
    elif isinstance(raw, bool) or not isinstance(raw, (str, int)):
        raise ImportProblem(f"{key} must be text, not {_kind(raw)}")
    slug = slugify(str(raw), max_length)
    if not slug:
        raise ImportProblem(f"{key} {str(raw)!r} has no letters or digits to make a URL from")
    return slug


def _order(meta: dict) -> int | None:
    value = meta.get("order")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ImportProblem(f"order must be a whole number, not {_kind(value)}")
    try:
        number = int(value)
    except ValueError:
        raise ImportProblem(f"order must be a whole number, not {value!r}") from None
    if not -1_000_000 <= number <= 1_000_000:
        raise ImportProblem("order must be between -1000000 and 1000000")
    return number


def _distinct_texts(items, name: str, *, lower: bool, max_length: int, max_count: int) -> list[str]:
    """Each item as one line of text (lower-cased for tags), blanks and repeats
    dropped, bounded; problems name the item (``tags[3]``)."""
    found: list[str] = []
    for position, item in enumerate(items, start=1):
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            raise ImportProblem(f"{name}[{position}] must be text, not {_kind(item)}")
        text = " ".join(str(item).split())
        text = text.lower() if lower else text
        if len(text) > max_length:
            raise ImportProblem(f"{name}[{position}] is longer than {max_length} characters")
        if text and text not in found:
            found.append(text)
    if len(found) > max_count:
        raise ImportProblem(f"at most {max_count} {name} per article")
    return found


def _questions(meta: dict) -> list[str]:
    """``questions:``: a list of phrasings (one line each), or one phrasing."""
    value = meta.get("questions")
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise ImportProblem(f"questions must be a list of questions, not {_kind(value)}")
    return _distinct_texts(value, "questions", lower=False, max_length=MAX_QUESTION, max_count=MAX_QUESTIONS)


def _tags(meta: dict) -> list[str]:
    """``tags:``: a list, or comma-separated text; lower-cased."""
    value = meta.get("tags")
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = value.split(",")
    elif not isinstance(value, list):
        raise ImportProblem(f"tags must be a list or comma-separated text, not {_kind(value)}")
    return _distinct_texts(value, "tags", lower=True, max_length=MAX_TAG, max_count=MAX_TAGS)


def _status(meta: dict) -> str:
    value = meta.get("status")
    if value is None or value == "":
        return STATUS_PUBLISHED
    if isinstance(value, str) and value.strip().lower() in ARTICLE_STATUSES:
        return value.strip().lower()
    raise ImportProblem("status must be draft or published")


def _visibility(meta: dict) -> str:
    """``visibility: internal`` keeps an article for signed-in staff; default public."""
    value = meta.get("visibility")
    if value is None or value == "":
        return VISIBILITY_PUBLIC
    if isinstance(value, str) and value.strip().lower() in VISIBILITIES:
        return value.strip().lower()
    raise ImportProblem("visibility must be public or internal")


def json_safe(value):
    """Front matter as YAML parsed it, made storable as JSON (dates become ISO text)."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [json_safe(v) for v in value]
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _locale(source: SourceFile) -> str:
    meta = source.meta
    locale = normalize_locale(meta.get("locale")) or normalize_locale(meta.get("ms.contentlocale"))
    locale = locale or normalize_locale(source.default_locale)
    if not locale:
        raise ImportProblem("locale is missing: add 'locale: en' to the front matter or import with --locale")
    return locale


def _check_text_is_storable(source: SourceFile) -> None:
    if not source.raw.strip():
        raise ImportProblem("file is empty")
    if "\x00" in source.raw:
        raise ImportProblem("file contains NUL characters (is it a binary file?)")


@dataclass
class ArticleMeta:
    title: str
    slug: str
    locale: str
    category: str = DEFAULT_CATEGORY
    tags: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    summary: str | None = None
    status: str = STATUS_PUBLISHED
    order: int | None = None
    extra: dict = field(default_factory=dict)
    visibility: str = VISIBILITY_PUBLIC


@dataclass
class CategoryMeta:
    title: str
    slug: str
    locale: str
    summary: str | None = None
    order: int | None = None
    icon: str | None = None


def article_meta(source: SourceFile) -> ArticleMeta:
    """Checked front matter of an article file."""
    _check_text_is_storable(source)
    meta = source.meta
    return ArticleMeta(
        title=_text(meta, "title", required=True, max_length=MAX_TITLE),
        slug=_slug(meta, "slug", source.path.stem, MAX_SLUG),
        locale=_locale(source),
        category=_slug(meta, "category", DEFAULT_CATEGORY, MAX_CATEGORY),
        tags=_tags(meta),
        questions=_questions(meta),
        summary=_text(meta, "summary"),
        status=_status(meta),
        order=_order(meta),
        extra=json_safe({k: v for k, v in meta.items() if k not in ARTICLE_KEYS}),
        visibility=_visibility(meta),
    )


def category_meta(source: SourceFile) -> CategoryMeta:
    """Checked front matter of a category file (``kind: category``)."""
    _check_text_is_storable(source)
    meta = source.meta
    return CategoryMeta(
        title=_text(meta, "title", required=True, max_length=MAX_CATEGORY_TITLE),
        slug=_slug(meta, "slug", source.path.stem, MAX_CATEGORY),
        locale=_locale(source),
        summary=_text(meta, "summary") or (source.body.strip() or None),
        order=_order(meta),
        icon=_text(meta, "icon", max_length=MAX_ICON),
    )
