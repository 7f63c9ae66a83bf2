"""GRE (RFC 2784/2890, IP protocol 47; version 1 = PPTP's enhanced GRE, RFC 2637).

    |C|R|K|S|s|Recur|A| Flags | Ver |         Protocol Type         |
    |      Checksum (optional)      |       Offset (optional)       |  (C or R)
    |                         Key (optional)                        |  (K; v1: length, call id)
    |                  Sequence Number (optional)                   |  (S)
    |               Acknowledgment Number (optional)                |  (v1, A)
The payload goes to the `gre.proto` table (IP, IPv6, Ethernet 0x6558, ERSPAN, CDP);
its layers take the columns, as in tshark.
"""

from __future__ import annotations

from dissectors.dispatch import BY_NAME, ETHERTYPE, IP_PROTO, register_dissector, table
from dissectors.eth import ETHERTYPE_NAMES
from dissectors.format import masked_label
from dissectors.ip import dissect_ip
from dissectors.ip_fields import CHECKSUM_STATUS
from dissectors.offers import register_learner_layer
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.tvb import BoundsError, ReportedBoundsError, Tvb

PROTO_NAMES = {
    0x0000: "Possible GRE keepalive packet", 0x880B: "PPP", 0x0800: "IP", 0x0806: "ARP",
    0x00FE: "OSI", 0x883E: "WCCP", 0x2000: "CDP (Cisco)", 0x2001: "NHRP", 0x88BE: "ERSPAN",
    0x22EB: "ERSPAN III", 0x6400: "MIKROTIK EoIP", 0xFEAE: "AIROHIVE AP AP", 0x8137: "IPX",
    0x6558: "Transparent Ethernet bridging", 0x6559: "Frame Relay", 0x86DD: "IPv6",
    0x8847: "MPLS label switched packet", 0x894F: "Network Service Header",
    0x8881: "CDMA2000 A10 Unstructured byte stream", 0x88D2: "CDMA2000 A10 3GPP2 Packet",
    0x8909: "CiscoMetaData", 0xB7EA: "Huawei GRE bonding",
    **{k: "ARUBA WLAN" for k in (*range(0x8200, 0x8380, 0x10), 0x9000)},
}
_YES_NO = ("Yes", "No")

GRE = protocol("gre", "Generic Routing Encapsulation", "GRE")
PROTO = GRE.field("gre.proto", "Protocol Type", FT.UINT16, Base.HEX, strings=PROTO_NAMES,
                  offset=2)
FLAGS = GRE.field("gre.flags_and_version", "Flags and Version", FT.UINT16, Base.HEX, offset=0)
F_CSUM = GRE.field("gre.flags.checksum", "Checksum Bit", FT.BOOLEAN, bitmask=0x8000,
                   strings=_YES_NO)
F_ROUTING = GRE.field("gre.flags.routing", "Routing Bit", FT.BOOLEAN, bitmask=0x4000,
                      strings=_YES_NO)
F_KEY = GRE.field("gre.flags.key", "Key Bit", FT.BOOLEAN, bitmask=0x2000, strings=_YES_NO)
F_SEQ = GRE.field("gre.flags.sequence_number", "Sequence Number Bit", FT.BOOLEAN,
                  bitmask=0x1000, strings=_YES_NO)
F_SSR = GRE.field("gre.flags.strict_source_route", "Strict Source Route Bit", FT.BOOLEAN,
                  bitmask=0x0800, strings=_YES_NO)
F_RECUR = GRE.field("gre.flags.recursion_control", "Recursion control", FT.UINT16, Base.DEC,
                    bitmask=0x0700)
F_ACK = GRE.field("gre.flags.ack", "Acknowledgment", FT.BOOLEAN, bitmask=0x0080,
                  strings=_YES_NO)
F_RESERVED = GRE.field("gre.flags.reserved", "Flags (Reserved)", FT.UINT16, Base.DEC,
                       bitmask=0x00F8)
F_VERSION = GRE.field("gre.flags.version", "Version", FT.UINT16, Base.DEC, bitmask=0x0007,
                      strings={0: "GRE", 1: "Enhanced GRE"})
