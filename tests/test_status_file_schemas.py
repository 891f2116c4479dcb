"""The declared shape of status files (status/schemas.py): the shipped incidents/
fit it, and mistakes are reported with their path."""
from __future__ import annotations

from pathlib import Path

import frontmatter
import pytest

from portal.content import ImportProblem
from portal.documents import location
from portal.status.schemas import ComponentsFile, IncidentFile, MaintenanceFile, check_status_file

INCIDENTS = Path(__file__).resolve().parent.parent / "incidents"


def test_the_shipped_status_files_fit_their_models(app):
    kinds = set()
    with app.app_context():
        for path in sorted(INCIDENTS.glob("*.md")):
            if path.name == "README.md":
                continue
            post = frontmatter.loads(path.read_text(encoding="utf-8"))
            kinds.add(type(check_status_file(dict(post.metadata), post.content)))
    assert kinds == {ComponentsFile, IncidentFile, MaintenanceFile}


@pytest.mark.parametrize(("meta", "expected"), [
    ({"kind": "incident", "name": "X", "updates": [{"at": "2026-01-01T10:00+01:00", "status": "investigating"}]},
     "updates[1].status Files hold past incidents"),
    ({"kind": "incident", "name": "X", "updates": [{"status": "resolved"}]}, "updates[1].at is required"),
    ({"kind": "incident", "updates": []}, "name is required"),
    ({"kind": "maintenance", "name": "M", "scheduled_for": "2026-01-02T10:00+01:00",
      "scheduled_until": "2026-01-01T10:00+01:00"}, "scheduled_until must be after scheduled_for"),
    ({"kind": "component", "components": [{"name": "A"}, {"name": "B", "colour": "red"}]},
     "components[2].colour unknown key"),
    ({"kind": "component", "name": "A", "showcase": "yes"}, "components[1].showcase must be true or false"),
    ({"kind": "nonsense"}, "kind must be one of"),
])
def test_status_file_mistakes_name_their_path(app, meta, expected):
    with app.app_context(), pytest.raises(ImportProblem) as info:
        check_status_file(meta)
    assert expected in str(info.value)


def test_locations_read_like_the_document():
    assert location(("forms", 2, "fields", 0, "type")) == "forms[2].fields[0].type"
    assert location(("tags", 1), first_index=1) == "tags[2]"
    assert location(("groups", "a", "[key]")) == "groups.a"
    assert location(()) == "(top level)"
