"""Every HTML form (every non-API POST route) posted with random field values
and types: never a server error.

The field names come from the form's own page (every ``name=`` in it) plus
the route's known names, so new fields are fuzzed without editing this file;
values are hypothesis-generated: text (control characters, very long), numbers
far beyond 64 bits, repeated keys, empty values and stray extra fields. A test
checks that every POST route of the app is fuzzed here (or in
``test_api_fuzz.py``), so a new form cannot be forgotten. Bounded by
``FUZZ_EXAMPLES`` (default 25) per route.
"""
from __future__ import annotations

import os
import re

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
HUGE = 99999999999999999999999

#: Field names every form of a kind may receive besides those on its page.
EXTRA_NAMES = ("component", "scope", "locale", "next", "page", "kind", "action", "message", "article",
               "kept_files", "notify", "impact", "status", "email", "password", "name", "url")

values = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=3000),
    st.integers(min_value=-HUGE, max_value=HUGE).map(str),
    st.sampled_from(["", "0", "-1", str(HUGE), "1e309", "NaN", "true", "some", "all", "null", "[]", "{}",
                     "2030-01-01T10:00", "major_outage", "investigating", "resolved", "en", "xx", "../../etc"]),
)


def fields_strategy(names: list[str]):
    """A list of (name, value) pairs: known names with random values, some
    repeated, some missing, plus random extra names."""
    known = st.lists(st.tuples(st.sampled_from(names), values), max_size=len(names) + 4)
    stray = st.lists(st.tuples(st.text(min_size=1, max_size=12), values), max_size=2)
    return st.tuples(known, stray).map(lambda pair: pair[0] + pair[1])


def _page_field_names(client, url: str) -> list[str]:
    page = client.get(url)
    if page.status_code != 200 or not page.content_type.startswith("text/html"):
        return []
    return sorted(set(re.findall(r'name="([^"]+)"', page.get_data(as_text=True))) - {"csrf_token"})


@pytest.fixture
def site(app, staff, login):
    """An app with content behind every kind of form, and a signed-in admin client."""
    from portal import db
    from portal.kb import services as kb_services
    from portal.status import subscribers
    from portal.status.subscription_models import Broadcast  # noqa: F401  (model registered)
    from portal.status import services

    admin = staff("admin")
    with app.app_context():
        api = services.create_component("API", "api")
        incident = services.create_incident("Slow API", impact="minor", components={"api": "degraded_performance"})
        resolved = services.create_incident("Old outage", impact="major")
        services.resolve(resolved, "Fixed")
        article, _state = kb_services.save_article(slug="reset-password", locale="en", title="Reset your password",
                                                   body_md="Open **Settings**.")
        subscriber = subscribers.subscribe_email(db.session, "fuzz@example.com", locale="en",
                                                 component_ids=[api.id])
        db.session.commit()
        manage_token = subscribers.manage_url(subscriber).rsplit("/", 1)[1]
        ids = {"public_id": incident.public_id, "article_id": article.id, "token": manage_token}
        ids.update(_support_ids())
        resolved_id = resolved.public_id
        component_id = api.public_id
    anonymous = app.test_client()
    signed_in = app.test_client()
    login(signed_in, admin)
    return {"app": app, "anonymous": anonymous, "staff": signed_in, "ids": ids, "resolved": resolved_id,
            "component": component_id}


def _support_ids() -> dict:
    """A ticket of the suggestion form (so an idea), answered (so a rating link)."""
    from datetime import datetime, timezone

    from portal import db
    from portal.support import ratings, services as support_services
    from portal.support.models import Idea, Rating
    from portal.tickets.models import Ticket

    ticket = Ticket(reference="T-2026-000901", public_token="fuzz-ticket", form_slug="suggestion", locale="en",
                    email="customer@example.com", subject="Dark mode", created_at=datetime(2026, 12, 1, tzinfo=timezone.utc))
    db.session.add(ticket)
    db.session.flush()
    support_services.on_ticket_created(session=db.session, ticket=ticket)
    support_services.record_event(db.session, ticket.reference, "answered")
    db.session.commit()
    rating = db.session.query(Rating).one()
    return {"reference": ticket.reference, "idea_id": str(db.session.query(Idea).one().id),
            "rating_token": ratings.make_token(rating)}


