"""JSON API of the status domain."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("status_api", __name__)
ops_bp = Blueprint("status_ops", __name__)
