"""Models of the status domain."""
from __future__ import annotations
