"""OSPFv2 (RFC 2328) on IP protocol 89: the common header, Hello and Database Description
packets, as tshark 4.0 shows them.

     0                   1                   2                   3
    +---------------+---------------+-------------------------------+
    |   Version #   |     Type      |         Packet length         |
    |                          Router ID                            |
    |                           Area ID                             |
    |           Checksum            |             AuType            |
    |                 Authentication (8 bytes)                      |
    +---------------------------------------------------------------+
The checksum covers the whole packet but the authentication field (none with
cryptographic authentication). LS Request, LS Update and LS Acknowledge bodies, LLS
blocks and OSPFv3 are not decoded here (the header is shown, the body left out).
"""

from __future__ import annotations

from dissectors.dispatch import BY_NAME, IP_PROTO, register_dissector
from dissectors.icmp import ones_sum
from dissectors.offers import register_learner_layer
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, Field, protocol
from dissectors.session import Session
from dissectors.tvb import ReportedBoundsError, Tvb

MSG_TYPES = {1: "Hello Packet", 2: "DB Description", 3: "LS Request", 4: "LS Update",
             5: "LS Acknowledge"}
AUTH_TYPES = {0: "Null", 1: "Simple password", 2: "Cryptographic"}
_SET = ("Set", "Not set")

OSPF = protocol("ospf", "Open Shortest Path First", "OSPF")
HEADER = OSPF.field("ospf.header", "OSPF Header", FT.NONE)
VERSION = OSPF.field("ospf.version", "Version", FT.UINT8, Base.DEC, offset=0)
MSG = OSPF.field("ospf.msg", "Message Type", FT.UINT8, Base.DEC, strings=MSG_TYPES, offset=1)
#: The hidden booleans Wireshark adds beside the message type, by type.
MSG_FLAGS = {
    1: OSPF.field("ospf.msg.hello", "Hello", FT.BOOLEAN),
    2: OSPF.field("ospf.msg.dbdesc", "Database Description", FT.BOOLEAN),
    3: OSPF.field("ospf.msg.lsreq", "Link State Adv Request", FT.BOOLEAN),
    4: OSPF.field("ospf.msg.lsupdate", "Link State Adv Update", FT.BOOLEAN),
    5: OSPF.field("ospf.msg.lsack", "Link State Adv Acknowledgement", FT.BOOLEAN),
}
LENGTH = OSPF.field("ospf.packet_length", "Packet Length", FT.UINT16, Base.DEC, offset=2)
SRCROUTER = OSPF.field("ospf.srcrouter", "Source OSPF Router", FT.IPv4)
AREA_ID = OSPF.field("ospf.area_id", "Area ID", FT.IPv4)
CHECKSUM = OSPF.field("ospf.checksum", "Checksum", FT.UINT16, Base.HEX, offset=12)
AUTH_TYPE = OSPF.field("ospf.auth.type", "Auth Type", FT.UINT16, Base.DEC, strings=AUTH_TYPES,
                       offset=14)
AUTH_NONE = OSPF.field("ospf.auth.none", "Auth Data (none)", FT.BYTES)
AUTH_SIMPLE = OSPF.field("ospf.auth.simple", "Auth Data (Simple)", FT.STRING)
AUTH_KEY_ID = OSPF.field("ospf.auth.crypt.key_id", "Auth Crypt Key id", FT.UINT8, Base.DEC)
AUTH_DATA_LEN = OSPF.field("ospf.auth.crypt.data_length", "Auth Crypt Data Length", FT.UINT8,
                           Base.DEC)
AUTH_SEQ = OSPF.field("ospf.auth.crypt.seq_nbr", "Auth Crypt Sequence Number", FT.UINT32,
                      Base.DEC)
AUTH_UNKNOWN = OSPF.field("ospf.auth.unknown", "Auth Unknown", FT.BYTES)
HELLO = OSPF.field("ospf.hello", "OSPF Hello Packet", FT.NONE)
NETMASK = OSPF.field("ospf.hello.network_mask", "Network Mask", FT.IPv4)
HELLO_INTERVAL = OSPF.field("ospf.hello.hello_interval", "Hello Interval [sec]", FT.UINT32,
                            Base.DEC)
PRIORITY = OSPF.field("ospf.hello.router_priority", "Router Priority", FT.UINT8, Base.DEC)
DEAD_INTERVAL = OSPF.field("ospf.hello.router_dead_interval", "Router Dead Interval [sec]",
                           FT.UINT32, Base.DEC)
