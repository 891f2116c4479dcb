"""What ``tickets.yaml`` describes, once checked: forms, fields and the whole configuration.

Plain frozen dataclasses built by :func:`portal.tickets.config.parse_config`;
everything else in the domain reads these, never the raw YAML.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from portal.tickets.hours import ResponseTarget, Schedule

FIELD_TYPES = ("text", "textarea", "email", "url", "select", "file", "checkbox")
#: Free-text field types: what the personal-data guard reads.
FREE_TEXT_TYPES = ("text", "textarea")


@dataclass(frozen=True)
class Text:
    """A text in several languages; ``get(lang)`` falls back to English."""

    values: dict

    def get(self, lang: str) -> str:
        return self.values.get(lang) or self.values.get("en") or next(iter(self.values.values()), "")

    def __bool__(self) -> bool:
        return any(self.values.values())


@dataclass(frozen=True)
class Option:
    value: str
    label: Text


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    label: Text
    required: bool = False
    help: Text | None = None
    options: tuple[Option, ...] = ()
    max_length: int | None = None
    #: feeds the as-you-type suggestions
    suggest: bool = False
    #: checked for personal data (free-text types only)
    pii_check: bool = True

    @property
    def is_free_text(self) -> bool:
        return self.type in FREE_TEXT_TYPES and self.pii_check

    def option_label(self, value: str, lang: str) -> str:
        for option in self.options:
            if option.value == value:
                return option.label.get(lang)
        return value


@dataclass(frozen=True)
class FormSpec:
    slug: str
    group: str
    title: Text
    intro: Text | None
    fields: tuple[FieldSpec, ...]
    ask_urgency: bool = False

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def file_fields(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if f.type == "file")


@dataclass(frozen=True)
class UrgencyOption:
    value: str
    urgent: bool
    label: Text


@dataclass(frozen=True)
class TicketsConfig:
    source: str
    support_email: str
    support_phone: str | None
    schedule: Schedule
    targets: dict
    webhook_url: str | None
    webhook_secret: str | None
    callback_languages: tuple[str, ...]
    max_files: int
    max_file_bytes: int
    urgency: tuple[UrgencyOption, ...]
    groups: dict
    forms: dict = field(default_factory=dict)

    def form(self, slug: str) -> FormSpec | None:
        return self.forms.get(slug)

    def target_for(self, urgent: bool) -> ResponseTarget:
        return self.targets["urgent" if urgent else "normal"]

    def urgency_option(self, value: str | None) -> UrgencyOption | None:
        return next((o for o in self.urgency if o.value == value), None)
