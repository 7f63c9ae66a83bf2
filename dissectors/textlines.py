"""Line helpers shared by the text protocols over TCP (FTP, SMTP, POP, IMAP, Telnet's
neighbours): Wireshark's tvb_find_line_end, the text of a line as a tree label, and the
"Line-based text data" tree (packet-text-media.c) some of them hand their payload to.
"""

from __future__ import annotations

from dissectors.escape import format_text
from dissectors.http_body import TEXT_LINES
from dissectors.packet import Item, Packet
from dissectors.registry import Field
from dissectors.session import Session
from dissectors.tvb import Tvb


def tcp_ports(pkt: Packet) -> tuple[int, int]:
    """The ports of the TCP segment carrying this payload (the innermost one): which
    side is the client (Wireshark's match_uint == destport)."""
    return pkt.srcport, pkt.dstport  # (as TCP set them)


def line_end(buf: bytes | memoryview, off: int, end: int) -> tuple[int, int]:
    """(end of the line's text, start of the next line) in buf[off:end], as
    tvb_find_line_end without desegmentation: a line ends at LF, CR LF or a bare CR; a
    last line without an end runs to `end`."""
    if isinstance(buf, bytes):  # (reassembled data can be large: no byte loop)
        lf = buf.find(b"\n", off, end)
        cr = buf.find(b"\r", off, end if lf < 0 else lf)
        if cr >= 0:
            return cr, cr + (2 if cr + 1 < end and buf[cr + 1] == 0x0A else 1)
        return (end, end) if lf < 0 else (lf, lf + 1)
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
    text = f"{label} ({len(found)} lines)"
    if parent is None:
        top = pkt.add_proto(TEXT_LINES, off, end - off, text, source=tvb.source)
    else:  # (inside the caller's tree, as SMTP shows a DATA fragment)
        assert TEXT_LINES.proto_field is not None
        top = pkt.add(parent, TEXT_LINES.proto_field, text, off, end - off, text,
                      source=tvb.source)
        pkt.protocols.append(TEXT_LINES.abbrev)
    for start, _eol, nxt in found:
        add_line(pkt, top, tvb, start, nxt)
    return top


class DataFragments:
    """The "DATA fragments" tree SMTP and POP show on the frame that completes a
    message (process_reassembled_data): none when one frame holds all of it."""

    def __init__(self, fragments: Field, fragment: Field, count: Field,
                 length: Field, reassembled_in: Field) -> None:
        self.fragments, self.fragment, self.count, self.length = (
            fragments, fragment, count, length)
        self.reassembled_in = reassembled_in

    def mark(self, session: Session, proto: str, frags: list[tuple[int, bytes]],
             frame: int) -> None:
        """First pass of -2: remember where each earlier fragment was reassembled."""
        if session.pass_no == 1 and session.two_pass:
            where = session.state(f"pass1:{proto}.reassembled_in", dict)
            for n, _d in frags:
                if n != frame:
                    where[n] = frame

    def show_in(self, pkt: Packet, session: Session, proto: str, parent: Item) -> None:
        """Second pass of -2: a fragment's "Reassembled DATA in frame"."""
        if session.pass_no == 2:
            n = session.state(f"pass1:{proto}.reassembled_in", dict).get(pkt.frame.number)
            if n:
                pkt.add(parent, self.reassembled_in, n, 0, 0, generated=True)

    def show(self, pkt: Packet, parent: Item, frags: list[tuple[int, bytes]],
             always: bool = False) -> Tvb:
        """The reassembled bytes as a new data source; the tree unless one fragment of
        this frame is all of it (SMTP, ending with fragment_end_seq_next: `always`)."""
        whole = b"".join(d for _n, d in frags)
        if not always and len(frags) == 1 and frags[0][0] == pkt.frame.number:
            src = pkt.add_source("Reassembled DATA", whole)
            return Tvb(whole, source=src)
        src = pkt.add_source(f"Reassembled DATA ({len(whole)} bytes)", whole)
        parts = ", ".join(f"#{n}({len(d)})" for n, d in frags)
        ft = pkt.add(parent, self.fragments, None, 0, len(whole),
                     f"{len(frags)} DATA fragment{'' if len(frags) == 1 else 's'} "
                     f"({len(whole)} bytes): {parts}",
                     source=src, generated=True)
        o = 0
        for n, d in frags:
            pkt.add(ft, self.fragment, n, o, len(d),
                    f"Frame: {n}, payload: {o}-{o + len(d) - 1} ({len(d)} byte{'' if len(d) == 1 else 's'})",
                    source=src, generated=True)
            o += len(d)
        pkt.add(ft, self.count, len(frags), 0, 0, generated=True, source=src)
        pkt.add(ft, self.length, len(whole), 0, 0, generated=True, source=src)
        return Tvb(whole, source=src)


def wait_for_line(tvb: Tvb, pkt: Packet) -> bool:
    """tvb_find_line_end with desegmentation: when the first line has no end yet (or
    ends in a CR that an LF may follow) and TCP can reassemble, ask it for one more
    segment (the caller then returns without a tree)."""
    b, off, end = tvb.buf, tvb.start, tvb.end
    for i in range(off, end):
        c = b[i]
        if c == 0x0A or (c == 0x0D and i + 1 < end):
            return False
    if not pkt.can_desegment or tvb.end < tvb.rend:
        return False
    pkt.desegment = (off, -1)
    return True
