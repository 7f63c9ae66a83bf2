"""Linux cooked capture, v1 (LINKTYPE_LINUX_SLL 113) and v2 (LINKTYPE_LINUX_SLL2 276).

v1:  packet type (2) | ARPHRD type (2) | address length (2) | address (8) | protocol (2)
v2:  protocol (2) | reserved (2) | interface index (4) | ARPHRD type (2) |
     packet type (1) | address length (1) | address (8)
The protocol is an ethertype, except for GRE tunnels (ARPHRD_IPGRE) where it is a GRE
protocol type, and small Linux pseudo-types (LINUX_SLL_P_802_2 = LLC).
"""

from __future__ import annotations

from dissectors.dispatch import BY_NAME, ETHERTYPE, LINKTYPE, register_dissector
from dissectors.eth import ETHERTYPE_PROTO
from dissectors.format import ether_str, ipv4_str
from dissectors.gre import PROTO_NAMES as GRE_NAMES
from dissectors.offers import ConversationSpec, register_conversation, register_learner_layer
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.sll_names import HATYPES, LTYPES
from dissectors.tvb import Tvb
from dissectors.vlan import ETYPE_NAMES

ARPHRD_NETLINK = 824  # the frame is netlink's (dissectors/netlink.py)
PKTTYPES = {0: "Unicast to us", 1: "Broadcast", 2: "Multicast", 3: "Unicast to another host",
            4: "Sent by us"}

SLL = protocol("sll", "Linux cooked-mode capture", "SLL")
PKTTYPE = SLL.field("sll.pkttype", "Packet type", FT.UINT16, Base.DEC, strings=PKTTYPES)
HATYPE = SLL.field("sll.hatype", "Link-layer address type", FT.UINT16, Base.DEC,
                   strings=HATYPES)
HALEN = SLL.field("sll.halen", "Link-layer address length", FT.UINT16, Base.DEC)
SRC_ETH = SLL.field("sll.src.eth", "Source", FT.ETHER)
SRC_IPV4 = SLL.field("sll.src.ipv4", "Source", FT.IPv4)
SRC_OTHER = SLL.field("sll.src.other", "Source", FT.BYTES)
UNUSED = SLL.field("sll.unused", "Unused", FT.BYTES)
LTYPE = SLL.field("sll.ltype", "Protocol", FT.UINT16, Base.HEX, strings=LTYPES)
GRETYPE = SLL.field("sll.gretype", "Protocol", FT.UINT16, Base.HEX, strings=GRE_NAMES)
ETYPE = SLL.field("sll.etype", "Protocol", FT.UINT16, Base.HEX, strings=ETYPE_NAMES)
TRAILER = SLL.field("sll.trailer", "Trailer", FT.BYTES)
IFINDEX = SLL.field("sll.ifindex", "Interface index", FT.UINT32, Base.DEC)


def _pkttype_text(v: int) -> str:
    return PKTTYPES.get(v, f"Unknown ({v})")


def _address(tvb: Tvb, pkt: Packet, tree: Item, halen: int, off: int) -> None:
    """The 8-byte address field: the used part, the rest unused. As in tshark 4.0 the
    address length alone decides its type, whatever the hardware type: 4 bytes are an
    IPv4 address, 6 an Ethernet one (both the Source column), any other length bytes."""
    b = tvb.buf
    n = min(halen, 8)
    if halen:
        tvb.need(off, n)
        addr = bytes(b[off: off + n])
        if halen == 6:
            pkt.add(tree, SRC_ETH, addr, off, 6)
            pkt.src = ether_str(addr)
        elif halen == 4:
            pkt.add(tree, SRC_IPV4, int.from_bytes(addr, "big"), off, 4)
            pkt.src = ipv4_str(int.from_bytes(addr, "big"))
        else:
            pkt.add(tree, SRC_OTHER, addr, off, n)
    if n < 8:
        pkt.add(tree, UNUSED, tvb.bytes(off + n, 8 - n), off + n, 8 - n)


def _proto_field(proto: int, hatype: int, v1: bool):  # noqa: ANN202
    if hatype == 778:
        return GRETYPE
    return LTYPE if v1 and proto <= 1500 else ETYPE


def _add_hatype(pkt: Packet, tree: Item, hatype: int, off: int) -> None:
    text = None
    if hatype not in HATYPES and pkt.tree_on:
        text = f"Link-layer address type: Unknown ({hatype})"
    pkt.add(tree, HATYPE, hatype, off, 2, text)


def _add_proto(pkt: Packet, tree: Item, proto: int, hatype: int, v1: bool, off: int) -> None:
    """The protocol field; a GRE type without a name is tshark's "Unknown (0x....)"."""
    field = _proto_field(proto, hatype, v1)
    text = None
    if field is GRETYPE and proto not in GRE_NAMES and pkt.tree_on:
        text = f"Protocol: Unknown (0x{proto:04x})"
    pkt.add(tree, field, proto, off, 2, text)


