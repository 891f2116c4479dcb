"""Whoosh's on-disk format (W3), written fast: the postings of a whole segment at once.

Whoosh's own writer sends every posting through a general external merge sort
(pickled runs on disk, a heap merge) and then, term by term, through a chain of
method calls that checks every value; each posting block is zlib-compressed,
and ``zlib.compress`` of a few dozen bytes costs tens to hundreds of
microseconds (it sets up a 256 KB compressor each time). On the 11,000-article
corpus, with edge n-grams and word pairs, that is about a million terms and
six million postings: the rebuild took 163 s, nearly all of it here (profile
in ``bench/README.md``).

:class:`PortalCodec` is Whoosh's W3 codec with two changes:

* blocks of fewer than :data:`COMPRESS_MIN_POSTINGS` postings are stored
  uncompressed (the block header says so; Whoosh's reader handles both). Most
  terms are rare (an n-gram or a word pair in one article), and their block
  is a pickle of a few dozen bytes that zlib cannot shrink anyway;
* the per-document writer keeps each document's field lengths in memory, so
  the postings writer need not read them back from the column files.

:func:`write_postings` writes a segment's terms and postings from an in-memory
pool (see ``fastindex.MemoryPool``) with the same bytes Whoosh's own
``FieldWriter`` writes for the same postings (a test compares them), in one
tight loop per field. Readers are Whoosh's, unchanged: search results are the
same postings, weights and lengths.
"""
from __future__ import annotations

import zlib
from array import array
from hashlib import md5
from pickle import dumps
from struct import Struct

from whoosh.codec.whoosh3 import (
    WHOOSH3_HEADER_MAGIC, W3Codec, W3PerDocWriter, W3PostingsWriter, W3TermInfo,
)
from whoosh.filedb.filetables import _lengths as HASH_LENGTHS
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte

#: Posting blocks with at least this many postings are zlib-compressed (Whoosh
#: compresses all). Whoosh's blocks hold at most 128 postings.
COMPRESS_MIN_POSTINGS = 64
#: zlib level of the compressed blocks (Whoosh's default).
COMPRESSION_LEVEL = 3
BLOCK_LIMIT = 128

_TERMINFO = W3TermInfo._struct


def block_compression(postings: int) -> int:
    """The zlib level of a block of ``postings`` postings (0: stored as is)."""
    return COMPRESSION_LEVEL if postings >= COMPRESS_MIN_POSTINGS else 0


class _PostingsWriter(W3PostingsWriter):
    """W3's postings writer with :func:`block_compression` per block."""

    def _write_block(self, last=False):
        self._compression = block_compression(len(self._ids))
        super()._write_block(last)


class LengthsPerDocWriter(W3PerDocWriter):
    """W3's per-document writer that also remembers each document's length
    byte per field (``lengths[field][docnum]``), as the postings writer needs them."""

    def __init__(self, codec, storage, segment):
        super().__init__(codec, storage, segment)
        self.lengths: dict[str, dict[int, int]] = {}

    def add_field(self, fieldname, fieldobj, value, length):
        super().add_field(fieldname, fieldobj, value, length)
        if length:
            self.lengths.setdefault(fieldname, {})[self._docnum] = length_to_byte(length)


class PortalCodec(W3Codec):
    """W3, with small posting blocks stored uncompressed (see the module docstring).

    Pickled into the index's table of contents with each segment, so the
    class must stay importable under this name."""

    def __init__(self, blocklimit=BLOCK_LIMIT, compression=COMPRESSION_LEVEL, inlinelimit=1):
        super().__init__(blocklimit=blocklimit, compression=compression, inlinelimit=inlinelimit)

    def postings_writer(self, dbfile, byteids=False):
        return _PostingsWriter(dbfile, blocklimit=self._blocklimit, byteids=byteids,
                               compression=self._compression, inlinelimit=self._inlinelimit)

    def per_document_writer(self, storage, segment):
        return LengthsPerDocWriter(self, storage, segment)


def _md5_hash(key: bytes) -> int:
    # filetables.md5_hash without the hex round trip (same value).
    return int.from_bytes(md5(key, usedforsecurity=False).digest()[-4:], "big")


def _length_values(length_bytes: dict[int, int] | None) -> dict[int, int]:
    """docnum -> the length Whoosh's reader reports (decoded byte), for documents that have one."""
    if not length_bytes:
        return {}
    return {docnum: byte_to_length(byte) for docnum, byte in length_bytes.items() if byte}