def _targets(site) -> list[tuple[str, str]]:
    """(client kind, url) for every non-API POST route of the app."""
    from portal.tickets.config import get_config

    app, ids = site["app"], site["ids"]
    with app.app_context():
        form_slug = next(iter(get_config().forms))
    fill = {"lang": "en", "token_id": "1", "query_id": "1", "broadcast_id": "1", "slug": form_slug,
            "revision_id": "1", "redirect_id": "1", "feedback_id": "1", "group_id": "1", "template_id": "1",
            "article_id": str(ids["article_id"]), "public_id": ids["public_id"], "token": ids["token"],
            "reference": ids["reference"], "idea_id": ids["idea_id"], "provider": "twilio"}
    targets = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.rule.startswith("/api/") or rule.endpoint == "tickets.events":
            continue  # the JSON APIs are fuzzed through their OpenAPI document
        url = rule.rule
        for name in rule.arguments:
            value = fill[name]
            if rule.endpoint.startswith("kb.") and name == "slug":
                value = "reset-password"
            if rule.endpoint == "status_staff.component_status":
                value = site["component"]
            if rule.endpoint == "support.rate" and name == "token":
                value = ids["rating_token"]
            url = re.sub(rf"<(?:[a-z]+:)?{name}>", value, url)
        kind = "staff" if url.startswith("/staff/") else "anonymous"
        targets.append((rule.endpoint, kind, url))
    return targets


def test_every_post_route_is_fuzzed(site):
    endpoints = {endpoint for endpoint, _kind, _url in _targets(site)}
    assert {"tickets.form_page", "notify.subscribe", "notify.manage", "auth.login", "status_staff.new_incident",
            "notify_staff.index", "kb_staff.edit"} <= endpoints


def test_forms_answer_random_input_without_a_server_error(site):
    erase_last = []
    for endpoint, kind, url in _targets(site):
        if endpoint in ("notify.erase", "notify.unsubscribe", "auth.logout"):
            erase_last.append((endpoint, kind, url))  # they end what the others need
            continue
        _fuzz_route(site, kind, url)
    for _endpoint, kind, url in erase_last:
        _fuzz_route(site, kind, url)


def _fuzz_route(site, kind: str, url: str) -> None:
    client = site[kind]
    names = sorted(set(_page_field_names(client, url)) | set(EXTRA_NAMES))

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(fields_strategy(names))
    def run(pairs):
        response = client.post(url, data=MultiDict(pairs))
        assert response.status_code < 500, f"POST {url} {pairs!r} -> {response.status_code}"

    run()


QUERY_NAMES = ("q", "page", "category", "locale", "limit", "label", "next", "confirmed", "status", "token", "kind")


def test_query_strings_never_cause_a_server_error(site):
    """Every page without path arguments (besides the language), and the
    category and article pages, with random query strings."""
    app = site["app"]
    urls = ["/en/categories/general", "/en/articles/reset-password"]
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and set(rule.arguments) <= {"lang"} and "static" not in rule.endpoint \
                and rule.endpoint != "ops.readyz":  # a 503 there is its answer, not an error
            urls.append(rule.rule.replace("<lang:lang>", "en"))
    for url in sorted(set(urls)):
        _fuzz_query(site["staff" if url.startswith("/staff/") else "anonymous"], url)


def _fuzz_query(client, url: str) -> None:
    from urllib.parse import urlencode

    @settings(max_examples=max(EXAMPLES // 3, 5), deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(st.lists(st.tuples(st.sampled_from(QUERY_NAMES), values), max_size=4))
    def run(pairs):
        response = client.get(f"{url}?{urlencode(pairs)}")
        assert response.status_code < 500, f"GET {url}?{urlencode(pairs)} -> {response.status_code}"

    run()
