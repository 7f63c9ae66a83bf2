"""IPX (Novell NetWare) and IPX RIP, over raw 802.3 (payload starting 0xFFFF), LLC SAP
0xE0 and ethertype 0x8137, as tshark 4.0 shows them.

    +----------+--------+-----+------+---------+----------+----------+---------+-----------+----------+
    | checksum | length | hops| type | dst net | dst node | dst sock | src net | src node  | src sock |
    |    2     |   2    |  1  |  1   |    4    |    6     |    2     |    4    |     6     |    2     |
    +----------+--------+-----+------+---------+----------+----------+---------+-----------+----------+
Addresses are shown as tshark's AT_IPX ("00000028.00aa00a3e3a4"); the sockets are the
packet's ports. RIP (socket 0x0453): a type, then 8-byte route entries (network, hops,
ticks). Other sockets' payloads are shown as data.
"""

from __future__ import annotations

from dissectors.dispatch import BY_NAME, ETHERTYPE, register_dissector, table
from dissectors.format import ether_str
from dissectors.llc import LLC_DSAP
from dissectors.offers import ConversationSpec, register_conversation, register_learner_layer
from dissectors.packet import Packet
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

SOCKETS = {
    0x0002: "CISCO PING", 0x0451: "NCP", 0x0452: "SAP", 0x0453: "RIP", 0x0455: "NetBIOS",
    0x0456: "Diagnostic", 0x0457: "Serialization", 0x0550: "NWLink SMB Server",
    0x0551: "NWLink SMB Name Query", 0x0552: "NWLink SMB Redirector",
    0x0553: "NWLink SMB Mailslot Datagram", 0x0554: "NWLink SMB Messenger",
    0x0555: "NWLink SMB Browse", 0x055D: "Attachmate Gateway", 0x4001: "IPX Message",
    0x4003: "IPX Message", 0x4006: "NetWare Directory Server",
    0x400C: "HP LaserJet/QuickSilver", 0x8104: "NetWare 386", 0x8522: "ADSM",
    0x85BE: "Cisco EIGRP for IPX", 0x8F83: "Powerchute UPS Monitoring",
    0x9001: "NetWare Link Services Protocol", 0x9004: "IPX WAN", 0x900F: "SNMP Agent",
    0x9010: "SNMP Sink", 0x907B: "SMS Testing and Development", 0x9086: "Novell PING",
    0x9091: "TCP Tunnel", 0x9092: "UDP Tunnel", 0x90B2: "NDPS Printer Agent/PSM",
    0x90B3: "NDPS Broker", 0x90B4: "NDPS Service Registry Service",
    0x90B5: "NDPS Event Notification Service", 0x90B6: "NDPS Remote Management Service",
    0x90B7: "NDPS Notify Listener", 0xE885: "NT Server-RPC/GW",
}
PACKET_TYPES = {
    0x00: "IPX", 0x01: "RIP", 0x02: "Echo", 0x03: "Error", 0x04: "PEP", 0x05: "SPX",
    0x10: "Experimental Protocol", 0x11: "NCP", 0x12: "Experimental Protocol",
    0x13: "Experimental Protocol", 0x14: "NetBIOS Broadcast",
    0x15: "Experimental Protocol", 0x16: "Experimental Protocol",
    0x17: "Experimental Protocol", 0x18: "Experimental Protocol",
    0x19: "Experimental Protocol", 0x1A: "Experimental Protocol",
    0x1B: "Experimental Protocol", 0x1C: "Experimental Protocol",
    0x1D: "Experimental Protocol", 0x1E: "Experimental Protocol",
    0x1F: "Experimental Protocol",
}
RIP_TYPES = {1: "Request", 2: "Response"}

