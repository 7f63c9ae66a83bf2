"""X11 (the X Window System core protocol) on TCP ports 6000-6063, as tshark 4.0 shows it.

The client states the connection's byte order in its setup ('l' little, 'B' big endian),
so the byte order, the request sequence numbers (a reply names the request it answers by
number) and the extension names the server announced are kept per TCP stream.

    request:  opcode(1) data(1) length(2, in 4-byte units) body
    reply:    1(1) data(1) sequence(2) length(4, extra 4-byte units) 24 bytes [extra]
    event:    code 2-127(1) detail(1) sequence(2) 28 bytes
    error:    0(1) code(1) sequence(2) bad value(4) minor(2) major(1) 21 unused

Decoded requests: CreateWindow, MapWindow-style (one window), InternAtom, QueryExtension,
GetProperty, NoOperation; replies to InternAtom, QueryExtension, GetProperty; Expose and
MapNotify events; the errors. Other messages show their header and "undecoded".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dissectors import x11_body as body
from dissectors.dispatch import TCP_PORT, register_dissector
from dissectors.escape import format_str
from dissectors.offers import register_learner_layer
from dissectors.packet import Packet
from dissectors.session import Session
from dissectors.tcp_stream import stream_of
from dissectors.tvb import Tvb
from dissectors.x11_body import Reader
from dissectors.x11_names import ERRORS, OPCODES

X11_PORTS = frozenset(range(6000, 6064))
INITIAL_CONN = -1
# requests a reply answers (the core ones Wireshark remembers by sequence number)
_WITH_REPLY = frozenset(code for code, name in OPCODES.items() if name in {
    "AllocColor", "AllocColorCells", "AllocColorPlanes", "AllocNamedColor", "GetAtomName",
    "GetFontPath", "GetGeometry", "GetImage", "GetInputFocus", "GetKeyboardControl",
    "GetKeyboardMapping", "GetModifierMapping", "GetMotionEvents", "GetPointerControl",
    "GetPointerMapping", "GetProperty", "GetScreenSaver", "GetSelectionOwner",
    "GetWindowAttributes", "GrabKeyboard", "GrabPointer", "InternAtom", "ListExtensions",
    "ListFonts", "ListFontsWithInfo", "ListHosts", "ListInstalledColormaps", "ListProperties",
    "LookupColor", "QueryBestSize", "QueryColors", "QueryExtension", "QueryFont",
    "QueryKeymap", "QueryPointer", "QueryTextExtents", "QueryTree", "SetModifierMapping",
    "SetPointerMapping", "TranslateCoords"})


@dataclass
class Conn:
    """x11_conv_data_t: what one X11 connection has told so far."""

    little: bool | None = None
    seq: int = 0
    iconn_frame: int = 0
    iconn_reply: int = 0
    seqtable: dict[int, int] = field(default_factory=dict)
    extensions: dict[int, str] = field(default_factory=dict)
    pending_ext: dict[int, str] = field(default_factory=dict)


def _conn(pkt: Packet, session: Session) -> Conn:
    conns = session.state("x11.conns", dict)
    key = stream_of(pkt)
    conn = conns.get(key)
    if conn is None:
        conn = conns[key] = Conn()
    return conn


def _guess_little(tvb: Tvb, off: int) -> bool:
    """Without the setup: the order in which the first request's length fits."""
    if tvb.end - off < 4:
        return True
    le = tvb.u16le(off + 2) * 4
    be = tvb.u16(off + 2) * 4
    rem = tvb.end - off
    return not (0 < be <= rem and not 0 < le <= rem)


def _label_name(name: str | None) -> str | None:
    """A request's name for the tree's labels: an extension's name is the peer's text
    (QueryExtension), escaped before it reaches a label (the Info column is escaped
    when printed)."""
    return format_str(name) if name else name


def _info(pkt: Packet, kind: str, name: str, first: list[bool]) -> None:
    """"Requests: A, B" / "Reply: A, Expose": the first message names the kind."""
    pkt.proto_col = "X11"
    if first[0]:
        pkt.set_info(kind)
        pkt.info += ": " + name
        first[0] = False
    else:
        pkt.info += ", " + name


def dissect_x11(tvb: Tvb, pkt: Packet, session: Session) -> None:
    """dissect_x11: the requests (to the server port) or replies, events and errors."""
    session.current_proto = "x11"
    sport, dport = pkt.srcport, pkt.dstport
    match = next((p for p in sorted((sport, dport)) if p in X11_PORTS), dport)
    conn = _conn(pkt, session)
    tree = pkt.wants_layer("x11")
    can = bool(pkt.can_desegment) and tvb.end >= tvb.rend
    if dport == match:
        _requests(tvb, pkt, conn, tree, can)
    else:
        _replies(tvb, pkt, conn, tree, can)


