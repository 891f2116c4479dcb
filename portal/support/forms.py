"""Forms of the support loop (Flask-WTF, so every one carries a CSRF token)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from portal.support.models import IDEA_STATUSES
from portal.support.ratings import MAX_COMMENT

REFERENCE_PATTERN = r"^\s*[Tt]-\d{4}-\d{6}\s*$"


def score_choices():
    return [SelectChoice("great", _l("Great")), SelectChoice("okay", _l("Okay")), SelectChoice("poor", _l("Poor"))]


def status_choices():
    labels = {"new": _l("New"), "under_consideration": _l("Under consideration"), "planned": _l("Planned"),
              "shipped": _l("Shipped"), "declined": _l("Declined")}
    return [SelectChoice(status, labels[status]) for status in IDEA_STATUSES]


class RatingForm(FlaskForm):
    """The customer's choice and optional comment (no account: the signed link is the key)."""

    score = RadioField(_l("How was our answer?"), choices=score_choices(), validators=[DataRequired()])
    comment = TextAreaField(_l("Anything you want to tell us? (optional)"),
                            validators=[Optional(), Length(max=MAX_COMMENT)])


class TicketEventForm(FlaskForm):
    """Staff mark a ticket answered, solved or reopened by hand."""

    kind = SelectField(_l("What happened"), choices=[SelectChoice("answered", _l("Answered")), SelectChoice("solved", _l("Solved")),
                                                     SelectChoice("reopened", _l("Reopened"))], validators=[DataRequired()])
    occurred_at = DateTimeLocalField(_l("When (local time; empty: now)"), format="%Y-%m-%dT%H:%M",
                                     validators=[Optional()])
    agent = StringField(_l("Support person"), validators=[Optional(), Length(max=120)])


class FindTicketForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    reference = StringField(_l("Ticket reference"), validators=[DataRequired(), Regexp(REFERENCE_PATTERN)])


class IdeaForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    status = SelectField(_l("Status"), choices=status_choices(), validators=[DataRequired()])
    release_url = StringField(_l("Release notes or article (needed to mark it shipped)"),
                              validators=[Optional(), Length(max=500)])


class MergeForm(FlaskForm):
    into = IntegerField(_l("Merge into idea number"), validators=[DataRequired(), NumberRange(min=1, max=2**31)])


class LinkTicketForm(FlaskForm):
    reference = StringField(_l("Ticket reference"), validators=[DataRequired(), Regexp(REFERENCE_PATTERN)])
