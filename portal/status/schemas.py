"""Declared shapes of the status domain's JSON input (ops API, monitoring).

Field names follow Statuspage's API where it has one (``body``,
``deliver_notifications``, ``components: {id: status}``,
``scheduled_for``...), with our shorter aliases beside them. The models check
types and sizes; :mod:`portal.status.services` checks meaning.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from portal.config import SUPPORTED_LOCALES
from portal.openapi import TOKEN, WEBHOOK_TOKEN, Operation
from portal.validation import Line, Schema, Text

#: Component reference (code, public id or name) -> component status.
ComponentStatuses = dict[Line, Line]
#: One of the portal's languages.
Lang = Literal[tuple(SUPPORTED_LOCALES)]
#: ``{lang: text}`` in further languages (the plain field holds the first language).
LineTranslations = dict[Lang, Line]
TextTranslations = dict[Lang, Text]
#: Positions are small numbers used for sorting.
Position = Annotated[int, Field(ge=-1_000_000, le=1_000_000)]


class _Notifying(Schema):
    notify: bool | None = Field(None, description="Send e-mails and webhooks (default true).")
    deliver_notifications: bool | None = Field(None, description="Statuspage's name for notify.")

    @property
    def wants_notify(self) -> bool:
        value = self.notify if self.notify is not None else self.deliver_notifications
        return True if value is None else value


class _Message(_Notifying):
    body: Text | None = None
    message: Text | None = Field(None, description="Alias of body.")
    bodies: TextTranslations | None = Field(None, description="The body in further languages, {lang: markdown}.")

    @property
    def text(self) -> str:
        return self.body or self.message or ""


class IncidentCreate(_Message):
    """``POST /api/v1/status/incidents`` (optionally wrapped in ``{"incident": {...}}``)."""

    name: Line = ""
    language: Lang | None = Field(None, description="Language of name and body (default: the site's).")
    names: LineTranslations | None = Field(None, description="The name in further languages, {lang: name}.")
    impact: Line | None = None
    impact_override: Line | None = None
    status: Line | None = None
    components: ComponentStatuses | None = None


class IncidentPatch(_Message):
    """``PATCH /api/v1/status/incidents/{id}``: edit, post an update, add a postmortem."""

    name: Line | None = None
    names: LineTranslations | None = Field(None, description="The name in further languages (replaces them).")
    impact: Line | None = None
    status: Line | None = None
    components: ComponentStatuses | None = None
    postmortem: Text | None = None


class UpdateCreate(_Message):
    """``POST /api/v1/status/incidents/{id}/updates`` (or ``{"incident_update": {...}}``)."""

    status: Line | None = None
    components: ComponentStatuses | None = None


class PostmortemCreate(Schema):
    """``POST /api/v1/status/incidents/{id}/postmortem``."""

    body: Text = ""
    notify: bool = False


class ComponentCreate(Schema):
    """``POST /api/v1/status/components`` (or ``{"component": {...}}``)."""

    name: Line = ""
    code: Line | None = None
    group: Line | None = None
    description: Text | None = None
    names: LineTranslations | None = Field(None, description="The name in further languages.")
    descriptions: TextTranslations | None = Field(None, description="The description in further languages.")
    position: Position = 100
    showcase: bool = True
    only_show_if_degraded: bool = False
    status: Line | None = None


class ComponentPatch(Schema):
    """``PATCH /api/v1/status/components/{ref}``: only the fields sent change."""

    name: Line | None = None
    description: Text | None = None
    names: LineTranslations | None = None
    descriptions: TextTranslations | None = None
    position: Position | None = None
    showcase: bool | None = None
    only_show_if_degraded: bool | None = None
    status: Line | None = None


class MaintenanceCreate(_Message):
    """``POST /api/v1/status/maintenance`` (or ``{"incident": {...}}`` as Statuspage)."""

    name: Line = ""
    language: Lang | None = None
    names: LineTranslations | None = None
    scheduled_for: Line | None = Field(None, description="ISO 8601 start, e.g. 2030-01-01T22:00:00+01:00.")
    scheduled_until: Line | None = Field(None, description="ISO 8601 end.")
    components: list[Line] | ComponentStatuses | None = None
    auto_start: bool | None = None
    auto_transition_to_maintenance_state: bool | None = None
    auto_complete: bool | None = None
    auto_transition_to_operational_state: bool | None = None


class IncidentListQuery(Schema):
    """``GET /api/v1/status/incidents?limit=``."""

    limit: Annotated[int, Field(ge=1, le=2**63 - 1)] = 50


# -- monitoring webhooks ---------------------------------------------------------

class SimpleAlert(Schema):
    """Our own shape: ``{"check", "state", "component", "message"}``."""

    check: Line | int
    state: Line | int | bool
    component: Line | None = None
    message: Text | None = None
    component_status: Line | None = None
    impact: Line | None = None


class AlertmanagerAlert(Schema):
    status: Line = "firing"
    labels: dict[Line, Line] = {}
    annotations: dict[Line, Text] = {}


class AlertmanagerPayload(Schema):
    """Prometheus Alertmanager's webhook."""

    alerts: list[AlertmanagerAlert]


