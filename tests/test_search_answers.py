"""Suggest answers remembered per process (portal.search.answers) are never stale."""
from __future__ import annotations

from portal.kb import services
from portal.search import answers


def test_a_remembered_answer_gives_way_to_a_save_and_an_incident(app, client):
    from portal.status import services as status_services

    with app.app_context():
        services.save_article(slug="print-labels", locale="en", title="Print shipping labels", body_md="Print.")
    first = client.get("/api/v1/suggest?q=print&locale=en").json
    assert [a["slug"] for a in first["articles"]] == ["print-labels"]
    stored = len(answers._answers)
    assert client.get("/api/v1/suggest?q=print&locale=en").json == first  # the remembered answer
    assert len(answers._answers) == stored

    with app.app_context():
        services.save_article(slug="printer-setup", locale="en", title="Printer setup: print a test page",
                              body_md="Print a test page.")
    slugs = {a["slug"] for a in client.get("/api/v1/suggest?q=print&locale=en").json["articles"]}
    assert slugs == {"print-labels", "printer-setup"}

    with app.app_context():
        status_services.create_incident("Printing labels fails", impact="major", body="Print jobs hang",
                                        notify=False)
    assert client.get("/api/v1/suggest?q=print&locale=en").json["incidents"]
