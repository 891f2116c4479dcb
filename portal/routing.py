"""URL rules whose builder functions are compiled once per process.

Werkzeug turns every URL rule into two small Python functions that build its
URLs (``url_for``), generating and compiling their source each time a rule is
bound to an app: about 100 rules, 0.1 s of CPU per ``create_app``. A process
that builds one app never notices, but the test suite builds an app per test,
and that compiling was its largest single cost. The generated function depends
only on the rule's parts and default names, refers to nothing but its
arguments, and is bound to each rule afterwards, so rules with the same shape
can share it: this cache keys it by exactly those inputs.
"""
from __future__ import annotations

import threading

from werkzeug.routing import Rule

_BUILDERS: dict[tuple, object] = {}
_LOCK = threading.Lock()


class SharedBuilderRule(Rule):
    """A :class:`werkzeug.routing.Rule` that reuses compiled URL builders."""

    def _compile_builder(self, append_unknown: bool = True):
        defaults = self.defaults or {}
        trace = tuple(self._trace)
        if any(dynamic and part in defaults for dynamic, part in trace):
            # a default inside the path is baked into the code via its converter: build afresh
            return super()._compile_builder(append_unknown)
        key = (self.rule, trace, tuple(str(name) for name in defaults), append_unknown)
        builder = _BUILDERS.get(key)
        if builder is None:
            builder = super()._compile_builder(append_unknown)
            with _LOCK:
                _BUILDERS[key] = builder
        return builder
