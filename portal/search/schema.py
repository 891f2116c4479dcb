"""The Whoosh schema of the article index, declared once, with its field names.

Per-language fields, one index (not one index per language), because:

* Whoosh analyzes a field with one analyzer, so each language needs fields of
  its own to be stemmed correctly; a document fills only its own language's
  fields, so a query on ``text_nl`` only ever walks Dutch postings and BM25's
  statistics (document frequency, average field length) are per language:
  the same relevance and speed as separate indexes.
* One index means one writer lock, one searcher to cache, one directory to
  rebuild and swap, and one ``check`` for the whole database: a language is a
  field suffix, not another moving part.

The query path analyzes the query with the language's own analyzer and
queries only that language's fields (see ``querying.py``).
"""
from __future__ import annotations

from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema

from portal.search.analysis import all_languages, language_analyzer, pair_analyzer, prefix_analyzer, word_analyzer

# -- language-neutral fields -------------------------------------------------
ID_FIELD = "id"              # Article.id as text; unique key for update/delete; column for check()
SLUG = "slug"                # Article.slug, stored to build the URL
LOCALE = "locale"            # Article.locale: filter and URL
CATEGORY = "category"        # Article.category_slug: optional filter on the search page
TAGS = "tags"                # Article.tags, lower-cased keywords (filterable, also analyzed in meta_xx)
UPDATED = "updated"          # Article.updated_at as ISO text; column, compared by check()/update()
TITLE = "title"              # the title as written, for display (stored only)
SUMMARY = "summary"          # the summary as written, for display (stored only)
CONTENT = "content"          # body plain text as written, for highlighted snippets (stored only)

# -- per-language fields: "<kind>_<lang>", filled only for the article's language
ARTICLE_TEXT = "text"        # stemmed title, questions, headings, summary+tags and body, each weighted (*_WEIGHT)
TITLE_TEXT = "titles"        # stemmed title and questions alone: BM25 normalized by their own (short) length
TITLE_PREFIX_TEXT = "titleprefix"  # edge n-grams of title and questions alone: the typed word, length-normalized by them
PAIRS_TEXT = "pairs"         # adjacent stem pairs of title, questions, headings, summary+tags (weighted): phrases
WORDS_TEXT = "words"         # unstemmed words of everything: "did you mean" vocabulary

#: Weight of a word by where it occurs in the article (BM25F field weights).
TITLE_WEIGHT = 5.0
QUESTIONS_WEIGHT = 4.0       # front matter ``questions:``: other ways customers ask it
HEADINGS_WEIGHT = 2.0
META_WEIGHT = 1.5            # summary and tags
BODY_WEIGHT = 1.0


def lang_field(kind: str, lang: str) -> str:
    """The name of a per-language field, e.g. ``lang_field(ARTICLE_TEXT, "nl") == "text_nl"``."""
    return f"{kind}_{lang}"


def build_schema() -> Schema:
    fields = {
        ID_FIELD: ID(stored=True, unique=True, sortable=True),
        SLUG: ID(stored=True),
        LOCALE: ID(stored=True),
        CATEGORY: ID(stored=True),
        TAGS: KEYWORD(stored=True, lowercase=True, commas=True, scorable=False),
        UPDATED: ID(stored=True, sortable=True),
        TITLE: STORED(),
        SUMMARY: STORED(),
        CONTENT: STORED(),
    }
    for lang in all_languages():
        # phrase=False: no positions; phrases are scored through the pairs
        # field, and frequency-only postings are smaller and faster to read.
        fields[lang_field(ARTICLE_TEXT, lang)] = TEXT(analyzer=language_analyzer(lang), phrase=False)
        fields[lang_field(PAIRS_TEXT, lang)] = TEXT(analyzer=pair_analyzer(lang), phrase=False)
        fields[lang_field(TITLE_TEXT, lang)] = TEXT(analyzer=language_analyzer(lang), phrase=False)
        fields[lang_field(TITLE_PREFIX_TEXT, lang)] = TEXT(analyzer=prefix_analyzer(), phrase=False)
        words = TEXT(analyzer=word_analyzer(lang), phrase=False)
        words.scorable = False  # only looked up, never ranked: skip storing field lengths
        fields[lang_field(WORDS_TEXT, lang)] = words
    return Schema(**fields)


#: The one schema; passed to ``open_dir`` so Whoosh never unpickles another.
SCHEMA = build_schema()
