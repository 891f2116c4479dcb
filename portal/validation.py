"""One way to read request input: a declared pydantic v2 model per endpoint.

Views call :func:`json_body`, :func:`query_args` or :func:`form_fields` with
their model; input that does not fit raises :class:`InputError`, which the
handler registered in :func:`init_app` answers with one JSON shape::

    {"error": {"code": 400, "message": "components.api: Input should be ...",
               "fields": [{"path": "components.api", "message": "..."}]}}

Models check types and ranges only (a string where a string belongs, ids that
fit in 64 bits); what a value *means* (an unknown component, a resolved
incident) stays in the domain's ``services.py``. The same models feed the
OpenAPI document (:mod:`portal.openapi`), so the published schema and what the
server accepts cannot drift.
"""
from __future__ import annotations

from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

#: Largest id a database row can have (SQLite INTEGER / PostgreSQL BIGINT).
MAX_ID = 2**63 - 1
#: Longest free-text field accepted through an API (an incident update, a postmortem).
MAX_TEXT = 100_000
#: Longest one-line field (a name, a code, a check).
MAX_LINE = 500

Model = TypeVar("Model", bound=BaseModel)

#: A database id: whole number, 1 .. 2**63-1 (never an OverflowError deeper down).
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]
Line = Annotated[str, StringConstraints(max_length=MAX_LINE)]
Text = Annotated[str, StringConstraints(max_length=MAX_TEXT)]


class Schema(BaseModel):
    """Base of request models: unknown keys are ignored (clients written for
    Statuspage send more than we read), numbers are not silently made strings."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False, populate_by_name=True)


class InputError(ValueError):
    """Request input that does not fit its schema; ``fields`` has one entry per problem."""

    def __init__(self, message: str, fields: list[dict] | None = None, code: int = 400):
        super().__init__(message)
        self.message = message
        self.fields = fields or []
        self.code = code

    def as_json(self) -> dict:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        return {"error": body}


def _path(location: tuple, prefix: str | None) -> str:
    parts = [str(part) for part in location]
    return ".".join([prefix, *parts] if prefix else parts) or "(body)"


def _message(error: dict) -> str:
    """Our own (translated) words for pydantic's common error types; its English
    message for the rare rest."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("must be a whole number.")
    if kind in ("greater_than_equal", "greater_than"):
        return _("must be at least %(limit)s.", limit=ctx.get("ge", ctx.get("gt")))
    if kind in ("less_than_equal", "less_than"):
        return _("must be at most %(limit)s.", limit=ctx.get("le", ctx.get("lt")))
    if kind in ("string_type", "string_sub_type"):
        return _("must be a text (a JSON string).")
    if kind == "string_too_long":
        return _("is too long (at most %(count)s characters).", count=ctx.get("max_length"))
    if kind in ("bool_parsing", "bool_type"):
        return _("must be true or false.")
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return _("must be a JSON object.")
    if kind in ("list_type", "tuple_type", "set_type"):
        return _("must be a list.")
    if kind == "missing":
        return _("is required.")
    return error["msg"]


def error_from(exc: ValidationError, prefix: str | None = None) -> InputError:
    """Turn pydantic's errors into an :class:`InputError` with field paths."""
    fields = [{"path": _path(e["loc"], prefix), "message": _message(e)} for e in exc.errors(include_url=False)]
    first = fields[0]
    message = f"{first['path']} {first['message']}"
    if len(fields) > 1:
        message += " " + _("(and %(count)d more problems, see fields)", count=len(fields) - 1)
    return InputError(message, fields)


def validate(model: type[Model], data: Any, prefix: str | None = None) -> Model:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise error_from(exc, prefix) from None


def json_object(wrapper: str | None = None) -> tuple[dict, str | None]:
    """The request's JSON object (unwrapped from ``{wrapper: {...}}`` when sent so)."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InputError(_("Send a JSON object with Content-Type: application/json."))
    if wrapper and isinstance(data.get(wrapper), dict):
        return data[wrapper], wrapper
    return data, None


def json_body(model: type[Model], wrapper: str | None = None) -> Model:
    """The request's JSON body checked against ``model``."""
    data, prefix = json_object(wrapper)
    return validate(model, data, prefix)


def query_args(model: type[Model]) -> Model:
    """The query string checked against ``model`` (repeated keys become lists
    only for fields declared as lists)."""
    return validate(model, _multi_dict(request.args, model))


def form_fields(model: type[Model]) -> Model:
    """A posted form checked against ``model`` (same rules as :func:`query_args`)."""
    return validate(model, _multi_dict(request.form, model))


def _multi_dict(source, model: type[BaseModel]) -> dict:
    data: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        key = field.alias or name
        if key not in source:
            continue
        data[key] = source.getlist(key) if _is_list(field.annotation) else source.get(key)
    return data


def _is_list(annotation) -> bool:
    origin = get_origin(annotation)
    if origin in (list, tuple, set):
        return True
    if origin is Union or str(origin) == "<class 'types.UnionType'>":
        return any(_is_list(arg) for arg in get_args(annotation))
    if origin is Annotated:
        return _is_list(get_args(annotation)[0])
    return False


def init_app(app: Flask) -> None:
    from portal.errors import wants_json

    @app.errorhandler(InputError)
    def _input_error(err: InputError):
        if not (request.is_json or wants_json()):  # a tampered HTML form: the error page, with the reason
            return render_template("error.html", code=err.code, message=err.message), err.code
        response = jsonify(err.as_json())
        response.status_code = err.code
        return response
