"""RSVP (RFC 2205) on IP protocol 46: the common header and the RSVP objects of plain
IntServ reservations (SESSION, HOP, TIME VALUES, ERROR, STYLE, FLOWSPEC, FILTER SPEC,
SENDER TEMPLATE, CONFIRM), as tshark 4.0 shows them.

     0             1              2             3
    +-------------+-------------+-------------+-------------+
    | Vers | Flags|  Msg Type   |       RSVP Checksum       |
    |  Send_TTL   | (Reserved)  |        RSVP Length        |
    +-------------+-------------+-------------+-------------+
    |       Length (bytes)      |  Class-Num  |   C-Type    |   (objects)
The Info column is the message type and the SESSION and FILTER SPEC / SENDER TEMPLATE
summaries. Other objects (RSVP-TE's LSP objects, policy, integrity, ...) show their
header and their bytes only.
"""

from __future__ import annotations

import struct

from dissectors.dispatch import IP_PROTO, register_dissector
from dissectors.format import ipv4_str
from dissectors.icmp import ones_sum
from dissectors.ip_fields import IP_PROTO_NAMES
from dissectors.offers import register_learner_layer
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, Field, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

MSG_TYPES = {1: "PATH Message. ", 2: "RESV Message. ", 3: "PATH ERROR Message. ",
             4: "RESV ERROR Message. ", 5: "PATH TEAR Message. ", 6: "RESV TEAR Message. ",
             7: "CONFIRM Message. ", 10: "RESV TEAR CONFIRM Message. ", 12: "BUNDLE Message. ",
             13: "ACK Message. ", 15: "SREFRESH Message. ", 20: "HELLO Message. ",
             21: "NOTIFY Message. "}
OBJECTS = {0: "NULL object", 1: "SESSION object", 3: "HOP object", 4: "INTEGRITY object",
           5: "TIME VALUES object", 6: "ERROR object", 7: "SCOPE object", 8: "STYLE object",
           9: "FLOWSPEC object", 10: "FILTER SPEC object", 11: "SENDER TEMPLATE object",
           12: "SENDER TSPEC object", 13: "ADSPEC object", 14: "POLICY object",
           15: "CONFIRM object", 16: "LABEL object", 19: "LABEL REQUEST object",
           20: "EXPLICIT ROUTE object", 21: "RECORD ROUTE object", 22: "HELLO object",
           23: "MESSAGE-ID object", 24: "MESSAGE-ID ACK/NACK object",
           25: "MESSAGE-ID LIST object", 207: "SESSION ATTRIBUTE object"}
ERROR_CODES = {0: "Confirmation", 1: "Admission Control Failure ", 2: "Policy Control Failure",
               3: "No PATH information for this RESV message",
               4: "No sender information for this RESV message",
               5: "Conflicting reservation styles", 6: "Unknown reservation style",
               7: "Conflicting destination ports", 8: "Conflicting source ports",
               12: "Service preempted", 13: "Unknown object class",
               14: "Unknown object C-type", 20: "Reserved for API", 21: "Traffic Control Error",
               22: "Traffic Control System Error", 23: "RSVP System Error", 24: "Routing Error",
               25: "RSVP Notify Error"}
STYLES = {0x11: "Wildcard Filter", 0x0A: "Fixed Filter", 0x12: "Shared-Explicit"}
SERVICES = {1: "Default General Parameters", 2: "Guaranteed Rate", 5: "Controlled Load",
            6: "Null Service", 128: "Null Service"}
PARAMETERS = {126: "Compression Hint", 127: "Token bucket", 128: "Null Service",
              130: "Guaranteed-rate RSpec"}
_SET = ("Set", "Not set")

RSVP = protocol("rsvp", "Resource ReserVation Protocol (RSVP)", "RSVP")
VERSION = RSVP.field("rsvp.version", "RSVP Version", FT.UINT8, Base.DEC, bitmask=0xF0)
FLAGS = RSVP.field("rsvp.flags", "Flags", FT.UINT8, Base.HEX, bitmask=0x0F)
MSG = RSVP.field("rsvp.msg", "Message Type", FT.UINT8, Base.DEC, strings=MSG_TYPES)
MSG_FLAGS = {t: RSVP.field(f"rsvp.{abbrev}", name, FT.BOOLEAN) for t, abbrev, name in (
    (1, "path", "Path Message"), (2, "resv", "Resv Message"), (3, "perr", "Path Error Message"),
    (4, "rerr", "Resv Error Message"), (5, "ptear", "Path Tear Message"),
    (6, "rtear", "Resv Tear Message"), (7, "resvconf", "Resv Confirm Message"),
    (10, "rtearconf", "Resv Tear Confirm Message"), (12, "bundle", "Bundle Message"),
    (13, "ack", "Ack Message"), (15, "srefresh", "Srefresh Message"),
    (20, "hello", "HELLO Message"), (21, "notify", "Notify Message"))}
