"""Declared shapes of the help center's JSON input: the customers API (the welcome letter)."""
from __future__ import annotations

from pydantic import Field

from portal.openapi import TOKEN, Operation
from portal.validation import Line, Schema


class CustomerCreate(Schema):
    """``POST /api/v1/customers``: send the welcome letter once per address."""

    email: Line = Field(description="The customer's e-mail address.")
    name: Line | None = None
    locale: Line | None = Field(None, description="en, nl, de, sv or pl; default: the site's language.")


OPERATIONS = [
    Operation("post", "/api/v1/customers", "Send a new customer the welcome letter (once per address)", "customers",
              body=CustomerCreate, auth=(TOKEN,), success=202),
]
