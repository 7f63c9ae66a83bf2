"""What HTTP does with a message body: de-chunking, decompression, and handing the
entity to the media-type dissectors (only their columns and top items are reproduced).
"""

from __future__ import annotations

import zlib
from typing import Final
from urllib.parse import unquote_to_bytes

from dissectors.dispatch import BY_NAME
from dissectors.dispatch import MEDIA_TYPE as MEDIA_TABLE
from dissectors.escape import format_str, format_text
from dissectors.format import set_text_label
from dissectors.http_proto import HTTP, _text
from dissectors.json import JSON_MEDIA, dissect_json_media
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

# Content types handed to "Line-based text data" (packet-text-media.c).
TEXT_MEDIA: Final = frozenset({
    "text/html", "text/plain", "text/richtext", "text/css", "text/javascript",
    "application/x-javascript", "application/javascript", "application/x-tia",
    "text/vnd.sun.j2me.app-descriptor", "application/x-ns-proxy-autoconfig", "text/vcard",
    "text/x-component", "application/vnd.oma.drm.message", "text/x-vcard", "text/csv",
    "text/x-html", "text/x-markdown", "text/markdown", "text/x-python", "text/x-c",
})

CHUNK_SIZE: Final = HTTP.field("http.chunk_size", "Chunk size", FT.UINT32, Base.DEC)
CHUNK_DATA: Final = HTTP.field("http.chunk_data", "Chunk data", FT.BYTES)
CHUNK_BOUNDARY: Final = HTTP.field("http.chunk_boundary", "Chunk boundary", FT.BYTES)
CHUNKED_TRAILER: Final = HTTP.field("http.chunked_trailer_part", "trailer-part", FT.STRING)

# The media-type dissectors HTTP hands a body to; only their columns are reproduced.
TEXT_LINES: Final = protocol("data-text-lines", "Line-based text data", "Line-based text data")
URLENCODED: Final = protocol("urlencoded-form", "HTML Form URL Encoded", "URL Encoded Form Data")
FORM_KEY: Final = URLENCODED.field("urlencoded-form.key", "Key", FT.STRINGZ)
FORM_VALUE: Final = URLENCODED.field("urlencoded-form.value", "Value", FT.STRINGZ)
SUBDISSECTOR_FAILED: Final = HTTP.field("http.subdissector_failed",
                                 "HTTP body subdissector failed, trying heuristic subdissector",
                                 FT.NONE)
MEDIA: Final = protocol("media", "Media Type", "Media")
MEDIA_TYPE: Final = MEDIA.field("media.type", "Media type", FT.BYTES)


def _form_text(raw: bytes) -> str:
    """A form key or value as tshark's urlencoded dissector shows it: `+` is a space,
    `%XX` its byte, and the bytes are UTF-8."""
    return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8", errors="replace")


def _file_text(body: bytes) -> str:
    """http.file_data's value: an FT_STRING, so it ends at the first NUL as tshark's."""
    return _text(body.split(b"\0", 1)[0])


def _media_type(ctype: str) -> str:
    return ctype.split(";", 1)[0].strip().lower()



# Bounded work per packet: a body never inflates past this (a "zip bomb" stops here).
MAX_UNCOMPRESSED: Final = 16 << 20
# The Content-Encoding values whose bodies tshark 4.0 uncompresses.
ENCODINGS: Final = ("gzip", "x-gzip", "deflate", "br")


def _form_label(key: str, value: str) -> str:
    """A form item's label as tshark 4.0 builds it: 'Form item: "KEY"' (cut at the
    label's 239 bytes without a marker), then ' = "VALUE"' appended in what room is left."""
    label = set_text_label(format_str(f'Form item: "{key}"'))
    return set_text_label(label + format_str(f' = "{value}"'))


def _uncompress(data: bytes, encoding: str = "gzip") -> bytes | None:
    """gzip, zlib or raw deflate, as tvb_uncompress accepts them, or brotli ("br") as
    tvb_uncompress_brotli; None when it fails."""
    if encoding == "br":
        return _unbrotli(data)
    for wbits in (47, -15):
        try:
            out = zlib.decompressobj(wbits).decompress(data, MAX_UNCOMPRESSED)
        except zlib.error:
            continue
        if out:
            return out
    return None


def _unbrotli(data: bytes) -> bytes | None:
    """A brotli body, at most MAX_UNCOMPRESSED bytes of it; None when it fails (or when
    the brotli module is missing: tshark built without brotli shows the body as is)."""
    try:
        import brotli  # type: ignore[import-untyped]  # noqa: PLC0415 (optional at run time)
    except ImportError:
        return None
    try:
        out = brotli.Decompressor().process(data, output_buffer_limit=MAX_UNCOMPRESSED)
    except brotli.error:
        return None
    return out[:MAX_UNCOMPRESSED] or None


