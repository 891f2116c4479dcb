"""Models of the kb domain."""
from __future__ import annotations
