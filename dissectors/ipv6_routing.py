"""IPv6's routing header (type 0 source routes, type 2 Mobile IPv6 home address) and
what it does to the packet's destinations: tshark's columns and upper-layer
conversations use the final destination, its flow graphs and conv,ipv6 the header's.
Apart from ipv6.py so that the header's walk and this rarely seen header each stay
readable; ipv6.py calls routing_header, the statistics read routed_dst/header_dst."""

from __future__ import annotations

from dissectors.format import ipv6_str
from dissectors.ipv6_fields import (
    ROUTING_DEPRECATED,
    ROUTING_INVALID_SEGLEFT,
    ROUTING_MIPV6_HOME,
    ROUTING_MIPV6_RESERVED,
    ROUTING_SEGLEFT,
    ROUTING_SRC_ADDR,
    ROUTING_SRC_RESERVED,
    ROUTING_TYPE,
    ROUTING_UNKNOWN,
)
from dissectors.packet import Item, Packet
from dissectors.tvb import Tvb


def _route_to(pkt: Packet, final: bytes) -> None:
    """A routing header with segments left: pinfo->dst (the columns, the conversations
    of the layers above) becomes the final destination; the header's own destination
    stays what flow graphs and conv,ipv6 show (kept per header address, read back
    through routed_dst / header_dst)."""
    routed = pkt.proto_data.setdefault("ipv6.routed", {})
    routed[pkt.net_dst] = final
    pkt.net_dst = final
    pkt.dst = ipv6_str(final)


def routed_dst(pkt: Packet, header_dst: bytes) -> bytes:
    """The final destination of the IPv6 layer whose header names `header_dst`."""
    routed = pkt.proto_data.get("ipv6.routed")
    return header_dst if routed is None else routed.get(header_dst, header_dst)


def header_dst(pkt: Packet) -> bytes:
    """pinfo->net_dst: the innermost network destination as its header names it (the
    final destination of a routing header is only pinfo->dst)."""
    routed = pkt.proto_data.get("ipv6.routed")
    if routed:
        for hdr, final in routed.items():
            if final == pkt.net_dst:
                return hdr  # type: ignore[no-any-return]
    return pkt.net_dst


def routing_header(pkt: Packet, top: Item, tvb: Tvb, pos: int, size: int) -> None:
    b = tvb.buf
    rtype, segleft = b[pos + 2], b[pos + 3]
    ti = pkt.add(top, ROUTING_TYPE, rtype, pos + 2, 1)
    si = pkt.add(top, ROUTING_SEGLEFT, segleft, pos + 3, 1)
    count = (size - 8) // 16
    if rtype == 0 and segleft > count or rtype == 2 and segleft != 1:
        pkt.add_expert(si, "warning", "protocol", f"IPv6 Type {rtype} Routing Header segments "
                       "left field must " + (f"not exceed address count ({count})" if rtype == 0
                                             else "equal 1"),
                       "ipv6.routing", field=ROUTING_INVALID_SEGLEFT)
    if rtype == 0:
        pkt.add_expert(ti, "note", "deprecated", "Routing header type is deprecated",
                       "ipv6.routing", field=ROUTING_DEPRECATED)
        pkt.add(top, ROUTING_SRC_RESERVED, bytes(b[pos + 4: pos + 8]), pos + 4, 4)
        addrs = [bytes(b[p: p + 16]) for p in range(pos + 8, pos + size - 15, 16)]
        for i, a in enumerate(addrs):
            pkt.add(top, ROUTING_SRC_ADDR, a, pos + 8 + 16 * i, 16,
                    f"Address[{i + 1}]: {ipv6_str(a)}")
        if segleft and addrs:  # the conversation is with the final destination
            _route_to(pkt, addrs[-1])
    elif rtype == 2 and size >= 24:
        pkt.add(top, ROUTING_MIPV6_RESERVED, bytes(b[pos + 4: pos + 8]), pos + 4, 4)
        home = bytes(b[pos + 8: pos + 24])
        pkt.add(top, ROUTING_MIPV6_HOME, home, pos + 8, 16, f"Address[1]: {ipv6_str(home)}")
        if segleft:
            _route_to(pkt, home)
    elif size > 4:
        pkt.add(top, ROUTING_UNKNOWN, bytes(b[pos + 4: pos + size]), pos + 4, size - 4)