def _chunks(tvb: Tvb, pkt: Packet, top: Item, add, chunks: list[tuple[int, int, int, int]],  # noqa: ANN001
            trailer: tuple[int, int] | None) -> bytes:
    """The chunk tree; returns the de-chunked body."""
    start = chunks[0][0]
    end = trailer[1] if trailer else chunks[-1][3]
    ct = pkt.add_text(top, f"HTTP chunked {'response'}", start, end - start,
                      source=tvb.source)
    body = bytearray()
    for q, size, data, nxt in chunks:
        if size == 0:
            ci = pkt.add_text(ct, "End of chunked encoding", q, data - q, source=tvb.source)
            add(ci, CHUNK_SIZE, 0, q, data - q, "Chunk size: 0 octets")
            continue
        ci = pkt.add_text(ct, f"Data chunk ({size} octets)", q, nxt - q, source=tvb.source)
        add(ci, CHUNK_SIZE, size, q, data - q, f"Chunk size: {size} octets")
        piece = bytes(tvb.buf[data:min(data + size, tvb.end)])
        body += piece
        add(ci, CHUNK_DATA, piece, data, len(piece))
        if data + size + 2 <= tvb.end:
            add(ci, CHUNK_BOUNDARY, bytes(tvb.buf[data + size:data + size + 2]), data + size, 2)
    if trailer is not None:
        ts, te = trailer
        if te - ts > 2:
            add(ct, CHUNKED_TRAILER, _text(bytes(tvb.buf[ts:te - 2])), ts, te - ts - 2)
        pkt.add_text(ct, "\\r\\n", te - 2, 2, source=tvb.source)
    return bytes(body)


def _media(btvb: Tvb, pkt: Packet, session: Session, ctype: str | None,
           top: Item) -> None:
    """Hand the body on by its media type, as HTTP's media_type table does."""
    n = btvb.end - btvb.start
    if ctype is None:
        _nested_data(btvb, pkt, session, top)
        return
    ctype = ctype.split("\0", 1)[0]  # (tshark's content type is a C string)
    mtype = _media_type(ctype)
    src = btvb.source
    sub = MEDIA_TABLE.get(mtype)
    if sub is not None and sub(btvb, pkt, session) is False:
        # (the registered dissector refused the body: tshark notes it, shows it as media)
        session.current_proto = "http"
        pkt.add_expert(top, "note", "malformed", SUBDISSECTOR_FAILED.name, "http",
                       field=SUBDISSECTOR_FAILED)
        sub = None
    if sub is not None:
        return
    if mtype in TEXT_MEDIA and n > 38 and bytes(btvb.buf[btvb.start:btvb.start + 5]).lower() \
            == b"<?xml" and "xml" in BY_NAME:  # packet-text-media.c hands XML on
        pkt.protocols.append(TEXT_LINES.abbrev)
        BY_NAME["xml"](btvb, pkt, session)
    elif mtype in TEXT_MEDIA:
        raw = bytes(btvb.buf[btvb.start:btvb.end])
        lines = len(raw.splitlines()) or 1  # bytes split at LF, CR LF and a bare CR
        top = pkt.add_proto(TEXT_LINES, btvb.start, n,
                            f"Line-based text data: {mtype} ({lines} lines)", source=src)
        o = btvb.start
        if pkt.wanted is None:  # (tree-less, add_text under top makes nothing)
            for line in raw.splitlines(keepends=True):  # one label per line, as tshark
                pkt.add_text(top, format_text(line), o, len(line), source=src)
                o += len(line)
        pkt.append_info(f" ({mtype})")
    elif mtype == "application/x-www-form-urlencoded":
        top = pkt.add_proto(URLENCODED, btvb.start, n, "HTML Form URL Encoded: " + mtype,
                            source=src)
        pkt.append_info(f" ({mtype})")
        o = btvb.start
        for item in bytes(btvb.buf[btvb.start:btvb.end]).split(b"&"):
            rkey, _, rvalue = item.partition(b"=")
            key, value = _form_text(rkey), _form_text(rvalue)
            it = pkt.add_text(top, _form_label(key, value), o, len(item), source=src)
            pkt.add(it, FORM_KEY, key, o, len(rkey), source=src)
            pkt.add(it, FORM_VALUE, value, o + len(rkey) + 1, len(rvalue), source=src)
            o += len(item) + 1
    elif mtype in JSON_MEDIA and dissect_json_media(btvb, pkt, session, mtype):
        pass
    else:
        top = pkt.add_proto(MEDIA, btvb.start, n, "Media Type", source=src)
        # The label adds the parameters (`; charset=x`). Both texts are escaped, where
        # tshark 4.0 prints a header's control bytes raw here.
        params = ctype.partition(";")[2].lstrip()
        pkt.add(top, MEDIA_TYPE, bytes(btvb.buf[btvb.start:btvb.end]), btvb.start, n,
                format_str(f"Media type: {mtype}{'; ' + params if params else ''} "
                           f"({n} bytes)"), source=src)
        pkt.append_info(f" ({format_str(mtype)})")


def _nested_data(tvb: Tvb, pkt: Packet, session: Session, top: Item) -> None:
    """call_data_dissector(..., http_tree): the data layer nests under HTTP."""
    first = len(pkt.tree)
    BY_NAME["data"](tvb, pkt, session)
    moved = pkt.tree[first:]
    if moved:
        del pkt.tree[first:]
        top.children = (top.children or []) + moved


def _octet_stream(tvb: Tvb, pkt: Packet, session: Session) -> None:
    """application/octet-stream: tshark 4.0's media_type table holds an entry for it that
    ends in the data dissector, a layer of its own (not "Media Type" nor nested in HTTP)."""
    BY_NAME["data"](tvb, pkt, session)


MEDIA_TABLE.register("application/octet-stream", _octet_stream, "data")
