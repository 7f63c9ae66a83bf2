"""GTPv1 (3GPP TS 29.060 / 29.281) on UDP 2152 (GTP-U) and 2123 (GTP-C), as tshark 4.0
shows it: the header, its optional sequence / N-PDU / extension headers, and a T-PDU's
inner IPv4 or IPv6 packet, whose layers then take the columns ("GTP <TCP>").

    0                   1                   2                   3
    +-----+-+-+-+-+-+---------------+-------------------------------+
    | Ver |P|R|E|S|N| Message Type  |            Length             |
    +-----+-+-+-+-+-+---------------+-------------------------------+
    |              Tunnel Endpoint Identifier (TEID)                |
    +-------------------------------+---------------+---------------+
    |     Sequence Number (E|S|N)   | N-PDU (E|S|N) | Next ext type |
    +-------------------------------+---------------+---------------+
Control-plane information elements (GTPv1-C) and GTPv2 are not decoded here.
"""

from __future__ import annotations

from dissectors.bounded import remember
from dissectors.dispatch import BY_NAME, TUNNEL_UDP_PORTS, UDP_PORT, register_dissector
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

MESSAGES = {
    0: "For future use", 1: "Echo request", 2: "Echo response", 3: "Version not supported",
    4: "Node alive request", 5: "Node alive response", 6: "Redirection request",
    7: "Redirection response", 16: "Create PDP context request",
    17: "Create PDP context response", 18: "Update PDP context request",
    19: "Update PDP context response", 20: "Delete PDP context request",
    21: "Delete PDP context response", 22: "Initiate PDP Context Activation Request",
    23: "Initiate PDP Context Activation Response", 24: "Delete AA PDP Context Request",
    25: "Delete AA PDP Context Response", 26: "Error indication",
    27: "PDU notification request", 28: "PDU notification response",
    29: "PDU notification reject request", 30: "PDU notification reject response",
    31: "Supported extension header notification",
    32: "Send routing information for GPRS request",
    33: "Send routing information for GPRS response", 34: "Failure report request",
    35: "Failure report response", 36: "Note MS GPRS present request",
    37: "Note MS GPRS present response", 48: "Identification request",
    49: "Identification response", 50: "SGSN context request", 51: "SGSN context response",
    52: "SGSN context acknowledgement", 53: "Forward relocation request",
    54: "Forward relocation response", 55: "Forward relocation complete",
    56: "Relocation cancel request", 57: "Relocation cancel response",
    58: "Forward SRNS context", 59: "Forward relocation complete acknowledge",
    60: "Forward SRNS context acknowledge", 61: "UE Registration Query Request",
    62: "UE Registration Query Response", 70: "RAN Information Relay",
    96: "MBMS Notification Request", 97: "MBMS Notification Response",
    98: "MBMS Notification Reject Request", 99: "MBMS Notification Reject Response",
    100: "Create MBMS Context Request", 101: "Create MBMS Context Response",
    102: "Update MBMS Context Request", 103: "Update MBMS Context Response",
    104: "Delete MBMS Context Request", 105: "Delete MBMS Context Response",
    112: "MBMS Registration Request", 113: "MBMS Registration Response",
    114: "MBMS De-Registration Request", 115: "MBMS De-Registration Response",
    116: "MBMS Session Start Request", 117: "MBMS Session Start Response",
    118: "MBMS Session Stop Request", 119: "MBMS Session Stop Response",
    120: "MBMS Session Update Request", 121: "MBMS Session Update Response",
    128: "MS Info Change Notification Request", 129: "MS Info Change Notification Response",
    240: "Data record transfer request", 241: "Data record transfer response",
    254: "End Marker", 255: "T-PDU",
}
VERSIONS = {0: "GTP release 97/98 version", 1: "GTP release 99 version", 2: "GTPv2-C",
            **{v: "None" for v in range(3, 8)}}
