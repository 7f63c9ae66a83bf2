"""JPEG File Interchange Format as tshark 4.0's image-jfif dissector shows an HTTP body of
type image/jpeg: the markers in order, the APP0 JFIF header, comments, frame and scan
headers with their components, other segments as "Remaining segment data", and the
entropy-coded data between them; Info gets " (JPEG JFIF image)". A body shorter than 20
bytes, not starting with SOI or whose first segment is neither JFIF nor Exif is refused
(HTTP then shows it as media). An APP1 Exif segment's TIFF directories are decoded by
image_jfif_exif.py."""

from __future__ import annotations

from dissectors import image_jfif_exif
from dissectors.dispatch import MEDIA_TYPE, register_dissector
from dissectors.escape import format_text
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.tvb import ReportedBoundsError, Tvb

JFIF = protocol("image-jfif", "JPEG File Interchange Format", "JFIF (JPEG) image")
image_jfif_exif.declare(JFIF)
U8, U16, DEC = FT.UINT8, FT.UINT16, Base.DEC
P = "image-jfif."
_SOF = "Start of Frame (non-differential, Huffman coding) - "
MARKERS = {
    0xFFC0: _SOF + "Baseline DCT", 0xFFC1: _SOF + "Extended sequential DCT",
    0xFFC2: _SOF + "Progressive DCT", 0xFFC3: _SOF + "Lossless (sequential)",
    0xFFC4: "Define Huffman table(s)",
    0xFFC5: "Start of Frame (differential, Huffman coding) - Differential sequential DCT",
    0xFFC6: "Start of Frame (differential, Huffman coding) - Differential progressive DCT",
    0xFFC7: "Start of Frame (differential, Huffman coding) - Differential lossless (sequential)",
    0xFFC8: "Start of Frame (non-differential, arithmetic coding) - Reserved for JPEG extensions",
    0xFFC9: "Start of Frame (non-differential, arithmetic coding) - Extended sequential DCT",
    0xFFCA: "Start of Frame (non-differential, arithmetic coding) - Progressive DCT",
    0xFFCB: "Start of Frame (non-differential, arithmetic coding) - Lossless (sequential)",
    0xFFCC: "Define arithmetic coding conditioning(s)",
    0xFFCD: "Start of Frame (differential, arithmetic coding) - Differential sequential DCT",
    0xFFCE: "Start of Frame (differential, arithmetic coding) - Differential progressive DCT",
    0xFFCF: "Start of Frame (differential, arithmetic coding) - Differential lossless "
            "(sequential)",
    **{0xFFD0 + i: f"Restart interval termination - Restart with modulo 8 count {i}"
       for i in range(8)},
    0xFFD8: "Start of Image", 0xFFD9: "End of Image", 0xFFDA: "Start of Scan",
    0xFFDB: "Define quantization table(s)", 0xFFDC: "Define number of lines",
    0xFFDD: "Define restart interval", 0xFFDE: "Define hierarchical progression",
    0xFFDF: "Expand reference component(s)",
    **{0xFFE0 + i: f"Reserved for application segments - {i}" for i in range(16)},
    **{0xFFF0 + i: f"Reserved for JPEG extensions - {i}" for i in range(14)},
    0xFFFE: "Comment",
}
MARKER = JFIF.field(P + "marker", "Marker", U16, Base.HEX, strings=MARKERS)
SEGMENT = JFIF.field(P + "marker_segment", "Marker segment", FT.NONE)
LENGTH = JFIF.field(P + "length", "Length", U16, DEC)
IDENTIFIER = JFIF.field(P + "identifier", "Identifier", FT.STRINGZ)
VERSION = JFIF.field(P + "version", "Version", FT.NONE)
MAJOR = JFIF.field(P + "version.major", "Major Version", U8, DEC)
MINOR = JFIF.field(P + "version.minor", "Minor Version", U8, DEC)
UNITS = JFIF.field(P + "units", "Units", U8, DEC,
                   strings={0: "No units; X and Y specify pixel aspect ratio",
                            1: "Dots per inch", 2: "Dots per centimeter"})
