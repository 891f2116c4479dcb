"""The OpenAPI 3.1 document of the JSON APIs, served at ``/api/openapi.json``.

Generated, never hand-written: each domain lists its API operations in its
``schemas.py`` as :class:`Operation` rows (``OPERATIONS``) naming the same
pydantic models its views validate with, and this module turns them into one
document. A test checks that every ``/api/`` route of the app is described and
nothing else, so the document cannot drift from the code; CI fuzzes the API
through it with schemathesis (``tests/test_api_fuzz.py``).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version

from flask import Blueprint, jsonify
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

#: Modules with an ``OPERATIONS`` list (one per domain with a JSON API).
OPERATION_MODULES = (
    "portal.search.schemas",
    "portal.status.schemas",
    "portal.kb.schemas",
    "portal.tickets.schemas",
    "portal.insights.schemas",
    "portal.support.schemas",
)

#: Security requirement names used in :attr:`Operation.auth`.
TOKEN = "apiToken"
WEBHOOK_TOKEN = "webhookToken"

bp = Blueprint("openapi", __name__)


@dataclass(frozen=True)
class Operation:
    """One method on one path, described by the models its view validates with."""

    method: str
    path: str  # OpenAPI template, e.g. ``/api/v1/status/incidents/{public_id}``
    summary: str
    tag: str
    body: type[BaseModel] | None = None
    #: Alternative body models (``oneOf``), e.g. the monitoring webhook's shapes.
    body_one_of: tuple[type[BaseModel], ...] = ()
    query: type[BaseModel] | None = None
    path_params: dict[str, dict] = field(default_factory=dict)
    auth: tuple[str, ...] = ()
    success: int = 200
    #: Other answers the operation gives on purpose (besides 400/401/403).
    answers: tuple[int, ...] = ()


def operations() -> list[Operation]:
    found: list[Operation] = []
    for name in OPERATION_MODULES:
        found.extend(importlib.import_module(name).OPERATIONS)
    return found


_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "integer"},
        "message": {"type": "string"},
        "fields": {"type": "array", "items": {"type": "object", "properties": {
            "path": {"type": "string"}, "message": {"type": "string"}}}},
    }}},
}
_DESCRIPTIONS = {200: "OK", 201: "Created", 202: "Accepted", 304: "Not modified", 400: "Bad input (with field paths)",
                 401: "No valid credentials", 403: "Not allowed for this role", 404: "Not found",
                 429: "Too many requests"}


def _query_parameters(model: type[BaseModel]) -> list[dict]:
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    return [{"name": name, "in": "query", "required": name in required, "schema": prop,
             **({"description": prop["description"]} if "description" in prop else {})}
            for name, prop in schema.get("properties", {}).items()]


def _responses(op: Operation) -> dict:
    codes = {op.success, 400, *op.answers, *((401, 403) if op.auth else ())}
    responses = {}
    for code in sorted(codes):
        entry: dict = {"description": _DESCRIPTIONS.get(code, "")}
        if code >= 400:
            entry["content"] = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        elif code != 304:
            entry["content"] = {"application/json": {"schema": {"type": "object"}}}
        responses[str(code)] = entry
    return responses


def document() -> dict:
    """The whole OpenAPI document (pure: no request or app needed)."""
    ops = operations()
    models = {m for op in ops for m in (op.body, *op.body_one_of) if m is not None}
    refs, definitions = models_json_schema([(m, "validation") for m in sorted(models, key=lambda m: m.__name__)],
                                           ref_template="#/components/schemas/{model}")
    schemas = {"Error": _ERROR, **definitions.get("$defs", {})}
    paths: dict[str, dict] = {}
    for op in ops:
        entry: dict = {"summary": op.summary, "tags": [op.tag], "operationId": f"{op.method}_{op.path}",
                       "responses": _responses(op)}
        params = [{"name": name, "in": "path", "required": True, "schema": schema}
                  for name, schema in op.path_params.items()]
        if op.query is not None:
            params += _query_parameters(op.query)
        if params:
            entry["parameters"] = params
        if op.body is not None or op.body_one_of:
            schema = ({"oneOf": [refs[(m, "validation")] for m in op.body_one_of]} if op.body_one_of
                      else refs[(op.body, "validation")])
            entry["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema}}}
        entry["security"] = [{name: []} for name in op.auth] if op.auth else []
        paths.setdefault(op.path, {})[op.method] = entry
    return {
        "openapi": "3.1.0",
        "info": {"title": "Portal API", "version": _version(),
                 "description": "Help-center suggestions, the Statuspage-compatible status API (v2), the "
                                "operators' status API, monitoring webhooks, customers and contact events."},
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": {
            TOKEN: {"type": "http", "scheme": "bearer", "description": "A staff API token (ptk_...)."},
            WEBHOOK_TOKEN: {"type": "http", "scheme": "bearer",
                            "description": "The shared STATUS_WEBHOOK_TOKEN (also accepted as ?token=)."},
        }},
    }


def _version() -> str:
    try:
        return version("portal")
    except PackageNotFoundError:
        return "0"


_cached: dict | None = None


@bp.get("/openapi.json")
def openapi_json():
    global _cached
    if _cached is None:  # the document depends on code only: build it once per process
        _cached = document()
    response = jsonify(_cached)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
