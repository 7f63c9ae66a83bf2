"""Cisco ERSPAN over GRE (0x88be: Type I without a header, Type II; 0x22eb: Type III).

Type II (8 bytes):  |Ver(4)|VLAN(12)|COS(3)|En(2)|T|Session ID(10)|Reserved(12)|Index(20)|
Type III (12):      |Ver|VLAN|COS|BSO(2)|T|Session ID|Timestamp(32)|SGT(16)|P|FT(5)|Hw ID(6)|D|Gra(2)|O|
A Type I packet is told from Type II by its GRE header, which has no sequence number.
The mirrored frame follows (Ethernet without FCS; Type III frame type 2: IP).
"""

from __future__ import annotations

from dissectors.dispatch import BY_NAME, ETHERTYPE, register_dissector
from dissectors.format import masked_label
from dissectors.gre import GRE_PROTO, gre_has_sequence
from dissectors.offers import register_learner_layer
from dissectors.packet import Packet
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

ERSPAN = protocol("erspan", "Encapsulated Remote Switch Packet ANalysis", "ERSPAN")
VERSION = ERSPAN.field("erspan.version", "Version", FT.UINT16, Base.DEC, bitmask=0xF000,
                       strings={1: "Type II", 2: "Type III"})
VLAN = ERSPAN.field("erspan.vlan", "Vlan", FT.UINT16, Base.DEC, bitmask=0x0FFF)
COS = ERSPAN.field("erspan.cos", "COS", FT.UINT16, Base.DEC, bitmask=0xE000)
ENCAP = ERSPAN.field("erspan.encap", "Encap", FT.UINT16, Base.DEC, bitmask=0x1800,
                     strings={0: "Originally without VLAN tag", 1: "Originally ISL encapsulated",
                              2: "Originally 802.1Q encapsulated",
                              3: "VLAN tag preserved in frame"})
BSO = ERSPAN.field("erspan.bso", "Bad/Short/Oversized", FT.UINT16, Base.DEC, bitmask=0x1800,
                   strings={0: "Good or unknown integrity", 1: "Short frame",
                            2: "Oversized frame", 3: "CRC or alignment error"})
TRUNCATED = ERSPAN.field("erspan.truncated", "Truncated", FT.UINT16, Base.DEC, bitmask=0x0400,
                         strings={0: "Not truncated", 1: "Truncated"})
SPANID = ERSPAN.field("erspan.spanid", "SpanID", FT.UINT16, Base.DEC, bitmask=0x03FF)
RESERVED = ERSPAN.field("erspan.reserved", "Reserved", FT.UINT32, Base.DEC, bitmask=0xFFF00000)
INDEX = ERSPAN.field("erspan.index", "Index", FT.UINT32, Base.DEC, bitmask=0x000FFFFF)
TIMESTAMP = ERSPAN.field("erspan.timestamp", "Timestamp", FT.UINT32, Base.DEC,
                         bitmask=0xFFFFFFFF)
SGT = ERSPAN.field("erspan.sgt", "Security Group Tag", FT.UINT16, Base.DEC, bitmask=0xFFFF)
P = ERSPAN.field("erspan.p", "Has Ethernet PDU", FT.UINT16, Base.DEC, bitmask=0x8000)
FT_F = ERSPAN.field("erspan.ft", "Frame Type", FT.UINT16, Base.DEC, bitmask=0x7C00,
                    strings={0: "Ethernet", 2: "IP"})
HW = ERSPAN.field("erspan.hw", "Hardware ID", FT.UINT16, Base.DEC, bitmask=0x03F0)
DIRECTION = ERSPAN.field("erspan.direction", "Direction", FT.BOOLEAN, bitmask=0x0008,
                         strings=("Egress", "Ingress"))
GRA = ERSPAN.field("erspan.gra", "Timestamp granularity", FT.UINT16, Base.DEC, bitmask=0x0006,
                   strings={0: "100 microseconds", 1: "100 nanoseconds", 2: "IEEE 1588",
                            3: "Custom granularity"})
OPT_SUB = ERSPAN.field("erspan.o", "Optional Sub headers", FT.UINT16, Base.DEC, bitmask=0x0001)
_NAME = "Encapsulated Remote Switch Packet ANalysis"


def _u16s(pkt: Packet, top: object, word: int, at: int, fields: tuple) -> None:
    for f in fields:
        v = (word & f.bitmask) >> f.shift
        if f.type is FT.BOOLEAN:  # (Wireshark draws its booleans 16 bits wide)
            pkt.add(top, f, bool(v), at, 2, masked_label(f, bool(v), 16))  # type: ignore[arg-type]
        else:
            pkt.add(top, f, v, at, 2)  # type: ignore[arg-type]


def dissect_erspan(tvb: Tvb, pkt: Packet, session: Session) -> None:
    session.current_proto = "erspan"
    off = tvb.start
    pkt.proto_col = "ERSPAN"
    pkt.set_info("ERSPAN:")  # (what a frame cut short inside the header shows)
    if not gre_has_sequence(pkt):
        pkt.add_proto(ERSPAN, off, 0, f"{_NAME} Type I")
        BY_NAME["eth_withoutfcs"](tvb.sub(off), pkt, session)
        return
    tvb.need(off, 2)
    w0 = tvb.u16(off)
    if w0 >> 12 == 2:
        _type3(tvb, pkt, session)
        return
    tvb.need(off, 8)
    top = pkt.add_proto(ERSPAN, off, 8, f"{_NAME} Type II")
    w1, w23 = tvb.u16(off + 2), int.from_bytes(tvb.buf[off + 4: off + 8], "big")
    _u16s(pkt, top, w0, off, (VERSION, VLAN))
    _u16s(pkt, top, w1, off + 2, (COS, ENCAP, TRUNCATED, SPANID))
    pkt.add(top, RESERVED, w23 >> 20, off + 4, 4)
    pkt.add(top, INDEX, w23 & 0xFFFFF, off + 4, 4)
    BY_NAME["eth_withoutfcs"](tvb.sub(off + 8), pkt, session)


def _type3(tvb: Tvb, pkt: Packet, session: Session) -> None:
    off = tvb.start
    tvb.need(off, 12)
    b = tvb.buf
    w5 = tvb.u16(off + 10)
    hlen = 12 + (8 if w5 & 1 else 0)
    top = pkt.add_proto(ERSPAN, off, hlen, f"{_NAME} Type III")
    _u16s(pkt, top, tvb.u16(off), off, (VERSION, VLAN))
    _u16s(pkt, top, tvb.u16(off + 2), off + 2, (COS, BSO, TRUNCATED, SPANID))
    pkt.add(top, TIMESTAMP, int.from_bytes(b[off + 4: off + 8], "big"), off + 4, 4)
    pkt.add(top, SGT, tvb.u16(off + 8), off + 8, 2)
    _u16s(pkt, top, w5, off + 10, (P, FT_F, HW, DIRECTION, GRA, OPT_SUB))
    sub = tvb.sub(off + hlen)
    if (w5 >> 10) & 0x1F == 2:
        fn = ETHERTYPE.get(0x0800)
        if fn is not None:
            fn(sub, pkt, session)
            return
    BY_NAME["eth_withoutfcs"](sub, pkt, session)


GRE_PROTO.register(0x88BE, dissect_erspan, "erspan")
GRE_PROTO.register(0x22EB, dissect_erspan, "erspan")
register_dissector("erspan", dissect_erspan)
register_learner_layer("erspan", "ERSPAN", "link")