CHECKSUM = RSVP.field("rsvp.message_checksum", "Message Checksum", FT.UINT16, Base.HEX)
TTL = RSVP.field("rsvp.sending_ttl", "Sending TTL", FT.UINT8, Base.DEC)
MSG_LENGTH = RSVP.field("rsvp.message_length", "Message length", FT.UINT16, Base.DEC)
LENGTH = RSVP.field("rsvp.length", "Length", FT.UINT16, Base.DEC)
OBJECT = RSVP.field("rsvp.object", "Object class", FT.UINT8, Base.DEC, strings=OBJECTS)
CTYPE = RSVP.field("rsvp.ctype", "C-type", FT.UINT32, Base.DEC)
#: Per object class: (its tree field, its C-Type field, C-Type names, label word).
_V4 = {1: "IPv4", 2: "IPv6"}
OBJ = {
    1: (RSVP.field("rsvp.session", "SESSION", FT.NONE),
        RSVP.field("rsvp.ctype.session", "C-type", FT.UINT32, Base.DEC), _V4),
    3: (RSVP.field("rsvp.hop", "HOP", FT.NONE),
        RSVP.field("rsvp.ctype.hop", "C-Type", FT.UINT32, Base.DEC), _V4),
    5: (RSVP.field("rsvp.time", "TIME VALUES", FT.NONE),
        RSVP.field("rsvp.ctype.time_values", "C-Type", FT.UINT32, Base.DEC),
        {1: "Time Values"}),
    6: (RSVP.field("rsvp.error", "ERROR", FT.NONE),
        RSVP.field("rsvp.ctype.error", "C-Type", FT.UINT32, Base.DEC), _V4),
    8: (RSVP.field("rsvp.style", "STYLE", FT.NONE),
        RSVP.field("rsvp.ctype.style", "C-Type", FT.UINT32, Base.DEC), {1: "Style"}),
    9: (RSVP.field("rsvp.flowspec", "FLOWSPEC", FT.NONE),
        RSVP.field("rsvp.ctype.flowspec", "C-Type", FT.UINT32, Base.DEC),
        {2: "Integrated Services", 4: "SONET/SDH", 5: "G.709"}),
    10: (RSVP.field("rsvp.filter", "FILTERSPEC", FT.NONE),
         RSVP.field("rsvp.ctype.template", "C-Type", FT.UINT32, Base.DEC), _V4),
    15: (RSVP.field("rsvp.confirm", "CONFIRM", FT.NONE),
         RSVP.field("rsvp.ctype.confirm", "C-Type", FT.UINT32, Base.DEC), _V4),
}
OBJ[11] = (RSVP.field("rsvp.sender", "SENDER TEMPLATE", FT.NONE), OBJ[10][1], _V4)
UNKNOWN_CTYPE = RSVP.field("rsvp.ctype.unknown", "C-type", FT.UINT32, Base.DEC)
SESSION_IP = RSVP.field("rsvp.session.ip", "Destination address", FT.IPv4)
SESSION_PROTO = RSVP.field("rsvp.session.proto", "Protocol", FT.UINT8, Base.DEC,
                           strings=IP_PROTO_NAMES)
