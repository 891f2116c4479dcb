"""Loading and checking ``tickets.yaml``: forms, hours, targets, routing.

The file is found in this order: the ``TICKETS_CONFIG`` setting, then
``<DATA_DIR>/tickets.yaml``, then the default shipped in this package. It is
validated completely on load; every problem is reported with its path, e.g.
``forms[0].fields[2].type: 'date' is not one of text, textarea, ...``, so a
typo never turns into a half-working form. The parsed result is cached per
application and re-read when the file changes.
"""
from __future__ import annotations

from pathlib import Path

import yaml
from flask import Flask, current_app
from pydantic import ValidationError

from portal import safe_yaml
from portal.documents import problems
from portal.tickets.config_schema import FieldModel, TicketsFile
from portal.tickets.hours import WEEKDAYS, ResponseTarget, Schedule
from portal.tickets.spec import FieldSpec, FormSpec, Option, Text, TicketsConfig, UrgencyOption

DEFAULT_PATH = Path(__file__).with_name("tickets.yaml")
#: The shipped file is ~12 KB; a config far beyond that is a mistake.
MAX_CONFIG_CHARS = 1024 * 1024

DEFAULT_MAX_LENGTH = {"text": 300, "textarea": 10_000, "email": 254, "url": 500}


class ConfigError(ValueError):
    """``tickets.yaml`` is wrong; ``problems`` lists ``path: what is wrong``."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


def _field(model: FieldModel) -> FieldSpec:
    return FieldSpec(
        name=model.name, type=model.type, label=model.label or Text({"en": model.name}), required=model.required,
        help=model.help, options=tuple(Option(o.value, o.label) for o in model.options or ()),
        max_length=model.max_length or DEFAULT_MAX_LENGTH.get(model.type),
        suggest=model.suggest, pii_check=model.pii_check,
    )


def _schedule(hours, holidays) -> Schedule:
    weekly = {WEEKDAYS.index(day): spans for day, spans in hours.days.items()}
    return Schedule(timezone=hours.timezone, weekly=weekly, holidays=frozenset(holidays.dates),
                    country=holidays.country or None, subdivision=holidays.subdivision)


def parse_config(raw, source: str = "tickets.yaml") -> TicketsConfig:
    """Check a loaded YAML document (:class:`~portal.tickets.config_schema.TicketsFile`)
    and build the configuration, or raise ConfigError listing every problem."""
    try:
        checked = TicketsFile.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(source, problems(exc)) from None
    groups = dict(checked.groups)
    common = [_field(f) for f in checked.common_fields]
    forms = {}
    for form in checked.forms:
        forms[form.slug] = FormSpec(
            slug=form.slug, group=form.group or next(iter(groups), ""),
            title=form.title or Text({"en": form.slug}), intro=form.intro,
            fields=tuple(common + [_field(f) for f in form.fields]), ask_urgency=form.ask_urgency,
        )
    targets = {name: ResponseTarget(name, amount, unit)
               for name, (unit, amount) in (("urgent", checked.response_targets.urgent),
                                            ("normal", checked.response_targets.normal))}
    return TicketsConfig(
        source=source,
        support_email=checked.support.email,
        support_phone=checked.support.phone or None,
        schedule=_schedule(checked.business_hours, checked.holidays),
        targets=targets,
        webhook_url=checked.webhook.url,
        webhook_secret=checked.webhook.secret or None,
        callback_languages=checked.callback_languages,
        max_files=checked.uploads.max_files,
        max_file_bytes=int(checked.uploads.max_file_mb * 1024 * 1024),
        urgency=tuple(UrgencyOption(u.value, u.urgent, u.label) for u in checked.urgency),
        groups=groups,
        forms=forms,
    )


#: Parsed files by (path, mtime, size): every app in a process (tests build hundreds) shares one parse.
#: The config is frozen dataclasses, so sharing it is safe.
_PARSED: dict[tuple, TicketsConfig] = {}


def load_config(path: Path | str) -> TicketsConfig:
    path = Path(path)
    try:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
        if key in _PARSED:
            return _PARSED[key]
        raw = safe_yaml.load(path.read_text(encoding="utf-8"), max_chars=MAX_CONFIG_CHARS, what="tickets.yaml")
    except OSError as err:
        raise ConfigError(str(path), [f"cannot be read ({err.strerror})"]) from err
    except yaml.YAMLError as err:
        raise ConfigError(str(path), [f"is not valid YAML: {err}"]) from err
    config = parse_config(raw, str(path))
    if len(_PARSED) > 32:  # a long-lived process editing its file: keep the newest few
        _PARSED.clear()
    _PARSED[key] = config
    return config


def config_path(app: Flask) -> Path:
    if app.config.get("TICKETS_CONFIG"):
        return Path(app.config["TICKETS_CONFIG"])
    local = Path(app.config["DATA_DIR"]) / "tickets.yaml"
    return local if local.exists() else DEFAULT_PATH


def get_config(app: Flask | None = None) -> TicketsConfig:
    """The application's tickets configuration, re-read when the file changes."""
    app = app or current_app._get_current_object()
    path = config_path(app)
    stamp = (str(path), path.stat().st_mtime_ns if path.exists() else None)
    cached = app.extensions.get("portal.tickets_config")
    if cached and cached[0] == stamp:
        return cached[1]
    loaded = load_config(path)
    app.extensions["portal.tickets_config"] = (stamp, loaded)
    return loaded
