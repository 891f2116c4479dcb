"""Declared shapes of the subscription forms (sign-up, webhook sign-up,
manage) and the staff announcement form."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from portal.validation import Line, RowId, Schema, Text


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
    """``POST /subscriptions/webhook``: a generic, Slack or Teams webhook."""

    url: Line = ""
    kind: Literal["webhook", "slack", "teams"] | Line = "webhook"


class SmsSubscribeForm(_ComponentChoice):
    """``POST /subscriptions/sms``."""

    phone: Line = ""
    locale: Line | None = None


class SmsVerifyForm(Schema):
    """``POST /subscriptions/sms/verify/<token>``."""

    code: Line = ""


class ManageForm(_ComponentChoice):
    """``POST /subscriptions/manage/<token>``."""

    locale: Line | None = None


class BroadcastForm(Schema):
    """``POST /staff/broadcast/``: an announcement to every subscriber (or one component's)."""

    subject: Line = ""
    body: Text = ""
    component: RowId | Literal[""] | None = None
    locale: Line | None = None
