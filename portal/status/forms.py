"""Forms of the operators' status pages (Flask-WTF: CSRF, validation, labels).

The per-component status pickers are not WTForms fields: their number changes
with the components, so :func:`component_choices` reads them from the request
(``component-<public id>``) and the templates render them from the components.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal.config import LOCALE_NAMES, SUPPORTED_LOCALES
from portal.status.display import IMPACT_LABELS, LABELS
from portal.status.models import COMPONENT_STATUSES, IMPACTS, INCIDENT_STATUSES, MAINTENANCE_STATUSES

NOT_AFFECTED = ""


def _choices(values, labels=LABELS):
    return [SelectChoice(v, labels[v]) for v in values]


class IncidentForm(FlaskForm):
    language = SelectField(_l("Language of title and first update"),
                           choices=[SelectChoice(code, LOCALE_NAMES[code]) for code in SUPPORTED_LOCALES],
                           validate_choice=False)  # the services refuse unknown languages (StatusError)
    name = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)],
                       description=_l("What customers notice, e.g. \"Label printing fails for DHL\"."))
    impact = SelectField(_l("Impact"), choices=_choices(IMPACTS, IMPACT_LABELS), default="minor")
    status = SelectField(_l("Status"), choices=_choices(INCIDENT_STATUSES[:3]), default="investigating")
    message = TextAreaField(_l("First update"), validators=[Optional(), Length(max=20000)],
                            description=_l("Markdown. Leave empty for a standard sentence."))
    notify = BooleanField(_l("Notify subscribers"), default=True)


class TemplateForm(IncidentForm):
    label = StringField(_l("Template name"), validators=[DataRequired(), Length(max=200)],
                        description=_l("What operators pick it by, e.g. \"DHL API down\"."))


class UpdateForm(FlaskForm):
    status = SelectField(_l("Status"), choices=_choices(INCIDENT_STATUSES))
    message = TextAreaField(_l("Update"), validators=[Optional(), Length(max=20000)],
                            description=_l("Markdown. Leave empty for a standard sentence."))
    notify = BooleanField(_l("Notify subscribers"), default=True)


class MaintenanceUpdateForm(UpdateForm):
    status = SelectField(_l("Status"), choices=_choices(MAINTENANCE_STATUSES))


class PostmortemForm(FlaskForm):
    body = TextAreaField(_l("Postmortem"), validators=[DataRequired(), Length(max=50000)],
                         description=_l("Markdown: what happened, why, and what we change."))


class MaintenanceForm(FlaskForm):
    name = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    scheduled_for = DateTimeLocalField(_l("Starts"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    scheduled_until = DateTimeLocalField(_l("Ends"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    message = TextAreaField(_l("Announcement"), validators=[Optional(), Length(max=20000)],
                            description=_l("Markdown: what changes and what customers should expect."))
    auto_start = BooleanField(_l("Start by itself at the start time"), default=True)
    auto_complete = BooleanField(_l("Complete by itself at the end time"), default=True)
    notify = BooleanField(_l("Notify subscribers"), default=True)
    remind_subscribers = BooleanField(_l("Remind subscribers before it starts"), default=True)
    mute_notifications = BooleanField(_l("Mute incident notifications for these components while it runs"),
                                      default=False)
    remind_hours = IntegerField(_l("Hours before the start"), validators=[Optional(), NumberRange(min=1, max=168)],
                                description=_l("Empty: the site's default (3 hours)."))


class RescheduleForm(FlaskForm):
    scheduled_for = DateTimeLocalField(_l("New start"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    scheduled_until = DateTimeLocalField(_l("New end"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    notify = BooleanField(_l("Notify subscribers"), default=True)


class ComponentForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    code = StringField(_l("Code"), validators=[Optional(), Length(max=80)],
                       description=_l("Short name for the command line and monitoring, e.g. api. Default: from the name."))
    group = SelectField(_l("Group"), coerce=str, choices=[])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    position = IntegerField(_l("Position"), default=100, validators=[NumberRange(min=0, max=100000)])
    showcase = BooleanField(_l("Show on the status page"), default=True)


class ComponentsPageForm(FlaskForm):
    """Which of the two forms on the components page was posted (``component`` or ``group``)."""

    kind = HiddenField()


class GroupForm(FlaskForm):
    name = StringField(_l("Group name"), validators=[DataRequired(), Length(max=200)])
    position = IntegerField(_l("Position"), default=100, validators=[NumberRange(min=0, max=100000)])


class ComponentStatusForm(FlaskForm):
    status = SelectField(_l("Status"), choices=_choices(COMPONENT_STATUSES))


def translations_from(form_data, prefix: str) -> dict:
    """``{lang: text}`` from the "Other languages" fields (``<prefix>-<lang>``);
    the services strip, check lengths and drop empty ones."""
    return {code: form_data.get(f"{prefix}-{code}", "") for code in SUPPORTED_LOCALES
            if form_data.get(f"{prefix}-{code}")}


def component_choices(form_data, components) -> dict:
    """``{component: status}`` for the pickers an operator set (empty = not affected)."""
    chosen = {}
    for component in components:
        value = form_data.get(f"component-{component.public_id}", NOT_AFFECTED)
        if value in COMPONENT_STATUSES:
            chosen[component] = value
    return chosen
