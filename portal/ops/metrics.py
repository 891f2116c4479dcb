"""Prometheus metrics for ``/metrics`` (``prometheus_client``).

gunicorn runs several processes and a scrape reaches one of them, so
``portal serve`` uses the client's multiprocess mode (its documented answer
for pre-fork servers): it points ``PROMETHEUS_MULTIPROC_DIR`` at
``<data dir>/prometheus`` (emptied at start), every process writes its
counters and histograms to memory-mapped files there, and a scrape sums them.
The figures that live in the database (outbox depth and age, each server's
index lag) are read at scrape time by :class:`DatabaseCollector`, so every
process answers the same.

Metric objects are made on first use in each process: ``portal serve`` loads
the app once in gunicorn's master (to find the command) before the mode is
set.
"""
from __future__ import annotations

import os
import threading

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
#: Latency buckets (seconds): suggest answers in milliseconds, pages in tens of them.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

_lock = threading.Lock()
_made: dict = {}


def _metrics() -> dict:
    pid = os.getpid()
    if _made.get("pid") == pid:
        return _made
    with _lock:
        if _made.get("pid") == pid:
            return _made
        from prometheus_client import Counter, Histogram, values

        if os.environ.get(MULTIPROC_ENV):
            # the client chose its value class when first imported (maybe before
            # the variable was set, in gunicorn's master): choose again
            values.ValueClass = values.get_value_class()
        _made.clear()
        _made.update(
            pid=pid,
            requests=Counter("portal_http_requests_total", "HTTP requests answered",
                             ["method", "endpoint", "status"]),
            latency=Histogram("portal_http_request_duration_seconds", "Time to answer a request",
                              ["endpoint"], buckets=BUCKETS),
            deflections=Counter("portal_deflection_events_total",
                                "Ticket-form deflection events (suggestion shown, opened, ticket avoided)",
                                ["event"]),
        )
    return _made


def observe_request(method: str, endpoint: str, status: int, seconds: float) -> None:
    made = _metrics()
    made["requests"].labels(method, endpoint, str(status)).inc()
    made["latency"].labels(endpoint).observe(seconds)


def _on_deflection(_sender, event=None, **_kwargs) -> None:
    _metrics()["deflections"].labels(str(event or "unknown")).inc()


def connect_signals() -> None:
    from portal import signals

    signals.deflection_event.connect(_on_deflection, weak=False)


class DatabaseCollector:
    """Gauges read from the database at scrape time (same answer from every process)."""

    def __init__(self, app):
        self.app = app

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        from portal.ops import checks

        with self.app.app_context():
            outbox = checks.outbox_state()
            lags = checks.index_lags()
        depth = GaugeMetricFamily("portal_outbox_depth", "Outbox messages not yet delivered", labels=["state"])
        for state, count in sorted(outbox["by_state"].items()):
            depth.add_metric([state], count)
        yield depth
        yield GaugeMetricFamily("portal_outbox_oldest_due_age_seconds",
                                "Age of the oldest message due for delivery (0 when none)",
                                value=outbox["oldest_due_seconds"])
        lag = GaugeMetricFamily("portal_search_index_lag_changes",
                                "Changes in the log a server's index has not applied yet", labels=["server"])
        for server in lags["servers"]:
            lag.add_metric([server["server_id"]], server["lag"])
        yield lag
        yield GaugeMetricFamily("portal_search_changes_head", "Newest id in the search change log",
                                value=lags["head"])


def render(app) -> tuple[bytes, str]:
    """The exposition text for one scrape."""
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

    _metrics()
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        for collector in (REGISTRY,):
            registry.register(_Forward(collector))
    registry.register(DatabaseCollector(app))
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _Forward:
    """This process's default registry inside a per-scrape one (single-process mode)."""

    def __init__(self, registry):
        self.registry = registry

    def collect(self):
        return self.registry.collect()


def prepare_multiprocess_dir(data_dir) -> str:
    """``portal serve``: an empty directory for this server's metric files (before forking)."""
    from pathlib import Path

    path = Path(os.environ.get(MULTIPROC_ENV) or Path(data_dir) / "prometheus")
    path.mkdir(parents=True, exist_ok=True)
    for old in path.glob("*.db"):  # counters restart with the server, as Prometheus expects
        old.unlink(missing_ok=True)
    os.environ[MULTIPROC_ENV] = str(path)
    return str(path)


def child_exit(_server, worker) -> None:
    """gunicorn hook: forget a dead process's gauges (its counters stay summed)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
