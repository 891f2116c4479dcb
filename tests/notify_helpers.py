"""Test helpers for the notify domain: a real local SMTP sink and webhook receiver."""
from __future__ import annotations

import asyncio
import email
import json
import socket
import threading
from collections import Counter
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RecordingHandler:
    """An aiosmtpd handler that keeps every message it accepts.

    ``delay`` slows each RCPT (before the message is accepted), so that a
    client is killed while it waits, never between acceptance and its record.
    """

    def __init__(self, delay: float = 0.0, on_rcpt=None, hold_at: int | None = None):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.connections = 0
        self.delay = delay
        self.on_rcpt = on_rcpt
        self.lock = threading.Lock()
        self.port = 0
        #: With ``hold_at=n``: the RCPT after the n-th accepted message waits
        #: (``holding`` is set) until ``release`` is set.
        self.hold_at = hold_at
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        with self.lock:
            self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.on_rcpt is not None:
            self.on_rcpt(len(self.messages))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.hold_at is not None and len(self.messages) == self.hold_at:
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.02)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        with self.lock:
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def message_ids(self) -> Counter:
        return Counter(m["Message-ID"] for m in self.messages)


class SMTPSink:
    """``with SMTPSink() as sink``: an aiosmtpd server on 127.0.0.1."""

    def __init__(self, port: int | None = None, **handler_options):
        self.port = port or free_port()
        self.handler = RecordingHandler(**handler_options)
        self.handler.port = self.port
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> RecordingHandler:
        self.controller.start()
        return self.handler

    def __exit__(self, *exc) -> None:
        self.handler.release.set()
        self.controller.stop()


class WebhookReceiver:
    """A local HTTP server recording POSTs; answers ``statuses`` in turn (then 204)."""

    def __init__(self, statuses=()):
        self.requests: list[dict] = []
        self.statuses = list(statuses)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                status = receiver.statuses.pop(0) if receiver.statuses else 204
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "WebhookReceiver":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def json(self, index: int = -1) -> dict:
        return json.loads(self.requests[index]["body"])
