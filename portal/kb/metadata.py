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
from typing import Annotated

from pydantic import BeforeValidator, ConfigDict, Field, ValidationError, ValidationInfo

from portal.config import SUPPORTED_LOCALES
from portal.content import ImportProblem, SourceFile
from portal.documents import Document, kind_of, problem, problems
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


# -- values (each raises a problem in the writer's words; the path is added by the model) --

def _line(value, *, one_line: bool, max_length: int | None, required: bool):
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise problem("is missing")
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise problem(f"must be text, not {kind_of(value)}")
    text = " ".join(str(value).split()) if one_line else str(value).strip()
    if max_length and len(text) > max_length:
        raise problem(f"is longer than {max_length} characters")
    return text


def text_value(*, max_length: int | None = None, required: bool = False, one_line: bool = False):
    """A text field: numbers become text, blank is missing, ``one_line`` folds white space."""
    return Annotated[str | None, BeforeValidator(
        lambda value: _line(value, one_line=one_line, max_length=max_length, required=required))]


def slug_value(max_length: int, default: str | None = None):
    """A URL-safe name made from the text given, else from ``default`` (None: the file name)."""
    def check(value, info: ValidationInfo):
        if value is None or value == "":
            value = default if default is not None else (info.context or {}).get("stem", "")
        elif isinstance(value, bool) or not isinstance(value, (str, int)):
            raise problem(f"must be text, not {kind_of(value)}")
        slug = slugify(str(value), max_length)
        if not slug:
            raise problem(f"{str(value)!r} has no letters or digits to make a URL from")
        return slug
    return Annotated[str, BeforeValidator(check)]


def _locale_code(value):
    """``nl``, ``nl-NL``, ``nl_nl`` → ``nl``; a language we do not support is a problem."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise problem(f"must be a language code such as 'nl', not {kind_of(value)}")
    code = supported_locale(value)
    if code is None:
        raise problem(f"{value.strip()!r} is not supported (use one of {', '.join(SUPPORTED_LOCALES)})")
    return code


def _order(value):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise problem(f"must be a whole number, not {kind_of(value)}")
    try:
        number = int(value)
    except ValueError:
        raise problem(f"must be a whole number, not {value!r}") from None
    if not -1_000_000 <= number <= 1_000_000:
        raise problem("must be between -1000000 and 1000000")
    return number


def _distinct_texts(items, name: str, *, lower: bool, max_length: int, max_count: int) -> list[str]:
    """Each item as one line of text (lower-cased for tags), blanks and repeats
    dropped, bounded; problems name the item (``tags[3]``, counted from 1)."""
    found: list[str] = []
    for position, item in enumerate(items):
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            raise problem(f"must be text, not {kind_of(item)}", at=position)
        text = " ".join(str(item).split())
        text = text.lower() if lower else text
        if len(text) > max_length:
            raise problem(f"is longer than {max_length} characters", at=position)
        if text and text not in found:
            found.append(text)
    if len(found) > max_count:
        raise problem(f"lists more than {max_count} (at most {max_count} {name} per article)")
    return found


def _questions(value) -> list[str]:
    """``questions:``: a list of phrasings (one line each), or one phrasing."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise problem(f"must be a list of questions, not {kind_of(value)}")
    return _distinct_texts(value, "questions", lower=False, max_length=MAX_QUESTION, max_count=MAX_QUESTIONS)


def _tags(value) -> list[str]:
    """``tags:``: a list, or comma-separated text; lower-cased."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = value.split(",")
    elif not isinstance(value, list):
        raise problem(f"must be a list or comma-separated text, not {kind_of(value)}")
    return _distinct_texts(value, "tags", lower=True, max_length=MAX_TAG, max_count=MAX_TAGS)


def choice_value(choices, default: str, message: str):
    """One of ``choices`` in any case (``Draft``), blank the default."""
    def check(value):
        if value is None or value == "":
            return default
        if isinstance(value, str) and value.strip().lower() in choices:
            return value.strip().lower()
        raise problem(message)
    return Annotated[str, BeforeValidator(check)]


# -- the front matter, declared ----------------------------------------------------------

def _defaulted(kind):
    """A field whose validator also decides what a missing key means."""
    return Annotated[kind, Field(default=None, validate_default=True)]


class _FrontMatter(Document):
    """Keys every file may have; unknown keys are ignored here (kept in ``extra``)."""

    model_config = ConfigDict(populate_by_name=True)

    locale: Annotated[str | None, BeforeValidator(_locale_code)] = None
    content_locale: Annotated[str | None, BeforeValidator(_locale_code),
                              Field(alias="ms.contentlocale")] = None
    summary: text_value() = None
    order: Annotated[int | None, BeforeValidator(_order)] = None


class ArticleFrontMatter(_FrontMatter):
    title: _defaulted(text_value(max_length=MAX_TITLE, required=True, one_line=True))
    slug: _defaulted(slug_value(MAX_SLUG))
    category: _defaulted(slug_value(MAX_CATEGORY, default=DEFAULT_CATEGORY))
    tags: _defaulted(Annotated[list, BeforeValidator(_tags)])
    questions: _defaulted(Annotated[list, BeforeValidator(_questions)])
    status: _defaulted(choice_value(ARTICLE_STATUSES, STATUS_PUBLISHED, "must be draft or published"))
    visibility: _defaulted(choice_value(VISIBILITIES, VISIBILITY_PUBLIC, "must be public or internal"))


class CategoryFrontMatter(_FrontMatter):
    title: _defaulted(text_value(max_length=MAX_CATEGORY_TITLE, required=True, one_line=True))
    slug: _defaulted(slug_value(MAX_CATEGORY))
    icon: text_value(max_length=MAX_ICON) = None


def _checked(model: type[_FrontMatter], source: SourceFile) -> _FrontMatter:
    """The front matter checked; every problem, as ``title is missing; tags[2] must be text``."""
    meta = source.meta if isinstance(source.meta, dict) else {}
    try:
        return model.model_validate(meta, context={"stem": source.path.stem})
    except ValidationError as exc:
        # writers count from 1: the second tag is tags[2]
        raise ImportProblem("; ".join(problems(exc, separator=" ", first_index=1))) from None


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


def _locale(checked: _FrontMatter, source: SourceFile) -> str:
    """``locale``, else ``ms.contentlocale`` (Microsoft's articles), else ``portal import --locale``."""
    locale = checked.locale or checked.content_locale or supported_locale(source.default_locale)
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
    checked = _checked(ArticleFrontMatter, source)
    return ArticleMeta(
        title=checked.title, slug=checked.slug, locale=_locale(checked, source), category=checked.category,
        tags=checked.tags, questions=checked.questions, summary=checked.summary, status=checked.status,
        order=checked.order, visibility=checked.visibility,
        extra=json_safe({k: v for k, v in source.meta.items() if k not in ARTICLE_KEYS}),
    )


def category_meta(source: SourceFile) -> CategoryMeta:
    """Checked front matter of a category file (``kind: category``)."""
    _check_text_is_storable(source)
    checked = _checked(CategoryFrontMatter, source)
    return CategoryMeta(
        title=checked.title, slug=checked.slug, locale=_locale(checked, source),
        summary=checked.summary or (source.body.strip() or None), order=checked.order, icon=checked.icon,
    )
