"""HTTP views of the auth domain (thin: they call services)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("auth", __name__)
