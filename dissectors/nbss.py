"""NetBIOS Session Service (RFC 1002) on TCP 139, and its framing of SMB on TCP 445, as
tshark 4.0 shows it: message type, flags and length (24 bits when the message carries
SMB), the names of a session request, the error of a negative response, the address of
a retarget; a session message's payload goes to the NetBIOS heuristics (SMB), else it
is data. Messages spanning segments are reassembled through TCP's desegment interface;
bytes that cannot start a message are a "Continuation"."""

from __future__ import annotations

from dissectors.dispatch import TCP_PORT, register_dissector
from dissectors.nbdgm import dissect_netbios_payload
from dissectors.netbios_names import bit_label, bitmask_header, get_nbns_name, name_with_type
from dissectors.offers import register_learner_layer
from dissectors.packet import Packet
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

SESSION_MESSAGE, SESSION_REQUEST = 0x00, 0x81
POSITIVE_RESPONSE, NEGATIVE_RESPONSE, RETARGET_RESPONSE, KEEP_ALIVE = 0x82, 0x83, 0x84, 0x85
MSG_TYPES = {SESSION_MESSAGE: "Session message", SESSION_REQUEST: "Session request",
             POSITIVE_RESPONSE: "Positive session response",
             NEGATIVE_RESPONSE: "Negative session response",
             RETARGET_RESPONSE: "Retarget session response", KEEP_ALIVE: "Session keep-alive"}
ERROR_CODES = {0x80: "Not listening on called name", 0x81: "Not listening for calling name",
               0x82: "Called name not present",
               0x83: "Called name present, but insufficient resources",
               0x8F: "Unspecified error"}
NBSS_PORTS = (139, 445)

NBSS = protocol("nbss", "NetBIOS Session Service", "NBSS")
TYPE = NBSS.field("nbss.type", "Message Type", FT.UINT8, Base.HEX, strings=MSG_TYPES)
FLAGS = NBSS.field("nbss.flags", "Flags", FT.UINT8, Base.HEX)
F_E = NBSS.field("nbss.flags.e", "Extend", FT.BOOLEAN, bitmask=0x01,
                 strings=("Add 65536 to length", "Add 0 to length"))
LENGTH = NBSS.field("nbss.length", "Length", FT.UINT24, Base.DEC)
ERROR_CODE = NBSS.field("nbss.error_code", "Error code", FT.UINT8, Base.HEX,
                        strings=ERROR_CODES)
RETARGET_IP = NBSS.field("nbss.retarget_ip_address", "Retarget IP address", FT.IPv4)
RETARGET_PORT = NBSS.field("nbss.retarget_port", "Retarget port", FT.UINT16, Base.DEC)
CONTINUATION = NBSS.field("nbss.continuation_data", "Continuation data", FT.BYTES)
CALLED_NAME = NBSS.field("nbss.called_name", "Called name", FT.STRING)
CALLING_NAME = NBSS.field("nbss.calling_name", "Calling name", FT.STRING)


def _is_smb(tvb: Tvb, off: int) -> bool:
    """A session message whose payload starts with (\\xff or \\xfe) "SMB"."""
    return (tvb.end - off >= 8 and tvb.buf[off] == SESSION_MESSAGE
            and bytes(tvb.buf[off + 5:off + 8]) == b"SMB")


def _looks_like_start(tvb: Tvb, off: int, cifs: bool) -> bool:
    """Whether the bytes can start an NBSS message (tshark's sanity checks on a segment
    that was not reassembled: else it is a continuation)."""
    if tvb.end - off < 4:
        return False
    msg_type = tvb.u8(off)
    if cifs:
        flags, length = 0, tvb.u32(off) & 0xFFFFFF
    else:
        flags = tvb.u8(off + 1)
        length = tvb.u16(off + 2) + (0x10000 if flags & 1 else 0)
    if flags & ~1:
        return False
    if msg_type == SESSION_MESSAGE:
        return length != 0
    if msg_type == SESSION_REQUEST:
        return 2 <= length <= 256
    want = {POSITIVE_RESPONSE: 0, NEGATIVE_RESPONSE: 1, RETARGET_RESPONSE: 6, KEEP_ALIVE: 0}
    return msg_type in want and length == want[msg_type]


