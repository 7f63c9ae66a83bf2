"""IGMP v1/v2/v3 (RFC 1112, 2236, 3376) on IP protocol 2, as tshark 4.0 shows it.

    +---------------+---------------+-------------------------------+
    |  Type (0x11)  | Max Resp Code |           Checksum            |
    |                         Group Address                         |
    | Resv  |S| QRV |     QQIC      |     Number of Sources (N)     |   (v3 query)
    |                  Source Address [1..N]                        |
    +---------------------------------------------------------------+
A query's version is told by its length (12 or more: v3) and max response time
(0: v1); reports and leaves by their type. DVMRP, PIMv1 and mtrace are not decoded.
"""

from __future__ import annotations

from dissectors.dispatch import IP_PROTO, register_dissector
from dissectors.format import ipv4_str
from dissectors.icmp import ones_sum
from dissectors.ip_fields import CHECKSUM_STATUS
from dissectors.offers import register_learner_layer
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.tvb import ReportedBoundsError, Tvb

TYPES = {0x01: "Create Group Request", 0x02: "Create Group Reply",
         0x03: "Join Group Request", 0x04: "Join Group Reply", 0x05: "Leave Group Request",
         0x06: "Leave Group Reply", 0x07: "Confirm Group Request",
         0x08: "Confirm Group Reply", 0x11: "Membership Query", 0x12: "Membership Report",
         0x13: "DVMRP", 0x14: "PIM v1", 0x15: "Cisco Trace Messages",
         0x16: "Membership Report", 0x17: "Leave Group", 0x1e: "Traceroute Response",
         0x1f: "Traceroute Query or Request", 0x22: "Membership Report"}
RECORD_TYPES = {1: "Mode Is Include", 2: "Mode Is Exclude", 3: "Change To Include Mode",
                4: "Change To Exclude Mode", 5: "Allow New Sources", 6: "Block Old Sources"}

IGMP = protocol("igmp", "Internet Group Management Protocol", "IGMP")
VERSION = IGMP.field("igmp.version", "IGMP Version", FT.UINT8, Base.DEC)
TYPE = IGMP.field("igmp.type", "Type", FT.UINT8, Base.HEX, strings=TYPES, offset=0)
RESERVED = IGMP.field("igmp.reserved", "Reserved", FT.BYTES)
MAX_RESP = IGMP.field("igmp.max_resp", "Max Resp Time", FT.UINT8, Base.DEC)
MAX_RESP_EXP = IGMP.field("igmp.max_resp.exp", "Exponent", FT.UINT8, Base.HEX, bitmask=0x70)
MAX_RESP_MANT = IGMP.field("igmp.max_resp.mant", "Mantissa", FT.UINT8, Base.HEX, bitmask=0x0F)
CHECKSUM = IGMP.field("igmp.checksum", "Checksum", FT.UINT16, Base.HEX, offset=2)
CHECKSUM_STATUS_F = IGMP.field("igmp.checksum.status", "Checksum Status", FT.UINT8, Base.NONE,
                               strings=CHECKSUM_STATUS)
BAD_CHECKSUM = IGMP.field("igmp.bad_checksum", "Bad checksum", FT.NONE)
MADDR = IGMP.field("igmp.maddr", "Multicast Address", FT.IPv4)
SUPPRESS = IGMP.field("igmp.s", "S", FT.BOOLEAN, bitmask=0x08,
                      strings=("SUPPRESS router side processing",
                               "Do not suppress router side processing"))
QRV = IGMP.field("igmp.qrv", "QRV", FT.UINT8, Base.DEC, bitmask=0x07)
QQIC = IGMP.field("igmp.qqic", "QQIC", FT.UINT8, Base.DEC)
NUM_SRC = IGMP.field("igmp.num_src", "Num Src", FT.UINT16, Base.DEC)
SADDR = IGMP.field("igmp.saddr", "Source Address", FT.IPv4)
NUM_GRP_RECS = IGMP.field("igmp.num_grp_recs", "Num Group Records", FT.UINT16, Base.DEC)
RECORD_TYPE = IGMP.field("igmp.record_type", "Record Type", FT.UINT8, Base.DEC,
                         strings=RECORD_TYPES)
AUX_DATA_LEN = IGMP.field("igmp.aux_data_len", "Aux Data Len", FT.UINT8, Base.DEC)
AUX_DATA = IGMP.field("igmp.aux_data", "Aux Data", FT.BYTES)
DATA = IGMP.field("igmp.data", "Data", FT.BYTES)