class KumaHeartbeat(Schema):
    status: int | Line | bool | None = None
    msg: Text | None = None


class KumaMonitor(Schema):
    name: Line | None = None
    component: Line | None = None


class KumaPayload(Schema):
    """Uptime Kuma's webhook."""

    heartbeat: KumaHeartbeat
    monitor: KumaMonitor | None = None
    check: Line | None = None
    component: Line | None = None
    msg: Text | None = None


# -- the API's rows in the OpenAPI document ---------------------------------------

_PUBLIC_ID = {"public_id": {"type": "string", "maxLength": 100}}
_V2 = ("summary.json", "status.json", "components.json", "incidents.json", "incidents/unresolved.json",
       "scheduled-maintenances.json", "scheduled-maintenances/upcoming.json", "scheduled-maintenances/active.json")
_OPS = "/api/v1/status"

OPERATIONS = [
    *(Operation("get", f"/api/v2/{name}", f"Statuspage v2: {name}", "statuspage", answers=(304,)) for name in _V2),
    Operation("get", f"{_OPS}/incidents", "Recent incidents", "status-ops", query=IncidentListQuery, auth=(TOKEN,)),
    Operation("post", f"{_OPS}/incidents", "Open an incident", "status-ops", body=IncidentCreate, auth=(TOKEN,),
              success=201),
    Operation("patch", f"{_OPS}/incidents/{{public_id}}", "Edit an incident, post an update or a postmortem",
              "status-ops", body=IncidentPatch, path_params=_PUBLIC_ID, auth=(TOKEN,), answers=(404,)),
    Operation("post", f"{_OPS}/incidents/{{public_id}}/updates", "Post an update", "status-ops", body=UpdateCreate,
              path_params=_PUBLIC_ID, auth=(TOKEN,), success=201, answers=(404,)),
    Operation("post", f"{_OPS}/incidents/{{public_id}}/postmortem", "Publish a postmortem", "status-ops",
              body=PostmortemCreate, path_params=_PUBLIC_ID, auth=(TOKEN,), answers=(404,)),
    Operation("get", f"{_OPS}/components", "Components and groups", "status-ops", auth=(TOKEN,)),
    Operation("post", f"{_OPS}/components", "Add a component", "status-ops", body=ComponentCreate, auth=(TOKEN,),
              success=201),
    Operation("patch", f"{_OPS}/components/{{ref}}", "Change a component or set its status", "status-ops",
              body=ComponentPatch, path_params={"ref": {"type": "string", "maxLength": 200}}, auth=(TOKEN,),
              answers=(404,)),
    Operation("post", f"{_OPS}/maintenance", "Schedule maintenance", "status-ops", body=MaintenanceCreate,
              auth=(TOKEN,), success=201),
    Operation("post", f"{_OPS}/webhook/monitoring", "Monitoring alerts open and resolve incidents (idempotent)",
              "monitoring", body_one_of=(SimpleAlert, AlertmanagerPayload, KumaPayload),
              auth=(WEBHOOK_TOKEN, TOKEN)),
]


# -- status files (``portal import`` of incidents/): declared once, errors with paths --
#
# The shapes of ``kind: component``, ``kind: incident`` and ``kind: maintenance``
# files (see the README's status section and portal/status/importer.py). Like the
# API models these check shape only; what a value means (an impact that exists,
# a component that exists) stays in services. check_status_file() is the one call
# an importer makes; its ImportProblem lists every problem with its path
# (``updates[2].at: ...``, items counted from 1 as in article front matter).

from datetime import date as _date, datetime as _datetime, time as _time  # noqa: E402
from typing import Literal  # noqa: E402

from pydantic import BeforeValidator, ConfigDict, ValidationError, model_validator  # noqa: E402

from portal.documents import Document, Flag, problem, problems  # noqa: E402
from portal.status.models import COMPLETED, RESOLVED  # noqa: E402

