"""Declared shapes of the support loop's JSON API (the helpdesk's lifecycle
events) and its rows in the OpenAPI document (:mod:`portal.openapi`)."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from portal.openapi import TOKEN, Operation
from portal.validation import Line, Schema



class TicketEventIn(Schema):
    """``POST /api/v1/tickets/{reference}/events``: what happened to the ticket in the helpdesk."""

    type: Literal["answered", "solved", "reopened"] = Field(description="What happened.")
    occurred_at: datetime | None = Field(
        None, description="When it happened (ISO 8601; without a zone: UTC). Default: now.")
    agent: Line | None = Field(None, description="The support person's name, for the Happiness score per person.")
    event_id: Line | None = Field(
        None, description="The helpdesk's id of this event: a retry with the same id is ignored. Without it, "
                          "the same type and timestamp is the same event.")


OPERATIONS = [
    Operation("post", "/api/v1/tickets/{reference}/events",
              "Record a ticket's answer, solution or reopening (idempotent; for helpdesk webhooks)",
              "support", body=TicketEventIn,
              path_params={"reference": {"type": "string", "maxLength": 20, "pattern": r"^T-\d{4}-\d{6}$"}},
              auth=(TOKEN,), success=201, answers=(200, 404)),
]
