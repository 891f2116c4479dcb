"""The declared shape of ``tickets.yaml`` (pydantic models on :class:`portal.documents.Document`).

:mod:`portal.tickets.config` loads the file, validates it against
:class:`TicketsFile` and builds the frozen :mod:`portal.tickets.spec` objects
from the result. Every rule about what the file may say is here, once; each
error names its path (``forms[0].fields[2].type: ...``).
"""
from __future__ import annotations

import re
from datetime import date, time
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BeforeValidator, ConfigDict, Field, model_validator

from portal.config import SUPPORTED_LOCALES
from portal.documents import Document, Flag, PositiveInt, PositiveNumber, problem, problems_at
from portal.emails import is_email
from portal.tickets.hours import WEEKDAYS
from portal.tickets.spec import FIELD_TYPES, Text

#: Field names the form itself uses (urgency, callback, honeypot, PII choice).
RESERVED_NAMES = frozenset({
    "csrf_token", "urgency", "callback_requested", "callback_phone", "callback_language",
    "attempt_id", "last_query", "suggestion_opened", "pii_action", "leave_blank", "kept_files",
})
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
FORM_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
DEFAULT_TIMEZONE = "Europe/Amsterdam"


# -- values --------------------------------------------------------------------------

def _text(value):
    """A text in English only, or ``{en: ..., nl: ...}`` (English required: the fallback)."""
    if value == "":
        raise problem("is required")
    if isinstance(value, str):
        return Text({"en": value})
    if not isinstance(value, dict) or not value:
        raise problem("must be a text or a mapping of language: text")
    unknown = [k for k in value if k not in SUPPORTED_LOCALES]
    if unknown:
        raise problem(f"unknown language {', '.join(map(str, unknown))} (use {', '.join(SUPPORTED_LOCALES)})")
    if "en" not in value:
        raise problem("needs an 'en' text (the fallback for other languages)")
    if any(not isinstance(v, str) for v in value.values()):
        raise problem("every language's text must be a string")
    return Text({str(k): v for k, v in value.items()})


def _optional_text(value):
    return None if value == "" else _text(value)


def _field_name(value):
    if not isinstance(value, str) or not FIELD_NAME.match(value):
        raise problem("must be lower-case letters, digits and _ (starting with a letter)")
    if value in RESERVED_NAMES:
        raise problem(f"{value!r} is used by the form itself; choose another name")
    return value


def _field_type(value):
    if value not in FIELD_TYPES:
        raise problem(f"{value!r} is not one of {', '.join(FIELD_TYPES)}")
    return value


def _form_slug(value):
    if not isinstance(value, str) or not FORM_SLUG.match(value):
        raise problem("must be lower-case letters, digits and dashes")
    return value


def _required_value(value):
    if value == "":
        raise problem("is required")
    return str(value)


def _spans(value):
    """``"09:00-12:30, 13:00-17:00"`` → ((09:00, 12:30), (13:00, 17:00)); a close of None is midnight."""
    if not isinstance(value, str):
        raise problem('must be a text like "09:00-17:00"')
    spans = []
    for part in value.split(","):
        match = SPAN.match(part)
        if not match:
            raise problem(f'{part.strip()!r} is not like "09:00-17:00"')
        h1, m1, h2, m2 = map(int, match.groups())
        if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2):
            raise problem(f"{part.strip()!r} is not a time of day")
        opens, closes = time(h1, m1), (None if h2 == 24 else time(h2, m2))
        if closes is not None and closes <= opens:
            raise problem(f"{part.strip()!r} closes before it opens")
        spans.append((opens, closes))
    return tuple(spans)


def _timezone(value):
    try:
        return ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise problem(f"unknown time zone {value!r}") from None


def _holiday(value):
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise problem(f"{value!r} is not a date like 2026-12-25") from None


def _target(value):
    """``{hours: 2}`` or ``{days: 1}`` → ("hours", 2)."""
    if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) not in ("hours", "days"):
        raise problem("must be {hours: N} or {days: N}")
    unit, amount = next(iter(value.items()))
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise problem("must be a whole number above 0", at=unit)
    return (unit, amount)


def _webhook_url(value):
    if value == "":
        return None
    if not re.match(r"^https?://", str(value)):
        raise problem("must start with http:// or https://")
    return str(value)


def _support_email(value):
    if not is_email(value):
        raise problem("must be an e-mail address")
    return value


def _languages(value):
    if not isinstance(value, list) or any(lang not in SUPPORTED_LOCALES for lang in value):
        raise problem(f"must be a list of {', '.join(SUPPORTED_LOCALES)}")
    return tuple(value) or ("en",)


def _form_list(value):
    if not isinstance(value, list) or not value:
        raise problem("needs a list of at least one form")
    return value


LocalText = Annotated[Text, BeforeValidator(_text)]
OptionalText = Annotated[Text | None, BeforeValidator(_optional_text)]


# -- the document ----------------------------------------------------------------------

class OptionModel(Document):
    value: Annotated[str, BeforeValidator(_required_value)]
    label: LocalText