EXT_TYPES = {
    0x00: "No more extension headers", 0x01: "MBMS support indication",
    0x02: "MS Info Change Reporting support indication", 0x03: "Long PDCP PDU Number",
    0x20: "Service Class Indicator", 0x40: "UDP Port number", 0x81: "RAN container",
    0x82: "Long PDCP PDU number", 0x83: "Xw RAN container", 0x84: "NR RAN container",
    0x85: "PDU Session container", 0xC0: "PDCP PDU number", 0xC1: "Suspend Request",
    0xC2: "Suspend Response",
}
_YES_NO = ("Yes", "No")

GTP = protocol("gtp", "GPRS Tunneling Protocol", "GTP")
FLAGS = GTP.field("gtp.flags", "Flags", FT.UINT8, Base.HEX, offset=0)
F_VERSION = GTP.field("gtp.flags.version", "Version", FT.UINT8, Base.DEC, bitmask=0xE0,
                      strings=VERSIONS, offset=0)
F_PT = GTP.field("gtp.flags.payload", "Protocol type", FT.UINT8, Base.DEC, bitmask=0x10,
                 strings={0: "GTP'", 1: "GTP"}, offset=0)
F_RESERVED = GTP.field("gtp.flags.reserved", "Reserved", FT.UINT8, Base.DEC, bitmask=0x0E)
F_E = GTP.field("gtp.flags.e", "Is Next Extension Header present?", FT.BOOLEAN,
                bitmask=0x04, strings=_YES_NO)
F_S = GTP.field("gtp.flags.s", "Is Sequence Number present?", FT.BOOLEAN, bitmask=0x02,
                strings=_YES_NO)
F_PN = GTP.field("gtp.flags.pn", "Is N-PDU number present?", FT.BOOLEAN, bitmask=0x01,
                 strings=_YES_NO)
MESSAGE = GTP.field("gtp.message", "Message Type", FT.UINT8, Base.HEX, strings=MESSAGES,
                    offset=1)
LENGTH = GTP.field("gtp.length", "Length", FT.UINT16, Base.DEC, offset=2)
TEID = GTP.field("gtp.teid", "TEID", FT.UINT32, Base.HEX_DEC, offset=4)
SEQ = GTP.field("gtp.seq_number", "Sequence number", FT.UINT16, Base.HEX_DEC)
NPDU = GTP.field("gtp.npdu_number", "N-PDU Number", FT.UINT8, Base.HEX)
NEXT = GTP.field("gtp.ext_hdr.next", "Next extension header type", FT.UINT8, Base.HEX,
                 strings=EXT_TYPES)
EXT = GTP.field("gtp.ext_hdr", "Extension header", FT.NONE)
EXT_LEN = GTP.field("gtp.ext_hdr.length", "Extension Header Length", FT.UINT8, Base.DEC)
PDU_TYPE = GTP.field("gtp.ext_hdr.pdu_ses_con.pdu_type", "PDU Type", FT.UINT8, Base.DEC,
                     bitmask=0xF0, strings={0: "DL PDU SESSION INFORMATION",
                                            1: "UL PDU SESSION INFORMATION"})
QFI = GTP.field("gtp.ext_hdr.pdu_ses_con.qos_flow_id", "QoS Flow Identifier (QFI)",
                FT.UINT8, Base.DEC, bitmask=0x3F)
SPARE_H1 = GTP.field("gtp.spare.h1", "Spare", FT.UINT8, Base.HEX, bitmask=0x0F)
SPARE_B7B6 = GTP.field("gtp.spare.b7b6", "Spare", FT.UINT8, Base.HEX, bitmask=0xC0)
PDCP_SN = GTP.field("gtp.ext_hdr.pdcp_sn", "PDCP Sequence Number", FT.UINT16, Base.DEC)
UDP_PORT_F = GTP.field("gtp.ext_hdr.udp_port", "UDP Port", FT.UINT16, Base.DEC)

RECOVERY = GTP.field("gtp.recovery", "Recovery", FT.UINT8, Base.DEC)
RESPONSE_IN = GTP.field("gtp.response_in", "Response In", FT.FRAMENUM)
RESPONSE_TO = GTP.field("gtp.response_to", "Response To", FT.FRAMENUM)
TIME = GTP.field("gtp.time", "Time", FT.RELATIVE_TIME)