def _short(tvb: Tvb, pkt: Packet, off: int, length: int, can: bool, known: bool = True) -> bool:
    """Ask TCP for the rest of a message that runs past this segment: the bytes missing
    when its length is `known`, else one more segment (a header cut short)."""
    if can and tvb.end - off < length:
        pkt.desegment = (off, length - (tvb.end - off) if known else -1)
        return True
    return False


def _is_setup(tvb: Tvb, off: int) -> bool:
    if tvb.end - off < 12 or tvb.u8(off) not in (0x42, 0x6C) or tvb.u8(off + 1) != 0:
        return False
    major = tvb.u16le(off + 2) if tvb.u8(off) == 0x6C else tvb.u16(off + 2)
    return major == 11


def _requests(tvb: Tvb, pkt: Packet, conn: Conn, tree: bool, can: bool) -> None:
    off = tvb.start
    num = pkt.frame.number
    first = [True]
    while off < tvb.rend:
        if conn.iconn_frame in (0, num) and tvb.u8(off) in (0x42, 0x6C) and \
                _short(tvb, pkt, off, 12, can, False):
            return
        if conn.iconn_frame in (0, num) and _is_setup(tvb, off):
            little = tvb.u8(off) == 0x6C
            r = Reader(tvb, pkt, off, little, tree)
            namelen, datalen = r.peek16(6), r.peek16(8)
            length = 12 + -(-namelen // 4) * 4 + -(-datalen // 4) * 4
            if _short(tvb, pkt, off, length, can):
                return
            conn.little = little
            conn.iconn_frame = num
            conn.seq = 0
            conn.seqtable = {0: INITIAL_CONN}
            pkt.proto_col = "X11"
            pkt.set_info("Initial connection request")
            body.initial_request(r.sub(length))
            off += length
            continue
        if conn.little is None:
            conn.little = _guess_little(tvb, off)
        if _short(tvb, pkt, off, 4, can, False):
            return
        r = Reader(tvb, pkt, off, conn.little, tree)
        length = r.peek16(2) * 4
        if length < 4:
            return
        if _short(tvb, pkt, off, length, can):
            return
        opcode = tvb.u8(off)
        conn.seq = (conn.seq + 1) & 0xFFFF
        name = OPCODES.get(opcode) or conn.extensions.get(opcode)
        if opcode == 98:
            nlen = r.peek16(4)
            conn.pending_ext[conn.seq] = tvb.bytes(off + 8, max(0, min(nlen, tvb.end - off - 8))
                                                   ).decode("latin-1")
        if opcode in _WITH_REPLY or (opcode >= 128 and name):
            conn.seqtable[conn.seq] = opcode
        _info(pkt, "Requests", name or f"<Unknown opcode {opcode}>", first)
        body.request(r.sub(length), opcode, _label_name(name))
        off += length


def _replies(tvb: Tvb, pkt: Packet, conn: Conn, tree: bool, can: bool) -> None:
    off = tvb.start
    num = pkt.frame.number
    first = [True]
    while off < tvb.rend:
        if conn.little is None:
            conn.little = True
        r = Reader(tvb, pkt, off, conn.little, tree)
        if _short(tvb, pkt, off, 8, can, False):
            return
        kind = tvb.u8(off)
        if conn.seqtable.get(0) == INITIAL_CONN and conn.iconn_reply in (0, num) and \
                kind in (0, 1, 2):
            length = 8 + r.peek16(6) * 4
            if _short(tvb, pkt, off, length, can):
                return
            conn.iconn_reply = num
            conn.seqtable.pop(0, None)
            pkt.proto_col = "X11"
            pkt.set_info("Initial connection reply")
            body.initial_reply(r.sub(length))
            off += length
            continue
        if kind != 1 and _short(tvb, pkt, off, 32, can):
            return
        if kind == 1:
            length = 32 + r.peek32(4) * 4
            if _short(tvb, pkt, off, length, can):
                return
            seq = r.peek16(2)
            opcode = conn.seqtable.get(seq, 0)
            name = OPCODES.get(opcode) or conn.extensions.get(opcode) if opcode else None
            _info(pkt, "Reply", name or "to unknown request", first)
            if opcode == 98 and seq in conn.pending_ext and length >= 10:
                ext = conn.pending_ext.pop(seq)  # (answered: held no longer)
                if r.peek8(8) and tvb.end - off > 9:
                    conn.extensions[r.peek8(9)] = ext
            body.reply(r.sub(length), opcode, _label_name(name))
        elif kind == 0:
            length = 32
            code = tvb.u8(off + 1)
            _info(pkt, "Error", ERRORS.get(code, f"<Unknown errorcode {code}>"), first)
            body.error(r.sub(length), code)
        else:
            length = 32
            name = body.event_name(kind)
            _info(pkt, "Event", name, first)
            body.event(r.sub(length), kind, name)
        off += length


for _port in sorted(X11_PORTS):
    TCP_PORT.register(_port, dissect_x11, "x11")
register_dissector("x11", dissect_x11)
register_learner_layer("x11", "X11")