def _payload(proto: int, hatype: int, tvb: Tvb, pkt: Packet, session: Session, tree: Item,
             off: int, proto_off: int, v1: bool) -> None:
    sub = tvb.sub(off)
    if v1:
        _add_proto(pkt, tree, proto, hatype, v1, proto_off)
    if hatype == 778:
        # GRE tunnel: a GRE protocol type, dispatched without the ethertype step; one
        # nobody takes is left undissected (tshark's dissector_try_uint, no data).
        fn = ETHERTYPE.get(proto)
        if fn is None:
            return
        pkt.clear_info()
        fn(sub, pkt, session)
        return
    if v1 and proto <= 1500:
        if proto == 4:
            BY_NAME["llc"](sub, pkt, session)
        else:
            BY_NAME["data"](sub, pkt, session)
        return
    pkt.protocols.append(ETHERTYPE_PROTO.abbrev)
    fn = ETHERTYPE.get(proto)
    if fn is None:
        pkt.proto_col = f"0x{proto:04x}"
        if proto in ETYPE_NAMES:
            pkt.set_info(ETYPE_NAMES[proto])
        BY_NAME["data"](sub, pkt, session)
        return
    pkt.clear_info()
    used = fn(sub, pkt, session)
    if isinstance(used, int) and not isinstance(used, bool) and off + used < tvb.end:
        pkt.add(tree, TRAILER, bytes(tvb.buf[off + used: tvb.end]), off + used,
                tvb.end - off - used)


def _netlink(tvb: Tvb, pkt: Packet, session: Session) -> None:
    """ARPHRD_NETLINK: the whole frame goes to netlink (its cooked header is SLL v1's);
    no SLL item. What netlink refuses (an SLL v2 frame: netlink reads v1's hardware
    type) is data, as tshark's call_dissector does, with empty columns."""
    pkt.protocols.append(SLL.abbrev)
    pkt.proto_col = ""
    pkt.clear_info()
    if BY_NAME["netlink"](tvb, pkt, session) is False:
        BY_NAME["data"](tvb, pkt, session)


def dissect_sll(tvb: Tvb, pkt: Packet, session: Session) -> None:
    """Version 1: 16-byte header, protocol last."""
    session.current_proto = "sll"
    off = tvb.start
    if off + 4 <= tvb.end and tvb.u16(off + 2) == ARPHRD_NETLINK:
        _netlink(tvb, pkt, session)
        return
    pkt.proto_col = "SLL"
    tree = pkt.add_proto(SLL, off, 16, "Linux cooked capture v1")
    pkttype = tvb.u16(off)
    pkt.set_info(_pkttype_text(pkttype))
    pkt.add(tree, PKTTYPE, pkttype, off, 2)
    hatype = tvb.u16(off + 2)
    _add_hatype(pkt, tree, hatype, off + 2)
    halen = tvb.u16(off + 4)
    pkt.add(tree, HALEN, halen, off + 4, 2)
    _address(tvb, pkt, tree, halen, off + 6)
    proto = tvb.u16(off + 14)
    _payload(proto, hatype, tvb, pkt, session, tree, off + 16, off + 14, True)


def dissect_sll2(tvb: Tvb, pkt: Packet, session: Session) -> None:
    """Version 2: 20-byte header, protocol first, with the interface index."""
    session.current_proto = "sll"
    off = tvb.start
    if off + 10 <= tvb.end and tvb.u16(off + 8) == ARPHRD_NETLINK:
        _netlink(tvb, pkt, session)
        return
    pkt.proto_col = "SLL"
    tree = pkt.add_proto(SLL, off, 20, "Linux cooked capture v2")
    tvb.need(off, 2)
    proto = tvb.u16(off)
    if off + 12 <= tvb.end:
        # Wireshark 4.0 reads the packet type for Info as 16 bits: the packet type
        # and the address length after it.
        pkt.set_info(_pkttype_text(tvb.u16(off + 10)))
    hatype = tvb.u16(off + 8) if off + 10 <= tvb.end else 0
    _add_proto(pkt, tree, proto, hatype, False, off)
    pkt.add(tree, IFINDEX, tvb.u32(off + 4), off + 4, 4)
    hatype = tvb.u16(off + 8)
    _add_hatype(pkt, tree, hatype, off + 8)
    pkt.add(tree, PKTTYPE, tvb.u8(off + 10), off + 10, 1)
    halen = tvb.u8(off + 11)
    pkt.add(tree, HALEN, halen, off + 11, 1)
    _address(tvb, pkt, tree, halen, off + 12)
    _payload(proto, hatype, tvb, pkt, session, tree, off + 20, off, False)


LINKTYPE.register(113, dissect_sll, "sll")
LINKTYPE.register(276, dissect_sll2, "sll")
register_dissector("sll", dissect_sll)
register_learner_layer("sll", "SLL", "link")
# Only a source address, an Ethernet or an IPv4 one by its length (tshark's other end
# is AT_NONE, printed "NONE").
register_conversation(ConversationSpec("sll", "SLL", "sll", "sll.src.eth|sll.src.ipv4", ""))
