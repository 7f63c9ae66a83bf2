"""NetBIOS Datagram Service (RFC 1002, UDP port 138), as tshark 4.0 shows it: the
datagram header (type, flags, ID, source IP and port), then for the datagram types the
length, offset and source/destination NetBIOS names; the payload (in practice an SMB
mailslot write) goes to the NetBIOS heuristics, else it is data."""

from __future__ import annotations

from dissectors.dispatch import BY_NAME, UDP_PORT, HeuristicList, register_dissector
from dissectors.netbios_names import bit_label, bitmask_header, get_nbns_name, name_with_type
from dissectors.offers import register_learner_layer
from dissectors.packet import Packet
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

MSG_TYPES = {0x10: "Direct_unique datagram", 0x11: "Direct_group datagram",
             0x12: "Broadcast datagram", 0x13: "Datagram error",
             0x14: "Datagram query request", 0x15: "Datagram positive query response",
             0x16: "Datagram negative query response"}
NODE_TYPES = {0: "B node", 1: "P node", 2: "M node", 3: "NBDD"}
ERROR_CODES = {0x82: "Destination name not present", 0x83: "Invalid source name format",
               0x84: "Invalid destination name format"}

NBDGM = protocol("nbdgm", "NetBIOS Datagram Service", "NBDS")
TYPE = NBDGM.field("nbdgm.type", "Message Type", FT.UINT8, Base.DEC, strings=MSG_TYPES)
FLAGS = NBDGM.field("nbdgm.flags", "Flags", FT.UINT8, Base.HEX)
F_NEXT = NBDGM.field("nbdgm.next", "More fragments follow", FT.BOOLEAN, bitmask=0x01,
                     strings=("Yes", "No"))
F_FIRST = NBDGM.field("nbdgm.first", "This is first fragment", FT.BOOLEAN, bitmask=0x02,
                      strings=("Yes", "No"))
F_NODE = NBDGM.field("nbdgm.node_type", "Node Type", FT.UINT8, Base.DEC, bitmask=0x0C,
                     strings=NODE_TYPES)
DGRAM_ID = NBDGM.field("nbdgm.dgram_id", "Datagram ID", FT.UINT16, Base.HEX)
SRC_IP = NBDGM.field("nbdgm.src.ip", "Source IP", FT.IPv4)
SRC_PORT = NBDGM.field("nbdgm.src.port", "Source Port", FT.UINT16, Base.DEC)
DGRAM_LEN = NBDGM.field("nbdgm.dgram_len", "Datagram length", FT.UINT16, Base.DEC,
                        unit=" bytes")
PKT_OFFSET = NBDGM.field("nbdgm.pkt_offset", "Packet offset", FT.UINT16, Base.DEC,
                         unit=" bytes")
ERROR_CODE = NBDGM.field("nbdgm.error_code", "Error code", FT.UINT8, Base.HEX,
                         strings=ERROR_CODES)
SOURCE_NAME = NBDGM.field("nbdgm.source_name", "Source name", FT.STRING)
DEST_NAME = NBDGM.field("nbdgm.destination_name", "Destination name", FT.STRING)

# Wireshark's "netbios" heuristic list: what a NetBIOS datagram or session message
# carries (SMB registers there when it is decoded).
NETBIOS_HEUR = HeuristicList("netbios")
_FLAG_FIELDS = (F_NEXT, F_FIRST, F_NODE)


def dissect_netbios_payload(tvb: Tvb, pkt: Packet, session: Session) -> None:
    """The NetBIOS heuristics, else data (Wireshark's dissect_netbios_payload)."""
    for fn in NETBIOS_HEUR.fns:
        if fn(tvb, pkt, session) is not False:
            return
    BY_NAME["data"](tvb, pkt, session)


def dissect_nbdgm(tvb: Tvb, pkt: Packet, session: Session) -> None:
    session.current_proto = "nbdgm"
    pkt.proto_col = "NBDS"
    src = tvb.source
    off = tvb.start
    top = pkt.add_proto(NBDGM, off, tvb.end - off, "NetBIOS Datagram Service", source=src)
    top.value = None
    msg_type = tvb.u8(off)
    pkt.add(top, TYPE, msg_type, off, 1,
            None if msg_type in MSG_TYPES else f"Message Type: Unknown ({msg_type})", source=src)
    pkt.set_info(MSG_TYPES.get(msg_type, f"Unknown message type (0x{msg_type:02X})"))
    flags = tvb.u8(off + 1)
    fi = pkt.add(top, FLAGS, flags, off + 1, 1,
                 bitmask_header(f"Flags: 0x{flags:02x}", flags, _FLAG_FIELDS), source=src)
    for f in _FLAG_FIELDS:
        v = (flags & f.bitmask) >> f.shift
        pkt.add(fi, f, bool(v) if f.type is FT.BOOLEAN else v, off + 1, 1,
                bit_label(f, flags, 8), source=src)
    pkt.add(top, DGRAM_ID, tvb.u16(off + 2), off + 2, 2, source=src)
    pkt.add(top, SRC_IP, tvb.u32(off + 4), off + 4, 4, source=src)
    pkt.add(top, SRC_PORT, tvb.u16(off + 8), off + 8, 2, source=src)
    cur = off + 10
    if msg_type in (0x10, 0x11, 0x12):
        pkt.add(top, DGRAM_LEN, tvb.u16(cur), cur, 2, source=src)
        pkt.add(top, PKT_OFFSET, tvb.u16(cur + 2), cur + 2, 2, source=src)
        cur += 4
        for f in (SOURCE_NAME, DEST_NAME):
            name, name_type, used = get_nbns_name(tvb, cur, cur)
            pkt.add(top, f, name, cur, used, f"{f.name}: {name_with_type(name, name_type)}",
                    source=src)
            cur += used
        top.length = cur - off
        dissect_netbios_payload(tvb.sub(cur), pkt, session)
    elif msg_type == 0x13:
        pkt.add(top, ERROR_CODE, tvb.u8(cur), cur, 1, source=src)
        top.length = cur + 1 - off
    elif msg_type in (0x14, 0x15, 0x16):
        name, name_type, used = get_nbns_name(tvb, cur, cur)
        pkt.add(top, DEST_NAME, name, cur, used,
                f"{DEST_NAME.name}: {name_with_type(name, name_type)}", source=src)
        top.length = cur + used - off


UDP_PORT.register(138, dissect_nbdgm, "nbdgm")
register_dissector("nbdgm", dissect_nbdgm)
register_learner_layer("nbdgm", "NBDS")