#: Largest position or number in a status file (a typo, not a real order, beyond it).
MAX_FILE_NUMBER = 1_000_000


def _moment(value):
    """A YAML timestamp, a date (midnight) or ISO 8601 text; without an offset in the page's time zone."""
    from portal.status.display import parse_moment

    if isinstance(value, _datetime):
        return value if value.tzinfo else parse_moment(value.isoformat())
    if isinstance(value, _date):
        return parse_moment(_datetime.combine(value, _time()).isoformat())
    try:
        moment = parse_moment(str(value) if value is not None else None)
    except ValueError as exc:
        raise problem(str(exc)) from None
    if moment is None:
        raise problem("is missing")
    return moment


def _line(value):
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise problem("must be text")
    return str(value).strip()


def _required_line(value):
    text = _line(value)
    if not text:
        raise problem("is missing")
    return text


def _number(value):
    if isinstance(value, bool) or not isinstance(value, int) or not -MAX_FILE_NUMBER <= value <= MAX_FILE_NUMBER:
        raise problem(f"must be a whole number between -{MAX_FILE_NUMBER} and {MAX_FILE_NUMBER}")
    return value


Moment = Annotated[_datetime, BeforeValidator(_moment)]
FileLine = Annotated[str, BeforeValidator(_line)]
RequiredLine = Annotated[str, BeforeValidator(_required_line)]
FileNumber = Annotated[int, BeforeValidator(_number)]


class ComponentEntry(Document):
    """One component of a ``kind: component`` file."""

    model_config = ConfigDict(extra="forbid")

    name: RequiredLine
    code: FileLine | None = None  # default: made from the name
    description: FileLine | None = None
    position: FileNumber | None = None  # default: its place in the file
    showcase: Flag = True
    only_show_if_degraded: Flag = False
    since: Moment | None = None
    group: FileLine | None = None


class ComponentsFile(Document):
    kind: Literal["component", "components"]
    group: FileLine | None = None
    group_position: FileNumber | None = None
    groups: dict[str, FileNumber] = {}
    components: list[ComponentEntry]


class UpdateEntry(Document):
    at: Moment
    status: RequiredLine
    body: FileLine = ""


class IncidentFile(Document):
    kind: Literal["incident"]
    id: FileLine | None = None  # default: the file name
    name: RequiredLine
    impact: FileLine = "minor"
    components: dict[str, FileLine] = {}  # component code -> its status during the incident
    updates: list[UpdateEntry]

    @model_validator(mode="after")
    def _past(self):
        if not self.updates:
            raise problem("An incident needs at least one update.", at="updates")
        if self.updates[-1].status not in (RESOLVED, COMPLETED):
            raise problem("Files hold past incidents: the last update must be resolved or completed.",
                          at=("updates", len(self.updates) - 1, "status"))
        return self


class MaintenanceFile(Document):
    kind: Literal["maintenance"]
    id: FileLine | None = None
    name: RequiredLine
    scheduled_for: Moment
    scheduled_until: Moment
    components: list[str] | dict[str, FileLine] = []
    updates: list[UpdateEntry] = []
    notify: Flag = False

    @model_validator(mode="after")
    def _ends_after_it_starts(self):
        if self.scheduled_until <= self.scheduled_for:
            raise problem("must be after scheduled_for", at="scheduled_until")
        return self


STATUS_FILE_MODELS = {"component": ComponentsFile, "components": ComponentsFile,
                      "incident": IncidentFile, "maintenance": MaintenanceFile}


def check_status_file(meta: dict, body: str = ""):
    """The front matter of a status file checked against its kind's model, or
    :class:`~portal.content.ImportProblem` naming every problem's path.

    A components file may give one component's keys at the top level (and its
    description as the body), as the importer always allowed.
    """
    from portal.content import ImportProblem

    kind = str(meta.get("kind") or "").strip().lower()
    model = STATUS_FILE_MODELS.get(kind)
    if model is None:
        raise ImportProblem(f"kind must be one of {', '.join(sorted(set(STATUS_FILE_MODELS)))}")
    data = dict(meta, kind=kind)
    if model is ComponentsFile and data.get("components") is None:
        entry = {k: v for k, v in meta.items() if k in ComponentEntry.model_fields}
        if body.strip() and not entry.get("description"):
            entry["description"] = body.strip()
        data = {"kind": kind, "components": [entry]}
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ImportProblem("; ".join(problems(exc, separator=" ", first_index=1))) from None