CHECKSUM = GRE.field("gre.checksum", "Checksum", FT.UINT16, Base.HEX)
CHECKSUM_STATUS_F = GRE.field("gre.checksum.status", "Checksum Status", FT.UINT8, Base.NONE,
                              strings=CHECKSUM_STATUS)
CHECKSUM_BAD = GRE.field("gre.checksum.incorrect", "Incorrect GRE Checksum", FT.NONE)
OFFSET = GRE.field("gre.offset", "Offset", FT.UINT16, Base.DEC)
KEY = GRE.field("gre.key", "Key", FT.UINT32, Base.HEX)
KEY_PAYLOAD_LEN = GRE.field("gre.key.payload_length", "Payload Length", FT.UINT16, Base.DEC)
KEY_CALL_ID = GRE.field("gre.key.call_id", "Call ID", FT.UINT16, Base.DEC)
SEQ = GRE.field("gre.sequence_number", "Sequence Number", FT.UINT32, Base.DEC)
ACK = GRE.field("gre.ack_number", "Acknowledgment Number", FT.UINT32, Base.DEC)
WCCP_HDR = GRE.field("gre.wccp.redirect_header", "Redirect Header", FT.NONE)
WCCP_DYNAMIC = GRE.field("gre.wccp.dynamic_service", "Dynamic Service", FT.BOOLEAN,
                         bitmask=0x01, strings=("Dynamic service", "Well-known service"))
WCCP_ALT_USED = GRE.field("gre.wccp.alternative_bucket_used", "Alternative bucket used",
                          FT.BOOLEAN, bitmask=0x02,
                          strings=("Alternative bucket used", "Primary bucket used"))
WCCP_VALID = GRE.field("gre.wccp.redirect_header_valid", "WCCP Redirect header is valid",
                       FT.BOOLEAN, bitmask=0x04,
                       strings=("Header is present, but ignore contents",
                                "Header contents are valid"))
WCCP_SERVICE = GRE.field("gre.wccp.service_id", "Service ID", FT.UINT8, Base.DEC,
                         strings={0: "HTTP"})
WCCP_ALT_BUCKET = GRE.field("gre.wccp.alternative_bucket", "Alternative Bucket", FT.UINT8,
                            Base.DEC)
WCCP_PRI_BUCKET = GRE.field("gre.wccp.primary_bucket", "Primary Bucket", FT.UINT8, Base.DEC)

#: What a GRE payload is, by its protocol type (Wireshark's "gre.proto" table).
GRE_PROTO = table("gre.proto", "GRE protocol type")
#: Protocol types handed to the ethertype table when no GRE entry takes them.
_VIA_ETHERTYPE = frozenset({0x0800, 0x86DD, 0x0806})
_V0_FLAGS = (F_CSUM, F_ROUTING, F_KEY, F_SEQ, F_SSR, F_RECUR, F_RESERVED, F_VERSION)
_V1_FLAGS = (F_CSUM, F_ROUTING, F_KEY, F_SEQ, F_SSR, F_RECUR, F_ACK, F_RESERVED, F_VERSION)


def _bits16(v: int, mask: int) -> str:
    out = []
    for i in range(15, -1, -1):
        out.append(("1" if v >> i & 1 else "0") if mask >> i & 1 else ".")
        if i and i % 4 == 0:
            out.append(" ")
    return "".join(out)


