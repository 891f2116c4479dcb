"""Attachments: check what a file really is, strip image metadata, store it safely.

Only PNG, JPEG, WebP and PDF are accepted, judged by the content and never by
the name or the browser's content type: images must open and verify with
Pillow, PDFs must start with ``%PDF-``. Images are re-encoded, which drops
EXIF (camera, GPS position), XMP and comments; the orientation is applied
first so a portrait photo stays upright. Files are stored outside ``static/``
under ``UPLOAD_DIR/tickets/<reference>/`` with a random name, so they are
never served by the web server and a customer's file name never reaches disk.
"""
from __future__ import annotations

import io
import json
import re
import secrets
import shutil
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

#: Pillow format -> (content type, extension)
IMAGE_FORMATS = {"PNG": ("image/png", "png"), "JPEG": ("image/jpeg", "jpg"), "WEBP": ("image/webp", "webp")}
PDF_TYPE = ("application/pdf", "pdf")
#: Larger images are refused before decoding (decompression bombs).
MAX_PIXELS = 40_000_000


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


def _reencode(image: Image.Image, fmt: str) -> bytes:
    image = ImageOps.exif_transpose(image)
    out = io.BytesIO()
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=90, optimize=True)
    elif fmt == "PNG":
        # saving without pnginfo drops tEXt/iTXt/eXIf chunks
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "WEBP", quality=90)
    return out.getvalue()


def _check_image(data: bytes) -> tuple[str, bytes] | None:
    """``(format, clean bytes)`` for a real PNG/JPEG/WebP, ``None`` if not an image."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format
                if fmt not in IMAGE_FORMATS:
                    return None
                if probe.width * probe.height > MAX_PIXELS:
                    raise Image.DecompressionBombError("too many pixels")
                probe.verify()
            # verify() leaves the image unusable: open again to decode for real
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                return fmt, _reencode(image, fmt)
    except UnidentifiedImageError:
        return None  # not an image at all: maybe a PDF, else refused by the caller
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise AttachmentError(_("This image is too large (in pixels). Please send a smaller screenshot.")) from err
    except (OSError, SyntaxError, ValueError) as err:
        # truncated or corrupt data that claims to be an image
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
# When a form comes back with an error or the personal-data question, the
# checked files wait under a random token so the customer need not attach
# them again. Unclaimed ones are deleted after PENDING_HOURS.

PENDING_HOURS = 6
PENDING_TOKEN = re.compile(r"^[0-9a-f]{32}$")


def _pending_root(upload_dir: str | Path) -> Path:
    return Path(upload_dir) / "tickets" / "_pending"


def keep_for_resend(upload_dir: str | Path, files: list[CheckedFile]) -> str:
    """Store checked files until the form is sent again; returns their token."""
    prune_pending(upload_dir)
    token = secrets.token_hex(16)
    folder = _pending_root(upload_dir) / token
    folder.mkdir(parents=True)
    manifest = []
    for index, checked in enumerate(files):
        name = f"{index}.{checked.extension}"
        (folder / name).write_bytes(checked.data)
        manifest.append({"file": name, "field_name": checked.field_name, "original_name": checked.original_name,
                         "content_type": checked.content_type, "extension": checked.extension})
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return token


def kept_files(upload_dir: str | Path, token: str | None) -> list[CheckedFile]:
    """The files kept under ``token`` (none for an unknown, expired or forged token)."""
    if not token or not PENDING_TOKEN.match(token):
        return []
    folder = _pending_root(upload_dir) / token
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        return [CheckedFile(item["field_name"], item["original_name"], item["content_type"], item["extension"],
                            (folder / Path(item["file"]).name).read_bytes()) for item in manifest]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def forget_kept(upload_dir: str | Path, token: str | None) -> None:
    if token and PENDING_TOKEN.match(token):
        shutil.rmtree(_pending_root(upload_dir) / token, ignore_errors=True)


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
