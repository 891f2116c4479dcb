"""Compiled templates shared by every app in a process.

Jinja compiles each template once per environment, and every ``create_app``
makes a new environment: the test suite builds hundreds of apps, and so paid
~0.5 s of compiling per test that renders a few pages. A bytecode cache keyed
by template name and source checksum (Jinja's own mechanism, so an edited
template is recompiled) lets later apps load the compiled code instead.
"""
from __future__ import annotations

import threading

from jinja2.bccache import Bucket, BytecodeCache


class MemoryBytecodeCache(BytecodeCache):
    """Jinja's bytecode cache in this process's memory (thread-safe)."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def load_bytecode(self, bucket: Bucket) -> None:
        with self._lock:
            code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        code = bucket.bytecode_to_string()
        with self._lock:
            self._code[bucket.key] = code

    def clear(self) -> None:
        with self._lock:
            self._code.clear()


SHARED_BYTECODE_CACHE = MemoryBytecodeCache()
