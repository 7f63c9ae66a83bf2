"""VXLAN (RFC 7348, UDP 4789): an Ethernet frame inside UDP, as packet-vxlan.c shows it.

    0                   1                   2                   3
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |G|R|R|R|I|R|R|R|R|D|R|R|A|R|R|R|       Group Policy ID         |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |          VXLAN Network Identifier (VNI)       |   Reserved    |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
The inner frame is dissected as Ethernet without FCS; its layers take the columns.
"""

from __future__ import annotations

from dissectors.dispatch import BY_NAME, TUNNEL_UDP_PORTS, UDP_PORT, register_dissector
from dissectors.format import masked_label
from dissectors.offers import register_learner_layer
from dissectors.packet import Packet
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.tvb import BoundsError, ReportedBoundsError, Tvb

VXLAN = protocol("vxlan", "Virtual eXtensible Local Area Network", "VXLAN")
FLAGS = VXLAN.field("vxlan.flags", "Flags", FT.UINT16, Base.HEX, offset=0)
FLAG_G = VXLAN.field("vxlan.flag_g", "GBP Extension", FT.BOOLEAN, bitmask=0x8000,
                     strings=("Defined", "Not defined"))
FLAG_I = VXLAN.field("vxlan.flag_i", "VXLAN Network ID (VNI)", FT.BOOLEAN, bitmask=0x0800)
FLAG_D = VXLAN.field("vxlan.flag_d", "Don't Learn", FT.BOOLEAN, bitmask=0x0040)
FLAG_A = VXLAN.field("vxlan.flag_a", "Policy Applied", FT.BOOLEAN, bitmask=0x0008)
RESERVED_FLAGS = VXLAN.field("vxlan.flags_reserved", "Reserved(R)", FT.UINT16, Base.HEX,
                             bitmask=0x77B7)
GBP = VXLAN.field("vxlan.gbp", "Group Policy ID", FT.UINT16, Base.DEC, offset=2)
VNI = VXLAN.field("vxlan.vni", "VXLAN Network Identifier (VNI)", FT.UINT24, Base.DEC,
                  offset=4, width=3)
RESERVED8 = VXLAN.field("vxlan.reserved8", "Reserved", FT.UINT8, Base.DEC, offset=7)
_FLAG_NAMES = ((0x8000, "GBP Extension"), (0x0800, "VXLAN Network ID (VNI)"),
               (0x0040, "Don't Learn"), (0x0008, "Policy Applied"))


def dissect_vxlan(tvb: Tvb, pkt: Packet, session: Session) -> None:
    session.current_proto = "vxlan"
    off = tvb.start
    b = tvb.buf
    pkt.proto_col = "VxLAN"  # (packet-vxlan.c's column: an inner frame replaces it)
    pkt.clear_info()
    # (a header cut by the capture: the item and each field read before the cut, as
    # tshark adds them)
    top = pkt.add_proto(VXLAN, off, 8, "Virtual eXtensible Local Area Network")
    flags = tvb.u16(off)
    names = ", ".join(n for m, n in _FLAG_NAMES if flags & m)
    fi = pkt.add(top, FLAGS, flags, off, 2,
                 f"Flags: 0x{flags:04x}" + (f", {names}" if names else "") if pkt.tree_on
                 else None)
    for f in (FLAG_G, FLAG_I, FLAG_D, FLAG_A):
        v = bool(flags & f.bitmask)
        pkt.add(fi, f, v, off, 2, masked_label(f, v, 16) if pkt.tree_on else None)
    pkt.add(fi, RESERVED_FLAGS, (flags & 0x77B7), off, 2)
    pkt.add(top, GBP, tvb.u16(off + 2), off + 2, 2)
    tvb.need(off + 4, 3)
    pkt.add(top, VNI, int.from_bytes(b[off + 4: off + 7], "big"), off + 4, 3)
    pkt.add(top, RESERVED8, tvb.u8(off + 7), off + 7, 1)
    before = len(pkt.protocols)
    try:
        BY_NAME["eth_withoutfcs"](tvb.sub(off + 8), pkt, session)
    except (BoundsError, ReportedBoundsError):
        if len(pkt.protocols) == before:  # (called, then cut: tshark names it)
            pkt.protocols.append("eth")
        raise


UDP_PORT.register(4789, dissect_vxlan, "vxlan")
TUNNEL_UDP_PORTS.add(4789)  # (an inner packet: layers of its own)
register_dissector("vxlan", dissect_vxlan)
register_learner_layer("vxlan", "VXLAN", "link")
