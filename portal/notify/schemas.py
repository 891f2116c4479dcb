"""Declared shapes of the notify domain's input: the customers API and the
subscription forms (sign-up, webhook sign-up, manage)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from portal.openapi import TOKEN, Operation
from portal.validation import Line, RowId, Schema, Text


class CustomerCreate(Schema):
    """``POST /api/v1/customers``: send the welcome letter once per address."""

    email: Line = Field(description="The customer's e-mail address.")
    name: Line | None = None
    locale: Line | None = Field(None, description="en, nl, de, sv or pl; default: the site's language.")


class _ComponentChoice(Schema):
    scope: Literal["all", "some"] | Line = "all"
    component: list[RowId] = Field(default_factory=list, description="Component ids when scope is some.")

    @property
    def everything(self) -> bool:
        return self.scope != "some"


class SubscribeForm(_ComponentChoice):
    """``POST /subscriptions/`` (e-mail)."""

    email: Line = ""
    locale: Line | None = None


class WebhookSubscribeForm(_ComponentChoice):
    """``POST /subscriptions/webhook``."""

    url: Line = ""


class ManageForm(_ComponentChoice):
    """``POST /subscriptions/manage/<token>``."""

    locale: Line | None = None


class BroadcastForm(Schema):
    """``POST /staff/broadcast/``: an announcement to every subscriber (or one component's)."""

    subject: Line = ""
    body: Text = ""
    component: RowId | Literal[""] | None = None
    locale: Line | None = None


OPERATIONS = [
    Operation("post", "/api/v1/customers", "Send a new customer the welcome letter (once per address)", "customers",
              body=CustomerCreate, auth=(TOKEN,), success=202),
]
