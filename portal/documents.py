"""YAML documents and front matter: checked by declared pydantic models, errors with paths.

``tickets.yaml``, article and category front matter and the status archive and
``incidents/`` files are data people write by hand. Each is declared once as a
model built on :class:`Document`; :func:`problems` turns pydantic's errors into
lines a writer can act on, each naming where the mistake is::

    forms[2].fields[0].type: 'date' is not one of text, textarea, ...
    tags[2]: must be text, not a mapping

Why pydantic v2: it is already a dependency (the API schemas in
``portal/validation.py`` and the OpenAPI document use it), so this costs no
import time the app does not already pay (``from pydantic import BaseModel``
measured ~0.25-0.4 s against ~1.2-1.4 s for ``import flask`` in the same run on
the shared CI machine), and its error locations are exactly the paths we print.
jsonschema or marshmallow would be a second schema language and dependency.

Validators raise :func:`problem` so the words stay ours (and the tests that
assert them keep passing). A problem may name a place below the value it was
raised for (``at``), or several places at once (``problems``): checks that
need several keys (a form's fields against its common fields) are written once
on the model that holds them, yet still point at the key that is wrong.
"""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, model_validator
from pydantic_core import PydanticCustomError


def problem(message: str, at: str | int | tuple | None = None) -> PydanticCustomError:
    """An error in our words; ``at`` is a key (or a path of keys) below the value checked."""
    if at is not None and not isinstance(at, tuple):
        at = (at,)
    return PydanticCustomError("portal", "{message}", {"message": message, "at": at})


def problems_at(found: list[tuple[tuple, str]]) -> PydanticCustomError:
    """Several errors from one check: ``[(path below the value, message), ...]``."""
    return PydanticCustomError("portal", "{message}", {"message": found[0][1], "problems": found})


def location(loc, first_index: int = 0) -> str:
    """``("forms", 2, "fields", 0, "type")`` → ``forms[2].fields[0].type``
    (``first_index=1``: list items counted from 1, as writers of front matter count)."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part + first_index}]"
        elif part == "[key]":  # pydantic marks a mapping's key; the key itself is the place
            continue
        else:
            text += ("." if text else "") + str(part)
    return text or "(top level)"


#: Pydantic's own error types in the words of our hand-written checks.
GENERIC_MESSAGES = {
    "missing": "is required",
    "model_type": "must be a mapping (key: value)",
    "model_attributes_type": "must be a mapping (key: value)",
    "dict_type": "must be a mapping (key: value)",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "string_type": "must be text",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "extra_forbidden": "unknown key",
}


def problems(exc: ValidationError, separator: str = ": ", first_index: int = 0) -> list[str]:
    """``path: what is wrong`` for every error, in document order (``separator=" "``
    gives ``title is missing``)."""
    found = []

    def add(loc, message):
        found.append(f"{location(loc, first_index)}{separator}{message}")

    for error in exc.errors(include_url=False):
        loc, ctx = tuple(error["loc"]), error.get("ctx") or {}
        if error["type"] == "portal" and ctx.get("problems"):
            for sub, message in ctx["problems"]:
                add(loc + tuple(sub), message)
        elif error["type"] == "portal":
            add(loc + tuple(ctx.get("at") or ()), ctx["message"])
        else:
            add(loc, GENERIC_MESSAGES.get(error["type"], error["msg"]))
    return found


class Document(BaseModel):
    """A hand-written mapping: strict types (``yes`` is not a number), unknown keys
    ignored unless a model forbids them, and an empty value (``key:`` or ``~``)
    the same as a missing key, as YAML writers expect."""

    model_config = ConfigDict(extra="ignore", strict=True, arbitrary_types_allowed=True, frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _empty_is_missing(cls, data: Any):
        if not isinstance(data, dict):
            raise problem("must be a mapping (key: value)")
        return {key: value for key, value in data.items() if value is not None}


def kind_of(value) -> str:
    """What a writer sees in a value: "a list", "a mapping", "true/false", "a number"."""
    names = {list: "a list", dict: "a mapping", bool: "true/false", int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)


def _flag(value):
    if not isinstance(value, bool):
        raise problem("must be true or false")
    return value


def _positive_int(value):
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise problem("must be a whole number above 0")
    return value


def _positive_number(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise problem("must be a number above 0")
    return float(value)


#: ``true`` / ``false`` only (not ``1`` or ``"yes"``).
Flag = Annotated[bool, BeforeValidator(_flag)]
#: 1, 2, 3 ... (not ``true``, not ``"3"``).
PositiveInt = Annotated[int, BeforeValidator(_positive_int)]
#: Above 0, whole or not (``2.5`` MB).
PositiveNumber = Annotated[float, BeforeValidator(_positive_number)]