SESSION_FLAGS = RSVP.field("rsvp.session.flags", "Flags", FT.UINT8, Base.HEX)
SESSION_PORT = RSVP.field("rsvp.session.port", "Port number", FT.UINT16, Base.DEC)
HOP_ADDR = RSVP.field("rsvp.hop.neighbor_address_ipv4", "Neighbor address", FT.IPv4)
HOP_LIH = RSVP.field("rsvp.hop.logical_interface", "Logical interface", FT.UINT32, Base.DEC)
REFRESH = RSVP.field("rsvp.refresh_interval", "Refresh interval", FT.UINT32, Base.DEC)
ERROR_NODE = RSVP.field("rsvp.error.error_node_ipv4", "Error node", FT.IPv4)
ERROR_FLAGS = RSVP.field("rsvp.error_flags", "Flags", FT.UINT8, Base.HEX)
ERROR_FLAG_BITS = (
    RSVP.field("rsvp.error_flags.path_state_removed", "Path State Removed", FT.BOOLEAN,
               bitmask=0x04, strings=_SET),
    RSVP.field("rsvp.error_flags.not_guilty", "NotGuilty", FT.BOOLEAN, bitmask=0x02,
               strings=_SET),
    RSVP.field("rsvp.error_flags.in_place", "InPlace", FT.BOOLEAN, bitmask=0x01,
               strings=_SET))
ERROR_CODE = RSVP.field("rsvp.error.error_code", "Error code", FT.UINT8, Base.DEC,
                        strings=ERROR_CODES)
ERROR_VALUE = RSVP.field("rsvp.error_value", "Error value", FT.UINT16, Base.DEC)
STYLE_FLAGS = RSVP.field("rsvp.style.flags", "Flags", FT.UINT8, Base.HEX)
STYLE = RSVP.field("rsvp.style.style", "Style", FT.UINT24, Base.HEX, strings=STYLES)
CONFIRM_ADDR = RSVP.field("rsvp.confirm.receiver_address_ipv4", "Receiver address", FT.IPv4)
SENDER_IP = RSVP.field("rsvp.sender.ip", "Sender IPv4 address", FT.IPv4)
SENDER_PORT = RSVP.field("rsvp.sender.port", "Sender port number", FT.UINT16, Base.DEC)
FS_VERSION = RSVP.field("rsvp.flowspec.message_format_version", "Message format version",
                        FT.UINT8, Base.DEC, bitmask=0xF0)
DATA_LENGTH = RSVP.field("rsvp.data_length", "Data length", FT.UINT16, Base.DEC)
SERVICE = RSVP.field("rsvp.flowspec.service_header", "Service header", FT.UINT8, Base.DEC,
                     strings=SERVICES)
PARAMETER = RSVP.field("rsvp.parameter", "Parameter", FT.UINT8, Base.DEC, strings=PARAMETERS)
PARAM_FLAGS = RSVP.field("rsvp.parameter_flags", "Parameter flags", FT.UINT8, Base.HEX)
PARAM_LENGTH = RSVP.field("rsvp.parameter_length", "Parameter length", FT.UINT16, Base.DEC)
TB_RATE = RSVP.field("rsvp.flowspec.token_bucket_rate", "Token bucket rate", FT.FLOAT)
TB_SIZE = RSVP.field("rsvp.flowspec.token_bucket_size", "Token bucket size", FT.FLOAT)
PEAK = RSVP.field("rsvp.flowspec.peak_data_rate", "Peak data rate", FT.FLOAT)
MIN_UNIT = RSVP.field("rsvp.minimum_policed_unit", "Minimum policed unit [m]", FT.UINT32,
                      Base.DEC)
MAX_SIZE = RSVP.field("rsvp.maximum_packet_size", "Maximum packet size [M]", FT.UINT32,
                      Base.DEC)


def _float(tvb: Tvb, at: int) -> float:
    return struct.unpack(">f", tvb.bytes(at, 4))[0]


def _g(v: float) -> str:
    """C's %g (Wireshark prints FT_FLOAT values so)."""
    return f"{v:g}"