def _ones_complement(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(int.from_bytes(data[i: i + 2], "big") for i in range(0, len(data), 2))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def dissect_gre(tvb: Tvb, pkt: Packet, session: Session) -> None:
    session.current_proto = "gre"
    off = tvb.start
    tvb.need(off, 4)
    b = tvb.buf
    fv, ptype = tvb.u16(off), tvb.u16(off + 2)
    version = fv & 7
    name = PROTO_NAMES.get(ptype)
    pkt.proto_col = "GRE"
    pkt.set_info(f"Encapsulated {name or f'0x{ptype:04x} (unknown)'}")
    hlen = 4 + (4 if fv & 0xC000 else 0) + (4 if fv & 0x2000 else 0) + (
        4 if fv & 0x1000 else 0) + (4 if version == 1 and fv & 0x0080 else 0)
    # WCCPv2 (0x883e) adds a 4-byte redirect header unless an IPv4 header follows at once.
    wccp = ptype == 0x883E and off + hlen < tvb.end and b[off + hlen] & 0xF0 != 0x40
    if wccp:
        hlen += 4
    top = pkt.add_proto(GRE, off, hlen,
                        f"Generic Routing Encapsulation ({name or f'Unknown (0x{ptype:04x})'})")
    fi = pkt.add(top, FLAGS, fv, off, 2)
    mask_reserved = 0x0078 if version == 1 else 0x00F8
    for f in (_V1_FLAGS if version == 1 else _V0_FLAGS):
        v = (fv & f.bitmask) >> f.shift
        text = None
        if f is F_RESERVED:
            v = (fv & mask_reserved) >> 3
            text = f"{_bits16(fv, mask_reserved)} = Flags (Reserved): {v}"
        elif f.type is not FT.BOOLEAN:
            text = f"{_bits16(fv, f.bitmask)} = {f.name}: " + (
                f"{f.strings[v]} ({v})" if isinstance(f.strings, dict) and v in f.strings
                else str(v))
        if f.type is FT.BOOLEAN:
            text = masked_label(f, bool(v), 16) if pkt.tree_on else None
        pkt.add(fi, f, bool(v) if f.type is FT.BOOLEAN else v, off, 2, text)
    pkt.add(top, PROTO, ptype, off + 2, 2,
            f"Protocol Type: {name or 'Unknown'} (0x{ptype:04x})")
    at = off + 4
    if fv & 0xC000:
        tvb.need(at, 4)
        _checksum(pkt, top, tvb, at, off)
        pkt.add(top, OFFSET, tvb.u16(at + 2), at + 2, 2)
        at += 4
    if fv & 0x2000:
        tvb.need(at, 4)
        if version == 1:
            pkt.add(top, KEY_PAYLOAD_LEN, tvb.u16(at), at, 2)
            pkt.add(top, KEY_CALL_ID, tvb.u16(at + 2), at + 2, 2)
        else:
            pkt.add(top, KEY, int.from_bytes(b[at: at + 4], "big"), at, 4)
        at += 4
    if fv & 0x1000:
        tvb.need(at, 4)
        pkt.add(top, SEQ, int.from_bytes(b[at: at + 4], "big"), at, 4)
        at += 4
    if version == 1 and fv & 0x0080:
        tvb.need(at, 4)
        pkt.add(top, ACK, int.from_bytes(b[at: at + 4], "big"), at, 4)
        at += 4
    if wccp:
        tvb.need(at, 4)
        _wccp_redirect_header(pkt, top, b, at)
        at += 4
    pkt.proto_data["gre.has_seq"] = bool(fv & 0x1000)
    if at >= tvb.rend:
        return  # nothing after the header (a keepalive): no payload dissector is called
    sub = tvb.sub(at)
    fn = GRE_PROTO.get(ptype)
    via = GRE_PROTO
    if fn is None and ptype in _VIA_ETHERTYPE:
        fn, via = ETHERTYPE.get(ptype), ETHERTYPE
    if fn is None:
        BY_NAME["data"](sub, pkt, session)
        return
    before = len(pkt.protocols)
    try:
        if ptype == 0x0800 and sub.end == sub.start:
            # tshark's GRE hands IPv4 to its "ip" dissector, which reads the version
            # before it sets any column: nothing captured, GRE's columns stay
            session.current_proto = "ip"
            raise BoundsError()
        fn(sub, pkt, session)
    except (BoundsError, ReportedBoundsError):
        via.name_called(fn, pkt.protocols, before)
        raise


def _wccp_redirect_header(pkt: Packet, top: Item, b: bytes | bytearray | memoryview,
                          at: int) -> None:
    """WCCPv2's redirect header: flags, service id, alternative and primary bucket."""
    rh = pkt.add(top, WCCP_HDR, None, at, 4, "Redirect Header")
    flags = b[at]
    for f in (WCCP_DYNAMIC, WCCP_ALT_USED, WCCP_VALID):
        v = bool(flags & f.bitmask)
        pkt.add(rh, f, v, at, 1, masked_label(f, v, 8) if pkt.tree_on else None)
    sid = b[at + 1]
    pkt.add(rh, WCCP_SERVICE, sid, at + 1, 1,
            f"Service ID: {'HTTP' if sid == 0 else 'Unknown'} ({sid})")
    pkt.add(rh, WCCP_ALT_BUCKET, b[at + 2], at + 2, 1)
    pkt.add(rh, WCCP_PRI_BUCKET, b[at + 3], at + 3, 1)


def gre_has_sequence(pkt: Packet) -> bool:
    """Did the GRE header before this payload carry a sequence number? (ERSPAN: Type I
    has none and no header of its own.)"""
    return bool(pkt.proto_data.get("gre.has_seq"))


def _checksum(pkt: Packet, top: Item, tvb: Tvb, at: int, off: int) -> None:
    csum = tvb.u16(at)
    if tvb.end < tvb.rend:  # (not all of it captured: not verified)
        pkt.add(top, CHECKSUM, csum, at, 2, f"Checksum: 0x{csum:04x} [unverified]")
        pkt.add(top, CHECKSUM_STATUS_F, 2, at, 0, "Checksum Status: Unverified", generated=True)
        return
    total = _ones_complement(bytes(tvb.buf[off: tvb.end]))
    if total == 0xFFFF:
        pkt.add(top, CHECKSUM, csum, at, 2, f"Checksum: 0x{csum:04x} [correct]")
        pkt.add(top, CHECKSUM_STATUS_F, 1, at, 0, "Checksum Status: Good", generated=True)
        return
    data = bytearray(tvb.buf[off: tvb.end])
    data[at - off: at - off + 2] = b"\0\0"
    want = ~_ones_complement(bytes(data)) & 0xFFFF
    item = pkt.add(top, CHECKSUM, csum, at, 2,
                   f"Checksum: 0x{csum:04x} incorrect, should be 0x{want:04x}")
    pkt.add(top, CHECKSUM_STATUS_F, 0, at, 0, "Checksum Status: Bad", generated=True)
    pkt.add_expert(item, "warning", "protocol",
                   f"Incorrect GRE Checksum [should be 0x{want:04x}]", "gre", field=CHECKSUM_BAD)


CMD = protocol("cmd", "Cisco MetaData", "CMD")
CMD_TYPE = CMD.field("cmd.type", "Type", FT.UINT16, Base.HEX, strings=ETHERTYPE_NAMES)
CMD_VERSION = CMD.field("cmd.version", "Version", FT.UINT8, Base.DEC)
CMD_LENGTH = CMD.field("cmd.length", "Length", FT.UINT8, Base.DEC)
CMD_OPTIONS = CMD.field("cmd.options", "Options", FT.UINT16, Base.HEX)
CMD_SGT = CMD.field("cmd.sgt", "SGT", FT.UINT16, Base.DEC)


def dissect_cmd_gre(tvb: Tvb, pkt: Packet, session: Session) -> None:
    """Cisco MetaData over GRE (0x8909): the inner ethertype first, then version, length,
    options and the security group tag; the inner packet by that ethertype."""
    session.current_proto = "cmd"
    off = tvb.start
    tvb.need(off, 8)
    etype = tvb.u16(off)
    top = pkt.add_proto(CMD, off, 8, "Cisco MetaData")
    pkt.add(top, CMD_TYPE, etype, off, 2)
    pkt.add(top, CMD_VERSION, tvb.buf[off + 2], off + 2, 1)
    pkt.add(top, CMD_LENGTH, tvb.buf[off + 3], off + 3, 1)
    pkt.add(top, CMD_OPTIONS, tvb.u16(off + 4), off + 4, 2)
    pkt.add(top, CMD_SGT, tvb.u16(off + 6), off + 6, 2)
    fn = ETHERTYPE.get(etype)
    (fn or BY_NAME["data"])(tvb.sub(off + 8), pkt, session)


GRE_PROTO.register(0x8909, dissect_cmd_gre, "cmd")
GRE_PROTO.register(0x883E, dissect_ip, "ip")  # WCCP: an IPv4 packet (after the header)
GRE_PROTO.register(0x6558, BY_NAME["eth_withoutfcs"], "eth")
IP_PROTO.register(47, dissect_gre, "gre")
register_dissector("gre", dissect_gre)
register_learner_layer("gre", "GRE", "network")
