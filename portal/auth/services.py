"""The auth domain's one write path."""
from __future__ import annotations
