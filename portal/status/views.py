"""HTTP views of the status domain (thin: they call services)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("status", __name__)
staff_bp = Blueprint("status_staff", __name__)
