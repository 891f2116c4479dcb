"""Hostile uploads: bounded CPU per file, crafted metadata, mutated images never give a 500."""
from __future__ import annotations

import io
import random

import pytest
from PIL import Image

from portal.tickets.attachments import REENCODE_MAX_PIXELS, AttachmentError, check_file

from portal.tickets.models import Ticket
from tests.test_tickets import count, post, technical

LIMIT = 5 * 1024 * 1024


def crafted_webp(side: int = 6300) -> bytes:
    """A tiny lossless WebP with many pixels (the issue's file is 1,582 bytes)."""
    out = io.BytesIO()
    Image.new("RGB", (side, side), (200, 30, 30)).save(out, "WEBP", lossless=True)
    return out.getvalue()


def gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"
    exif[0x0112] = 6
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (52.0, 22.0, 1.5), 3: "E", 4: (4.0, 53.0, 0.0), 6: 12.5})
    return exif


def crafted_gps_jpeg() -> bytes:
    """A JPEG whose GPS block is damaged the way that made ``exif_transpose``
    raise TypeError (found by seeded mutation of :func:`gps_exif`)."""
    raw = bytearray(gps_exif().tobytes())
    raw[44], raw[87] = 72, 156
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (1, 2, 3)).save(out, "JPEG", exif=bytes(raw))
    return out.getvalue()


def test_a_tiny_file_with_too_many_pixels_is_refused_before_costly_work():
    data = crafted_webp()
    assert len(data) < 4000
    with pytest.raises(AttachmentError, match="too large"):
        check_file("screenshot", "bomb.webp", data, LIMIT)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_big_screenshots_are_kept_pixel_for_pixel_without_re_encoding(fmt):
    """Screenshots are not re-encoded (the costly part): metadata is cut out
    of the file's structure, the pixel data is stored as sent and only the
    orientation survives (so the image still shows upright)."""
    image = Image.new("RGB", (5120, 2880), (10, 120, 200))  # a 5K screen
    out = io.BytesIO()
    image.save(out, fmt, exif=gps_exif(), **({"lossless": True} if fmt == "WEBP" else {}))
    data = out.getvalue()
    assert b"SpyCam" in data
    checked = check_file("screenshot", "shot", data, LIMIT)
    assert b"SpyCam" not in checked.data
    cleaned = Image.open(io.BytesIO(checked.data))
    assert cleaned.size == (5120, 2880) and dict(cleaned.getexif()) == {0x0112: 6}
    assert cleaned.convert("RGB").getpixel((100, 100)) == (10, 120, 200)


def test_big_photos_are_decoded_at_reduced_size():
    out = io.BytesIO()
    Image.new("RGB", (6000, 4000), (90, 90, 90)).save(out, "JPEG", exif=gps_exif(), quality=50)
    checked = check_file("photo", "photo.jpg", out.getvalue(), LIMIT)
    cleaned = Image.open(io.BytesIO(checked.data))
    width, height = cleaned.size
    assert width * height <= REENCODE_MAX_PIXELS
    assert (width, height) == (2000, 3000)  # upright (orientation 6) and halved
    assert dict(cleaned.getexif()) == {} and b"SpyCam" not in checked.data


def test_damaged_gps_metadata_does_not_stop_the_ticket(app, client):
    response = post(client, technical(screenshot=(io.BytesIO(crafted_gps_jpeg()), "holiday.jpg")))
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    assert count(app, Ticket) == 1


def _mutations(seed: int, n: int) -> list[bytes]:
    rng = random.Random(seed)
    bases = []
    for fmt in ("PNG", "JPEG", "WEBP"):
        out = io.BytesIO()
        Image.new("RGB", (64, 48), (200, 30, 30)).save(out, fmt, exif=gps_exif())
        bases.append(out.getvalue())
    bases.append(crafted_gps_jpeg())
    samples = []
    for _ in range(n):
        data = bytearray(rng.choice(bases))
        action = rng.random()
        if action < 0.6:
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        elif action < 0.8:
            data = data[: rng.randrange(8, len(data))]
        else:
            at = rng.randrange(len(data))
            data[at:at] = rng.randbytes(rng.randint(1, 64))
        samples.append(bytes(data))
    return samples


def test_mutated_images_never_crash_the_checker():
    for data in _mutations(seed=10, n=600):
        try:
            check_file("screenshot", "x.png", data, LIMIT)
        except AttachmentError:
            pass  # a clear, translated refusal is the right answer


def test_mutated_images_never_give_a_server_error_on_the_form(app, client):
    statuses = set()
    for data in _mutations(seed=11, n=200):
        response = post(client, technical(screenshot=(io.BytesIO(data), "x.jpg")))
        statuses.add(response.status_code)
        assert response.status_code in (303, 422), response.status_code
    assert statuses == {303, 422}
