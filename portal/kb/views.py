"""HTTP views of the kb domain (thin: they call services)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("kb", __name__)
staff_bp = Blueprint("kb_staff", __name__)