def _checksum(tvb: Tvb, pkt: Packet, top: Item, length: int) -> None:
    """Over `length` bytes (8 for v1/v2, the whole message for v3), when captured."""
    off = tvb.start
    csum = tvb.u16(off + 2)
    if tvb.end - off < length or pkt.in_error_pkt:
        pkt.add(top, CHECKSUM, csum, off + 2, 2, f"Checksum: 0x{csum:04x} [unverified]")
        pkt.add(top, CHECKSUM_STATUS_F, 2, off + 2, 0, "Checksum Status: Unverified",
                generated=True)
        return
    msg = bytes(tvb.buf[off: off + length])
    if ones_sum(msg) == 0xFFFF:
        pkt.add(top, CHECKSUM, csum, off + 2, 2, f"Checksum: 0x{csum:04x} [correct]")
        pkt.add(top, CHECKSUM_STATUS_F, 1, off + 2, 0, "Checksum Status: Good", generated=True)
        return
    should = (~ones_sum(msg[:2] + b"\0\0" + msg[4:])) & 0xFFFF
    ci = pkt.add(top, CHECKSUM, csum, off + 2, 2,
                 f"Checksum: 0x{csum:04x} incorrect, should be 0x{should:04x}")
    pkt.add_expert(ci, "error", "checksum", f"Bad checksum [should be 0x{should:04x}]",
                   "igmp", field=BAD_CHECKSUM)
    pkt.add(top, CHECKSUM_STATUS_F, 0, off + 2, 0, "Checksum Status: Bad", generated=True)


def _ip(tvb: Tvb, at: int) -> int:
    return tvb.u32(at)


def dissect_igmp(tvb: Tvb, pkt: Packet, session: Session) -> None:
    session.current_proto = "igmp"
    off = tvb.start
    itype = tvb.u8(off)
    if itype == 0x11:
        version = 3 if tvb.reported_length >= 12 else (2 if tvb.u8(off + 1) else 1)
    else:
        version = {0x12: 1, 0x16: 2, 0x17: 2, 0x22: 3}.get(itype, 0)
    name = TYPES.get(itype, f"Unknown Type:0x{itype:02x}")
    pkt.proto_col = f"IGMPv{version}" if version else "IGMP"
    pkt.clear_info()
    pkt.set_info(name)
    if version:
        # Wireshark calls each type's dissector through a table, as IGMP again.
        pkt.protocols.append(IGMP.abbrev)
    top = pkt.add_proto(IGMP, off, tvb.end - off, "Internet Group Management Protocol",
                        source=tvb.source)
    if not version:
        pkt.add(top, TYPE, itype, off, 1, f"Type: {TYPES.get(itype, 'Unknown')} (0x{itype:02x})")
        if tvb.rend <= off + 1:
            raise ReportedBoundsError("no data after the type")  # (tshark: malformed)
        pkt.add(top, DATA, tvb.bytes(off + 1, tvb.end - off - 1), off + 1, tvb.end - off - 1)
        return
    pkt.add(top, VERSION, version, off, 0, generated=True)
    pkt.add(top, TYPE, itype, off, 1)
    if version == 1:
        pkt.add(top, RESERVED, tvb.bytes(off + 1, 1), off + 1, 1)
        _checksum(tvb, pkt, top, 8)
        pkt.add(top, MADDR, _ip(tvb, off + 4), off + 4, 4)
    elif version == 2:
        mrt = tvb.u8(off + 1)
        pkt.add(top, MAX_RESP, mrt, off + 1, 1, f"Max Resp Time: {mrt / 10:.1f} sec (0x{mrt:02x})")
        _checksum(tvb, pkt, top, 8)
        group = _ip(tvb, off + 4)
        pkt.add(top, MADDR, group, off + 4, 4)
        if not group:
            pkt.append_info(", general")
        elif itype == 0x17:
            pkt.append_info(f" {ipv4_str(group)}")
        elif itype == 0x11:
            pkt.append_info(f", specific for group {ipv4_str(group)}")
        else:
            pkt.append_info(f" group {ipv4_str(group)}")
    elif itype == 0x11:
        _v3_query(tvb, pkt, top)
    else:
        _v3_report(tvb, pkt, top)


def _sources(tvb: Tvb, pkt: Packet, tree: Item, at: int, num: int) -> int:
    """`num` source addresses, each also appended to Info (a cut list ends there)."""
    for left in range(num - 1, -1, -1):
        a = _ip(tvb, at)
        pkt.append_info(ipv4_str(a) + (", " if left else "}"))
        pkt.add(tree, SADDR, a, at, 4)
        at += 4
    return at


