"""Settings of the support loop, with the teams' own rules as defaults.

Every setting is a normal portal setting (``<DATA_DIR>/config.py`` or
``PORTAL_<NAME>`` in the environment, JSON-parsed), read here only:

``SUPPORT_TARGETS``
    ``{"average_hours": 2, "within_hours": 2, "within_share": 0.8,
    "aim_hours": 1, "promise_hours": 24}``: first-answer targets in business
    hours (the opening hours and holidays of ``tickets.yaml``). Keys left out
    keep their default.
``SUPPORT_TEAMS``
    ``{"team name": ["form slug", ...]}``; a form in no team belongs to the
    team named after its ``group`` in ``tickets.yaml``.
``SUPPORT_HELPDESK_TOKEN``
    A shared secret the helpdesk may send as ``Authorization: Bearer ...`` to
    the events API (besides staff API tokens); None = staff tokens only.
``SUPPORT_ANSWER_ADDRESS``
    The answer mailbox (e.g. ``answers@example.com``): per-ticket signed
    addresses ``answers+T-2026-000123.k3j9...@example.com`` are made from it.
``SUPPORT_AGENT_DOMAINS``
    Sender domains whose mail counts as an answer (default: the domain of the
    support address in ``tickets.yaml``).
``SUPPORT_IDEAS_FORM``
    The form whose tickets become ideas (default ``suggestion``).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from portal import config

#: The teams' own rules (``config.defaults()`` holds them; keys an operator leaves out keep these).
DEFAULT_TARGETS = config.default("SUPPORT_TARGETS")


@dataclass(frozen=True)
class Targets:
    """First-answer targets; hours are business hours."""

    average_hours: float
    within_hours: float
    within_share: float
    aim_hours: float
    promise_hours: float


def targets() -> Targets:
    configured = current_app.config["SUPPORT_TARGETS"] or {}
    values = dict(DEFAULT_TARGETS)
    for key in DEFAULT_TARGETS:
        try:
            if key in configured and float(configured[key]) > 0:
                values[key] = float(configured[key])
        except (TypeError, ValueError):
            continue  # a wrong value keeps the default rather than break the page
    values["within_share"] = min(values["within_share"], 1.0)
    return Targets(**values)


def team_of(form_slug: str, tickets_config) -> str:
    for team, forms in (current_app.config["SUPPORT_TEAMS"] or {}).items():
        if form_slug in (forms or ()):
            return str(team)
    form = tickets_config.form(form_slug)
    return form.group if form else "other"


def team_label(team: str, tickets_config, lang: str) -> str:
    group = tickets_config.groups.get(team)
    return group.get(lang) if group is not None and hasattr(group, "get") else team


def ideas_form() -> str:
    return current_app.config["SUPPORT_IDEAS_FORM"]


def helpdesk_token() -> str | None:
    return current_app.config["SUPPORT_HELPDESK_TOKEN"] or None


def answer_address() -> str | None:
    return current_app.config["SUPPORT_ANSWER_ADDRESS"] or None


def agent_domains(tickets_config) -> set[str]:
    configured = current_app.config["SUPPORT_AGENT_DOMAINS"]
    if configured:
        return {str(d).lower().lstrip("@") for d in configured}
    return {tickets_config.support_email.rsplit("@", 1)[-1].lower()}
