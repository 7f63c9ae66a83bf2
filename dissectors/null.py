"""BSD loopback / null encapsulation (LINKTYPE_NULL 0) and OpenBSD loopback (108).

A 4-byte address family precedes the packet: in the capturing host's byte order for
LINKTYPE_NULL (guessed as Wireshark does: a value with its upper 16 bits set is
byte-swapped), in network byte order for LINKTYPE_LOOP. A value above 1500 is an
ethertype (some old systems put one there).
"""

from __future__ import annotations

from dissectors.dispatch import BY_NAME, ETHERTYPE, LINKTYPE, NULL_FAMILY, register_dissector
from dissectors.eth import ETHERTYPE_NAMES
from dissectors.offers import register_learner_layer
from dissectors.packet import Packet
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

FAMILIES = {2: "IP", 7: "OSI", 16: "Appletalk", 23: "Netware IPX/SPX", 24: "IPv6", 28: "IPv6",
            30: "IPv6"}

NULL = protocol("null", "Null/Loopback", "Null")
TYPE = NULL.field("null.type", "Type", FT.UINT16, Base.HEX, strings=ETHERTYPE_NAMES)
FAMILY = NULL.field("null.family", "Family", FT.UINT32, Base.DEC, strings=FAMILIES)


def _dissect(tvb: Tvb, pkt: Packet, session: Session, network_order: bool) -> None:
    session.current_proto = "null"
    off = tvb.start
    pkt.src = pkt.dst = "N/A"
    pkt.proto_col = "N/A"
    pkt.set_info("Null/Loopback")
    pkt.protocols.append(NULL.abbrev)  # the tree item only once the header is read
    if network_order:
        value = tvb.u32(off)
    else:
        value = tvb.u32le(off)  # the capturing host was little-endian, unless ...
        if value & 0xFFFF0000:
            value = tvb.u32(off)  # ... the value only makes sense byte-swapped
    sub = tvb.sub(off + 4)
    tree = pkt.add_proto(NULL, off, 4, "Null/Loopback", in_stack=False)
    if value > 1500 and not network_order:
        pkt.add(tree, TYPE, value & 0xFFFF, off, 4)
        fn = ETHERTYPE.get(value & 0xFFFF)
    else:
        pkt.add(tree, FAMILY, value, off, 4,
                f"Family: {FAMILIES.get(value, 'Unknown')} ({value})")
        fn = NULL_FAMILY.get(value)
    if fn is None:
        BY_NAME["data"](sub, pkt, session)
        return
    pkt.clear_info()
    fn(sub, pkt, session)


def dissect_null(tvb: Tvb, pkt: Packet, session: Session) -> None:
    _dissect(tvb, pkt, session, False)


def dissect_loop(tvb: Tvb, pkt: Packet, session: Session) -> None:
    _dissect(tvb, pkt, session, True)


LINKTYPE.register(0, dissect_null, "null")
LINKTYPE.register(108, dissect_loop, "null")
register_dissector("null", dissect_null)
register_learner_layer("null", "Null", "link")
