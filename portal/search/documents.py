"""From an article to its Whoosh document (the one place that decides what is indexed)."""
from __future__ import annotations

from datetime import timezone

from portal.search.analysis import all_languages, weighted_sections
from portal.search.schema import (
    ARTICLE_TEXT, BODY_WEIGHT, CATEGORY, CONTENT, HEADINGS_WEIGHT, ID_FIELD, LOCALE, META_WEIGHT,
    PAIRS_TEXT, QUESTIONS_WEIGHT, SLUG, SUMMARY, TAGS, TITLE, TITLE_PREFIX_TEXT, TITLE_TEXT,
    TITLE_WEIGHT, UPDATED,
    WORDS_TEXT, lang_field,
)

#: The body is indexed up to this many characters (a pasted log must not stall indexing).
MAX_BODY_CHARS = 200_000


def version_of(updated_at) -> str:
    """The text form of ``updated_at`` kept in the index (aware UTC, microseconds)."""
    if updated_at is None:
        return ""
    if updated_at.tzinfo is None:
        updated_at = updated_at.replace(tzinfo=timezone.utc)
    return updated_at.astimezone(timezone.utc).isoformat(timespec="microseconds")


def _headings_text(headings) -> str:
    parts = []
    for heading in headings or ():
        if isinstance(heading, dict):
            parts.append(str(heading.get("text") or ""))
        elif isinstance(heading, str):
            parts.append(heading)
    return "\n".join(p for p in parts if p)


def _questions_text(questions) -> str:
    """The ``questions:`` front matter (a list of strings), one per line."""
    if isinstance(questions, str):
        questions = [questions]
    return "\n".join(str(q).strip() for q in (questions or ()) if str(q).strip())


_ELLIPSIS = ("…", "...")


def title_repeats_body(title: str, body: str) -> bool:
    """Whether the title is only the first words of the body, cut ("Flyktingar från Ukraina får…").

    Answers imported without a question of their own get such titles; as a
    title it would count the body's first words again at the title's weight
    (measured on swefaq, where every answer is titled so: MRR@5 lower).
    """
    head = title.strip()
    if not head.endswith(_ELLIPSIS):  # a heading that repeats a real title is not this case
        return False
    for mark in _ELLIPSIS:
        head = head.removesuffix(mark)
    head = " ".join(head.split()).casefold()
    return len(head) >= 8 and " ".join(body[:len(title) * 2 + 40].split()).casefold().startswith(head)


def document_for(article) -> dict:
    """The Whoosh document of one article (any object with Article's attributes).

    Only rendered plain text (``body_text``) is indexed, never markdown. Title,
    questions, headings, summary+tags and body go into one value per field as
    weighted sections (see ``analysis.SectionTokenizer``), so a word counts by
    where it occurs: the same weights for whole words, word beginnings and
    word pairs.
    """
    lang = article.locale
    title = article.title or ""
    questions = _questions_text(getattr(article, "questions", None))
    headings = _headings_text(article.headings)
    tags = [str(t).strip() for t in (article.tags or ()) if str(t).strip()]
    summary = article.summary or ""
    body = (article.body_text or "")[:MAX_BODY_CHARS]
    if title_repeats_body(title, body):
        title = ""  # indexed once, as the body's beginning (still shown as the title)
    tag_text = " ".join(tags)
    labels = ((title, TITLE_WEIGHT), (questions, QUESTIONS_WEIGHT), (headings, HEADINGS_WEIGHT),
              (f"{summary}\n{tag_text}", META_WEIGHT))
    sections = weighted_sections(*labels, (body, BODY_WEIGHT))
    return {
        ID_FIELD: str(article.id),
        SLUG: article.slug,
        LOCALE: lang,
        CATEGORY: article.category_slug or "",
        TAGS: ",".join(t.lower() for t in tags),
        UPDATED: version_of(article.updated_at),
        TITLE: article.title or "",
        SUMMARY: summary,
        CONTENT: body,
        lang_field(ARTICLE_TEXT, lang): sections,
        # Pairs of the short sections only: the body's pairs tripled the index
        # (with its word beginnings) and changed no ranking measured (bench/README.md).
        lang_field(PAIRS_TEXT, lang): weighted_sections(*labels),
        lang_field(TITLE_TEXT, lang): f"{title}\n{questions}",
        lang_field(TITLE_PREFIX_TEXT, lang): f"{title}\n{questions}",
        lang_field(WORDS_TEXT, lang): f"{title}\n{questions}\n{headings}\n{summary}\n{tag_text}\n{body}",
    }


def is_indexable(article) -> bool:
    """Published, public articles in a language we can analyze; drafts and
    internal (staff-only) articles never are."""
    from portal.kb.models import STATUS_PUBLISHED, VISIBILITY_PUBLIC

    return (article.status == STATUS_PUBLISHED and article.visibility == VISIBILITY_PUBLIC
            and article.locale in all_languages())


def article_columns():
    from portal.kb.models import Article

    return (Article.id, Article.slug, Article.locale, Article.title, Article.summary,
            Article.category_slug, Article.tags, Article.questions, Article.status, Article.visibility,
            Article.body_text,
            Article.headings, Article.updated_at)
