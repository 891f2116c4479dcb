"""HTTP views of the search domain (thin: they call services).

* ``/<lang>/search?q=`` (``search.search``): results with highlighted
  snippets, pagination, an optional category filter, "did you mean", and a
  helpful page when nothing is found (contact form, popular categories).
  Searches that find nothing are recorded for writers (as-you-type
  suggestions are not: they would record every half-typed word).
* ``/staff/search/`` (``search_staff.no_results``): what customers searched
  for and did not find, most frequent first, for writers.
* ``/staff/search/synonyms`` (``search_staff.synonyms``): the synonym groups
  per language, from the files under git (read-only) and the database
  (add, edit, delete), for writers.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal import signals
from portal.auth.decorators import role_required
from portal.forms import LocaleFilterForm
from portal.search import services, suggesting, synonyms
from portal.search.forms import SynonymsForm
from portal.search.analysis import all_languages

bp = Blueprint("search", __name__)
staff_bp = Blueprint("search_staff", __name__)


@bp.get("/search")
def search(lang: str):
    query = request.args.get("q", "")
    page = request.args.get("page", 1, type=int) or 1
    category = request.args.get("category") or None
    results = services.search(query, lang, page=page, category=category) if query.strip() else None
    nothing_found = results is not None and results.total == 0
    if nothing_found and page == 1 and not category:
        services.record_no_results(query, lang)
    if results is not None and page == 1 and not category:
        signals.search_performed.send(current_app._get_current_object(), query=query, locale=lang,
                                      total=results.total)
    return render_template(
        "search/results.html",
        query=query.strip(),
        results=results,
        incidents=suggesting.matching_incidents(query, lang) if query.strip() else [],
        categories=services.category_choices(lang),
        popular_categories=services.popular_categories(lang) if results is None or nothing_found else [],
        contact_url=f"{request.script_root}/{lang}/contact/",
    ), (200 if results is None or results.page <= results.pages else 404)


@staff_bp.get("/")
@role_required("writer")
def no_results():
    locale = request.args.get("locale") or None
    if locale not in all_languages():
        locale = None
    return render_template("search/staff_no_results.html",
                           rows=services.frequent_no_result_queries(locale=locale),
                           locale=locale)


@staff_bp.post("/<int:query_id>/dismiss")
@role_required("writer")
def dismiss(query_id: int):
    if not services.dismiss_no_result_query(query_id):
        abort(404)
    flash(_("Removed from the list."), "success")
    return redirect(url_for(".no_results", locale=LocaleFilterForm().locale.data or None))


# -- synonyms ------------------------------------------------------------------

def _synonyms_page(locale: str | None, *, error: str | None = None, typed: str = "",
                   typed_locale: str | None = None, editing: int | None = None, status: int = 200):
    languages = [locale] if locale else list(all_languages())
    return render_template(
        "search/staff_synonyms.html",
        locale=locale,
        languages=languages,
        files={lang: synonyms.read_file(lang) for lang in languages},
        groups={lang: synonyms.database_groups(lang) for lang in languages},
        error=error, typed=typed, typed_locale=typed_locale or locale, editing=editing,
    ), status


def _locale_filter(value: str | None) -> str | None:
    return value if value in all_languages() else None


@staff_bp.get("/synonyms")
@role_required("writer")
def synonyms_page():
    return _synonyms_page(_locale_filter(request.args.get("locale")))


@staff_bp.post("/synonyms")
@role_required("writer")
def add_synonyms():
    form = SynonymsForm()
    locale, text = form.group_locale.data or "", form.terms.data or ""
    shown = _locale_filter(form.locale.data)
    try:
        synonyms.add_group(locale, text)
    except synonyms.SynonymError as error:
        return _synonyms_page(shown, error=str(error), typed=text, typed_locale=locale, status=400)
    flash(_("Synonyms saved."), "success")
    return redirect(url_for(".synonyms_page", locale=shown))


@staff_bp.post("/synonyms/<int:group_id>")
@role_required("writer")
def edit_synonyms(group_id: int):
    form = SynonymsForm()
    text = form.terms.data or ""
    shown = _locale_filter(form.locale.data)
    try:
        if synonyms.edit_group(group_id, text) is None:
            abort(404)
    except synonyms.SynonymError as error:
        return _synonyms_page(shown, error=str(error), typed=text, editing=group_id, status=400)
    flash(_("Synonyms saved."), "success")
    return redirect(url_for(".synonyms_page", locale=shown))


@staff_bp.post("/synonyms/<int:group_id>/delete")
@role_required("writer")
def delete_synonyms(group_id: int):
    if not synonyms.delete_group(group_id):
        abort(404)
    flash(_("Synonyms deleted."), "success")
    return redirect(url_for(".synonyms_page", locale=_locale_filter(LocaleFilterForm().locale.data)))