def write_postings(fieldwriter, schema, pool, lengths: dict[str, dict[int, int]]) -> None:
    """Write every term of ``pool`` into ``fieldwriter``'s (a ``W3FieldWriter``) files.

    ``pool.sorted_fields()`` gives ``(fieldname, [(term bytes, ids, weights,
    values)...])`` in Whoosh's order (field name, then term bytes), ids
    ascending. Byte for byte what ``FieldWriter.add_postings`` writes with
    :class:`PortalCodec` (``tests/test_search_fastindex.py`` checks it).
    """
    tindex = fieldwriter._tindex
    postfile = fieldwriter._postfile
    fieldmap = fieldwriter._fieldmap
    termfile = tindex.dbfile
    buckets = tindex.buckets
    key_positions = tindex.index
    term_pos = termfile.tell()
    post_pos = postfile.tell()
    magic = WHOOSH3_HEADER_MAGIC
    pack_lengths = HASH_LENGTHS.pack
    pack_terminfo = _TERMINFO.pack
    lastkey = tindex.lastkey
    single_compression = block_compression(1)
    for fieldname, terms in pool.sorted_fields():
        if fieldname not in schema:
            continue
        fieldobj = schema[fieldname]
        fieldid = fieldmap.setdefault(fieldname, len(fieldmap))
        prefix = pack_ushort(fieldid)
        fixed = fieldobj.format.fixed_value_size()
        doc_length = _length_values(lengths.get(fieldname)).get
        term_parts: list[bytes] = []
        post_parts: list[bytes] = []
        for btext, ids, weights, values in terms:
            start = post_pos
            count = len(ids)
            t_weight = 0
            t_minlength = None
            t_maxlength = 0
            t_maxweight = 0
            if count == 1:  # most terms (a word pair, an n-gram in one article): the loop below, unrolled
                docnum, raw, value = ids[0], weights[0], values[0]
                weight32 = array("f", (raw,))[0]
                maxweight = raw if raw > 0 else 0
                length = doc_length(docnum)
                minlength, maxlength = (length, length) if length else (None, 0)
                if fixed is None or fixed < 0:
                    mini_values = (value,) if value else ()
                elif fixed == 0:
                    mini_values = None
                else:
                    mini_values = value or b""
                data = dumps(((docnum,), None if weight32 == 1.0 else weight32, mini_values), 2)
                if single_compression:
                    data = zlib.compress(data, single_compression)
                info = dumps((1, docnum, maxweight, single_compression,
                              length_to_byte(minlength), length_to_byte(maxlength)), 2)
                size = len(info) + len(data)
                post_parts += (magic, pack_int(-size), info, data)
                post_pos += 8 + size
                t_weight += weight32
                t_minlength, t_maxlength, t_maxweight = minlength, max(0, maxlength), max(0, maxweight)
            for first in range(0, count if count > 1 else 0, BLOCK_LIMIT):
                last_block = first + BLOCK_LIMIT >= count
                b_ids = ids[first:first + BLOCK_LIMIT]
                b_raw = weights[first:first + BLOCK_LIMIT]
                b_weights = array("f", b_raw)
                maxweight = max(b_raw)
                if not maxweight > 0:
                    maxweight = 0
                minlength = None
                maxlength = 0
                for docnum in b_ids:
                    length = doc_length(docnum)
                    if length:
                        if minlength is None or length < minlength:
                            minlength = length
                        if length > maxlength:
                            maxlength = length
                # W3PostingsWriter._mini_ids/_mini_weights/_mini_values
                deltas = [b_ids[0]]
                deltas.extend(b - a for a, b in zip(b_ids, b_ids[1:]))
                w0 = b_weights[0]
                if w0 == 1.0 and b_weights.count(1.0) == len(b_weights):
                    mini_weights = None
                elif b_weights.count(w0) == len(b_weights):
                    mini_weights = w0
                else:
                    mini_weights = tuple(b_weights)
                b_values = [v for v in values[first:first + BLOCK_LIMIT] if v]
                if fixed is None or fixed < 0:
                    mini_values = tuple(b_values)
                elif fixed == 0:
                    mini_values = None
                else:
                    mini_values = b"".join(b_values)
                data = dumps((tuple(deltas), mini_weights, mini_values), 2)
                comp = block_compression(len(b_ids))
                if comp:
                    data = zlib.compress(data, comp)
                info = dumps((len(b_ids), b_ids[-1], maxweight, comp,
                              length_to_byte(minlength), length_to_byte(maxlength)), 2)
                size = len(info) + len(data)
                if first == 0:
                    post_parts.append(magic)
                    post_pos += 4
                post_parts.append(pack_int(-size if last_block else size))
                post_parts.append(info)
                post_parts.append(data)
                post_pos += 4 + size
                # W3TermInfo.add_block
                t_weight += sum(b_weights)
                if t_minlength is None:
                    t_minlength = minlength
                else:
                    t_minlength = min(t_minlength, minlength)
                t_maxlength = max(t_maxlength, maxlength)
                t_maxweight = max(t_maxweight, maxweight)
            valbytes = pack_terminfo(
                False, t_weight, count, 0 if t_minlength is None else length_to_byte(t_minlength),
                length_to_byte(t_maxlength), t_maxweight, ids[0], ids[-1],
            ) + pack_long(start) + pack_int(post_pos - start)
            key = prefix + btext
            if key <= lastkey:
                raise ValueError(f"Keys must increase: {lastkey!r}..{key!r}")
            lastkey = key
            # OrderedHashWriter.add
            key_positions.append(term_pos)
            hashed = _md5_hash(key)
            buckets[hashed & 255].append((hashed, term_pos))
            term_parts.append(pack_lengths(len(key), len(valbytes)))
            term_parts.append(key)
            term_parts.append(valbytes)
            term_pos += 8 + len(key) + len(valbytes)
        postfile.write(b"".join(post_parts))
        termfile.write(b"".join(term_parts))
    tindex.lastkey = lastkey

