"""Forms of the search staff pages (Flask-WTF): synonyms and the no-results list."""
from __future__ import annotations

from wtforms import HiddenField, StringField

from portal.forms import LocaleFilterForm


class SynonymsForm(LocaleFilterForm):
    """A synonym group added or edited; what the terms mean is checked by ``synonyms``."""

    group_locale = HiddenField()  # a <select> in the template; checked by synonyms.add_group
    terms = StringField()
