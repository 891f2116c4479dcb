"""Attachments: check what a file really is, strip image metadata, store it safely.

Only PNG, JPEG, WebP and PDF are accepted, judged by the content and never by
the name or the browser's content type: images must open, verify and decode
with Pillow, PDFs must start with ``%PDF-``. Metadata (EXIF with camera and
GPS position, XMP, comments) is removed: JPEG photos are re-encoded (turned
upright first, decoded at reduced size when large); PNG and WebP screenshots
are not re-encoded, their metadata chunks are cut out instead
(:mod:`portal.tickets.image_metadata`), so a small file with many pixels
costs one decode and no encode. A file any decoder step fails on is refused
with a clear message; damaged EXIF alone only loses the orientation. Files are stored outside ``static/``
under ``UPLOAD_DIR/tickets/<reference>/`` with a random name, so they are
never served by the web server and a customer's file name never reaches disk.
"""
from __future__ import annotations

import hmac
import io
import json
import logging
import re
import secrets
import shutil
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadData, URLSafeTimedSerializer
from PIL import Image, ImageOps, UnidentifiedImageError

from portal.tickets import image_metadata

log = logging.getLogger(__name__)

#: Pillow format -> (content type, extension)
IMAGE_FORMATS = {"PNG": ("image/png", "png"), "JPEG": ("image/jpeg", "jpg"), "WEBP": ("image/webp", "webp")}
PDF_TYPE = ("application/pdf", "pdf")
#: Larger images are refused before decoding (decompression bombs). JPEG
#: photos are decoded reduced (see REENCODE_MAX_PIXELS), so they may be
#: larger; PNG/WebP are decoded in full once (~0.3 s of CPU at the limit).
MAX_PIXELS = {"JPEG": 40_000_000, "PNG": 25_000_000, "WEBP": 25_000_000}
#: JPEGs above this are decoded at 1/2, 1/4 or 1/8 size by the decoder itself
#: (cheap), so re-encoding never handles more than this many pixels.
REENCODE_MAX_PIXELS = 12_000_000
ORIENTATION_TAG = 0x0112


class AttachmentError(ValueError):
    """A file that cannot be accepted; the message is shown beside the field."""


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed the checks, ready to store (metadata already removed)."""

    field_name: str
    original_name: str
    content_type: str
    extension: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


def clean_filename(name: str | None) -> str:
    """A display name without paths or control characters (never used on disk)."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip()
    return name[:200] or "attachment"


def _orientation(image: Image.Image) -> int | None:
    try:
        value = image.getexif().get(ORIENTATION_TAG)
    except Exception as err:  # noqa: BLE001 - any malformed EXIF: show the image as stored
        log.info("unreadable EXIF in an upload ignored: %r", err)
        return None
    return value if isinstance(value, int) else None


def _upright(image: Image.Image) -> Image.Image:
    try:
        return ImageOps.exif_transpose(image)
    except Exception as err:  # noqa: BLE001 - crafted EXIF (e.g. a broken GPS block) raised TypeError
        log.info("EXIF orientation of an upload could not be applied: %r", err)
        return image


