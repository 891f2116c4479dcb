"""Search on real data: the ~2,800 Dutch Microsoft 365 help articles (shared data).

Rows are inserted in bulk (rendered with kb's renderer, as an import would)
and indexed by one rebuild, which is how a large import is best indexed.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import insert

from portal.content import ImportProblem, parse_file
from portal.db import session, utcnow
from portal.kb.models import Article
from portal.kb.rendering import render_markdown
from portal.search import services

pytestmark = pytest.mark.slow

OUTLOOK_FOLDER_ARTICLES = {"outlook-com-delete-folder", "owa-how-to-delete-a-folder"}


@pytest.fixture
def dutch_articles(app, shared_data):
    folder = shared_data / "alchemy" / "nl"
    if not folder.is_dir():
        pytest.skip(f"{folder} not found")
    now = utcnow()
    rows = []
    for path in sorted(folder.glob("*.md")):
        try:
            source = parse_file(path)
        except ImportProblem:
            continue  # import robustness is kb's test; here we need searchable text
        title = str(source.meta.get("title") or "").strip()
        if not title:
            continue
        rendered = render_markdown(source.body, embed_hosts=())
        rows.append(dict(slug=path.stem, locale="nl", title=title, body_md=source.body, body_html=rendered.html,
                         body_text=rendered.text, headings=rendered.headings, tags=[], extra={},
                         category_slug="microsoft-365", status="published", created_at=now, updated_at=now))
    with app.app_context():
        session.execute(insert(Article), rows)
        session.commit()
        report = services.rebuild_index()
    assert report.indexed == len(rows) > 2500 and not report.failed
    return len(rows)


def test_dutch_query_finds_outlook_folder_articles_with_highlighted_snippets(app, dutch_articles):
    with app.app_context():
        result = services.search("map verwijderen", "nl")
        top = result.hits[:5]
        assert OUTLOOK_FOLDER_ARTICLES <= {hit["slug"] for hit in top}
        for hit in top:
            assert re.search(r"<mark[^>]*>(map|mappen|verwijder\w*)</mark>", str(hit["snippet"]), re.I)
        # As you type, half-way through the second word:
        typed = [s["slug"] for s in services.suggest("map verwij", "nl", limit=5)]
        assert OUTLOOK_FOLDER_ARTICLES & set(typed)
        assert services.check_index().ok