DR = OSPF.field("ospf.hello.designated_router", "Designated Router", FT.IPv4)
BDR = OSPF.field("ospf.hello.backup_designated_router", "Backup Designated Router", FT.IPv4)
NEIGHBOR = OSPF.field("ospf.hello.active_neighbor", "Active Neighbor", FT.IPv4)
OPTIONS = OSPF.field("ospf.v2.options", "Options", FT.UINT8, Base.HEX)
#: The option bits, high to low: (field, its name in the summary).
OPTION_BITS = tuple((OSPF.field(abbrev, name, FT.BOOLEAN, bitmask=bit, strings=strings), name)
                    for abbrev, name, bit, strings in (
    ("ospf.v2.options.dn", "DN", 0x80, _SET),
    ("ospf.v2.options.o", "O", 0x40, _SET),
    ("ospf.v2.options.dc", "(DC) Demand Circuits", 0x20, ("Supported", "Not supported")),
    ("ospf.v2.options.l", "(L) LLS Data block", 0x10, ("Present", "Not Present")),
    ("ospf.v2.options.n", "(N) NSSA", 0x08, ("Supported", "Not supported")),
    ("ospf.v2.options.mc", "(MC) Multicast", 0x04, ("Capable", "Not capable")),
    ("ospf.v2.options.e", "(E) External Routing", 0x02, ("Capable", "Not capable")),
    ("ospf.v2.options.mt", "(MT) Multi-Topology Routing", 0x01, ("Yes", "No"))))
DB = OSPF.field("ospf.dbd", "DB Description", FT.UINT8, Base.HEX)
DB_BITS = tuple((OSPF.field(abbrev, name, FT.BOOLEAN, bitmask=bit, strings=strings), name)
                for abbrev, name, bit, strings in (
    ("ospf.dbd.r", "(R) OOBResync", 0x08, _SET),
    ("ospf.dbd.i", "(I) Init", 0x04, _SET),
    ("ospf.dbd.m", "(M) More", 0x02, _SET),
    ("ospf.dbd.ms", "(MS) Master", 0x01, ("Yes", "No"))))
DB_MTU = OSPF.field("ospf.db.interface_mtu", "Interface MTU", FT.UINT16, Base.DEC)
DB_SEQ = OSPF.field("ospf.db.dd_sequence", "DD Sequence", FT.UINT32, Base.DEC)
INVALID_LENGTH = OSPF.field("ospf.lsa.invalid_length", "Invalid length", FT.NONE)
_LLS_BIT = 0x10

_HEADER_LEN = 24


def dissect_ospf(tvb: Tvb, pkt: Packet, session: Session) -> None:
    session.current_proto = "ospf"
    off = tvb.start
    b = tvb.buf
    pkt.proto_col = "OSPF"
    tvb.need(off, 2)
    version, mtype = b[off], b[off + 1]
    pkt.set_info(MSG_TYPES.get(mtype, f"Unknown ({mtype})"))
    top = pkt.add_proto(OSPF, off, tvb.length, OSPF.name)
    if version != 2:
        # (OSPFv3 and others: not decoded here; the bytes are left to data)
        BY_NAME["data"](tvb.sub(off), pkt, session)
        return
    hdr = pkt.add(top, HEADER, None, off, _HEADER_LEN, "OSPF Header")
    pkt.add(hdr, VERSION, version, off, 1)
    pkt.add(hdr, MSG, mtype, off + 1, 1,
            None if mtype in MSG_TYPES else f"Message Type: Unknown ({mtype})")
    flag = MSG_FLAGS.get(mtype)
    if flag is not None:
        pkt.add(hdr, flag, True, off + 1, 1, hidden=True)
    length = tvb.u16(off + 2)
    pkt.add(hdr, LENGTH, length, off + 2, 2)
    pkt.add(hdr, SRCROUTER, tvb.u32(off + 4), off + 4, 4)
    area = tvb.u32(off + 8)
    pkt.add(hdr, AREA_ID, area, off + 8, 4,
            None if area or not pkt.tree_on else "Area ID: 0.0.0.0 (Backbone)")
    csum = tvb.u16(off + 12)
    auth = tvb.u16(off + 14)
    end = off + max(length, _HEADER_LEN)
    pkt.add(hdr, CHECKSUM, csum, off + 12, 2,
            _checksum_label(tvb, off, length, csum, auth) if pkt.tree_on else None)
    pkt.add(hdr, AUTH_TYPE, auth, off + 14, 2)
    _auth(tvb, pkt, hdr, off + 16, auth)
    body = off + _HEADER_LEN
    if mtype in (1, 2):
        if end > tvb.rend:  # (Wireshark's subtree spans the packet length)
            raise ReportedBoundsError()
        (_hello if mtype == 1 else _db_description)(tvb, pkt, top, body, end)
        options = tvb.u8(body + (6 if mtype == 1 else 2))
        if options & _LLS_BIT and tvb.rend <= end:
            text = "LLS option bit set but data block missing"
            ti = pkt.add_text(top, text, end, 0, source=tvb.source)
            pkt.add_expert(ti, "error", "malformed", text, "ospf", field=INVALID_LENGTH)
    elif mtype not in MSG_TYPES and tvb.rend > body:
        BY_NAME["data"](tvb.sub(body), pkt, session)


