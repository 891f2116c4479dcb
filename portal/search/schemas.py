"""Declared shapes of the search domain's API input (``/api/v1/suggest``)
and its rows in the OpenAPI document (:mod:`portal.openapi`)."""
from __future__ import annotations

from pydantic import Field, field_validator

from portal.openapi import Operation
from portal.validation import Line, Schema

DEFAULT_LIMIT = 5
#: Longest text used per field (characters): a ticket's subject and description
#: fit; longer text is cut to its beginning, never refused.
MAX_INPUT_CHARS = 5000


class SuggestQuery(Schema):
    """What to suggest for: ``GET /api/v1/suggest``'s query string, or the JSON body of the POST."""

    q: str = Field("", description="The text typed so far (or the whole text); cut after 5,000 characters.")
    subject: str = Field("", description="A ticket's subject: weighs more than the description.")
    description: str = Field("", description="A ticket's description (greetings and pasted noise weigh little).")
    locale: Line | None = Field(None, description="A language code, or all; default: the caller's language.")
    limit: int = Field(DEFAULT_LIMIT, ge=-(2**63), le=2**63 - 1, description="Results per group (clamped to 1..20).")

    @field_validator("q", "subject", "description", mode="before")
    @classmethod
    def _cut(cls, value):
        if value is None:
            return ""
        if isinstance(value, str):
            return value[:MAX_INPUT_CHARS]
        return value  # not text: the str type refuses it with its path

    @field_validator("locale", "limit", mode="before")
    @classmethod
    def _empty_is_default(cls, value, info):
        if value == "":
            return None if info.field_name == "locale" else DEFAULT_LIMIT
        return value


OPERATIONS = [
    Operation("get", "/api/v1/suggest", "Articles (and incidents) matching what is typed so far", "search",
              query=SuggestQuery),
    Operation("post", "/api/v1/suggest", "The same for long text (a ticket's subject and description)", "search",
              body=SuggestQuery),
]
