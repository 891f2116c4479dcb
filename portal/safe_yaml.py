"""YAML from files nobody reviewed: no aliases, bounded size.

``yaml.safe_load`` constructs no objects, but it does expand aliases: nine
levels of nine ``*refs`` are a few hundred bytes that become 387 million
list items (a "billion laughs"), which hung ``portal import`` for minutes
and took gigabytes. Aliases are refused outright (front matter and
``tickets.yaml`` have no use for them), the text is size-capped, and
PyYAML's own nesting limit answers deep nesting.
"""
from __future__ import annotations

import yaml

try:  # the C parser is much faster on 11,000 front matters
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _Loader


class UnsafeYAML(yaml.YAMLError):
    """YAML refused before it is built (aliases, too long)."""

    def __init__(self, problem: str, line: int | None = None):
        super().__init__(problem)
        self.problem = problem
        self.line = line


def load(text: str, *, max_chars: int, what: str = "YAML"):
    """``yaml.safe_load(text)`` without aliases and at most ``max_chars``.

    Raises :class:`UnsafeYAML` (a ``yaml.YAMLError``) for refused text and
    ``yaml.YAMLError`` for invalid YAML."""
    if len(text) > max_chars:
        raise UnsafeYAML(f"{what} is longer than {max_chars:,} characters")
    if "*" in text:  # an alias starts with '*': only then is the event scan needed
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent):
                raise UnsafeYAML(f"{what} uses aliases (*{event.anchor}); write the value out instead",
                                 line=event.start_mark.line + 1 if event.start_mark else None)
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader, aliases refused above
    except RecursionError as exc:
        raise UnsafeYAML(f"{what} is nested too deeply") from exc
