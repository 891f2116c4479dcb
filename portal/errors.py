"""Error pages: a clear message in HTML, or JSON for API clients. Never a traceback."""
from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood. Please check what you entered and try again."),
        403: _("You do not have access to this page."),
        404: _("We could not find that page. It may have moved; try searching the help center."),
        405: _("That action is not allowed here."),
        413: _("What you sent is too large. Please make attachments smaller and try again."),
        429: _("Too many requests in a short time. Please wait a moment and try again."),
        500: _("Something went wrong on our side. Nothing you entered was lost; please try again in a moment."),
        503: _("The service is temporarily unavailable. Please try again in a moment."),
    }


def render_error(code: int, message: str | None = None):
    text = message or _messages().get(code) or _("Something went wrong.")
    if wants_json():
        return jsonify({"error": {"code": code, "message": text}}), code
    return render_template("error.html", code=code, message=text), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(err):
        return render_error(400, _("Your form expired or was sent from elsewhere. Please reload the page and send it again."))

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):
        if err.code is None or err.code < 400:
            return err
        message = None
        if err.code in (400, 422) and err.description and getattr(err, "portal_message", False):
            message = err.description
        return render_error(err.code, message)

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        if isinstance(err, HTTPException):
            return _http(err)
        log.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500)

    @app.errorhandler(InternalServerError)
    def _ise(err):
        return render_error(500)
