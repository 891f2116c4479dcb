"""Reading and checking a submitted ticket form against its configuration.

Forms are defined in ``tickets.yaml`` (see :mod:`portal.tickets.config`), so
they are checked here field by field rather than with WTForms classes; CSRF is
Flask-WTF's ``CSRFProtect`` for every POST. :func:`read_submission` never
raises for bad input: it returns a :class:`Submission` whose ``errors`` map a
field name to the message shown beside it, with everything the customer typed
kept so the form can be shown again.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage, MultiDict
from wtforms import HiddenField

from portal.emails import is_email
from portal.tickets import attachments, pii
from portal.tickets.spec import FormSpec, TicketsConfig

URL = re.compile(r"^https?://[^\s/$.?#][^\s]*\.[^\s]{2,}$", re.IGNORECASE)
PHONE = re.compile(r"^\+?[0-9 ()./-]{6,25}$")
ATTEMPT_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")

#: The honeypot: hidden from people (CSS and aria-hidden), filled by bots.
HONEYPOT_FIELD = "leave_blank"
#: Values of the "personal data found" choice.
PII_MASK = "mask"
PII_SEND = "send"


class WithdrawForm(FlaskForm):
    """"This answered my question" on the sent page: the article that did (a slug, or empty)."""

    article = HiddenField()


@dataclass
class Submission:
    """What the customer sent, checked. ``ok`` when a ticket can be made."""

    form: FormSpec
    lang: str
    values: dict = field(default_factory=dict)
    files: list = field(default_factory=list)
    errors: dict = field(default_factory=dict)
    urgency: str | None = None
    urgent: bool = False
    callback_requested: bool = False
    callback_phone: str = ""
    callback_language: str = ""
    #: field name -> [pii.Finding] still in the text
    pii_findings: dict = field(default_factory=dict)
    pii_confirmed: bool = False
    honeypot_filled: bool = False
    attempt_id: str | None = None
    last_query: str = ""
    suggestion_opened: bool = False

    @property
    def needs_pii_choice(self) -> bool:
        return bool(self.pii_findings) and not self.errors

    @property
    def ok(self) -> bool:
        return not self.errors and not self.pii_findings and not self.honeypot_filled

    @property
    def email(self) -> str:
        return self.values.get("email", "")

    @property
    def subject(self) -> str:
        return self.values.get("subject", "")


def _clean_text(value: str | None, multiline: bool) -> str:
    value = (value or "").replace("\r\n", "\n").replace("\x00", "")
    if not multiline:
        value = " ".join(value.split())
    return value.strip()


def _check_value(spec, raw: str, lang: str) -> tuple[str, str | None]:
    """The cleaned value and an error message (or None)."""
    label = spec.label.get(lang)
    if spec.type == "checkbox":
        return ("yes" if raw else ""), None
    value = _clean_text(raw, multiline=spec.type == "textarea")
    if not value:
        if spec.required:
            if spec.type == "select":
                return value, _("Please choose an answer for “%(label)s”.", label=label)
            return value, _("Please fill in “%(label)s”.", label=label)
        return value, None
    if spec.max_length and len(value) > spec.max_length:
        return value, _("Please keep “%(label)s” under %(max)s characters (it has %(count)s now).",
                        label=label, max=spec.max_length, count=len(value))
    if spec.type == "email" and not is_email(value):
        return value, _("Please enter an e-mail address like name@example.com.")
    if spec.type == "url":
        if not re.match(r"^[a-z][a-z0-9+.-]*://", value, re.IGNORECASE):
            value = "https://" + value  # "shop.example.com" is what people type
        if not URL.match(value):
            return value, _("Please enter a web address like https://shop.example.com.")
    if spec.type == "select" and value not in {o.value for o in spec.options}:
        return value, _("Please choose one of the listed answers for “%(label)s”.", label=label)
    return value, None


def _read_files(form: FormSpec, config: TicketsConfig, files: MultiDict, submission: Submission, kept) -> None:
    count = 0
    for spec in form.file_fields:
        uploads: list[FileStorage] = [f for f in files.getlist(spec.name) if f and f.filename]
        if not uploads:
            # files kept from the previous send, unless new ones replace them
            for checked in kept:
                if checked.field_name == spec.name and count < config.max_files:
                    count += 1
                    submission.files.append(checked)
            if spec.required and not any(f.field_name == spec.name for f in submission.files):
                submission.errors[spec.name] = _("Please attach a file.")
            continue
        for upload in uploads:
            count += 1
            if count > config.max_files:
                submission.errors[spec.name] = _("Please attach at most %(count)s files.", count=config.max_files)
                break
            data = upload.stream.read(config.max_file_bytes + 1)
            try:
                submission.files.append(attachments.check_file(spec.name, upload.filename, data, config.max_file_bytes))
            except attachments.AttachmentError as err:
                submission.errors[spec.name] = _("“%(name)s”: %(problem)s",
                                                 name=attachments.clean_filename(upload.filename), problem=str(err))
                break


def _read_urgency(form: FormSpec, config: TicketsConfig, data: MultiDict, submission: Submission) -> None:
    if not form.ask_urgency:
        return
    value = data.get("urgency") or ""
    option = config.urgency_option(value)
    if option is None:
        submission.errors["urgency"] = _("Please tell us what is blocked (or choose “Nothing urgent”).")
        return
    submission.urgency = option.value
    submission.urgent = option.urgent
    submission.callback_requested = bool(data.get("callback_requested")) and option.urgent
    if not submission.callback_requested:
        return
    phone = _clean_text(data.get("callback_phone"), multiline=False)
    language = data.get("callback_language") or ""
    submission.callback_phone, submission.callback_language = phone, language
    if not phone or not PHONE.match(phone) or len(re.sub(r"[^0-9]", "", phone)) < 6:
        submission.errors["callback_phone"] = _("Please enter the phone number we should call, e.g. +31 20 123 4567.")
    if language not in config.callback_languages:
        submission.errors["callback_language"] = _("Please choose a language we can call you in.")


def _guard_personal_data(form: FormSpec, data: MultiDict, submission: Submission) -> None:
    """Find personal data in free text; apply the customer's choice if made."""
    action = data.get("pii_action")
    for spec in form.fields:
        if not spec.is_free_text or spec.name in submission.errors:
            continue
        text = submission.values.get(spec.name, "")
        findings = pii.find_pii(text)
        if not findings:
            continue
        if action == PII_MASK:
            submission.values[spec.name] = pii.mask_text(text)
        elif action == PII_SEND:
            submission.pii_confirmed = True
        else:
            submission.pii_findings[spec.name] = findings


