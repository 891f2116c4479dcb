"""Loading and checking ``tickets.yaml``: forms, hours, targets, routing.

The file is found in this order: the ``TICKETS_CONFIG`` setting, then
``<DATA_DIR>/tickets.yaml``, then the default shipped in this package. It is
validated completely on load; every problem is reported with its path, e.g.
``forms[0].fields[2].type: 'date' is not one of text, textarea, ...``, so a
typo never turns into a half-working form. The parsed result is cached per
application and re-read when the file changes.
"""
from __future__ import annotations

import re
from datetime import date, time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from flask import Flask, current_app

from portal import safe_yaml
from portal.config import SUPPORTED_LOCALES
from portal.emails import is_email
from portal.tickets.hours import WEEKDAYS, ResponseTarget, Schedule
from portal.tickets.spec import FIELD_TYPES, FieldSpec, FormSpec, Option, Text, TicketsConfig, UrgencyOption

DEFAULT_PATH = Path(__file__).with_name("tickets.yaml")
#: The shipped file is ~12 KB; a config far beyond that is a mistake.
MAX_CONFIG_CHARS = 1024 * 1024

DEFAULT_MAX_LENGTH = {"text": 300, "textarea": 10_000, "email": 254, "url": 500}
#: Field names the form itself uses (urgency, callback, honeypot, PII choice).
RESERVED_NAMES = frozenset({
    "csrf_token", "urgency", "callback_requested", "callback_phone", "callback_language",
    "attempt_id", "last_query", "suggestion_opened", "pii_action", "leave_blank", "kept_files",
})
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class ConfigError(ValueError):
    """``tickets.yaml`` is wrong; ``problems`` lists ``path: what is wrong``."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


class _Checker:
    """Collects problems with their paths instead of stopping at the first."""

    def __init__(self):
        self.problems: list[str] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def mapping(self, value, path: str, required: bool = True) -> dict:
        if value is None and not required:
            return {}
        if not isinstance(value, dict):
            self.fail(path, "must be a mapping (key: value)")
            return {}
        return value

    def text(self, value, path: str, required: bool = True) -> Text | None:
        if value is None or value == "":
            if required:
                self.fail(path, "is required")
            return None
        if isinstance(value, str):
            return Text({"en": value})
        if not isinstance(value, dict) or not value:
            self.fail(path, "must be a text or a mapping of language: text")
            return None
        unknown = [k for k in value if k not in SUPPORTED_LOCALES]
        if unknown:
            self.fail(path, f"unknown language {', '.join(map(str, unknown))} (use {', '.join(SUPPORTED_LOCALES)})")
        if "en" not in value:
            self.fail(path, "needs an 'en' text (the fallback for other languages)")
        if any(not isinstance(v, str) for v in value.values()):
            self.fail(path, "every language's text must be a string")
        return Text({str(k): str(v) for k, v in value.items()})

    def boolean(self, value, path: str, default: bool = False) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(path, "must be true or false")
            return default
        return value

    def positive_int(self, value, path: str, default: int) -> int:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            self.fail(path, "must be a whole number above 0")
            return default
        return value


def _parse_spans(checker: _Checker, value, path: str) -> tuple:
    if not isinstance(value, str):
        checker.fail(path, 'must be a text like "09:00-17:00"')
        return ()
    spans = []
    for part in value.split(","):
        match = SPAN.match(part)
        if not match:
            checker.fail(path, f'{part.strip()!r} is not like "09:00-17:00"')
            continue
        h1, m1, h2, m2 = map(int, match.groups())
        if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2):
            checker.fail(path, f"{part.strip()!r} is not a time of day")
            continue
        opens, closes = time(h1, m1), (None if h2 == 24 else time(h2, m2))
        if closes is not None and closes <= opens:
            checker.fail(path, f"{part.strip()!r} closes before it opens")
            continue
        spans.append((opens, closes))
    return tuple(spans)


def _parse_schedule(checker: _Checker, raw: dict, holidays_raw: dict) -> Schedule:
    tz_name = raw.get("timezone", "Europe/Amsterdam")
    try:
        tz = ZoneInfo(str(tz_name))
    except (ZoneInfoNotFoundError, ValueError):
        checker.fail("business_hours.timezone", f"unknown time zone {tz_name!r}")
        tz = ZoneInfo("UTC")
    days = checker.mapping(raw.get("days"), "business_hours.days")
    weekly = {}
    for key, value in days.items():
        if key not in WEEKDAYS:
            checker.fail(f"business_hours.days.{key}", f"unknown day (use {', '.join(WEEKDAYS)})")
            continue
        weekly[WEEKDAYS.index(key)] = _parse_spans(checker, value, f"business_hours.days.{key}")
    if days and not any(weekly.values()):
        checker.fail("business_hours.days", "needs at least one opening span")
    dates = set()
    for i, value in enumerate(holidays_raw.get("dates") or ()):
        if isinstance(value, date):
            dates.add(value)
        else:
            try:
                dates.add(date.fromisoformat(str(value)))
            except ValueError:
                checker.fail(f"holidays.dates[{i}]", f"{value!r} is not a date like 2026-12-25")
    country = holidays_raw.get("country")
    subdivision = holidays_raw.get("subdivision")
    if country:
        import holidays

        try:
            holidays.country_holidays(str(country), subdiv=subdivision, years=2026)
        except NotImplementedError:
            checker.fail("holidays.country", f"no public holidays known for {country!r}{'/' + subdivision if subdivision else ''}")
            country = None
    return Schedule(timezone=tz, weekly=weekly, holidays=frozenset(dates),
                    country=str(country) if country else None, subdivision=subdivision)


def _parse_targets(checker: _Checker, raw: dict) -> dict:
    targets = {}
    for name in ("urgent", "normal"):
        value = raw.get(name)
        path = f"response_targets.{name}"
        if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) not in ("hours", "days"):
            checker.fail(path, "must be {hours: N} or {days: N}")
            targets[name] = ResponseTarget(name, 1, "days")
            continue
        unit, amount = next(iter(value.items()))
        targets[name] = ResponseTarget(name, checker.positive_int(amount, f"{path}.{unit}", 1), unit)
    return targets


def _parse_field(checker: _Checker, raw, path: str) -> FieldSpec | None:
    raw = checker.mapping(raw, path)
    if not raw:
        return None
    name = raw.get("name")
    if not isinstance(name, str) or not FIELD_NAME.match(name):
        checker.fail(f"{path}.name", "must be lower-case letters, digits and _ (starting with a letter)")
        return None
    if name in RESERVED_NAMES:
        checker.fail(f"{path}.name", f"{name!r} is used by the form itself; choose another name")
    kind = raw.get("type")
    if kind not in FIELD_TYPES:
        checker.fail(f"{path}.type", f"{kind!r} is not one of {', '.join(FIELD_TYPES)}")
        return None
    unknown = set(raw) - {"name", "type", "required", "label", "help", "options", "max_length", "suggest", "pii_check"}
    if unknown:
        checker.fail(path, f"unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    options = []
    if kind == "select":
        raw_options = raw.get("options")
        if not isinstance(raw_options, list) or not raw_options:
            checker.fail(f"{path}.options", "a select needs a list of options")
        else:
            for j, opt in enumerate(raw_options):
                opt_path = f"{path}.options[{j}]"
                opt = checker.mapping(opt, opt_path)
                if opt.get("value") in (None, ""):
                    checker.fail(f"{opt_path}.value", "is required")
                    continue
                options.append(Option(str(opt["value"]), checker.text(opt.get("label"), f"{opt_path}.label") or Text({})))
    elif "options" in raw:
        checker.fail(f"{path}.options", "only a select has options")
    max_length = raw.get("max_length")
    if max_length is not None:
        max_length = checker.positive_int(max_length, f"{path}.max_length", 0) or None
    return FieldSpec(
        name=name, type=kind,
        label=checker.text(raw.get("label"), f"{path}.label") or Text({"en": name}),
        required=checker.boolean(raw.get("required"), f"{path}.required"),
        help=checker.text(raw.get("help"), f"{path}.help", required=False),
        options=tuple(options),
        max_length=max_length or DEFAULT_MAX_LENGTH.get(kind),
        suggest=checker.boolean(raw.get("suggest"), f"{path}.suggest"),
        pii_check=checker.boolean(raw.get("pii_check"), f"{path}.pii_check", default=True),
    )


def _parse_forms(checker: _Checker, raw: dict, groups: dict) -> dict:
    common = []
    for i, item in enumerate(raw.get("common_fields") or ()):
        spec = _parse_field(checker, item, f"common_fields[{i}]")
        if spec:
            common.append(spec)
    forms_raw = raw.get("forms")
    if not isinstance(forms_raw, list) or not forms_raw:
        checker.fail("forms", "needs a list of at least one form")
        return {}
    forms = {}
    for i, item in enumerate(forms_raw):
        path = f"forms[{i}]"
        item = checker.mapping(item, path)
        slug = item.get("slug")
        if not isinstance(slug, str) or not re.match(r"^[a-z0-9][a-z0-9-]{0,39}$", slug):
            checker.fail(f"{path}.slug", "must be lower-case letters, digits and dashes")
            continue
        if slug in forms:
            checker.fail(f"{path}.slug", f"{slug!r} is used by another form")
        group = item.get("group") or next(iter(groups), "")
        if groups and group not in groups:
            checker.fail(f"{path}.group", f"{group!r} is not one of the groups: {', '.join(groups)}")
        fields = list(common)
        for j, field_raw in enumerate(item.get("fields") or ()):
            spec = _parse_field(checker, field_raw, f"{path}.fields[{j}]")
            if spec:
                fields.append(spec)
        names = [f.name for f in fields]
        for name in {n for n in names if names.count(n) > 1}:
            checker.fail(f"{path}.fields", f"field {name!r} appears twice (common_fields are included in every form)")
        email = next((f for f in fields if f.name == "email"), None)
        if email is None or email.type != "email" or not email.required:
            checker.fail(f"{path}.fields", "needs a required field 'email' of type email (the customer's reply address)")
        if not any(f.name == "subject" for f in fields):
            checker.fail(f"{path}.fields", "needs a field 'subject' (the ticket's title)")
        forms[slug] = FormSpec(
            slug=slug, group=group,
            title=checker.text(item.get("title"), f"{path}.title") or Text({"en": slug}),
            intro=checker.text(item.get("intro"), f"{path}.intro", required=False),
            fields=tuple(fields),
            ask_urgency=checker.boolean(item.get("ask_urgency"), f"{path}.ask_urgency"),
        )
    return forms


def parse_config(raw, source: str = "tickets.yaml") -> TicketsConfig:
    """Check a loaded YAML document and build the configuration, or raise ConfigError."""
    checker = _Checker()
    raw = checker.mapping(raw, "(top level)")
    support = checker.mapping(raw.get("support"), "support")
    support_email = support.get("email")
    if not is_email(support_email):
        checker.fail("support.email", "must be an e-mail address")
    schedule = _parse_schedule(checker, checker.mapping(raw.get("business_hours"), "business_hours"),
                               checker.mapping(raw.get("holidays"), "holidays", required=False))
    targets = _parse_targets(checker, checker.mapping(raw.get("response_targets"), "response_targets"))
    webhook = checker.mapping(raw.get("webhook"), "webhook", required=False)
    webhook_url = webhook.get("url") or None
    if webhook_url and not re.match(r"^https?://", str(webhook_url)):
        checker.fail("webhook.url", "must start with http:// or https://")
    languages = raw.get("callback_languages") or ["en"]
    if not isinstance(languages, list) or any(lang not in SUPPORTED_LOCALES for lang in languages):
        checker.fail("callback_languages", f"must be a list of {', '.join(SUPPORTED_LOCALES)}")
        languages = ["en"]
    uploads = checker.mapping(raw.get("uploads"), "uploads", required=False)
    urgency = []
    for i, item in enumerate(raw.get("urgency") or ()):
        item = checker.mapping(item, f"urgency[{i}]")
        if not item.get("value"):
            checker.fail(f"urgency[{i}].value", "is required")
            continue
        urgency.append(UrgencyOption(str(item["value"]), checker.boolean(item.get("urgent"), f"urgency[{i}].urgent"),
                                     checker.text(item.get("label"), f"urgency[{i}].label") or Text({})))
    groups = {}
    for key, value in checker.mapping(raw.get("groups"), "groups", required=False).items():
        groups[str(key)] = checker.text(value, f"groups.{key}")
    forms = _parse_forms(checker, raw, groups)
    if any(f.ask_urgency for f in forms.values()) and not urgency:
        checker.fail("urgency", "forms ask what is blocked, so list the answers here")
    if checker.problems:
        raise ConfigError(source, checker.problems)
    return TicketsConfig(
        source=source,
        support_email=support_email,
        support_phone=str(support["phone"]) if support.get("phone") else None,
        schedule=schedule,
        targets=targets,
        webhook_url=webhook_url,
        webhook_secret=webhook.get("secret") or None,
        callback_languages=tuple(languages),
        max_files=checker.positive_int(uploads.get("max_files"), "uploads.max_files", 3),
        max_file_bytes=int(float(uploads.get("max_file_mb") or 5) * 1024 * 1024),
        urgency=tuple(urgency),
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