def _v3_query(tvb: Tvb, pkt: Packet, top: Item) -> None:
    off = tvb.start
    num = tvb.u16(off + 10)
    bits = tvb.u8(off + 1)
    tsecs = ((bits & 0x0F) | 0x10) << (((bits & 0x70) >> 4) + 3) if bits & 0x80 else bits
    mi = pkt.add(top, MAX_RESP, tsecs, off + 1, 1,
                 f"Max Resp Time: {tsecs * 0.1:.1f} sec (0x{bits:02x})")
    if bits & 0x80:
        pkt.add(mi, MAX_RESP_EXP, (bits & 0x70) >> 4, off + 1, 1)
        pkt.add(mi, MAX_RESP_MANT, bits & 0x0F, off + 1, 1)
    _checksum(tvb, pkt, top, tvb.reported_length)
    group = _ip(tvb, off + 4)
    pkt.add(top, MADDR, group, off + 4, 4)
    pkt.append_info(", general" if not group else f", specific for group {ipv4_str(group)}")
    sqrv = tvb.u8(off + 8)
    pkt.add(top, SUPPRESS, bool(sqrv & 0x08), off + 8, 1)
    pkt.add(top, QRV, sqrv & 0x07, off + 8, 1)
    pkt.add(top, QQIC, tvb.u8(off + 9), off + 9, 1)
    pkt.add(top, NUM_SRC, num, off + 10, 2)
    if num:
        pkt.append_info(f", source{'s' if num > 1 else ''} {{")
    _sources(tvb, pkt, top, off + 12, num)


def _v3_report(tvb: Tvb, pkt: Packet, top: Item) -> None:
    off = tvb.start
    pkt.add(top, RESERVED, tvb.bytes(off + 1, 1), off + 1, 1)
    _checksum(tvb, pkt, top, tvb.reported_length)
    pkt.add(top, RESERVED, tvb.bytes(off + 4, 2), off + 4, 2)
    num = tvb.u16(off + 6)
    if not num:
        pkt.append_info(" - General query")
    pkt.add(top, NUM_GRP_RECS, num, off + 6, 2)
    at = off + 8
    for _ in range(num):
        at = _group_record(tvb, pkt, top, at)


# Info texts of a v3 group record: (without sources, with sources), by record type.
_REC_INFO = {
    1: (" / Leave group {g}", " / Join group {g} for source{s} {{", "s in", ""),
    3: (" / Leave group {g}", " / Join group {g} for source{s} {{", "s in", ""),
    2: (" / Join group {g} for any sources", " / Join group {g}, for source{s} {{",
        "s not in", " not"),
    4: (" / Join group {g} for any sources", " / Join group {g}, for source{s} {{",
        "s not in", " not"),
    5: (" / Group {g}, ALLOW_NEW_SOURCES but no source specified (?)",
        " / Group {g}, new source{s} {{", "s", ""),
    6: (" / Group {g}, BLOCK_OLD_SOURCES but no source specified (?)",
        " / Group {g}, block source{s} {{", "s", ""),
}
_REC_UNKNOWN = (" / Group {g}, unknown record type (?)",
                " / Group {g}, unknown record type (?), sources {{", "", "")


def _group_record(tvb: Tvb, pkt: Packet, top: Item, at: int) -> int:
    start = at
    rtype = tvb.u8(at)
    group = _ip(tvb, at + 4)
    gtext = ipv4_str(group)
    rec = pkt.add_text(top, f"Group Record : {gtext}  {RECORD_TYPES.get(rtype, '')}", at, 8)
    pkt.add(rec, RECORD_TYPE, rtype, at, 1)
    adl = tvb.u8(at + 1)
    pkt.add(rec, AUX_DATA_LEN, adl, at + 1, 1)
    num = tvb.u16(at + 2)
    pkt.add(rec, NUM_SRC, num, at + 2, 2)
    pkt.add(rec, MADDR, group, at + 4, 4)
    none, some, many, one = _REC_INFO.get(rtype, _REC_UNKNOWN)
    if num:
        pkt.append_info(some.format(g=gtext, s=many if num > 1 else one))
    else:
        pkt.append_info(none.format(g=gtext))
    at = _sources(tvb, pkt, rec, at + 8, num)
    if adl:
        pkt.add(rec, AUX_DATA, tvb.bytes(at, adl * 4), at, adl * 4)
        at += adl * 4
    rec.length = at - start
    return at


IP_PROTO.register(2, dissect_igmp, "igmp")
register_dissector("igmp", dissect_igmp)
register_learner_layer("igmp", "IGMP", "network")