def dissect_rsvp(tvb: Tvb, pkt: Packet, session: Session) -> None:
    session.current_proto = "rsvp"
    off = tvb.start
    pkt.proto_col = "RSVP"
    tvb.need(off, 8)
    vf, mtype, csum = tvb.u8(off), tvb.u8(off + 1), tvb.u16(off + 2)
    mlen = tvb.u16(off + 6)
    msg_name = MSG_TYPES.get(mtype, f"Unknown ({mtype}). ")
    pkt.set_info(msg_name)
    top = pkt.add_proto(RSVP, off, tvb.length)
    hdr = pkt.add_text(top, f"RSVP Header. {msg_name}", off, 8, source=tvb.source)
    pkt.add(hdr, VERSION, vf >> 4, off, 1)
    pkt.add(hdr, FLAGS, vf & 0xF, off, 1)
    pkt.add(hdr, MSG, mtype, off + 1, 1, f"Message Type: {msg_name} ({mtype})")
    flag = MSG_FLAGS.get(mtype)
    if flag is not None:
        pkt.add(hdr, flag, True, off + 1, 1, hidden=True)
    pkt.add(hdr, CHECKSUM, csum, off + 2, 2, _checksum_label(tvb, off, mlen, csum))
    pkt.add(hdr, TTL, tvb.u8(off + 4), off + 4, 1)
    pkt.add(hdr, MSG_LENGTH, mlen, off + 6, 2)
    pos, end = off + 8, min(off + max(mlen, 8), tvb.rend)
    while pos + 4 <= end:
        olen, cls, ctype = tvb.u16(pos), tvb.u8(pos + 2), tvb.u8(pos + 3)
        if olen < 4:
            break
        _object(tvb, pkt, top, pos, olen, cls, ctype)
        pos += olen
    top.text = f"{RSVP.name}: {pkt.info}"


def _checksum_label(tvb: Tvb, off: int, mlen: int, csum: int) -> str:
    if mlen < 8 or tvb.end < off + mlen or tvb.rend < off + mlen:
        return f"Message Checksum: 0x{csum:04x}"
    if ones_sum(tvb.bytes(off, mlen)) == 0xFFFF:
        return f"Message Checksum: 0x{csum:04x} [correct]"
    b = tvb.bytes(off, mlen)
    should = ~ones_sum(b[:2] + b"\0\0" + b[4:]) & 0xFFFF
    return f"Message Checksum: 0x{csum:04x} [incorrect, should be 0x{should:04x}]"


def _object(tvb: Tvb, pkt: Packet, top: Item, pos: int, olen: int, cls: int,
            ctype: int) -> None:
    spec = OBJ.get(cls)
    body = pos + 4
    if spec is None or ctype not in spec[2] or (cls != 9 and ctype != 1) or (
            cls == 9 and ctype != 2):
        oi = pkt.add_text(top, f"{OBJECTS.get(cls, 'Unknown object')}", pos, olen,
                          source=tvb.source)
        _object_header(pkt, oi, pos, olen, cls, ctype, UNKNOWN_CTYPE, None)
        return
    tree_f, ctype_f, names = spec
    oi = pkt.add(top, tree_f, None, pos, olen)
    _object_header(pkt, oi, pos, olen, cls, ctype, ctype_f, names)
    if cls == 1:
        dst, proto, port = tvb.u32(body), tvb.u8(body + 4), tvb.u16(body + 6)
        pkt.add(oi, SESSION_IP, dst, body, 4)
        pkt.add(oi, SESSION_PROTO, proto, body + 4, 1)
        pkt.add(oi, SESSION_FLAGS, tvb.u8(body + 5), body + 5, 1)
        pkt.add(oi, SESSION_PORT, port, body + 6, 2)
        text = f"SESSION: IPv4, Destination {ipv4_str(dst)}, Protocol {proto}, Port {port}. "
        pkt.append_info(text)
    elif cls == 3:
        addr = tvb.u32(body)
        pkt.add(oi, HOP_ADDR, addr, body, 4)
        pkt.add(oi, HOP_LIH, tvb.u32(body + 4), body + 4, 4)
        text = f"HOP: IPv4, {ipv4_str(addr)}"
    elif cls == 5:
        ms = tvb.u32(body)
        pkt.add(oi, REFRESH, ms, body, 4, f"Refresh interval: {ms} ms ({ms // 1000} seconds)")
        text = f"TIME VALUES: {ms} ms"
    elif cls == 6:
        text = _error(tvb, pkt, oi, body)
    elif cls == 8:
        style = tvb.u24(body + 1)
        pkt.add(oi, STYLE_FLAGS, tvb.u8(body), body, 1)
        pkt.add(oi, STYLE, style, body + 1, 3)
        text = f"STYLE: {STYLES.get(style, 'Unknown')} ({style})"
    elif cls == 9:
        text = _flowspec(tvb, pkt, oi, body)
    elif cls in (10, 11):
        ip, port = tvb.u32(body), tvb.u16(body + 6)
        pkt.add(oi, SENDER_IP, ip, body, 4)
        pkt.add(oi, SENDER_PORT, port, body + 6, 2)
        word = "FILTERSPEC" if cls == 10 else "SENDER TEMPLATE"
        text = f"{word}: IPv4, Sender {ipv4_str(ip)}, Port {port}. "
        pkt.append_info(text)
    else:
        addr = tvb.u32(body)
        pkt.add(oi, CONFIRM_ADDR, addr, body, 4)
        text = f"CONFIRM: Receiver {ipv4_str(addr)}"
    oi.text = text