IPX = protocol("ipx", "Internetwork Packet eXchange", "IPX")
SRC = IPX.field("ipx.src", "Source Address", FT.STRING)
DST = IPX.field("ipx.dst", "Destination Address", FT.STRING)
ADDR = IPX.field("ipx.addr", "Src/Dst Address", FT.STRING)
CHECKSUM = IPX.field("ipx.checksum", "Checksum", FT.UINT16, Base.HEX)
LENGTH = IPX.field("ipx.len", "Length", FT.UINT16, Base.DEC)
HOPS = IPX.field("ipx.hops", "Transport Control (Hops)", FT.UINT8, Base.DEC)
PTYPE = IPX.field("ipx.packet_type", "Packet Type", FT.UINT8, Base.HEX, strings=PACKET_TYPES)
DST_NET = IPX.field("ipx.dst.net", "Destination Network", FT.IPXNET)
DST_NODE = IPX.field("ipx.dst.node", "Destination Node", FT.ETHER)
DST_SOCKET = IPX.field("ipx.dst.socket", "Destination Socket", FT.UINT16, Base.HEX,
                       strings=SOCKETS)
SRC_NET = IPX.field("ipx.src.net", "Source Network", FT.IPXNET)
SRC_NODE = IPX.field("ipx.src.node", "Source Node", FT.ETHER)
SRC_SOCKET = IPX.field("ipx.src.socket", "Source Socket", FT.UINT16, Base.HEX, strings=SOCKETS)
NET = IPX.field("ipx.net", "Source or Destination Network", FT.IPXNET)
NODE = IPX.field("ipx.node", "Source or Destination Node", FT.ETHER)
SOCKET = IPX.field("ipx.socket", "Source or Destination Socket", FT.UINT16, Base.HEX,
                   strings=SOCKETS)

IPXRIP = protocol("ipxrip", "IPX Routing Information Protocol", "IPX RIP")
RIP_REQUEST = IPXRIP.field("ipxrip.request", "Request", FT.BOOLEAN)
RIP_RESPONSE = IPXRIP.field("ipxrip.response", "Response", FT.BOOLEAN)
RIP_TYPE = IPXRIP.field("ipxrip.packet_type", "RIP packet type", FT.UINT16, Base.DEC,
                        strings=RIP_TYPES)
RIP_NET = IPXRIP.field("ipxrip.route_vector", "Route Vector", FT.IPXNET)
RIP_HOPS = IPXRIP.field("ipxrip.hops", "Hops", FT.UINT16, Base.DEC)
RIP_TICKS = IPXRIP.field("ipxrip.ticks", "Ticks", FT.UINT16, Base.DEC)
#: IPX payloads by socket (Wireshark's "ipx.socket" table).
IPX_SOCKET = table("ipx.socket", "IPX socket")
_HDR = 30


def address_text(raw: bytes) -> str:
    """An IPX address (4-byte network, 6-byte node) as tshark's AT_IPX column text."""
    return f"{raw[:4].hex()}.{raw[4:10].hex()}"


def _net_label(name: str, net: int) -> str:
    # tshark 4.0 -n: get_ipxnet_name prints the network with a NUL separator, so only
    # its first byte survives ("00 (0x00000028)").
    return f"{name}: {net >> 24:02x} (0x{net:08X})"


