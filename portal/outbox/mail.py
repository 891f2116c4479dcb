"""E-mail: building MIME messages and the two delivery backends.

``build_email`` turns an outbox payload into a real ``EmailMessage`` (text
with an HTML alternative, attachments, Date, a Message-ID derived from the
idempotency key, any extra headers such as List-Unsubscribe).

Backends are opened once per worker batch and used as context managers, so
one SMTP connection carries a whole batch:

* ``FileBackend`` (``MAIL_BACKEND = "file"``, the embedded default) writes each
  message to ``MAIL_DIR/<name from key>.eml``, atomically (temporary file, then
  rename), so a reader never sees half a message and a resend overwrites;
* ``SMTPBackend`` (``MAIL_BACKEND = "smtp"``): ``MAIL_SERVER``, ``MAIL_PORT``,
  ``MAIL_USE_STARTTLS``, ``MAIL_USE_SSL``, ``MAIL_USERNAME``/``MAIL_PASSWORD``,
  ``MAIL_TIMEOUT``.
"""
from __future__ import annotations

import base64
import hashlib
import os
import re
import smtplib
import socket
import ssl
import tempfile
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import parseaddr
from pathlib import Path


class DeliveryError(Exception):
    """A delivery attempt failed.

    ``permanent``: retrying cannot help (the recipient was refused with a 5xx);
    ``server_down``: the server could not be reached at all, so the failure
    says nothing about this message (it is retried without ever giving up).
    """

    def __init__(self, message: str, *, permanent: bool = False, server_down: bool = False):
        super().__init__(message)
        self.permanent = permanent
        self.server_down = server_down


def build_email(recipient: str, payload: dict) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = payload.get("from") or "portal@localhost"
    msg["To"] = recipient
    msg["Subject"] = payload.get("subject") or ""
    msg["Date"] = payload["date"]
    msg["Message-ID"] = payload["message_id"]
    if payload.get("reply_to"):
        msg["Reply-To"] = payload["reply_to"]
    msg["Auto-Submitted"] = "auto-generated"
    for name, value in (payload.get("headers") or {}).items():
        if name in msg:
            msg.replace_header(name, value)
        else:
            msg[name] = value
    msg.set_content(payload.get("text") or "")
    if payload.get("html"):
        msg.add_alternative(payload["html"], subtype="html")
    for attachment in payload.get("attachments") or ():
        maintype, _, subtype = attachment["content_type"].partition("/")
        msg.add_attachment(
            base64.b64decode(attachment["data"]),
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=attachment["filename"],
        )
    return msg


def eml_filename(key: str) -> str:
    """A readable, unique, filesystem-safe name from an idempotency key."""
    readable = re.sub(r"[^A-Za-z0-9._-]+", "-", key).strip("-.")[:80] or "message"
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]
    return f"{readable}-{digest}.eml"


class FileBackend:
    """Writes .eml files: the embedded default, and what tests read."""

    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory)

    def __enter__(self) -> "FileBackend":
        self.directory.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc) -> None:
        return None

    def send(self, key: str, recipient: str, message: EmailMessage) -> None:
        target = self.directory / eml_filename(key)
        data = message.as_bytes(policy=SMTP)
        fd, temp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".eml")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(temp, target)
        except OSError as exc:
            Path(temp).unlink(missing_ok=True)
            raise DeliveryError(f"cannot write {target}: {exc}", server_down=True) from exc


class SMTPBackend:
    """One SMTP connection per batch; reconnects once if the server drops it."""

    def __init__(self, config: dict):
        self.host = config["MAIL_SERVER"]
        self.port = int(config["MAIL_PORT"])
        self.use_ssl = bool(config.get("MAIL_USE_SSL"))
        self.use_starttls = bool(config.get("MAIL_USE_STARTTLS"))
        self.username = config.get("MAIL_USERNAME")
        self.password = config.get("MAIL_PASSWORD")
        self.timeout = float(config["MAIL_TIMEOUT"])
        self.envelope_from = config.get("MAIL_ENVELOPE_FROM") or parseaddr(config["MAIL_FROM"])[1]
        self.connection: smtplib.SMTP | None = None

    def __enter__(self) -> "SMTPBackend":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
        try:
            if self.use_ssl:
                conn = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                        context=ssl.create_default_context())
            else:
                conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
                if self.use_starttls:
                    conn.starttls(context=ssl.create_default_context())
            if self.username:
                conn.login(self.username, self.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(f"SMTP login refused: {exc}", server_down=True) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"SMTP server {self.host}:{self.port} unavailable: {exc}",
                                server_down=True) from exc
        return conn

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (OSError, smtplib.SMTPException):
                self.connection.close()
            self.connection = None

    def send(self, key: str, recipient: str, message: EmailMessage) -> None:
        if self.connection is None:
            self.connection = self._connect()
        try:
            self._send_once(recipient, message)
        except smtplib.SMTPServerDisconnected:
            # an idle connection closed by the server: one fresh try
            self.connection = self._connect()
            try:
                self._send_once(recipient, message)
            except smtplib.SMTPServerDisconnected as exc:
                self.close_quietly()
                raise DeliveryError(f"SMTP server disconnected: {exc}", server_down=True) from exc

    def _send_once(self, recipient: str, message: EmailMessage) -> None:
        assert self.connection is not None
        try:
            self.connection.send_message(message, from_addr=self.envelope_from or None,
                                         to_addrs=[recipient])
        except smtplib.SMTPServerDisconnected:
            raise
        except smtplib.SMTPRecipientsRefused as exc:
            code, reason = next(iter(exc.recipients.values()))
            self._reset()
            raise DeliveryError(f"recipient refused: {code} {_text(reason)}",
                                permanent=500 <= code < 600) from exc
        except smtplib.SMTPResponseException as exc:
            self._reset()
            raise DeliveryError(f"SMTP error: {exc.smtp_code} {_text(exc.smtp_error)}",
                                permanent=500 <= exc.smtp_code < 600) from exc
        except (socket.timeout, OSError, smtplib.SMTPException) as exc:
            self.close_quietly()
            raise DeliveryError(f"SMTP connection failed: {exc}", server_down=True) from exc

    def _reset(self) -> None:
        try:
            if self.connection is not None:
                self.connection.rset()
        except (OSError, smtplib.SMTPException):
            self.close_quietly()

    def close_quietly(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def open_backend(config: dict):
    backend = config["MAIL_BACKEND"].lower()
    if backend == "smtp":
        return SMTPBackend(config)
    if backend == "file":
        return FileBackend(config["MAIL_DIR"])
    raise ValueError(f"unknown MAIL_BACKEND {backend!r} (use 'file' or 'smtp')")