def _checksum_label(tvb: Tvb, off: int, length: int, csum: int, auth: int) -> str:
    if auth == 2:
        return f"Checksum: 0x{csum:04x} (None)"
    # (over the bytes there are, up to the packet length, as Wireshark does)
    b = tvb.buf
    stop = min(off + length, tvb.end)
    data = bytes(b[off: min(off + 12, stop)]) + b"\x00\x00" + bytes(
        b[off + 14: min(off + 16, stop)]) + bytes(b[off + _HEADER_LEN: stop])
    should = ~ones_sum(data) & 0xFFFF
    if should == csum:
        return f"Checksum: 0x{csum:04x} [correct]"
    return f"Checksum: 0x{csum:04x} [incorrect, should be 0x{should:04x}]"


def _auth(tvb: Tvb, pkt: Packet, hdr: Item, at: int, auth: int) -> None:
    if auth == 0:
        pkt.add(hdr, AUTH_NONE, tvb.bytes(at, 8), at, 8)
    elif auth == 1:
        raw = tvb.bytes(at, 8).split(b"\0", 1)[0]
        pkt.add(hdr, AUTH_SIMPLE, raw.decode("ascii", "replace"), at, 8)
    elif auth == 2:
        tvb.need(at, 8)
        pkt.add(hdr, AUTH_KEY_ID, tvb.u8(at + 2), at + 2, 1)
        pkt.add(hdr, AUTH_DATA_LEN, tvb.u8(at + 3), at + 3, 1)
        pkt.add(hdr, AUTH_SEQ, tvb.u32(at + 4), at + 4, 4)
    else:
        pkt.add(hdr, AUTH_UNKNOWN, tvb.bytes(at, 8), at, 8)


def _bits(pkt: Packet, parent: Item, field: Field, bits: tuple[tuple[Field, str], ...],
          v: int, at: int) -> None:
    """A flags byte: "Name: 0x12, (L) ..., (E) ..." and one item per bit, high to low."""
    names = ", ".join(name for f, name in bits if v & f.bitmask)
    label = f"{field.name}: 0x{v:02x}" + (f", {names}" if names else "")
    fi = pkt.add(parent, field, v, at, 1, label if pkt.tree_on else None)
    for f, _name in bits:
        pkt.add(fi, f, bool(v & f.bitmask), at, 1)


def _hello(tvb: Tvb, pkt: Packet, top: Item, at: int, end: int) -> None:
    tree = pkt.add(top, HELLO, None, at, end - at, "OSPF Hello Packet")
    pkt.add(tree, NETMASK, tvb.u32(at), at, 4)
    pkt.add(tree, HELLO_INTERVAL, tvb.u16(at + 4), at + 4, 2)
    _bits(pkt, tree, OPTIONS, OPTION_BITS, tvb.u8(at + 6), at + 6)
    pkt.add(tree, PRIORITY, tvb.u8(at + 7), at + 7, 1)
    pkt.add(tree, DEAD_INTERVAL, tvb.u32(at + 8), at + 8, 4)
    pkt.add(tree, DR, tvb.u32(at + 12), at + 12, 4)
    pkt.add(tree, BDR, tvb.u32(at + 16), at + 16, 4)
    pos = at + 20
    while pos + 4 <= end:  # (bounded by the packet length; u32 stops at the capture's end)
        pkt.add(tree, NEIGHBOR, tvb.u32(pos), pos, 4)
        pos += 4


def _db_description(tvb: Tvb, pkt: Packet, top: Item, at: int, end: int) -> None:
    tree = pkt.add_text(top, "OSPF DB Description", at, end - at, source=tvb.source)
    pkt.add(tree, DB_MTU, tvb.u16(at), at, 2)
    _bits(pkt, tree, OPTIONS, OPTION_BITS, tvb.u8(at + 2), at + 2)
    _bits(pkt, tree, DB, DB_BITS, tvb.u8(at + 3), at + 3)
    pkt.add(tree, DB_SEQ, tvb.u32(at + 4), at + 4, 4)


IP_PROTO.register(89, dissect_ospf, "ospf")
register_dissector("ospf", dissect_ospf)
register_learner_layer("ospf", "OSPF", "network")