_T_PDU = 0xFF
_ECHO_REQUEST, _ECHO_RESPONSE = 1, 2
_IE_RECOVERY = 14
#: Bounded work: extension headers followed per packet.
_MAX_EXT = 16


def dissect_gtp(tvb: Tvb, pkt: Packet, session: Session) -> bool | None:
    off = tvb.start
    if tvb.end - off < 1:
        return False
    flags = tvb.u8(off)
    if flags >> 5 != 1:
        return False  # GTPv0 / GTP' / GTPv2: not decoded here (UDP hands them to data)
    session.current_proto = "gtp"
    pkt.proto_col = "GTP"
    pkt.clear_info()
    mtype = tvb.u8(off + 1) if tvb.end - off >= 2 else None
    if mtype is not None:
        pkt.set_info(MESSAGES.get(mtype, "Unknown"))
    top = pkt.add_proto(GTP, off, min(8, tvb.end - off), "GPRS Tunneling Protocol")
    _flags(pkt, top, flags, off)
    tvb.need(off + 1, 1)
    pkt.add(top, MESSAGE, mtype, off + 1, 1)
    length = tvb.u16(off + 2)
    pkt.add(top, LENGTH, length, off + 2, 2)
    teid = tvb.u32(off + 4)
    pkt.add(top, TEID, teid, off + 4, 4)
    at = off + 8
    if flags & 0x07:
        seq, npdu, nxt = tvb.u16(at), tvb.u8(at + 2), tvb.u8(at + 3)
        if flags & 0x02:
            pkt.add(top, SEQ, seq, at, 2)
        if flags & 0x01:
            pkt.add(top, NPDU, npdu, at + 2, 1)
        if flags & 0x04:
            pkt.add(top, NEXT, nxt, at + 3, 1)
        at = _extensions(tvb, pkt, top, at + 4, nxt if flags & 0x04 else 0)
    top.length = at - off
    if mtype in (_ECHO_REQUEST, _ECHO_RESPONSE):
        _echo(tvb, pkt, session, top, at, off + 8 + length, mtype,
              tvb.u16(off + 8) if flags & 0x02 else None)
        return None
    if mtype != _T_PDU or at >= tvb.rend:
        return None
    # The T-PDU: IPv4 (a header length 5-14) or IPv6 by its first byte, as tshark guesses.
    first = tvb.u8(at)
    fn = (BY_NAME["ip"] if 0x45 <= first <= 0x4E else
          BY_NAME["ipv6"] if first >> 4 == 6 else None)
    if fn is None:
        return None
    fn(tvb.sub(at), pkt, session)
    pkt.proto_col = f"GTP <{pkt.proto_col}>"
    return None


class _Echo:
    """One echo request and its response (packet-gtp.c's request/response matching)."""

    __slots__ = ("req_frame", "req_time", "rep_frame")

    def __init__(self, req_frame: int, req_time: int) -> None:
        self.req_frame, self.req_time, self.rep_frame = req_frame, req_time, 0


class _EchoTracker:
    def __init__(self) -> None:
        self.latest: dict[tuple, _Echo] = {}  # (the newest `bounded.PENDING_MAX`)
        self.per_frame: dict[int, _Echo | None] = {}  # for the second pass of -2


