"""HTTP views of the notify domain (thin: they call services)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("notify", __name__)
staff_bp = Blueprint("notify_staff", __name__)
api_bp = Blueprint("notify_api", __name__)