DENSITY = (JFIF.field(P + "Xdensity", "Xdensity", U16, DEC),
           JFIF.field(P + "Ydensity", "Ydensity", U16, DEC))
THUMB = (JFIF.field(P + "Xthumbnail", "Xthumbnail", U16, DEC),
         JFIF.field(P + "Ythumbnail", "Ythumbnail", U16, DEC))
RGB = JFIF.field(P + "RGB", "RGB values of thumbnail pixels", FT.BYTES)
SOF = JFIF.field(P + "sof", "Start of Frame header", FT.NONE)
SOF_FIELDS = (JFIF.field(P + "sof.precision", "Sample Precision (bits)", U8, DEC),
              JFIF.field(P + "sof.lines", "Lines", U16, DEC),
              JFIF.field(P + "sof.samples_per_line", "Samples per line", U16, DEC),
              JFIF.field(P + "sof.nf", "Number of image components in frame", U8, DEC))
SOF_C = JFIF.field(P + "sof.c_i", "Component identifier", U8, DEC)
SOF_H = JFIF.field(P + "sof.h_i", "Horizontal sampling factor", U8, DEC, bitmask=0xF0)
SOF_V = JFIF.field(P + "sof.v_i", "Vertical sampling factor", U8, DEC, bitmask=0x0F)
SOF_TQ = JFIF.field(P + "sof.tq_i", "Quantization table destination selector", U8, DEC)
SOS = JFIF.field(P + "header.sos", "Start of Segment header", FT.NONE)
SOS_NS = JFIF.field(P + "sos.ns", "Number of image components in scan", U8, DEC)
SOS_CS = JFIF.field(P + "sos.component_selector", "Scan component selector", U8, DEC)
SOS_DC = JFIF.field(P + "sos.dc_entropy_selector", "DC entropy coding table destination selector",
                    U8, DEC, bitmask=0xF0)
SOS_AC = JFIF.field(P + "sos.ac_entropy_selector", "AC entropy coding table destination selector",
                    U8, DEC, bitmask=0x0F)
SOS_SS = JFIF.field(P + "sos.ss", "Start of spectral or predictor selection", U8, DEC)
SOS_SE = JFIF.field(P + "sos.se", "End of spectral selection", U8, DEC)
SOS_AH = JFIF.field(P + "sos.ah", "Successive approximation bit position high", U8, DEC,
                    bitmask=0xF0)
SOS_AL = JFIF.field(P + "sos.al",
                    "Successive approximation bit position low or point transform", U8, DEC,
                    bitmask=0x0F)
COMMENT_HEADER = JFIF.field(P + "header.comment", "Comment header", FT.NONE)
COMMENT = JFIF.field(P + "comment", "Comment", FT.STRING)
REMAIN = JFIF.field(P + "remain_seg_data", "Remaining segment data", FT.BYTES)
NOT_JFIF = JFIF.field(P + "app0-identifier-not-jfif", "Initial App0 segment with \"JFIF\" "
                      "Identifier not found", FT.NONE)
ENTROPY = JFIF.field(P + "entropy_coded_segment",
                     "Entropy-coded segment (dissection is not yet implemented)", FT.BYTES)
#: Markers that stand alone (no length): SOI, EOI, RSTn, TEM.
_STANDALONE = frozenset({0xFFD8, 0xFFD9, 0xFF01, *range(0xFFD0, 0xFFD8)})


def dissect_jfif(tvb: Tvb, pkt: Packet, session: Session) -> bool | None:
    start, end = tvb.start, tvb.rend
    if end - start < 20 or tvb.u16(start) != 0xFFD8:
        return False
    first_exif = tvb.bytes(start + 6, 5) == b"Exif\0"
    if not first_exif and tvb.bytes(start + 6, 5) != b"JFIF\0":
        return False  # (tshark wants "JFIF" or "Exif" as the first segment's identifier)
    session.current_proto = "image-jfif"
    src = tvb.source
    pkt.append_info(" (JPEG JFIF image)")
    top = pkt.add_proto(JFIF, start, end - start, source=src)
    off = start
    count = 0
    while off < end and count < 65536:
        count += 1
        if tvb.u8(off) != 0xFF or tvb.u8(off + 1) in (0x00, 0xFF):
            off = _entropy(tvb, pkt, top, off, end)
            continue
        marker = tvb.u16(off)
        if marker in _STANDALONE:
            pkt.add(top, MARKER, marker, off, 2, _marker_text(marker), source=src)
            off += 2
            if marker == 0xFFD9:
                break
            continue
        off = _segment(tvb, pkt, top, off, marker, first_exif)
        if marker == 0xFFE1:
            first_exif = False
    return None


