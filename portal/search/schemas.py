"""Declared shapes of the search domain's API input (``/api/v1/suggest``)
and its rows in the OpenAPI document (:mod:`portal.openapi`)."""
from __future__ import annotations

from pydantic import Field

from portal.openapi import Operation
from portal.validation import Line, Schema

DEFAULT_LIMIT = 5


class SuggestQuery(Schema):
    """``GET /api/v1/suggest``'s query string."""

    q: str = Field("", description="The text typed so far (required, at most 200 characters).")
    locale: Line | None = Field(None, description="A language code, or all; default: the caller's language.")
    limit: int = Field(DEFAULT_LIMIT, ge=-(2**63), le=2**63 - 1, description="Results per group (clamped to 1..20).")


OPERATIONS = [
    Operation("get", "/api/v1/suggest", "Articles (and incidents) matching what is typed so far", "search",
              query=SuggestQuery),
]
