"""Small GIF, PNG and JPEG files written byte by byte (GIF89a/87a, PNG chunks with
their CRCs, JFIF/Exif markers), and an HTTP capture that serves them, for the image
media dissectors' differential tests."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from scapy.all import wrpcap
from tcpconv import tcp_conversation


def gif(version: bytes = b"89a", extensions: bool = True) -> bytes:
    out = b"GIF" + version + struct.pack("<HHBBB", 2, 2, 0xF0, 0, 0)
    out += b"\x00\x00\x00\xff\xff\xff"  # global colour table: 2 entries
    if extensions:
        out += b"\x21\xf9\x04\x00\x0a\x00\x00\x00"  # graphic control
        out += b"\x21\xfe\x05hello\x00"  # comment
        out += b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"  # application
    out += b"\x2c" + struct.pack("<HHHHB", 0, 0, 2, 2, 0)  # image descriptor
    out += b"\x02\x02\x44\x01\x00"  # LZW minimum code size, one data block
    return out + b"\x3b"


def _chunk(ctype: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(
        ">I", zlib.crc32(ctype + data) & 0xFFFFFFFF)


def png(extra: bool = True) -> bytes:
    out = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
    if extra:
        out += _chunk(b"tEXt", b"Comment\x00made by labshark")
        out += _chunk(b"pHYs", struct.pack(">IIB", 2835, 2835, 1))
        out += _chunk(b"gAMA", struct.pack(">I", 45455))
        out += _chunk(b"tIME", struct.pack(">HBBBBB", 2026, 12, 6, 17, 30, 5))
        out += _chunk(b"bKGD", struct.pack(">HHH", 255, 255, 255))
    out += _chunk(b"IDAT", zlib.compress(b"\x00" + b"\xff\x00\x00" * 2 + b"\x00" + b"\x00" * 6))
    return out + _chunk(b"IEND", b"")


def jpeg(app1: bool = False) -> bytes:
    """A baseline JFIF file (with an APP1 Exif header cut short when `app1`)."""
    out = b"\xff\xd8"
    out += b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x01" + \
        struct.pack(">HH", 72, 72) + b"\x00\x00"
    if app1:
        out += b"\xff\xe1" + struct.pack(">H", 8) + b"Exif\x00\x00"
    # (a comment whose length is one short: its last byte reads as entropy-coded data)
    out += b"\xff\xfe" + struct.pack(">H", 9) + b"labshark"
    out += b"\xff\xdb" + struct.pack(">H", 67) + b"\x00" + bytes(range(1, 65))
    out += b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, 2, 2, 3) + \
        b"\x01\x11\x00\x02\x11\x01\x03\x11\x01"
    out += b"\xff\xc4" + struct.pack(">H", 31) + b"\x00" + bytes([0, 1, 5, 1, 1, 1, 1, 1, 1] +
                                                                 [0] * 7) + bytes(range(12))
    out += b"\xff\xda" + struct.pack(">HB", 12, 3) + b"\x01\x00\x02\x11\x03\x11\x00\x3f\x00"
    out += b"\x12\x34\xff\x00\x56"  # entropy-coded data (a stuffed 0xff)
    return out + b"\xff\xd9"


def http_capture(path: Path, bodies: list[tuple[str, bytes]]) -> Path:
    """One HTTP/1.1 connection per body: GET, then a 200 response with that type."""
    pkts = []
    e = {"src": "02:00:00:00:00:01", "dst": "02:00:00:00:00:02"}
    c, s = "10.5.0.1", "10.5.0.2"
    for i, (ctype, body) in enumerate(bodies):
        req = f"GET /img{i} HTTP/1.1\r\nHost: img.example\r\n\r\n".encode()
        resp = (f"HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}"
                "\r\n\r\n").encode() + body
        pkts += tcp_conversation([(True, req), (False, resp)], client=c, server=s,
                                 cport=40000 + i, eth=e)
    for i, p in enumerate(pkts):
        p.time = 1_700_000_000 + i * 0.001
    wrpcap(str(path), pkts)
    return path


def _seg(marker: int, body: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


def all_images() -> list[tuple[str, bytes]]:
    """Bodies tshark 4.0 shows as images, and some it refuses (too short: as media)."""
    base = jpeg()[:20]
    markers = b""
    for m in [*range(0xC4, 0xD0), *range(0xDB, 0xE0), *range(0xE3, 0xFE)]:
        sof = 0xC0 <= m <= 0xCF and m not in (0xC4, 0xCC)
        markers += _seg(m, struct.pack(">BHHB", 8, 1, 1, 0) if sof else b"A")
    return [("image/gif", gif()), ("image/gif", gif(b"87a", False)), ("image/png", png()),
            ("image/png", png(False)), ("image/jpeg", jpeg()), ("image/jpg", jpeg()),
            ("image/pjpeg", jpeg()), ("image/gif", b"GIF89a\x01"),
            ("image/png", b"\x89PNG\r\n\x1a\n\x00\x00"), ("image/jpeg", b"\xff\xd8\xff\xe0"),
            # GIF: a local colour map, an aspect ratio, plain text and unknown extensions
            ("image/gif", b"GIF89a" + struct.pack("<HHBBB", 3, 4, 0x91, 1, 49) + bytes(12) +
             b"\x2c" + struct.pack("<HHHHB", 0, 0, 3, 4, 0xA1) + b"\x01" * 12 +
             b"\x02\x01\x07\x00\x3b"),
            ("image/gif", b"GIF89a" + struct.pack("<HHBBB", 3, 4, 0x11, 1, 0) +
             b"\x21\x01\x02ab\x00\x21\x42\x00\x3b"),
            ("image/gif", b"GIF89a" + struct.pack("<HHBBB", 3, 4, 0x91, 1, 49) + bytes(24) +
             b"\x3b"),  # (a colour map shorter than its size: unknown block types)
            # bodies cut at and around the 20 bytes tshark needs
            *[("image/png", png(False)[:n]) for n in (19, 20, 21)],
            *[("image/gif", gif()[:n]) for n in (19, 20, 21)],
            *[("image/jpeg", jpeg()[:n]) for n in (19, 20, 21)],
            ("image/jpeg", b"\xff\xd9" + jpeg()[2:]),
            # JPEG: every marker's name, APP1/APP2 identifiers
            ("image/jpeg", base + markers + b"\xff\xd0\xff\xd9"),
            ("image/jpeg", base + _seg(0xE1, b"http://ns.adobe.com/xap/1.0/\x00<x/>") +
             _seg(0xE2, b"ICC_PROFILE\x00\x01\x01abc") + b"\xff\xd9")]


Entry = tuple[int, int, int, bytes]  # tag, type, count, value bytes (in the TIFF's order)


def _ifd_size(entries: list[Entry]) -> int:
    return 2 + 12 * len(entries) + 4 + sum(len(v) + len(v) % 2 for *_, v in entries
                                           if len(v) > 4)


def _ifd(e: str, entries: list[Entry], at: int, nxt: int) -> bytes:
    """An IFD at TIFF offset `at`, its out-of-line values right after it."""
    data_at = at + 2 + 12 * len(entries) + 4
    head, data = struct.pack(e + "H", len(entries)), b""
    for tag, typ, count, raw in entries:
        head += struct.pack(e + "HHI", tag, typ, count)
        if len(raw) > 4:
            head += struct.pack(e + "I", data_at + len(data))
            data += raw + b"\0" * (len(raw) % 2)
        else:
            head += raw.ljust(4, b"\0")
    return head + struct.pack(e + "I", nxt) + data


def tiff(e: str, ifd0: list[Entry], exif: list[Entry] | None = None,
         gps: list[Entry] | None = None, ifd1: list[Entry] | None = None,
         start: int = 8, order: bytes | None = None) -> bytes:
    """A TIFF header and IFD0 (with pointers to the Exif and GPS IFDs when given), then
    those IFDs and IFD1; `e` is "<" (II) or ">" (MM)."""
    ptrs = [(0x8769, exif), (0x8825, gps)]
    ifd0 = ifd0 + [(tag, 4, 1, b"\0" * 4) for tag, sub in ptrs if sub is not None]
    at, layout = 8, []
    for sub in (ifd0, exif, gps, ifd1):
        layout.append(at if sub is not None else 0)
        at += _ifd_size(sub) if sub is not None else 0
    n = len(ifd0) - sum(sub is not None for _, sub in ptrs)
    for i, tag in enumerate([tag for tag, sub in ptrs if sub is not None]):
        ifd0[n + i] = (tag, 4, 1, struct.pack(e + "I", layout[1 if tag == 0x8769 else 2]))
    out = (order or (b"II" if e == "<" else b"MM")) + struct.pack(e + "HI", 42, start)
    out += _ifd(e, ifd0, 8, layout[3])
    for sub, where in ((exif, layout[1]), (gps, layout[2]), (ifd1, layout[3])):
        if sub is not None:
            out += _ifd(e, sub, where, 0)
    return out


def exif_entries(e: str) -> tuple[list[Entry], list[Entry], list[Entry], list[Entry]]:
    """IFD0, Exif, GPS and IFD1 entries of every value type, inline and out of line."""
    p = lambda f, *v: struct.pack(e + f, *v)  # noqa: E731
    ifd0 = [(0x010F, 2, 6, b"Canon\0"), (0x0110, 2, 15, b"EOS 5D Mark IV\0"),
            (0x0112, 3, 1, p("H", 1)), (0x011A, 5, 1, p("II", 72, 1)),
            (0x011B, 5, 1, p("II", 72, 1)), (0x0128, 3, 1, p("H", 2)),
            (0x0131, 2, 4, b"GIM\0"), (0x0132, 2, 20, b"2026:12:06 17:30:05\0"),
            (0x0213, 3, 1, p("H", 1)), (0x9999, 3, 2, p("HH", 7, 8))]
    exif = [(0x829A, 5, 1, p("II", 1, 250)), (0x829D, 5, 1, p("II", 28, 10)),
            (0x8827, 3, 1, p("H", 400)), (0x9000, 7, 4, b"0231"),
            (0x9003, 2, 20, b"2026:12:06 17:30:05\0"), (0x9201, 10, 1, p("ii", -5, 3)),
            (0x9209, 3, 1, p("H", 16)), (0x9101, 7, 4, b"\x01\x02\x03\x00"),
            (0xA002, 4, 1, p("I", 6000)), (0xA217, 1, 3, b"\x02\x03\x04"),
            (0x9204, 9, 1, p("i", -2)), (0x9286, 7, 12, b"ASCII\0\0\0hi!\0"),
            (0xA005, 4, 1, p("I", 0)), (0x9214, 8, 2, p("hh", -1, 2)),
            (0xA432, 5, 2, p("IIII", 24, 1, 70, 1))]
    gps = [(0x00, 1, 4, b"\x02\x03\x00\x00"), (0x01, 2, 2, b"N\0"),
           (0x02, 5, 3, p("IIIIII", 52, 1, 31, 1, 1234, 100)), (0x05, 1, 1, b"\x00"),
           (0x06, 5, 1, p("II", 34, 1))]
    ifd1 = [(0x0103, 3, 1, p("H", 6)), (0x0201, 4, 1, p("I", 4000)),
            (0x0202, 4, 1, p("I", 1234))]
    return ifd0, exif, gps, ifd1


def exif_jpeg(data: bytes, app0_first: bool = False) -> bytes:
    """A JPEG whose APP1 holds "Exif\\0\\0" and `data` (first, or after the APP0)."""
    app1 = _seg(0xE1, b"Exif\0\0" + data)
    rest = jpeg()[2:]
    if app0_first:
        return b"\xff\xd8" + rest[:18] + app1 + rest[18:]
    return b"\xff\xd8" + app1 + rest


def exif_images() -> list[tuple[str, bytes]]:
    """Exif in both byte orders, and the damage tshark reports or trips over."""
    out = []
    for e in "<>":
        ifd0, exif, gps, ifd1 = exif_entries(e)
        out.append(exif_jpeg(tiff(e, ifd0, exif, gps, ifd1)))
        out.append(exif_jpeg(tiff(e, ifd0[:3], exif[:4]), app0_first=True))
    ifd0, exif, _gps, _ifd1 = exif_entries("<")
    p = lambda f, *v: struct.pack("<" + f, *v)  # noqa: E731
    out += [
        exif_jpeg(tiff("<", ifd0[:2], start=4)),  # IFD0 offset inside the header
        exif_jpeg(tiff("<", ifd0[:2], order=b"XY")),  # neither II nor MM
        exif_jpeg(tiff("<", [(0x010F, 2, 9, b"x")])[:18] + p("I", 5000) + b"\0" * 4),
        exif_jpeg(b"II" + p("HI", 42, 8) + p("H", 1) + p("HHI", 0x0112, 3, 1) + p("HH", 1, 0)
                  + p("I", 9)),  # a next IFD before this one's end
        exif_jpeg(b"II" + p("HI", 42, 8) + p("H", 1) + p("HHII", 0x8769, 4, 1, 9000) +
                  p("I", 0)),  # an Exif IFD pointer past the segment
        exif_jpeg(b"II" + p("HI", 42, 8) + p("H", 300) + b"\0" * 20),  # 300 entries
        exif_jpeg(b"MM\0*"),  # the header cut short
        exif_jpeg(tiff("<", ifd0, [(0x9000, 7, 400, b"abcd" * 100)])[:-300]),  # value cut
    ]
    return [("image/jpeg", body) for body in out]