def read_submission(form: FormSpec, config: TicketsConfig, data: MultiDict, files: MultiDict, lang: str,
                    kept: tuple | list = ()) -> Submission:
    """Check everything the customer sent; see :class:`Submission`.

    ``kept`` are checked files from the previous send of this form (see
    :func:`portal.tickets.attachments.keep_for_resend`); a new upload in the
    same field replaces them.
    """
    submission = Submission(form=form, lang=lang)
    submission.honeypot_filled = bool((data.get(HONEYPOT_FIELD) or "").strip())
    for spec in form.fields:
        if spec.type == "file":
            continue
        value, error = _check_value(spec, data.get(spec.name, ""), lang)
        submission.values[spec.name] = value
        if error:
            submission.errors[spec.name] = error
    _read_urgency(form, config, data, submission)
    _read_files(form, config, files, submission, kept)
    _guard_personal_data(form, data, submission)
    attempt = data.get("attempt_id") or ""
    submission.attempt_id = attempt if ATTEMPT_ID.match(attempt) else None
    submission.last_query = _clean_text(data.get("last_query"), multiline=False)[:300]
    submission.suggestion_opened = data.get("suggestion_opened") == "1"
    return submission


def suggestion_query(form: FormSpec, values: dict) -> str:
    """What the suggestions are searched with: the subject, then the description."""
    parts = [values.get(spec.name, "") for spec in form.fields if spec.suggest]
    return " ".join(p for p in parts if p)[:200]
