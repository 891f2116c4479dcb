"""Small Flask-WTF forms many staff pages post: where to go back to, the list filter.

Every POST is read through a form class (Flask-WTF), never from ``request.form``
by hand: the field names are declared once, values arrive as text (a repeated or
missing key cannot become a list or a KeyError), and CSRF stays Flask-WTF's.
"""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField


class BackForm(FlaskForm):
    """``next``: the page to return to after the action (checked with ``web.is_safe_redirect``)."""

    next = HiddenField()


class LocaleFilterForm(FlaskForm):
    """``locale``: the language filter of the list the action was taken from, kept on the redirect."""

    locale = HiddenField()


class EmailAddress:
    """WTForms validator: the portal's one e-mail rule (:func:`portal.emails.is_email`)."""

    def __init__(self, message=None):
        self.message = message

    def __call__(self, form, field):
        from wtforms.validators import ValidationError

        from portal.emails import is_email

        if field.data and not is_email(field.data):
            from flask_babel import gettext as _

            raise ValidationError(self.message or _("Please enter a valid e-mail address, like name@example.com."))
