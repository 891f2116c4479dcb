"""Models of the tickets domain."""
from __future__ import annotations
