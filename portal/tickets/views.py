"""HTTP views of the tickets domain (thin: they call services)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("tickets", __name__)
staff_bp = Blueprint("tickets_staff", __name__)
