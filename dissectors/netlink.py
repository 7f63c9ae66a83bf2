"""Linux netlink in a Linux cooked capture (ARPHRD_NETLINK, 824), as tshark 4.0 shows it.

The SLL dissector hands the whole frame over (its header is netlink's "cooked header":
hardware type at offset 2, the netlink family where SLL v1 has its protocol, offset 14),
then messages follow until fewer than 16 bytes remain:
  nlmsghdr:  length (4) | type (2) | flags (2) | sequence (4) | port ID (4)
in the capturing host's byte order, guessed as Wireshark does: the order in which the
first length is nearer the bytes that remain. Each message is a top-level "Netlink
message" subtree (no protocol item) with the header, then an error message's code and
the header it quotes, or the payload as `data`. A length under 16 ends the dissection.
Checked against tshark only for the families tshark 4.0 has no sub-dissector for (not
done: rtnetlink 0, sock_diag 4, netfilter 12 and generic netlink 16, whose protocol-
specific messages tshark decodes further; labshark shows their payload as data).
"""

from __future__ import annotations

from dissectors.data import DATA, add_data_fields
from dissectors.dispatch import register_dissector
from dissectors.netlink_names import ERRORS, FAMILIES
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, Field, protocol
from dissectors.session import Session
from dissectors.time_text import plural
from dissectors.tvb import Tvb

ARPHRD_NETLINK = 824
HEADER = 16  # the cooked header, and a message header
MIN_TYPE = 0x10  # below: the control messages every family shares
ERROR = 2
TYPES = {1: "Nothing", 2: "Error", 3: "End of a dump", 4: "Data lost"}

NETLINK = protocol("netlink", "Linux netlink protocol", "NETLINK")
HATYPE = NETLINK.field("netlink.hatype", "Link-layer address type", FT.UINT16, Base.DEC,
                       strings={ARPHRD_NETLINK: "Netlink"})
FAMILY = NETLINK.field("netlink.family", "Family", FT.UINT16, Base.HEX, strings=FAMILIES)
LEN = NETLINK.field("netlink.hdr_len", "Length", FT.UINT32, Base.DEC)
TYPE = NETLINK.field("netlink.hdr_type", "Message type", FT.UINT16, Base.HEX, strings=TYPES)
FLAGS = NETLINK.field("netlink.hdr_flags", "Flags", FT.UINT16, Base.HEX)
SEQ = NETLINK.field("netlink.hdr_seq", "Sequence", FT.UINT32, Base.DEC)
PID = NETLINK.field("netlink.hdr_pid", "Port ID", FT.UINT32, Base.DEC)
ERROR_CODE = NETLINK.field("netlink.error", "Error code", FT.INT32, Base.DEC, strings=ERRORS)


def _flag(abbrev: str, name: str, mask: int) -> Field:
    return NETLINK.field(abbrev, name, FT.UINT16, Base.DEC, bitmask=mask)


_STANDARD = (_flag("netlink.hdr_flags.request", "Request", 0x1),
             _flag("netlink.hdr_flags.multi", "Multipart message", 0x2),
             _flag("netlink.hdr_flags.ack", "Ack", 0x4),
             _flag("netlink.hdr_flags.echo", "Echo", 0x8),
             _flag("netlink.hdr_flags.dump_intr", "Dump inconsistent", 0x10),
             _flag("netlink.hdr_flags.dump_filtered", "Dump filtered", 0x20))
# A request with any of bits 8-11 set is shown both ways: as a GET and as a NEW request.
_GET = (*_STANDARD, _flag("netlink.hdr_flags.root", "Specify tree root", 0x100),
        _flag("netlink.hdr_flags.match", "Return all matching", 0x200),
        _flag("netlink.hdr_flags.atomic", "Atomic", 0x400))
_NEW = (*_STANDARD, _flag("netlink.hdr_flags.replace", "Replace", 0x100),
        _flag("netlink.hdr_flags.excl", "Excl", 0x200),
        _flag("netlink.hdr_flags.create", "Create", 0x400),
        _flag("netlink.hdr_flags.append", "Append", 0x800))


class _Reader:
    """The header fields in the guessed byte order, bounded by the frame."""

    def __init__(self, tvb: Tvb, little: bool) -> None:
        self.tvb = tvb
        self.u16 = tvb.u16le if little else tvb.u16
        self.u32 = tvb.u32le if little else tvb.u32


