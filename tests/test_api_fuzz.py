"""The JSON APIs against their OpenAPI document: described completely, and
fuzzed with schemathesis (valid and invalid input) with no server error.

Bounded: ``FUZZ_EXAMPLES`` (default 25) examples per operation and mode, about
a thousand requests in-process; CI runs it with the rest of the suite.
"""
from __future__ import annotations

import os
import re

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402

from portal.openapi import document  # noqa: E402

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))


def _api_rules(app) -> set[tuple[str, str]]:
    """(method, OpenAPI path) of every JSON API route the app serves."""
    found = set()
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        if not (path.startswith("/api/") or path.endswith("/contact/events")) or path == "/api/openapi.json":
            continue
        found |= {(m.lower(), path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def test_openapi_document_describes_every_api_route_and_nothing_else(app):
    described = {(method, path) for path, ops in document()["paths"].items() for method in ops}
    assert described == _api_rules(app)


def test_openapi_document_is_served_and_names_the_models(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200 and response.json["openapi"].startswith("3.")
    body = response.json["paths"]["/api/v1/status/incidents"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/IncidentCreate"}
    assert "components" in response.json["components"]["schemas"]["IncidentCreate"]["properties"]


@pytest.fixture
def fuzz_target(app, staff):
    """An app with components, an open and a resolved incident, and an operator token."""
    from portal import db
    from portal.auth import services as auth_services
    from portal.auth.models import User
    from portal.status import services

    user = staff("operator")
    with app.app_context():
        services.create_component("API", "api")
        services.create_component("Shop", "shop")
        open_incident = services.create_incident("Slow API", impact="minor", components={"api": "degraded_performance"})
        resolved = services.create_incident("Old outage", impact="major")
        services.resolve(resolved, "Fixed")
        token = auth_services.create_api_token(db.session.get(User, user.id), "fuzz")
        ids = {"public_id": open_incident.public_id, "ref": "api", "lang": "en", "reference": _ticket_reference()}
        resolved_ids = {"public_id": resolved.public_id, "ref": "shop", "lang": "nl"}
    return app, token, [ids, resolved_ids]


def _ticket_reference() -> str:
    """A real ticket, so the helpdesk events API reaches its services."""
    from datetime import datetime, timezone

    from portal import db
    from portal.tickets.models import Ticket

    ticket = Ticket(reference="T-2026-000902", public_token="fuzz-api-ticket", form_slug="question", locale="en",
                    email="customer@example.com", subject="Question", created_at=datetime(2026, 12, 1, tzinfo=timezone.utc))
    db.session.add(ticket)
    db.session.commit()
    return ticket.reference


def _fuzz(operation, mode, headers, path_parameters=None):
    strategy = operation.as_strategy(generation_mode=mode, headers=headers, path_parameters=path_parameters)

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(strategy)
    def run(case):
        response = case.call()
        assert response.status_code < 500, f"{case.as_curl_command()} -> {response.status_code} {response.text[:300]}"

    run()


def test_schemathesis_finds_no_server_error(fuzz_target):
    app, token, id_sets = fuzz_target
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    headers = {"Authorization": f"Bearer {token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:
        names = {p.name for p in operation.path_parameters}
        for ids in id_sets:  # real ids reach the services, random ones the 404 paths
            fixed = {k: v for k, v in ids.items() if k in names} or None
            _fuzz(operation, GenerationMode.POSITIVE, headers, fixed)
        if operation.body or operation.query or operation.path_parameters:  # something to make invalid
            _fuzz(operation, GenerationMode.NEGATIVE, headers)
