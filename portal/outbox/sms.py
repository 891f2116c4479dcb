"""SMS: segment rules and HTTP gateways (Twilio, MessageBird), domain-free.

Length rules (3GPP TS 23.038): a text that uses only the GSM 03.38 alphabet
is GSM-7, 160 characters in one SMS, 153 per part when concatenated; the
extension characters (``^{}\\[~]|€`` and form feed) take two. Anything else
makes the whole text UCS-2: 70 characters (UTF-16 code units), 67 per part.

Gateways are adapters in a registry (:data:`GATEWAYS`), chosen by
``SMS_PROVIDER``; each turns (to, body, key) into its provider's HTTP
request. Inbound webhooks (STOP replies) are parsed and their signatures
verified here too, so the domain only learns "this number said STOP".
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from portal.outbox.webhooks import WebhookError

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXTENSION = set("^{}\\[~]|€\f")

#: Twilio's standard opt-out keywords (also what carriers honour).
STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "STOPP", "AFMELDEN"}


class SmsError(WebhookError):
    """A failed gateway request (``client_error``: not worth retrying)."""


@dataclass(frozen=True)
class Segments:
    encoding: str  # "GSM-7" | "UCS-2"
    units: int  # septets or UTF-16 code units
    parts: int


def segments(text: str) -> Segments:
    """How many SMS parts ``text`` needs, by the GSM-7 / UCS-2 rules."""
    if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text):
        units = sum(2 if c in GSM7_EXTENSION else 1 for c in text)
        single, part, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, part, encoding = 70, 67, "UCS-2"
    parts = 1 if units <= single else -(-units // part)
    return Segments(encoding, units, parts)


def fit(head: str, tail: str = "", parts: int = 1) -> str:
    """``head`` shortened (with "…" or "...") so that ``head + tail`` fits in
    ``parts`` SMS; the tail (a link) is never cut."""
    text = head + tail
    if segments(text).parts <= parts:
        return text
    ellipsis = "..." if segments(text).encoding == "GSM-7" else "…"
    low, high = 0, len(head)
    while low < high:  # the longest prefix that fits
        middle = (low + high + 1) // 2
        if segments(head[:middle].rstrip() + ellipsis + tail).parts <= parts:
            low = middle
        else:
            high = middle - 1
    return head[:low].rstrip() + ellipsis + tail


def is_stop(text: str) -> bool:
    return (text or "").strip().upper().rstrip(".!") in STOP_WORDS


# -- gateways --------------------------------------------------------------------

def _request(url: str, data: bytes, headers: dict, timeout: float) -> dict:
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:300].decode("utf-8", "replace")
        exc.close()
        raise SmsError(f"HTTP {exc.code}: {detail}", status=exc.code) from exc
    except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError, OSError) as exc:
        raise SmsError(f"connection failed: {getattr(exc, 'reason', exc)}") from exc
    try:
        return json.loads(raw or b"{}")
    except ValueError:
        return {}


class TwilioGateway:
    """Twilio Messages API: form-encoded To/From/Body, HTTP basic auth."""

    def __init__(self, config):
        self.sid = config["TWILIO_ACCOUNT_SID"] or ""
        self.token = config["TWILIO_AUTH_TOKEN"] or ""
        self.sender = config["SMS_FROM"] or ""
        self.base = config["TWILIO_API_URL"].rstrip("/")

    def send(self, to: str, body: str, key: str, timeout: float) -> str:
        url = f"{self.base}/2010-04-01/Accounts/{urllib.parse.quote(self.sid)}/Messages.json"
        data = urllib.parse.urlencode({"To": to, "From": self.sender, "Body": body}).encode()
        auth = base64.b64encode(f"{self.sid}:{self.token}".encode()).decode()
        answer = _request(url, data, {"Content-Type": "application/x-www-form-urlencoded",
                                      "Authorization": f"Basic {auth}",
                                      # not deduplicated by Twilio's Messages API; it lets
                                      # logs and proxies recognise a retry of one message
                                      "I-Twilio-Idempotency-Token": key[:64]}, timeout)
        return str(answer.get("sid") or "")

    def signature(self, url: str, params: dict) -> str:
        """X-Twilio-Signature: base64 HMAC-SHA1 of the URL and the sorted POST params."""
        payload = url + "".join(k + params[k] for k in sorted(params))
        return base64.b64encode(hmac.new(self.token.encode(), payload.encode(), hashlib.sha1).digest()).decode()

    def inbound(self, url: str, form: dict, headers, body: bytes) -> tuple[str, str]:
        if not hmac.compare_digest(self.signature(url, form), headers.get("X-Twilio-Signature") or ""):
            raise SmsError("bad X-Twilio-Signature", status=403)
        text = "STOP" if (form.get("OptOutType") or "").upper() == "STOP" else form.get("Body", "")
        return form.get("From", ""), text


class MessageBirdGateway:
    """MessageBird SMS API: JSON recipients/originator/body, ``AccessKey`` auth."""

    def __init__(self, config):
        self.key = config["MESSAGEBIRD_ACCESS_KEY"] or ""
        self.signing_key = config["MESSAGEBIRD_SIGNING_KEY"] or ""
        self.sender = config["SMS_FROM"] or ""
        self.base = config["MESSAGEBIRD_API_URL"].rstrip("/")

    def send(self, to: str, body: str, key: str, timeout: float) -> str:
        data = json.dumps({"recipients": [to.lstrip("+")], "originator": self.sender, "body": body,
                           "reference": key[:100]}).encode()
        answer = _request(f"{self.base}/messages", data, {"Content-Type": "application/json",
                                                          "Authorization": f"AccessKey {self.key}"}, timeout)
        return str(answer.get("id") or "")

    def signature(self, url: str, body: bytes, now: float | None = None) -> str:
        """A MessageBird-Signature-JWT (HS256) for ``url`` and ``body`` (what the gateway sends)."""
        now = int(time.time() if now is None else now)
        claims = {"iss": "MessageBird", "nbf": now, "exp": now + 300,
                  "url_hash": hashlib.sha256(url.encode()).hexdigest()}
        if body:
            claims["payload_hash"] = hashlib.sha256(body).hexdigest()
        head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        signed = head + "." + _b64(json.dumps(claims).encode())
        return signed + "." + _b64(hmac.new(self.signing_key.encode(), signed.encode(), hashlib.sha256).digest())

    def _check(self, url: str, body: bytes, token: str) -> None:
        try:
            head, claims_part, mac = token.split(".")
            expected = _b64(hmac.new(self.signing_key.encode(), f"{head}.{claims_part}".encode(),
                                     hashlib.sha256).digest())
            claims = json.loads(base64.urlsafe_b64decode(claims_part + "=" * (-len(claims_part) % 4)))
        except ValueError as exc:
            raise SmsError("malformed MessageBird-Signature-JWT", status=403) from exc
        now = time.time()
        if (not hmac.compare_digest(expected, mac) or claims.get("iss") != "MessageBird"
                or not claims.get("nbf", 0) - 60 <= now <= claims.get("exp", 0) + 60
                or claims.get("url_hash") != hashlib.sha256(url.encode()).hexdigest()
                or (body and claims.get("payload_hash") != hashlib.sha256(body).hexdigest())):
            raise SmsError("bad MessageBird-Signature-JWT", status=403)

    def inbound(self, url: str, form: dict, headers, body: bytes) -> tuple[str, str]:
        if not self.signing_key:
            raise SmsError("MESSAGEBIRD_SIGNING_KEY is not set", status=403)
        self._check(url, body, headers.get("MessageBird-Signature-JWT") or "")
        if not form and body:
            try:
                form = json.loads(body)
            except ValueError:
                form = {}
        sender = str(form.get("originator") or "")
        return ("+" + sender.lstrip("+")) if sender else "", str(form.get("payload") or form.get("body") or "")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


#: Provider name -> adapter class; other domains or plugins may add theirs.
GATEWAYS: dict[str, type] = {"twilio": TwilioGateway, "messagebird": MessageBirdGateway}


def register_gateway(name: str, adapter: type) -> None:
    GATEWAYS[name] = adapter


def gateway(config, provider: str | None = None):
    name = (provider or config["SMS_PROVIDER"] or "").lower()
    if name not in GATEWAYS:
        raise SmsError(f"SMS_PROVIDER {name!r} is not one of {sorted(GATEWAYS)}", status=400)
    return GATEWAYS[name](config)


def send(config, to: str, body: str, key: str) -> str:
    """Send one SMS through the configured gateway; returns the provider's id."""
    timeout = float(config["SMS_TIMEOUT"])
    return gateway(config).send(to, body, key, timeout)


def inbound(config, provider: str, url: str, form: dict, headers, body: bytes) -> tuple[str, str]:
    """(sender in E.164, text) of a verified inbound message; raises :class:`SmsError`."""
    return gateway(config, provider).inbound(url, form, headers, body)