def _header(pkt: Packet, parent: Item, rd: _Reader, off: int) -> int:
    """dissect_netlink_header: the 16-byte nlmsghdr as a subtree; the offset after it."""
    src = rd.tvb.source
    mtype = rd.u16(off + 4)
    shown = TYPES.get(mtype, f"0x{mtype:04x}") if mtype < MIN_TYPE else f"0x{mtype:04x}"
    hdr = pkt.add_text(parent, f"Netlink message header (type: {shown})", off, HEADER,
                       source=src)
    pkt.add(hdr, LEN, rd.u32(off), off, 4, source=src)
    label = None
    if mtype >= MIN_TYPE:
        label = f"Message type: Protocol-specific (0x{mtype:04x})"
    elif mtype not in TYPES:
        label = f"Message type: Unknown (0x{mtype:04x})"
    pkt.add(hdr, TYPE, mtype, off + 4, 2, label, source=src)
    flags = rd.u16(off + 6)
    sets = (_GET, _NEW) if flags & 0x1 and flags & 0x0F00 else (_STANDARD,)
    for bits in sets:
        fi = pkt.add(hdr, FLAGS, flags, off + 6, 2, source=src)
        for f in bits:
            pkt.add(fi, f, (flags & f.bitmask) >> f.shift, off + 6, 2, source=src)
    pkt.add(hdr, SEQ, rd.u32(off + 8), off + 8, 4, source=src)
    pkt.add(hdr, PID, rd.u32(off + 12), off + 12, 4, source=src)
    return off + HEADER


def _data(pkt: Packet, parent: Item, tvb: Tvb, off: int, n: int) -> None:
    """call_data_dissector under the message: a `data` layer inside its subtree."""
    sub = tvb.sub(off, n)
    data = tvb.bytes(off, sub.end - off)
    assert DATA.proto_field is not None
    item = pkt.add(parent, DATA.proto_field, data, off, len(data),
                   f"Data ({plural(len(data), 'byte')})", source=tvb.source)
    pkt.protocols.append(DATA.abbrev)
    add_data_fields(pkt, item, data, off, tvb.source)


def dissect_netlink(tvb: Tvb, pkt: Packet, session: Session) -> bool:
    """The cooked header, then the messages; False when it is no netlink frame."""
    off = tvb.start
    if tvb.u16(off + 2) != ARPHRD_NETLINK:
        return False
    session.current_proto = "netlink"
    pkt.proto_col = "Netlink"
    pkt.clear_info()
    src = tvb.source
    top = pkt.add_proto(NETLINK, off, HEADER, "Linux netlink (cooked header)", source=src)
    pkt.add(top, HATYPE, ARPHRD_NETLINK, off + 2, 2, source=src)
    family = tvb.u16(off + 14)
    pkt.add(top, FAMILY, family, off + 14, 2, None if family in FAMILIES else
            f"Family: Unknown (0x{family:04x})", source=src)
    off += HEADER
    rem = tvb.rend - off
    little = True
    if rem >= 4 and off + 4 <= tvb.end:
        little = abs(tvb.u32(off) - rem) >= abs(tvb.u32le(off) - rem)
    rd = _Reader(tvb, little)
    while tvb.rend - off >= HEADER:
        length = rd.u32(off)
        if length < HEADER:
            hdr = pkt.add_text(None, "Netlink message header", off, 4, source=src)
            pkt.add(hdr, LEN, length, off, 4, source=src)
            break
        tvb.need(off, length)  # a length past the frame: malformed, as tshark's subtree
        mtype = rd.u16(off + 4)
        # (top-level text items, made tree-less too: io,phs counts them as "text", as
        # tshark; what goes under them is made only for a run that reads it)
        msg = pkt.add_text(None, "Netlink message", off, length, source=src)
        body = _header(pkt, msg, rd, off)
        if mtype == ERROR:
            code = _signed(rd.u32(body))
            pkt.add(msg, ERROR_CODE, code, body, 4, None if code in ERRORS else
                    f"Error code: Unknown ({code})", source=src)
            _header(pkt, msg, rd, body + 4)
        elif length > HEADER:
            _data(pkt, msg, tvb, body, length - HEADER)
        off += length
    return True


def _signed(v: int) -> int:
    return v - (1 << 32) if v & 0x80000000 else v


register_dissector("netlink", dissect_netlink)
