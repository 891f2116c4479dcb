"""HTTP views of the search domain (thin: they call services)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("search", __name__)
staff_bp = Blueprint("search_staff", __name__)
