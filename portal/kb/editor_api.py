"""Endpoints of the article editor's browser side (``static/js/editor.js``).

* ``POST /staff/articles/preview`` (writers, CSRF): markdown in, the HTML the
  published article page would show out, rendered by the same
  :func:`portal.kb.rendering.render_markdown` that :func:`kb.services.save_article`
  stores. Bounded: at most :data:`MAX_PREVIEW_CHARS` characters.
* ``POST /staff/articles/images`` (writers, CSRF): an image checked like a
  ticket attachment (:func:`portal.tickets.attachments.check_file`: judged by
  its content, re-encoded without metadata, pixel-bounded), stored under a
  random name in ``UPLOAD_DIR/kb-images/`` (the data folder, never ``static/``),
  answered with its URL and the markdown ``![alt](url)``; the alt text is required.
* ``GET /media/kb/<name>`` (everyone): serves those images with headers that
  keep a file from being anything but an image (exact type, ``nosniff``, a
  CSP that forbids everything, cacheable forever: names are never reused).
"""
from __future__ import annotations

import re
import secrets
from pathlib import Path

from flask import Blueprint, abort, current_app, jsonify, request, send_from_directory, url_for
from flask_babel import gettext as _

from portal.auth.decorators import role_required
from portal.extensions import limiter
from portal.kb.rendering import render_markdown
from portal.tickets import attachments

editor_bp = Blueprint("kb_editor", __name__)
media_bp = Blueprint("kb_media", __name__)

EDITOR_ROLES = ("writer",)
#: Longest markdown previewed (characters); the body of a long manual page is ~60,000.
MAX_PREVIEW_CHARS = 300_000
MAX_ALT_CHARS = 300
IMAGE_FOLDER = "kb-images"
IMAGE_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}
IMAGE_NAME = re.compile(r"^[0-9a-f]{32}\.(png|jpg|webp)$")


def _error(message: str, code: int = 400):
    return jsonify({"ok": False, "error": {"code": code, "message": message}}), code


def image_folder() -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / IMAGE_FOLDER


@editor_bp.post("/preview")
@role_required(*EDITOR_ROLES)
@limiter.limit("300 per minute")  # a pause in typing sends one; staccato typing sends many
def preview():
    payload = request.get_json(silent=True) if request.is_json else request.form
    body = (payload or {}).get("body", "")
    if not isinstance(body, str):
        return _error(_("The article text must be text."))
    if len(body) > MAX_PREVIEW_CHARS:
        return _error(_("The article is too long to preview (at most %(max)s characters).",
                        max=f"{MAX_PREVIEW_CHARS:,}"), 413)
    rendered = render_markdown(body)
    return jsonify({"ok": True, "html": rendered.html, "headings": rendered.headings})


def markdown_image(alt: str, url: str) -> str:
    """``![alt](url)`` with the characters that would end the alt text escaped."""
    text = " ".join(alt.split())
    text = re.sub(r"([\\\[\]])", r"\\\1", text)
    return f"![{text}]({url})"


@editor_bp.post("/images")
@role_required(*EDITOR_ROLES)
@limiter.limit("30 per minute;300 per day")
def upload_image():
    upload = request.files.get("image")
    alt = " ".join((request.form.get("alt") or "").split())
    if not alt:
        return _error(_("Describe the image for readers who cannot see it (the alt text is required)."))
    if len(alt) > MAX_ALT_CHARS:
        return _error(_("The alt text is too long: at most %(max)d characters.", max=MAX_ALT_CHARS))
    if upload is None or not upload.filename:
        return _error(_("Choose an image to upload."))
    max_bytes = int(current_app.config["KB_IMAGE_MAX_BYTES"])
    data = upload.stream.read(max_bytes + 1)
    try:
        checked = attachments.check_file("image", upload.filename, data, max_bytes)
    except attachments.AttachmentError as exc:
        return _error(str(exc))
    if checked.extension not in IMAGE_TYPES:  # a PDF is a fine attachment but no image
        return _error(_("Only PNG, JPEG and WebP images can be shown in an article."))
    folder = image_folder()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{checked.extension}"
    with open(folder / name, "xb") as handle:
        handle.write(checked.data)
    url = url_for("kb_media.image", name=name)
    return jsonify({"ok": True, "url": url, "markdown": markdown_image(alt, url),
                    "content_type": checked.content_type, "size": checked.size}), 201


@media_bp.get("/kb/<name>")
def image(name: str):
    match = IMAGE_NAME.match(name)
    if not match:
        abort(404)
    response = send_from_directory(image_folder(), name, mimetype=IMAGE_TYPES[match.group(1)],
                                   max_age=365 * 86400, conditional=True)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = "inline"
    response.headers["Cross-Origin-Resource-Policy"] = "same-site"
    return response