class FieldModel(Document):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, BeforeValidator(_field_name)]
    type: Annotated[str, BeforeValidator(_field_type)]
    required: Flag = False
    label: OptionalText = None  # default: the name
    help: OptionalText = None
    options: list[OptionModel] | None = None
    max_length: PositiveInt | None = None  # default: by type (config.DEFAULT_MAX_LENGTH)
    suggest: Flag = False
    pii_check: Flag = True

    @model_validator(mode="after")
    def _options_belong_to_selects(self):
        if self.type == "select" and not self.options:
            raise problem("a select needs a list of options", at="options")
        if self.type != "select" and self.options is not None:
            raise problem("only a select has options", at="options")
        return self


class FormModel(Document):
    slug: Annotated[str, BeforeValidator(_form_slug)]
    group: str | None = None  # default: the first group
    title: OptionalText = None  # default: the slug
    intro: OptionalText = None
    fields: list[FieldModel] = []
    ask_urgency: Flag = False


class Support(Document):
    email: Annotated[str, BeforeValidator(_support_email)]
    phone: Annotated[str, BeforeValidator(str)] | None = None


class BusinessHours(Document):
    timezone: Annotated[ZoneInfo, BeforeValidator(_timezone)] = ZoneInfo(DEFAULT_TIMEZONE)
    days: dict[str, Annotated[tuple, BeforeValidator(_spans)]]

    @model_validator(mode="after")
    def _known_days(self):
        found = [(("days", key), f"unknown day (use {', '.join(WEEKDAYS)})") for key in self.days if key not in WEEKDAYS]
        if self.days and not any(spans for key, spans in self.days.items() if key in WEEKDAYS):
            found.append((("days",), "needs at least one opening span"))
        if found:
            raise problems_at(found)
        return self


class HolidaysModel(Document):
    dates: list[Annotated[date, BeforeValidator(_holiday)]] = []
    country: str | None = None
    subdivision: str | None = None

    @model_validator(mode="after")
    def _known_country(self):
        if self.country:
            import holidays

            try:
                holidays.country_holidays(self.country, subdiv=self.subdivision, years=2026)
            except NotImplementedError:
                where = self.country + ("/" + self.subdivision if self.subdivision else "")
                raise problem(f"no public holidays known for {where!r}", at="country") from None
        return self


class ResponseTargets(Document):
    urgent: Annotated[tuple, BeforeValidator(_target)]
    normal: Annotated[tuple, BeforeValidator(_target)]


class Webhook(Document):
    url: Annotated[str | None, BeforeValidator(_webhook_url)] = None
    secret: str | None = None


class Uploads(Document):
    max_files: PositiveInt = 3
    max_file_mb: PositiveNumber = 5.0


class UrgencyModel(Document):
    value: Annotated[str, BeforeValidator(_required_value)]
    urgent: Flag = False
    label: LocalText


class TicketsFile(Document):
    """The whole of ``tickets.yaml`` (see the README's "Configuring forms")."""

    support: Support
    business_hours: BusinessHours
    holidays: HolidaysModel = HolidaysModel()
    response_targets: ResponseTargets
    webhook: Webhook = Webhook()
    callback_languages: Annotated[tuple, BeforeValidator(_languages)] = ("en",)
    uploads: Uploads = Uploads()
    urgency: list[UrgencyModel] = []
    groups: dict[Annotated[str, BeforeValidator(str)], LocalText] = {}
    common_fields: list[FieldModel] = []
    # missing counts as empty: the same message either way
    forms: Annotated[list[FormModel], BeforeValidator(_form_list)] = Field(default=None, validate_default=True)

    @model_validator(mode="after")
    def _forms_fit_together(self):
        """What one form alone cannot know: unique slugs, known groups, the fields
        every ticket needs, and urgency answers for forms that ask for urgency."""
        found, slugs = [], set()
        common = [f.name for f in self.common_fields]
        for i, form in enumerate(self.forms):
            if form.slug in slugs:
                found.append((("forms", i, "slug"), f"{form.slug!r} is used by another form"))
            slugs.add(form.slug)
            if self.groups and form.group is not None and form.group not in self.groups:
                found.append((("forms", i, "group"),
                              f"{form.group!r} is not one of the groups: {', '.join(self.groups)}"))
            fields = [*self.common_fields, *form.fields]
            names = common + [f.name for f in form.fields]
            for name in sorted({n for n in names if names.count(n) > 1}):
                found.append((("forms", i, "fields"),
                              f"field {name!r} appears twice (common_fields are included in every form)"))
            email = next((f for f in fields if f.name == "email"), None)
            if email is None or email.type != "email" or not email.required:
                found.append((("forms", i, "fields"),
                              "needs a required field 'email' of type email (the customer's reply address)"))
            if "subject" not in names:
                found.append((("forms", i, "fields"), "needs a field 'subject' (the ticket's title)"))
        if any(form.ask_urgency for form in self.forms) and not self.urgency:
            found.append((("urgency",), "forms ask what is blocked, so list the answers here"))
        if found:
            raise problems_at(found)
        return self