def _reencode_jpeg(image: Image.Image) -> bytes:
    """Decode (reduced by the JPEG decoder itself when large), turn upright and re-encode."""
    if image.width * image.height > REENCODE_MAX_PIXELS:
        scale = 2
        while image.width * image.height > REENCODE_MAX_PIXELS * scale * scale and scale < 8:
            scale *= 2
        image.draft(None, (-(-image.width // scale), -(-image.height // scale)))
    image.load()
    image = _upright(image)
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, optimize=True)
    return out.getvalue()


def _clean_screenshot(image: Image.Image, fmt: str, data: bytes) -> bytes:
    """Decode once to prove the pixels are readable, then cut the metadata out
    of the container (no re-encoding: that is the costly part)."""
    orientation = _orientation(image)
    image.load()
    cleaner = image_metadata.clean_png if fmt == "PNG" else image_metadata.clean_webp
    return cleaner(data, orientation)


def _check_image(data: bytes) -> tuple[str, bytes] | None:
    """``(format, clean bytes)`` for a real PNG/JPEG/WebP, ``None`` if not an image."""
    try:
        with warnings.catch_warnings():
            # Pillow warns about every oddity in EXIF ("Corrupt EXIF data"):
            # noise for uploads, which are judged by whether they decode
            warnings.simplefilter("ignore", UserWarning)
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format
                if fmt not in IMAGE_FORMATS:
                    return None
                if probe.width * probe.height > MAX_PIXELS[fmt]:
                    raise Image.DecompressionBombError("too many pixels")
                probe.verify()
            # verify() leaves the image unusable: open again to decode for real
            with Image.open(io.BytesIO(data)) as image:
                if fmt == "JPEG":
                    return fmt, _reencode_jpeg(image)
                return fmt, _clean_screenshot(image, fmt, data)
    except UnidentifiedImageError:
        return None  # not an image at all: maybe a PDF, else refused by the caller
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise AttachmentError(_("This image is too large (in pixels). Please send a smaller screenshot.")) from err
    except Exception as err:  # noqa: BLE001 - a decoder's failure on hostile input is the customer's error
        # truncated or corrupt data that claims to be an image; Pillow's
        # decoders raise OSError, SyntaxError, ValueError, struct.error,
        # TypeError, IndexError ... on crafted files
        log.info("unreadable image upload refused: %r", err)
        raise AttachmentError(_("This image is damaged and cannot be opened. Please save it again and re-attach it.")) from err


def check_file(field_name: str, filename: str | None, data: bytes, max_bytes: int) -> CheckedFile:
    """Accept a PNG, JPEG, WebP or PDF, or raise :class:`AttachmentError`."""
    if not data:
        raise AttachmentError(_("The file is empty."))
    if len(data) > max_bytes:
        raise AttachmentError(_("The file is larger than %(size)s MB. Please send a smaller file.",
                                size=f"{round(max_bytes / 1048576, 2):g}"))
    name = clean_filename(filename)
    if data.startswith(b"%PDF-"):
        content_type, extension = PDF_TYPE
        return CheckedFile(field_name, name, content_type, extension, data)
    checked = _check_image(data)
    if checked is None:
        raise AttachmentError(_("Only PNG, JPEG and WebP images and PDF documents can be attached; "
                                "this file is none of these (whatever its name says)."))
    fmt, clean = checked
    content_type, extension = IMAGE_FORMATS[fmt]
    return CheckedFile(field_name, name, content_type, extension, clean)


def ticket_folder(upload_dir: str | Path, reference: str) -> Path:
    return Path(upload_dir) / "tickets" / reference


def store(upload_dir: str | Path, reference: str, checked: CheckedFile) -> str:
    """Write the file under a random name; returns the path relative to ``upload_dir``."""
    folder = ticket_folder(upload_dir, reference)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{secrets.token_hex(16)}.{checked.extension}"
    with open(path, "xb") as fh:
        fh.write(checked.data)
    return str(path.relative_to(Path(upload_dir)))


def remove_folder(upload_dir: str | Path, reference: str) -> None:
    """Delete a ticket's stored files (used when its transaction rolls back)."""
    folder = ticket_folder(upload_dir, reference)
    if not folder.is_dir():
        return
    for child in folder.iterdir():
        child.unlink(missing_ok=True)
    folder.rmdir()


# -- files kept while the form is sent back ---------------------------------
# When a form comes back (an error, the personal-data question, a busy
# database) the checked files wait in a random folder so the customer need
# not attach them again. The form carries a signed token naming the folder,
# the browser session and the form: it expires after PENDING_HOURS and gives
# nothing to another browser or form. Unclaimed folders are deleted after
# PENDING_HOURS.

PENDING_HOURS = 6
PENDING_FOLDER = re.compile(r"^[0-9a-f]{32}$")
_KEPT_SALT = "portal.tickets.kept-files"


def _pending_root(upload_dir: str | Path) -> Path:
    return Path(upload_dir) / "tickets" / "_pending"


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_KEPT_SALT)


def keep_for_resend(upload_dir: str | Path, files: list[CheckedFile], *, owner: str, form_slug: str) -> str:
    """Store checked files until the form is sent again; returns the signed token."""
    prune_pending(upload_dir)
    folder_name = secrets.token_hex(16)
    folder = _pending_root(upload_dir) / folder_name
    folder.mkdir(parents=True)
    manifest = []
    for index, checked in enumerate(files):
        name = f"{index}.{checked.extension}"
        (folder / name).write_bytes(checked.data)
        manifest.append({"file": name, "field_name": checked.field_name, "original_name": checked.original_name,
                         "content_type": checked.content_type, "extension": checked.extension})
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return _signer().dumps({"d": folder_name, "o": owner, "f": form_slug})


def _kept_folder(upload_dir: str | Path, token: str | None, owner: str, form_slug: str) -> Path | None:
    """The folder a token names, if it is genuine, recent and for this browser and form."""
    if not token or len(token) > 500:
        return None
    try:
        data = _signer().loads(token, max_age=PENDING_HOURS * 3600)
    except BadData:
        return None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in ("d", "o", "f")):
        return None
    if not (hmac.compare_digest(data["o"].encode(), owner.encode()) and data["f"] == form_slug):
        return None
    if not PENDING_FOLDER.match(data["d"]):
        return None
    return _pending_root(upload_dir) / data["d"]


def kept_files(upload_dir: str | Path, token: str | None, *, owner: str, form_slug: str) -> list[CheckedFile]:
    """The files kept under ``token`` (none for a forged, expired or someone else's token)."""
    folder = _kept_folder(upload_dir, token, owner, form_slug)
    if folder is None:
        return []
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        return [CheckedFile(item["field_name"], item["original_name"], item["content_type"], item["extension"],
                            (folder / Path(item["file"]).name).read_bytes()) for item in manifest]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def forget_kept(upload_dir: str | Path, token: str | None, *, owner: str, form_slug: str) -> None:
    folder = _kept_folder(upload_dir, token, owner, form_slug)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def prune_pending(upload_dir: str | Path, now: float | None = None) -> int:
    """Delete kept files older than PENDING_HOURS; returns how many sets went."""
    root = _pending_root(upload_dir)
    if not root.is_dir():
        return 0
    cutoff = (now if now is not None else time.time()) - PENDING_HOURS * 3600
    removed = 0
    for folder in root.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed
