"""Declared shape of the insights domain's API input (the search-click beacon)
and its row in the OpenAPI document (:mod:`portal.openapi`)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from portal.config import SUPPORTED_LOCALES
from portal.openapi import Operation
from portal.validation import Schema


class SearchClick(Schema):
    """``POST /api/v1/search-clicks``: one opened search result or suggestion (no personal data)."""

    query: str = Field(min_length=1, max_length=1000, description="The text that was searched for.")
    locale: Literal[SUPPORTED_LOCALES] = Field(description="The page's language.")  # type: ignore[valid-type]
    source: Literal["search", "suggest"] = Field(description="Where the result was opened.")


OPERATIONS = [
    Operation("post", "/api/v1/search-clicks", "Count an opened search result or suggestion (the page's beacon)",
              "insights", body=SearchClick, success=204),
]