def _object_header(pkt: Packet, oi: Item, pos: int, olen: int, cls: int, ctype: int,
                   ctype_f: Field, names: dict[int, str] | None) -> None:
    pkt.add(oi, LENGTH, olen, pos, 2)
    pkt.add(oi, OBJECT, cls, pos + 2, 1,
            None if cls in OBJECTS else f"Object class: Unknown ({cls})")
    pkt.add(oi, CTYPE, ctype, pos + 3, 1, hidden=True)
    label = f"{ctype_f.name}: {names[ctype]} ({ctype})" if names else f"C-type: {ctype}"
    pkt.add(oi, ctype_f, ctype, pos + 3, 1, label)


def _error(tvb: Tvb, pkt: Packet, oi: Item, body: int) -> str:
    node, flags, code, value = tvb.u32(body), tvb.u8(body + 4), tvb.u8(body + 5), tvb.u16(
        body + 6)
    pkt.add(oi, ERROR_NODE, node, body, 4)
    fi = pkt.add(oi, ERROR_FLAGS, flags, body + 4, 1, f"Flags: 0x{flags:02x}   ")
    for f in ERROR_FLAG_BITS:
        pkt.add(fi, f, bool(flags & f.bitmask), body + 4, 1)
    name = ERROR_CODES.get(code, "Unknown")
    pkt.add(oi, ERROR_CODE, code, body + 5, 1, f"Error code: {name} ({code})")
    pkt.add(oi, ERROR_VALUE, value, body + 6, 2)
    return f"ERROR: IPv4, Error code: {name}, Value: {value}, Error Node: {ipv4_str(node)}"


def _flowspec(tvb: Tvb, pkt: Packet, oi: Item, body: int) -> str:
    pkt.add(oi, FS_VERSION, tvb.u8(body) >> 4, body, 1)
    words = tvb.u16(body + 2)
    pkt.add(oi, DATA_LENGTH, words, body + 2, 2,
            f"Data length: {words} words, not including header")
    service = tvb.u8(body + 4)
    pkt.add(oi, SERVICE, service, body + 4, 1)
    swords = tvb.u16(body + 6)
    pkt.add(oi, DATA_LENGTH, swords, body + 6, 2,
            f"Data length: {swords} words, not including header")
    text = f"FLOWSPEC: {SERVICES.get(service, 'Unknown')}: "
    at = body + 8
    pid = tvb.u8(at)
    if pid != 127:
        return text
    rate, size, peak = _float(tvb, at + 4), _float(tvb, at + 8), _float(tvb, at + 12)
    m, big_m = tvb.u32(at + 16), tvb.u32(at + 20)
    pi = pkt.add(oi, PARAMETER, pid, at, 24,
                 f"Parameter: Token bucket ({pid})Rate={_g(rate)} Burst={_g(size)} "
                 f"Peak={_g(peak)} m={m} M={big_m}")
    pkt.add(pi, PARAM_FLAGS, tvb.u8(at + 1), at + 1, 1)
    plen = tvb.u16(at + 2)
    pkt.add(pi, PARAM_LENGTH, plen, at + 2, 2,
            f"Parameter length: {plen} words, not including header")
    for i, (f, v) in enumerate(((TB_RATE, rate), (TB_SIZE, size), (PEAK, peak))):
        pkt.add(pi, f, v, at + 4 + 4 * i, 4, f"{f.name}: {_g(v)}")
    pkt.add(pi, MIN_UNIT, m, at + 16, 4)
    pkt.add(pi, MAX_SIZE, big_m, at + 20, 4)
    return text + f"Token Bucket, {_g(rate)} bytes/sec. "


IP_PROTO.register(46, dissect_rsvp, "rsvp")
register_dissector("rsvp", dissect_rsvp)
register_learner_layer("rsvp", "RSVP", "network")