def dissect_ipx(tvb: Tvb, pkt: Packet, session: Session) -> int:
    session.current_proto = "ipx"
    off = tvb.start
    pkt.proto_col = "IPX"
    if tvb.end - off < _HDR:  # (tshark's layer is entered, its item never made)
        pkt.protocols.append(IPX.abbrev)
        tvb.need(off, _HDR)
    tree = pkt.add_proto(IPX, off, _HDR, "Internetwork Packet eXchange")
    b = tvb.buf
    csum, length = tvb.u16(off), tvb.u16(off + 2)
    hops, ptype = b[off + 4], b[off + 5]
    dst, src = bytes(b[off + 6: off + 16]), bytes(b[off + 18: off + 28])
    dsock, ssock = tvb.u16(off + 16), tvb.u16(off + 28)
    pkt.proto_col = "IPX"
    pkt.src, pkt.dst = address_text(src), address_text(dst)
    pkt.net_src, pkt.net_dst = src, dst
    pkt.srcport, pkt.dstport = ssock, dsock
    pkt.set_info(f"{SOCKETS.get(dsock, 'Unknown')} (0x{dsock:04x})")
    if pkt.wants_layer("ipx"):
        on = pkt.tree_on
        for f, a in ((SRC, src), (ADDR, src), (DST, dst), (ADDR, dst)):
            pkt.add(tree, f, address_text(a), off + (18 if a is src else 6), 10, hidden=True)
        pkt.add(tree, CHECKSUM, csum, off, 2)
        pkt.add(tree, LENGTH, length, off + 2, 2, f"Length: {length} bytes" if on else None)
        pkt.add(tree, HOPS, hops, off + 4, 1, f"Transport Control: {hops} hops" if on else None)
        pkt.add(tree, PTYPE, ptype, off + 5, 1)
        for o, addr, sock, (fnet, fnode, fsock) in (
                (off + 6, dst, dsock, (DST_NET, DST_NODE, DST_SOCKET)),
                (off + 18, src, ssock, (SRC_NET, SRC_NODE, SRC_SOCKET))):
            net = int.from_bytes(addr[:4], "big")
            pkt.add(tree, fnet, net, o, 4, _net_label(fnet.name, net) if on else None)
            pkt.add(tree, NET, net, o, 4, hidden=True)
            pkt.add(tree, fnode, addr[4:], o + 4, 6, f"{fnode.name}: {ether_str(addr[4:])}"
                    if on else None)
            pkt.add(tree, NODE, addr[4:], o + 4, 6, hidden=True)
            pkt.add(tree, fsock, sock, o + 10, 2, None if sock in SOCKETS or not on
                    else f"{fsock.name}: Unknown (0x{sock:04x})")
            pkt.add(tree, SOCKET, sock, o + 10, 2, hidden=True)
    end = off + max(length, _HDR)
    payload = tvb.sub(off + _HDR, max(0, min(length, tvb.rend - off) - _HDR))
    if payload.rend > payload.start:
        fn = IPX_SOCKET.get(dsock) or IPX_SOCKET.get(ssock)
        (fn or BY_NAME["data"])(payload, pkt, session)
    return end - off


def dissect_ipxrip(tvb: Tvb, pkt: Packet, session: Session) -> None:
    session.current_proto = "ipxrip"
    off = tvb.start
    pkt.proto_col = "IPX RIP"
    # (tshark 4.0 leaves ipxrip out of frame.protocols, though io,phs counts it)
    tree = pkt.add_proto(IPXRIP, off, tvb.rend - off, "IPX Routing Information Protocol",
                         in_stack=False)
    op = tvb.u16(off)
    pkt.set_info(RIP_TYPES.get(op, "Unknown Packet Type"))
    pkt.add(tree, RIP_TYPE, op, off, 2)
    if op == 1:
        pkt.add(tree, RIP_REQUEST, True, off, 2, hidden=True)
    elif op == 2:
        pkt.add(tree, RIP_RESPONSE, True, off, 2, hidden=True)
    o = off + 2
    if not pkt.wants_layer("ipxrip"):
        return  # (tshark reads the routes only for a tree: a cut one is malformed there)
    while o < tvb.rend:  # (bounded: 8 bytes a route; a cut route is malformed)
        tvb.need(o, 8)
        net = int.from_bytes(tvb.buf[o: o + 4], "big")
        hops, ticks = tvb.u16(o + 4), tvb.u16(o + 6)
        pkt.add(tree, RIP_NET, net, o, 4, _net_label("Route Vector", net)
                if pkt.tree_on else None)
        pkt.add(tree, RIP_HOPS, hops, o + 4, 2)
        pkt.add(tree, RIP_TICKS, ticks, o + 6, 2, f"Ticks: {ticks * 1000 // 18} ms"
                if pkt.tree_on else None)
        o += 8


ETHERTYPE.register(0x8137, dissect_ipx, "ipx")
LLC_DSAP.register(0xE0, dissect_ipx, "ipx")
IPX_SOCKET.register(0x0453, dissect_ipxrip, "ipxrip")
register_dissector("ipx", dissect_ipx)
register_dissector("ipxrip", dissect_ipxrip)
register_conversation(ConversationSpec("ipx", "IPX", "ipx", "ipx.src", "ipx.dst"))
register_learner_layer("ipx", "IPX", "network")
register_learner_layer("ipxrip", "IPX RIP")
