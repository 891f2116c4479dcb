"""``/healthz``, ``/readyz`` and ``/metrics``: for the proxy and for monitoring.

* ``/healthz``: the process answers (a proxy's liveness check; no database).
* ``/readyz``: the database answers, this server's index is within
  ``SEARCH_READY_MAX_LAG`` changes of the log, and the outbox is not stuck
  (nothing due for longer than ``OUTBOX_STUCK_SECONDS``); 503 with the
  failing checks otherwise, so a proxy sends traffic elsewhere while this
  server rebuilds its index.
* ``/metrics``: Prometheus text, only with ``Authorization: Bearer
  <PORTAL_METRICS_TOKEN>``; 404 when no token is configured.
"""
from __future__ import annotations

import hmac

from flask import Blueprint, Response, current_app, jsonify, request

from portal.ops import checks, metrics

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    failing: dict[str, str] = {}
    database_ok, reason = checks.database_ok()
    if not database_ok:
        failing["database"] = reason or "unreachable"
    else:
        lag = checks.local_index_lag()
        max_lag = int(current_app.config["SEARCH_READY_MAX_LAG"])
        following = current_app.config["SEARCH_FOLLOW_IN_PROCESS"]
        if lag is None and following:
            failing["index"] = "not following the change log yet (building or starting)"
        elif lag is not None and lag > max_lag:
            failing["index"] = f"{lag} changes behind (more than {max_lag})"
        outbox = checks.outbox_state()
        stuck_after = float(current_app.config["OUTBOX_STUCK_SECONDS"])
        if outbox["oldest_due_seconds"] > stuck_after:
            failing["outbox"] = f"a message has been due for {outbox['oldest_due_seconds']:.0f} s"
    body = {"status": "ok" if not failing else "unavailable", "failing": failing}
    return jsonify(body), (200 if not failing else 503)


def _authorized() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    given = request.headers.get("Authorization", "")
    return bool(token) and given.startswith("Bearer ") and hmac.compare_digest(
        given[len("Bearer "):].encode(), str(token).encode())


@bp.get("/metrics")
def metrics_page():
    if not current_app.config.get("METRICS_TOKEN"):
        return Response("not found\n", status=404, mimetype="text/plain")
    if not _authorized():
        return Response("a bearer token is required\n", status=401, mimetype="text/plain",
                        headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    body, content_type = metrics.render(current_app._get_current_object())
    return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})
