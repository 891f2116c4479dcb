"""JSON API of the search domain."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("search_api", __name__)
