"""Flask-WTF forms of the subscription pages and the staff broadcast page.

Written for ``portal/notify/views.py`` (moving to ``portal/status/``), which
still reads these posts with ``validation.form_fields`` and re-renders with
``request.form``. Wiring them (for the lead, at merge):

* ``subscribe``: ``form = SubscribeForm()``; ``form.validate()`` else 400 with
  ``form.errors``; ``form.email.data``, ``form.locale.data or current_lang()``,
  ``form.component_ids()``, ``form.everything``; re-render with ``form=form``
  (templates read ``form.email.data`` instead of ``form.get("email")``).
* ``subscribe_webhook``: ``WebhookSubscribeForm`` the same way (``url``).
* ``manage``: ``ManageForm`` (``locale``, components).
* ``staff_index``: ``BroadcastForm`` (``subject``, ``body``, ``component``, ``locale``).

The field names are those the templates post today (``email``, ``url``,
``scope``, ``component`` repeated, ``locale``, ``subject``, ``body``), so the
templates need no new names. What the values mean (a component that exists,
a webhook address that is public) stays in the services.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.emails import MAX_EMAIL_LENGTH
from portal.forms import EmailAddress
from portal.validation import MAX_ID, MAX_LINE, MAX_TEXT


def _row_id(value):
    """A component id as posted; anything else is dropped, never a 500."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= MAX_ID else None


class _ComponentChoice(FlaskForm):
    """``scope=all`` (every component) or ``scope=some`` with ``component`` repeated."""

    scope = StringField(default="all", validators=[Optional(), Length(max=MAX_LINE)])
    # choices are the components, set by the view; unknown ids are the service's to refuse
    component = SelectMultipleField(coerce=_row_id, validate_choice=False)

    @property
    def everything(self) -> bool:
        return (self.scope.data or "all") != "some"

    def component_ids(self) -> list[int]:
        return [value for value in self.component.data or [] if value is not None]


class SubscribeForm(_ComponentChoice):
    email = EmailField(_l("E-mail address"),
                       validators=[DataRequired(), Length(max=MAX_EMAIL_LENGTH), EmailAddress()])
    locale = StringField(validators=[Optional(), Length(max=MAX_LINE)])


class WebhookSubscribeForm(_ComponentChoice):
    url = StringField(_l("Webhook URL"), validators=[DataRequired(), Length(max=MAX_LINE)])


class ManageForm(_ComponentChoice):
    locale = StringField(validators=[Optional(), Length(max=MAX_LINE)])


class BroadcastForm(FlaskForm):
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=MAX_TEXT)])
    component = StringField(validators=[Optional()])  # a component id, or empty for every subscriber
    locale = StringField(validators=[Optional(), Length(max=MAX_LINE)])

    def component_id(self) -> int | None:
        return _row_id(self.component.data) if self.component.data else None
