"""Line helpers shared by the text protocols over TCP (FTP, SMTP, POP, IMAP, Telnet's
neighbours): Wireshark's tvb_find_line_end, the text of a line as a tree label, and the
"Line-based text data" tree (packet-text-media.c) some of them hand their payload to.
"""

from __future__ import annotations

from dissectors.escape import format_text
from dissectors.http_body import TEXT_LINES
from dissectors.packet import Item, Packet
from dissectors.tvb import Tvb


def line_end(buf: bytes | memoryview, off: int, end: int) -> tuple[int, int]:
    """(end of the line's text, start of the next line) in buf[off:end], as
    tvb_find_line_end without desegmentation: a line ends at LF, CR LF or a bare CR; a
    last line without an end runs to `end`."""
    for i in range(off, end):
        c = buf[i]
        if c == 0x0A:
            return i, i + 1
        if c == 0x0D:
            if i + 1 < end and buf[i + 1] == 0x0A:
                return i, i + 2
            return i, i + 1
    return end, end


def lines(buf: bytes | memoryview, off: int, end: int) -> list[tuple[int, int, int]]:
    """Every line of buf[off:end] as (start, end of text, start of next)."""
    out = []
    while off < end:
        eol, nxt = line_end(buf, off, end)
        out.append((off, eol, nxt))
        off = nxt
    return out


def utf8(raw: bytes | memoryview) -> str:
    """An ENC_UTF_8 string: invalid sequences become U+FFFD."""
    return bytes(raw).decode("utf-8", "replace")


def add_line(pkt: Packet, parent: Item | None, tvb: Tvb, start: int, nxt: int) -> Item:
    """A line, terminator included, as a label-only item (proto_tree_add_format_text)."""
    text = format_text(tvb.buf[start:nxt]) if pkt.tree_on else ""
    return pkt.add_text(parent, text, start, nxt - start, source=tvb.source)


def add_text_lines(pkt: Packet, tvb: Tvb, off: int, end: int, parent: Item | None = None,
                   label: str = "Line-based text data") -> Item:
    """The data-text-lines protocol over buf[off:end]: one label per line."""
    found = lines(tvb.buf, off, end)
    top = pkt.add_proto(TEXT_LINES, off, end - off, f"{label} ({len(found)} lines)",
                        source=tvb.source)
    for start, _eol, nxt in found:
        add_line(pkt, top, tvb, start, nxt)
    return top