def _continuation(tvb: Tvb, pkt: Packet) -> None:
    pkt.set_info("NBSS Continuation Message")
    off = tvb.start
    top = pkt.add_proto(NBSS, off, tvb.end - off, "NetBIOS Session Service", source=tvb.source)
    top.value = None
    pkt.add(top, CONTINUATION, tvb.bytes(off, tvb.end - off), off, tvb.end - off,
            source=tvb.source)


def dissect_nbss(tvb: Tvb, pkt: Packet, session: Session) -> None:
    session.current_proto = "nbss"
    pkt.proto_col = "NBSS"
    pkt.clear_info()
    off = tvb.start
    ports = sorted(p for p in (pkt.srcport, pkt.dstport)
                   if p in NBSS_PORTS)
    cifs = bool(ports) and ports[0] == 445  # the port that matched (the lower is tried first)
    if tvb.source == 0:  # not reassembled: it may continue an earlier message
        cifs = _is_smb(tvb, off)
        if not _looks_like_start(tvb, off, cifs):
            _continuation(tvb, pkt)
            return
    msg_type = tvb.u8(off)
    pkt.set_info(MSG_TYPES.get(msg_type, f"Unknown ({msg_type:02x})"))
    can = bool(pkt.can_desegment)
    while off < tvb.rend:
        remaining = tvb.rend - off
        if can and remaining < 4:
            pkt.desegment = (off, -1)
            return
        if cifs:
            length = tvb.u32(off) & 0xFFFFFF
        else:
            length = tvb.u16(off + 2) + (0x10000 if tvb.u8(off + 1) & 1 else 0)
        plen = length + 4
        if can and remaining < plen:
            pkt.desegment = (off, plen - remaining)
            return
        _message(tvb.sub(off, plen), pkt, session, cifs, off == tvb.start)
        session.current_proto = "nbss"
        off += plen


def _message(tvb: Tvb, pkt: Packet, session: Session, cifs: bool, first: bool) -> None:
    """One NBSS message (Wireshark's dissect_nbss_packet); the later messages of a
    segment are one layer with the first in frame.protocols."""
    src = tvb.source
    off = tvb.start
    msg_type = tvb.u8(off)
    top = pkt.add_proto(NBSS, off, tvb.end - off, "NetBIOS Session Service", source=src,
                        in_stack=first)
    top.value = None
    pkt.add(top, TYPE, msg_type, off, 1, source=src)
    if cifs:
        pkt.add(top, LENGTH, tvb.u32(off) & 0xFFFFFF, off + 1, 3, source=src)
    else:
        flags = tvb.u8(off + 1)
        fi = pkt.add(top, FLAGS, flags, off + 1, 1,
                     bitmask_header(f"Flags: 0x{flags:02x}", flags, (F_E,)), source=src)
        pkt.add(fi, F_E, bool(flags & 1), off + 1, 1, bit_label(F_E, flags, 8), source=src)
        length = tvb.u16(off + 2) + (0x10000 if flags & 1 else 0)
        pkt.add(top, LENGTH, length, off + 1, 3, source=src)
    cur = off + 4
    if msg_type == SESSION_REQUEST:
        for f, fmt in ((CALLED_NAME, ", to {} "), (CALLING_NAME, "from {}")):
            name, name_type, used = get_nbns_name(tvb, cur, cur)
            pkt.add(top, f, name, cur, used, f"{f.name}: {name_with_type(name, name_type)}",
                    source=src)
            pkt.append_info(fmt.format(name))
            cur += used
    elif msg_type == NEGATIVE_RESPONSE:
        code = tvb.u8(cur)
        pkt.add(top, ERROR_CODE, code, cur, 1, source=src)
        pkt.append_info(", " + ERROR_CODES.get(code, f"Unknown ({code:x})"))
    elif msg_type == RETARGET_RESPONSE:
        pkt.add(top, RETARGET_IP, tvb.u32(cur), cur, 4, source=src)
        pkt.add(top, RETARGET_PORT, tvb.u16(cur + 4), cur + 4, 2, source=src)
    elif msg_type == SESSION_MESSAGE:
        dissect_netbios_payload(tvb.sub(cur), pkt, session)


for _port in NBSS_PORTS:
    TCP_PORT.register(_port, dissect_nbss, "nbss")
register_dissector("nbss", dissect_nbss)
register_learner_layer("nbss", "NBSS")