def _echo(tvb: Tvb, pkt: Packet, session: Session, top: Item, at: int, end: int,
          mtype: int, seq: int | None) -> None:
    """Echo request / response: the Recovery IE, then the request/response links, keyed
    by the address/port pair and the sequence number."""
    end = min(end, tvb.rend)
    if mtype == _ECHO_RESPONSE and at + 2 <= end and tvb.u8(at) == _IE_RECOVERY:
        pkt.add(top, RECOVERY, tvb.u8(at + 1), at, 2)
    if seq is None:
        return
    tracker = session.state("pass1:gtp.echo", _EchoTracker)
    num, ts = pkt.frame.number, pkt.frame.ts_ns
    if session.pass_no > 1 and num in tracker.per_frame:
        echo = tracker.per_frame[num]
    else:
        a = (bytes(pkt.net_src), pkt.srcport)
        b = (bytes(pkt.net_dst), pkt.dstport)
        key = (min(a, b), max(a, b), seq)
        echo = tracker.latest.get(key)
        if mtype == _ECHO_REQUEST:
            if echo is None or echo.req_frame != num:
                echo = remember(tracker.latest, key, _Echo(num, ts))
        elif echo is not None and echo.rep_frame in (0, num):
            echo.rep_frame = num
        else:
            echo = None
        if session.recording:
            tracker.per_frame[num] = echo
    if echo is None or pkt.in_error_pkt:
        return
    if mtype == _ECHO_REQUEST:
        if echo.rep_frame:
            pkt.add(top, RESPONSE_IN, echo.rep_frame, 0, 0, generated=True)
    else:
        pkt.add(top, RESPONSE_TO, echo.req_frame, 0, 0, generated=True)
        pkt.add(top, TIME, ts - echo.req_time, 0, 0, generated=True)


def _flags(pkt: Packet, top: Item, flags: int, off: int) -> None:
    fi = pkt.add(top, FLAGS, flags, off, 1)
    pkt.add(fi, F_VERSION, flags >> 5, off, 1)
    pkt.add(fi, F_PT, (flags >> 4) & 1, off, 1)
    reserved = (flags >> 3) & 1  # (tshark 4.0 shows GTPv1's one reserved bit)
    pkt.add(fi, F_RESERVED, reserved, off, 1, f".... {reserved}... = Reserved: {reserved}")
    for f in (F_E, F_S, F_PN):
        pkt.add(fi, f, bool(flags & f.bitmask), off, 1)


def _extensions(tvb: Tvb, pkt: Packet, top: Item, at: int, nxt: int) -> int:
    """The chain of extension headers (length in 4-byte units, the last byte the next
    type); returns where the payload starts."""
    for _ in range(_MAX_EXT):
        if not nxt:
            break
        units = tvb.u8(at)
        size = units * 4
        name = EXT_TYPES.get(nxt, "Unknown")
        ext = pkt.add(top, EXT, None, at, max(size, 1), f"Extension header ({name})")
        pkt.add(ext, EXT_LEN, units, at, 1)
        if size == 0:
            break
        tvb.need(at, size)
        if nxt == 0x85 and size >= 4:
            _pdu_session(tvb, pkt, ext, at + 1)
        elif nxt == 0xC0:
            if units != 1:
                pkt.add_expert(ext, "warning", "protocol",
                               "The length field for the PDCP SN Extension header should "
                               "be 1.", "gtp")
            else:
                pkt.add(ext, PDCP_SN, tvb.u16(at + 1), at + 1, 2)
        elif nxt == 0x40 and units == 1:
            pkt.add(ext, UDP_PORT_F, tvb.u16(at + 1), at + 1, 2)
        nxt = tvb.u8(at + size - 1)
        pkt.add(ext, NEXT, nxt, at + size - 1, 1)
        at += size
    return at


def _pdu_session(tvb: Tvb, pkt: Packet, ext: Item, at: int) -> None:
    b0, b1 = tvb.u8(at), tvb.u8(at + 1)
    sub = pkt.add_text(ext, "PDU Session Container", at, 2)
    pkt.add(sub, PDU_TYPE, b0 >> 4, at, 1)
    if b0 >> 4 != 1:
        return  # (downlink containers carry more flags, not shown here)
    pkt.add(sub, SPARE_H1, b0 & 0x0F, at, 1)
    pkt.add(sub, SPARE_B7B6, b1 >> 6, at + 1, 1)
    pkt.add(sub, QFI, b1 & 0x3F, at + 1, 1)


UDP_PORT.register(2152, dissect_gtp, "gtp")
TUNNEL_UDP_PORTS.add(2152)  # (an inner packet: layers of its own)
UDP_PORT.register(2123, dissect_gtp, "gtp")
register_dissector("gtp", dissect_gtp)