def _marker_text(marker: int) -> str:
    return f"Marker: {MARKERS.get(marker, 'Unknown')} (0x{marker:04x})"


def _entropy(tvb: Tvb, pkt: Packet, top: Item, off: int, end: int) -> int:
    """Bytes up to the next marker (0xff followed by neither 0x00 nor a restart)."""
    at = off
    while at < end:
        if tvb.u8(at) == 0xFF and at + 1 < end and tvb.u8(at + 1) != 0x00 and \
                not 0xD0 <= tvb.u8(at + 1) <= 0xD7 and at > off:
            break
        at += 1
    pkt.add(top, ENTROPY, tvb.bytes(off, at - off), off, at - off, source=tvb.source)
    return at


def _segment(tvb: Tvb, pkt: Packet, top: Item, off: int, marker: int,
             first_exif: bool = False) -> int:
    src = tvb.source
    name = MARKERS.get(marker, "Unknown")
    length = tvb.u16(off + 2)
    if 0xFFC0 <= marker <= 0xFFCF and marker not in (0xFFC4, 0xFFCC):
        field, label = SOF, "Start of Frame header"
    elif marker == 0xFFDA:
        field, label = SOS, "Start of Segment header"
    elif marker == 0xFFFE:
        field, label = COMMENT_HEADER, "Comment header"
    else:
        field, label = SEGMENT, "Marker segment"
    seg = pkt.add(top, field, None, off, 2 + length, f"{label}: {name} (0x{marker:04X})",
                  source=src)
    pkt.add(seg, MARKER, marker, off, 2, _marker_text(marker), source=src)
    pkt.add(seg, LENGTH, length, off + 2, 2, source=src)
    at, stop = off + 4, off + 2 + length
    if marker == 0xFFE0 and length >= 16 and tvb.bytes(at, 5) == b"JFIF\0":
        _app0(tvb, pkt, seg, at, stop)
    elif marker in (0xFFE1, 0xFFE2):
        _app_identifier(tvb, pkt, seg, at, stop, marker == 0xFFE1, first_exif)
    elif field is SOF:
        _sof(tvb, pkt, seg, at)
    elif field is SOS:
        _sos(tvb, pkt, seg, at)
    elif field is COMMENT_HEADER:
        tvb.need(at, length - 2)
        text = tvb.bytes(at, length - 2)
        pkt.add(seg, COMMENT, text.decode("latin-1"), at, length - 2,
                "Comment: " + format_text(text.split(b"\0")[0]), source=src)
    elif length > 2:
        tvb.need(at, length - 2)
        pkt.add(seg, REMAIN, tvb.bytes(at, length - 2), at, length - 2,
                f"Remaining segment data: {length - 2} bytes", source=src)
    return stop


def _app0(tvb: Tvb, pkt: Packet, seg: Item, at: int, stop: int) -> None:
    src = tvb.source
    pkt.add(seg, IDENTIFIER, "JFIF", at, 5, source=src)
    major, minor = tvb.u8(at + 5), tvb.u8(at + 6)
    ver = pkt.add(seg, VERSION, None, at + 5, 2, f"Version: {major}.{minor}", source=src)
    pkt.add(ver, MAJOR, major, at + 5, 1, source=src)
    pkt.add(ver, MINOR, minor, at + 6, 1, source=src)
    pkt.add(seg, UNITS, tvb.u8(at + 7), at + 7, 1, source=src)
    for i, f in enumerate(DENSITY):
        pkt.add(seg, f, tvb.u16(at + 8 + 2 * i), at + 8 + 2 * i, 2, source=src)
    xt, yt = tvb.u8(at + 12), tvb.u8(at + 13)
    pkt.add(seg, THUMB[0], xt, at + 12, 1, source=src)
    pkt.add(seg, THUMB[1], yt, at + 13, 1, source=src)
    n = 3 * xt * yt
    if n:
        pkt.add(seg, RGB, tvb.bytes(at + 14, n), at + 14, n, source=src)


