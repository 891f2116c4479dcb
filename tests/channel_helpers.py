"""Test peers for the SMS and chat channels: fake Twilio and MessageBird gateways
(real HTTP servers on free ports that check each provider's request shape)."""
from __future__ import annotations

import base64
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeGateway:
    """``provider`` "twilio" or "messagebird"; ``hold_at=n`` holds the (n+1)-th
    request (``holding`` set) until ``release``, then drops it unrecorded, as a
    gateway whose client died before it accepted the message."""

    def __init__(self, provider: str, *, sid="AC123", token="tw-token", access_key="mb-key", hold_at=None):
        self.provider, self.sid, self.token, self.access_key = provider, sid, token, access_key
        self.messages: list[dict] = []
        self.rejected: list[str] = []
        self.hold_at = hold_at
        self.holding, self.release = threading.Event(), threading.Event()
        self.lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, answer = gateway.handle(self.path, self.headers, body)
                data = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client is gone (killed)
                    pass

            def log_message(self, *args):
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def config(self) -> dict:
        if self.provider == "twilio":
            return {"SMS_PROVIDER": "twilio", "TWILIO_ACCOUNT_SID": self.sid, "TWILIO_AUTH_TOKEN": self.token,
                    "TWILIO_API_URL": self.url, "SMS_FROM": "+15005550006"}
        return {"SMS_PROVIDER": "messagebird", "MESSAGEBIRD_ACCESS_KEY": self.access_key,
                "MESSAGEBIRD_API_URL": self.url, "SMS_FROM": "StatusInfo"}

    def handle(self, path, headers, body):
        if self.hold_at is not None:
            with self.lock:
                position = len(self.messages)
            if position == self.hold_at and not self.release.is_set():
                self.holding.set()
                self.release.wait(60)
                return 503, {"error": "dropped"}
        if self.provider == "twilio":
            expected = "Basic " + base64.b64encode(f"{self.sid}:{self.token}".encode()).decode()
            if path != f"/2010-04-01/Accounts/{self.sid}/Messages.json" or headers.get("Authorization") != expected:
                self.rejected.append(path)
                return 401, {"code": 20003, "message": "Authenticate"}
            if not headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
                return 400, {"message": "form expected"}
            form = dict(urllib.parse.parse_qsl(body.decode()))
            if not form.get("To", "").startswith("+") or not form.get("From") or not form.get("Body"):
                return 400, {"code": 21604, "message": "A 'To' phone number is required."}
            message = {"to": form["To"], "from": form["From"], "body": form["Body"],
                       "key": headers.get("I-Twilio-Idempotency-Token")}
            answer = {"sid": f"SM{len(self.messages):032d}", "status": "queued"}
        else:
            if headers.get("Authorization") != f"AccessKey {self.access_key}" or path != "/messages":
                self.rejected.append(path)
                return 401, {"errors": [{"code": 2, "description": "Request not allowed"}]}
            document = json.loads(body)
            if not document.get("recipients") or not document.get("originator") or not document.get("body"):
                return 422, {"errors": [{"code": 9, "description": "no (correct) recipients found"}]}
            message = {"to": "+" + str(document["recipients"][0]), "from": document["originator"],
                       "body": document["body"], "key": document.get("reference")}
            answer = {"id": f"mb{len(self.messages)}", "recipients": {"totalCount": 1}}
        with self.lock:
            self.messages.append(message)
        return 201, answer

    def __enter__(self) -> "FakeGateway":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
