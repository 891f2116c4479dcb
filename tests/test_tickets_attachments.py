"""Attachments: the type comes from the content, metadata is stripped, storage is private."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from portal.tickets import attachments
from portal.tickets.attachments import AttachmentError, check_file

LIMIT = 1024 * 1024


def image_bytes(fmt: str, size=(40, 30), exif: bool = False) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    kwargs = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "SpyCam"  # Make
        data[0x0112] = 6  # Orientation: rotate 90° when shown
        data[0x8825] = {1: "N", 2: (52.0, 22.0, 0.0), 3: "E", 4: (4.0, 53.0, 0.0)}  # GPS
        kwargs["exif"] = data
    image.save(out, fmt, **kwargs)
    return out.getvalue()


@pytest.mark.parametrize("fmt, content_type", [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")])
def test_images_are_accepted_by_content_whatever_their_name(fmt, content_type):
    checked = check_file("screenshot", "C:\\Users\\jan\\shot.txt", image_bytes(fmt), LIMIT)
    assert checked.content_type == content_type
    assert checked.original_name == "shot.txt"  # shown to support only; never a path on disk


def test_exif_and_gps_are_removed_and_orientation_applied():
    data = image_bytes("JPEG", size=(40, 30), exif=True)
    assert Image.open(io.BytesIO(data)).getexif().get(0x010F) == "SpyCam"
    checked = check_file("screenshot", "photo.jpg", data, LIMIT)
    cleaned = Image.open(io.BytesIO(checked.data))
    assert dict(cleaned.getexif()) == {}
    assert b"SpyCam" not in checked.data
    assert cleaned.size == (30, 40)  # rotated upright before the orientation tag was dropped


def test_png_text_chunks_are_removed():
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Jan Jansen")
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "PNG", pnginfo=info)
    checked = check_file("screenshot", "a.png", out.getvalue(), LIMIT)
    assert b"Jan Jansen" not in checked.data


def test_pdf_is_recognised_by_its_header():
    checked = check_file("attachment", "invoice.pdf", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n", LIMIT)
    assert checked.content_type == "application/pdf" and checked.extension == "pdf"


@pytest.mark.parametrize("data, message", [
    (b"this is not a picture at all", "Only PNG, JPEG and WebP"),
    (b"<?php system($_GET['c']); ?>", "Only PNG, JPEG and WebP"),
    (b"GIF89a" + b"\x00" * 40, "Only PNG, JPEG and WebP"),
    (b"", "empty"),
])
def test_other_content_is_refused_with_a_clear_message(data, message):
    with pytest.raises(AttachmentError, match=message):
        check_file("screenshot", "innocent.png", data, LIMIT)


def test_a_gif_image_is_refused():
    out = io.BytesIO()
    Image.new("P", (5, 5)).save(out, "GIF")
    with pytest.raises(AttachmentError, match="Only PNG"):
        check_file("screenshot", "x.gif", out.getvalue(), LIMIT)


def test_a_truncated_png_is_a_field_error_not_a_crash():
    data = image_bytes("PNG", size=(300, 300))
    with pytest.raises(AttachmentError, match="damaged"):
        check_file("screenshot", "cut.png", data[: len(data) // 2], LIMIT)


def test_too_large_files_and_too_many_pixels():
    with pytest.raises(AttachmentError, match="larger than 1 MB"):
        check_file("screenshot", "big.png", b"\x89PNG" + b"0" * LIMIT, LIMIT)
    huge = io.BytesIO()
    Image.new("1", (8000, 6000)).save(huge, "PNG")  # 48 megapixels, a few KB
    with pytest.raises(AttachmentError, match="too large"):
        check_file("screenshot", "bomb.png", huge.getvalue(), LIMIT)


def test_files_are_stored_under_the_reference_with_a_random_name(tmp_path):
    checked = check_file("screenshot", "../../etc/passwd.png", image_bytes("PNG"), LIMIT)
    first = attachments.store(tmp_path, "T-2026-000001", checked)
    second = attachments.store(tmp_path, "T-2026-000001", checked)
    assert first != second
    assert first.startswith("tickets/T-2026-000001/") and first.endswith(".png")
    assert "passwd" not in first
    attachments.remove_folder(tmp_path, "T-2026-000001")
    assert not (tmp_path / "tickets" / "T-2026-000001").exists()


def test_kept_files_round_trip_and_expire(app, tmp_path):
    import os
    import time

    checked = check_file("screenshot", "a.png", image_bytes("PNG"), LIMIT)
    mine = {"owner": "browser-1", "form_slug": "technical"}
    with app.app_context():
        token = attachments.keep_for_resend(tmp_path, [checked], **mine)
        again = attachments.kept_files(tmp_path, token, **mine)
        assert [(f.field_name, f.original_name, f.data) for f in again] == [("screenshot", "a.png", checked.data)]
        assert attachments.kept_files(tmp_path, "../" + token, **mine) == []
        (folder,) = (tmp_path / "tickets" / "_pending").iterdir()
        old = time.time() - (attachments.PENDING_HOURS + 1) * 3600
        os.utime(folder, (old, old))
        assert attachments.prune_pending(tmp_path) == 1
        assert attachments.kept_files(tmp_path, token, **mine) == []