def _app_identifier(tvb: Tvb, pkt: Packet, seg: Item, at: int, stop: int, app1: bool = False,
                    first_exif: bool = False) -> None:
    """APP1/APP2: a NUL-terminated identifier; an APP1 Exif body is TIFF data
    (image_jfif_exif.py), other bodies remaining segment data."""
    src = tvb.source
    raw = bytes(tvb.buf[at:tvb.end])
    nul = raw.find(b"\0")
    if nul < 0:
        tvb.need(at, tvb.rend - at + 1)  # (the string runs off the packet: malformed)
    ident = raw[:nul]
    rest = stop - (at + nul + 1)
    if rest < 0:
        raise ReportedBoundsError()  # (the identifier runs past its segment)
    exif = app1 and ident == b"Exif"
    item = pkt.add(seg, IDENTIFIER, ident.decode("latin-1"), at, nul + 1,
                   f"Identifier: {format_text(ident)}" + ("" if exif else " (Unknown identifier)"),
                   source=src)
    if first_exif and app1 and ident != b"JFIF":
        pkt.add_expert(item, "warning", "protocol", NOT_JFIF.name, "image-jfif", field=NOT_JFIF)
    if exif:
        # (one byte after the identifier is skipped, the TIFF header follows; offsets
        # in it count from there, bounded by the segment)
        image_jfif_exif.dissect_tiff(tvb.sub(at, stop - at), pkt, seg, at + nul + 2)
        return
    if rest > 0:
        tvb.need(at + nul + 1, rest)
        pkt.add(seg, REMAIN, tvb.bytes(at + nul + 1, rest), at + nul + 1, rest,
                f"Remaining segment data: {rest} bytes", source=src)


def _sof(tvb: Tvb, pkt: Packet, seg: Item, at: int) -> None:
    src = tvb.source
    values = (tvb.u8(at), tvb.u16(at + 1), tvb.u16(at + 3), tvb.u8(at + 5))
    for f, v, o, w in zip(SOF_FIELDS, values, (0, 1, 3, 5), (1, 2, 2, 1), strict=True):
        pkt.add(seg, f, v, at + o, w, source=src)
    p = at + 6
    for _ in range(values[3]):
        pkt.add(seg, SOF_C, tvb.u8(p), p, 1, source=src)
        hv = tvb.u8(p + 1)
        pkt.add(seg, SOF_H, hv >> 4, p + 1, 1, source=src)
        pkt.add(seg, SOF_V, hv & 15, p + 1, 1, source=src)
        pkt.add(seg, SOF_TQ, tvb.u8(p + 2), p + 2, 1, source=src)
        p += 3


def _sos(tvb: Tvb, pkt: Packet, seg: Item, at: int) -> None:
    src = tvb.source
    ns = tvb.u8(at)
    pkt.add(seg, SOS_NS, ns, at, 1, source=src)
    p = at + 1
    for _ in range(ns):
        pkt.add(seg, SOS_CS, tvb.u8(p), p, 1, source=src)
        t = tvb.u8(p + 1)
        pkt.add(seg, SOS_DC, t >> 4, p + 1, 1, source=src)
        pkt.add(seg, SOS_AC, t & 15, p + 1, 1, source=src)
        p += 2
    pkt.add(seg, SOS_SS, tvb.u8(p), p, 1, source=src)
    pkt.add(seg, SOS_SE, tvb.u8(p + 1), p + 1, 1, source=src)
    a = tvb.u8(p + 2)
    pkt.add(seg, SOS_AH, a >> 4, p + 2, 1, source=src)
    pkt.add(seg, SOS_AL, a & 15, p + 2, 1, source=src)


for _mt in ("image/jfif", "image/jpg", "image/jpeg", "image/pjpeg"):
    MEDIA_TYPE.register(_mt, dissect_jfif, "image-jfif")
register_dissector("image-jfif", dissect_jfif)
