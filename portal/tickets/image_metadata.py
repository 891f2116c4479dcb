"""Cut metadata out of PNG and WebP files without decoding or re-encoding them.

Re-encoding is what made a tiny, many-pixel WebP cost seconds of CPU, so
screenshots (PNG, WebP) are cleaned at the level of their container instead:
only chunks needed to show the image are kept, text/EXIF/XMP/time chunks and
anything unknown are dropped, as is data after the end of the image. The
EXIF orientation, if any, is kept (as a minimal EXIF block with nothing
else) so a rotated image still shows upright. Cost: one pass over the bytes.
"""
from __future__ import annotations

import struct
import zlib

from PIL import Image

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: Chunks that describe how to show the pixels (critical, colour, animation).
PNG_KEEP = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT",
            b"pHYs", b"bKGD", b"hIST", b"cICP", b"mDCv", b"cLLi", b"acTL", b"fcTL", b"fdAT"}
WEBP_KEEP = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"}
#: VP8X flag bits for "has EXIF" and "has XMP".
WEBP_EXIF_FLAG = 0x08
WEBP_XMP_FLAG = 0x04
ORIENTATION_TAG = 0x0112


class BrokenContainer(ValueError):
    """The file's chunk structure is damaged."""


def orientation_exif(orientation: int | None) -> bytes | None:
    """Raw TIFF-format EXIF holding only the orientation (``None`` if upright)."""
    if orientation not in range(2, 9):
        return None
    exif = Image.Exif()
    exif[ORIENTATION_TAG] = orientation
    return exif.tobytes()[len(b"Exif\x00\x00"):]


def clean_png(data: bytes, orientation: int | None) -> bytes:
    if not data.startswith(PNG_SIGNATURE):
        raise BrokenContainer("not a PNG")
    out = [PNG_SIGNATURE]
    exif = orientation_exif(orientation)
    position = len(PNG_SIGNATURE)
    while True:
        if position + 12 > len(data):
            raise BrokenContainer("PNG ends before IEND")
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        end = position + 12 + length
        if end > len(data):
            raise BrokenContainer("PNG chunk runs past the end")
        if kind in PNG_KEEP:
            out.append(data[position:end])
        if exif is not None and kind in (b"IHDR",):
            # eXIf goes before the image data; right after the header is always valid
            out.append(struct.pack(">I", len(exif)) + b"eXIf" + exif
                       + struct.pack(">I", zlib.crc32(b"eXIf" + exif)))
        position = end
        if kind == b"IEND":
            return b"".join(out)


def clean_webp(data: bytes, orientation: int | None) -> bytes:
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise BrokenContainer("not a WebP")
    exif = orientation_exif(orientation)
    chunks: list[tuple[bytes, bytes]] = []
    position = 12
    while position + 8 <= len(data):
        kind, length = struct.unpack("<4sI", data[position:position + 8])
        end = position + 8 + length
        if end > len(data):
            raise BrokenContainer("WebP chunk runs past the end")
        if kind in WEBP_KEEP:
            chunks.append((kind, data[position + 8:end]))
        position = end + (length & 1)  # chunks are padded to an even size
    if not any(kind in (b"VP8 ", b"VP8L", b"ANMF") for kind, _payload in chunks):
        raise BrokenContainer("WebP without image data")
    extended = chunks and chunks[0][0] == b"VP8X" and len(chunks[0][1]) >= 10
    if extended:
        flags = chunks[0][1][0] & ~(WEBP_EXIF_FLAG | WEBP_XMP_FLAG)
        if exif is not None:
            flags |= WEBP_EXIF_FLAG
            chunks.append((b"EXIF", exif))  # EXIF comes after the image data
        chunks[0] = (b"VP8X", bytes([flags]) + chunks[0][1][1:])
    body = b"".join(kind + struct.pack("<I", len(payload)) + payload + (b"\x00" if len(payload) & 1 else b"")
                    for kind, payload in chunks)
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body
