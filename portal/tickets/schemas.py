"""Declared shapes of the tickets domain's JSON input: the contact form's
deflection events (``POST /<lang>/contact/events``). The ticket form itself
is a Flask-WTF form built from ``tickets.yaml`` (:mod:`portal.tickets.forms`)."""
from __future__ import annotations

from pydantic import Field

from portal.config import SUPPORTED_LOCALES
from portal.openapi import Operation
from portal.validation import Line, Schema, Text


class ClientEvent(Schema):
    """One step of a contact attempt, sent by ``static/js/tickets.js``."""

    event: Line = Field(description="started, suggestions_shown, suggestion_opened, solved or abandoned.")
    attempt_id: Line = Field(description="The browser's random id of this attempt (8-64 letters, digits, dashes).")
    form: Line | None = Field(None, description="The contact form's slug.")
    article: Line | None = Field(None, description="Slug of the suggested article opened or that solved it.")
    query: Text | None = Field(None, description="What was typed (kept, scrubbed, only for abandoned attempts).")


OPERATIONS = [
    Operation("post", "/{lang}/contact/events", "A contact attempt's step (anonymous deflection analytics)",
              "contact", body=ClientEvent, path_params={"lang": {"type": "string", "enum": list(SUPPORTED_LOCALES)}},
              success=202, answers=(429,)),
]
