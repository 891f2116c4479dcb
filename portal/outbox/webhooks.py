"""Webhooks: signed JSON POSTs.

Each delivery is a POST of the JSON body stored in the outbox, with

* ``X-Portal-Signature: sha256=<hex>``: HMAC-SHA256 of the raw body with the
  subscriber's secret (as GitHub's ``X-Hub-Signature-256``);
* ``X-Portal-Timestamp``: Unix time of this attempt (reject old ones to stop
  replays);
* ``Idempotency-Key``: the outbox key, the same on every retry, so a receiver
  can drop a delivery it has already processed.

A 2xx answer is delivered; 408, 429, 5xx, timeouts and connection errors are
retried with backoff; any other 4xx is retried once and then given up.
"""
from __future__ import annotations

import hashlib
import hmac
import socket
import time
import urllib.error
import urllib.request

SIGNATURE_HEADER = "X-Portal-Signature"
TIMESTAMP_HEADER = "X-Portal-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
RETRYABLE_4XX = (408, 425, 429)


class WebhookError(Exception):
    """A failed webhook attempt; ``client_error`` for a 4xx that is not retryable."""

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.status = status

    @property
    def client_error(self) -> bool:
        return self.status is not None and 400 <= self.status < 500 and self.status not in RETRYABLE_4XX


def sign(body: bytes, secret: str) -> str:
    """The signature header's value for ``body``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(body: bytes, secret: str, header: str | None) -> bool:
    """What a receiver does: constant-time comparison of the signature."""
    return bool(header) and hmac.compare_digest(sign(body, secret), header)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect would turn the POST into a GET elsewhere: treat it as an answer.
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect())


def post(url: str, body: str, *, secret: str | None, key: str, timeout: float,
         user_agent: str = "portal-webhooks/1") -> int:
    """POST once; returns the 2xx status or raises :class:`WebhookError`."""
    data = body.encode("utf-8")
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": user_agent,
        IDEMPOTENCY_HEADER: key,
        TIMESTAMP_HEADER: str(int(time.time())),
    }
    if secret:
        headers[SIGNATURE_HEADER] = sign(data, secret)
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        exc.close()
        raise WebhookError(f"HTTP {exc.code} {exc.reason}", status=exc.code) from exc
    except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise WebhookError(f"connection failed: {reason}") from exc
    if not 200 <= status < 300:
        raise WebhookError(f"HTTP {status}", status=status)
    return status
