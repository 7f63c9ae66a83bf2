"""ICMPv6 Node Information (RFC 4620, types 139/140) and RPL control (RFC 6550, type 155).

Kept apart from icmpv6.py (which stays under the module size limit): this module adds
its bodies to icmpv6's BODIES table, its code names to CODE_NAMES, under the icmpv6
protocol, as Wireshark's packet-icmpv6.c does.

    Node Information:  Qtype(2) Flags(2) Nonce(8) then a subject (query) or data (reply)
    RPL DAO:           InstanceID(1) K|D flags(1) Reserved(1) Sequence(1) [DODAGID(16)]
    RPL DAO-ACK:       InstanceID(1) D flag(1) Sequence(1) Status(1) [DODAGID(16)]
"""

from __future__ import annotations

from dissectors.dns_labels import get_name
from dissectors.format import masked_label
from dissectors.icmpv6 import BODIES, CODE_NAMES, ICMPV6, OPT, RESERVED, TYPE_NAMES
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base
from dissectors.tvb import Tvb

NI_QUERY_CODES = {0: "Query subject = IPv6 addresses",
                  1: "Query subject = DNS name or empty",
                  2: "Query subject = IPv4 addresses"}
NI_REPLY_CODES = {0: "Successful", 1: "Refused", 2: "Unknown query type"}
NI_QTYPES = {0: "NOOP", 1: "Supported query types (Obsolete)", 2: "Node Name",
             3: "Node addresses", 4: "IPv4 node addresses"}
RPL_CODES = {0x00: "DODAG Information Solicitation", 0x01: "DODAG Information Object",
             0x02: "Destination Advertisement Object",
             0x03: "Destination Advertisement Object Acknowledgment",
             0x80: "Secure DODAG Information Solicitation",
             0x81: "Secure DODAG Information Object",
             0x82: "Secure Destination Advertisement Object",
             0x83: "Secure Destination Advertisement Object Acknowledgment",
             0x8A: "Consistency Check", 0x04: "P2P Discovery Reply Object",
             0x84: "P2P Secure Discovery Reply Object",
             0x05: "P2P Discovery Reply Object Acknowledgement",
             0x85: "P2P Secure Discovery Reply Object Acknowledgement"}

_SET = ("Set", "Not set")
NI_QTYPE = ICMPV6.field("icmpv6.ni.qtype", "Qtype", FT.UINT16, Base.DEC, strings=NI_QTYPES)
NI_FLAG = ICMPV6.field("icmpv6.ni.flag", "Flags", FT.UINT16, Base.HEX)
NI_FLAG_BITS = (
    ICMPV6.field("icmpv6.ni.flag.g", "Global-scope addresses", FT.BOOLEAN, bitmask=0x20,
                 strings=_SET),
    ICMPV6.field("icmpv6.ni.flag.s", "Site-local addresses", FT.BOOLEAN, bitmask=0x10,
                 strings=_SET),
    ICMPV6.field("icmpv6.ni.flag.l", "Link-local addresses", FT.BOOLEAN, bitmask=0x8,
                 strings=_SET),
    ICMPV6.field("icmpv6.ni.flag.c", "Compression", FT.BOOLEAN, bitmask=0x4, strings=_SET),
    ICMPV6.field("icmpv6.ni.flag.a", "Unicast Addresses", FT.BOOLEAN, bitmask=0x2,
                 strings=("All unicast address",
                          "Unicast addresses on the queried interface")),
    ICMPV6.field("icmpv6.ni.flag.t", "Truncated", FT.BOOLEAN, bitmask=0x1, strings=_SET),
)
NI_FLAG_RSV = ICMPV6.field("icmpv6.ni.flag.rsv", "Reserved", FT.UINT16, Base.HEX,
                           bitmask=0xFFC0)
NI_NONCE = ICMPV6.field("icmpv6.ni.nonce", "Nonce", FT.UINT64, Base.HEX)
NI_SUBJ_V6 = ICMPV6.field("icmpv6.ni.query.subject_ipv6", "IPv6 subject address", FT.IPv6)
NI_SUBJ_V4 = ICMPV6.field("icmpv6.ni.query.subject_ipv4", "IPv4 subject address", FT.IPv4)
NI_SUBJ_FQDN = ICMPV6.field("icmpv6.ni.query.subject_fqdn", "FQDN subject", FT.STRING)
NI_NODE_NAME = ICMPV6.field("icmpv6.ni.reply.node_name", "Name Node", FT.STRING)
NI_TTL = ICMPV6.field("icmpv6.ni.reply.node_ttl", "TTL", FT.UINT32, Base.DEC)
NI_NODE_ADDR = ICMPV6.field("icmpv6.ni.reply.node_address", "IPv6 Node address", FT.IPv6)
NI_V4_ADDR = ICMPV6.field("icmpv6.ni.reply.ipv4_address", "IPv4 Node address", FT.IPv4)


DAO_INSTANCE = ICMPV6.field("icmpv6.rpl.dao.instance", "RPLInstanceID", FT.UINT8, Base.DEC)
DAO_FLAG = ICMPV6.field("icmpv6.rpl.dao.flag", "Flags", FT.UINT8, Base.HEX)
DAO_FLAG_K = ICMPV6.field("icmpv6.rpl.dao.flag.k", "DAO-ACK Request (K)", FT.BOOLEAN,
                          bitmask=0x80)
DAO_FLAG_D = ICMPV6.field("icmpv6.rpl.dao.flag.d", "DODAGID Present (D)", FT.BOOLEAN,
                          bitmask=0x40)
DAO_FLAG_RSV = ICMPV6.field("icmpv6.rpl.dao.flag.rsv", "Reserved", FT.UINT8, Base.DEC,
                            bitmask=0x3F)
DAO_SEQ = ICMPV6.field("icmpv6.rpl.dao.sequence", "DAO Sequence", FT.UINT8, Base.DEC)
DAO_DODAGID = ICMPV6.field("icmpv6.rpl.dao.dodagid", "DODAGID", FT.IPv6)
ACK_INSTANCE = ICMPV6.field("icmpv6.rpl.daoack.instance", "RPLInstanceID", FT.UINT8, Base.DEC)
ACK_FLAG = ICMPV6.field("icmpv6.rpl.daoack.flag", "Flag", FT.UINT8, Base.HEX)
ACK_FLAG_D = ICMPV6.field("icmpv6.rpl.daoack.flag.d", "DODAGID Present (D)", FT.BOOLEAN,
                          bitmask=0x80)
ACK_FLAG_RSV = ICMPV6.field("icmpv6.rpl.daoack.flag.rsv", "Reserved", FT.UINT8, Base.DEC,
                            bitmask=0x7F)
ACK_SEQ = ICMPV6.field("icmpv6.rpl.daoack.sequence", "DAO-ACK Sequence", FT.UINT8, Base.DEC)
ACK_STATUS = ICMPV6.field("icmpv6.rpl.daoack.status", "Status", FT.UINT8, Base.DEC)
ACK_DODAGID = ICMPV6.field("icmpv6.rpl.daoack.dodagid", "DODAGID", FT.IPv6)

MOP_NAMES = {0: "No Downward routes maintained by RPL", 1: "Non-Storing Mode of Operation",
             2: "Storing Mode of Operation with no multicast support",
             3: "Storing Mode of Operation with multicast support",
             4: "P2P Route Discovery Mode of Operation"}
RPL_OPT_NAMES = {0: "1-byte padding", 1: "n-byte padding", 2: "DAG Metric container",
                 3: "Routing Information", 4: "DODAG configuration", 5: "RPL Target",
                 6: "Transit Information", 7: "Solicited Information",
                 8: "Prefix Information", 9: "RPL Target Descriptor",
                 10: "P2P Route Discovery"}
DIS_FLAGS = ICMPV6.field("icmpv6.rpl.dis.flags", "Flags", FT.UINT8, Base.DEC)
DIO_INSTANCE = ICMPV6.field("icmpv6.rpl.dio.instance", "RPLInstanceID", FT.UINT8, Base.DEC)
DIO_VERSION = ICMPV6.field("icmpv6.rpl.dio.version", "Version", FT.UINT8, Base.DEC)
DIO_RANK = ICMPV6.field("icmpv6.rpl.dio.rank", "Rank", FT.UINT16, Base.DEC)
DIO_FLAG = ICMPV6.field("icmpv6.rpl.dio.flag", "Flags", FT.UINT8, Base.HEX)
DIO_FLAG_G = ICMPV6.field("icmpv6.rpl.dio.flag.g", "Grounded (G)", FT.BOOLEAN, bitmask=0x80)
DIO_FLAG_0 = ICMPV6.field("icmpv6.rpl.dio.flag.0", "Zero", FT.BOOLEAN, bitmask=0x40)
DIO_FLAG_MOP = ICMPV6.field("icmpv6.rpl.dio.flag.mop", "Mode of Operation (MOP)", FT.UINT8,
                            Base.HEX, bitmask=0x38, strings=MOP_NAMES)
DIO_FLAG_PREF = ICMPV6.field("icmpv6.rpl.dio.flag.preference", "DODAG Preference", FT.UINT8,
                             Base.DEC, bitmask=0x07)
DIO_DTSN = ICMPV6.field("icmpv6.rpl.dio.dtsn",
                        "Destination Advertisement Trigger Sequence Number (DTSN)", FT.UINT8,
                        Base.DEC)
DIO_DAGID = ICMPV6.field("icmpv6.rpl.dio.dagid", "DODAGID", FT.IPv6)
RPL_OPT_TYPE = ICMPV6.field("icmpv6.rpl.opt.type", "Type", FT.UINT8, Base.DEC,
                            strings=RPL_OPT_NAMES)
RPL_OPT_LENGTH = ICMPV6.field("icmpv6.rpl.opt.length", "Length", FT.UINT8, Base.DEC)
RPL_OPT_PADN = ICMPV6.field("icmpv6.rpl.opt.padn", "Paddn", FT.NONE)

_NI_FLAG_NAMES = ((0x20, "Global-scope addresses"), (0x10, "Site-local addresses"),
                  (0x08, "Link-local addresses"), (0x04, "Compression"),
                  (0x02, "Unicast Addresses"), (0x01, "Truncated"))


def dissect_nodeinfo(tvb: Tvb, pkt: Packet, top: Item, itype: int, code: int) -> None:
    """RFC 4620 query (subject by code) or reply (data by Qtype)."""
    off = tvb.start + 4
    qtype = tvb.u16(off)
    pkt.add(top, NI_QTYPE, qtype, off, 2,
            None if qtype in NI_QTYPES else f"Qtype: Unknown ({qtype})")
    flags = tvb.u16(off + 2)
    names = ", ".join(n for bit, n in _NI_FLAG_NAMES if flags & bit)
    fi = pkt.add(top, NI_FLAG, flags, off + 2, 2,
                 f"Flags: 0x{flags:04x}" + (f", {names}" if names else ""))
    for f in NI_FLAG_BITS:
        on = bool(flags & f.bitmask)
        pkt.add(fi, f, on, off + 2, 2, masked_label(f, on, 16) if pkt.tree_on else None)
    pkt.add(fi, NI_FLAG_RSV, flags >> 6, off + 2, 2)
    pkt.add(top, NI_NONCE, int.from_bytes(tvb.bytes(off + 4, 8), "big"), off + 4, 8)
    pos, end = off + 12, tvb.rend
    if pos >= end:
        return
    if itype == 139:
        if code == 0:
            pkt.add(top, NI_SUBJ_V6, tvb.bytes(pos, 16), pos, 16)
        elif code == 1:
            name, used = get_name(tvb, pos, pos)
            pkt.add(top, NI_SUBJ_FQDN, name, pos, used)
        elif code == 2:
            pkt.add(top, NI_SUBJ_V4, tvb.u32(pos), pos, 4)
    elif qtype == 2:
        pkt.add(top, NI_TTL, tvb.u32(pos), pos, 4)
        pos += 4
        while pos < end and tvb.u8(pos) != 0:  # (a zero byte starts the padding)
            name, used = get_name(tvb, pos, pos)
            pkt.add(top, NI_NODE_NAME, name, pos, used)
            pos += used
    elif qtype == 3:
        while pos < end:
            pkt.add(top, NI_TTL, tvb.u32(pos), pos, 4)
            pkt.add(top, NI_NODE_ADDR, tvb.bytes(pos + 4, 16), pos + 4, 16)
            pos += 20
    elif qtype == 4:
        while pos < end:
            pkt.add(top, NI_TTL, tvb.u32(pos), pos, 4)
            pkt.add(top, NI_V4_ADDR, tvb.u32(pos + 4), pos + 4, 4)
            pos += 8


def dissect_rpl(tvb: Tvb, pkt: Packet, top: Item, itype: int, code: int) -> None:
    """RPL control: the DIS, DIO, DAO and DAO-ACK bases and their padding options (other
    codes, and options other than padding, are left undecoded)."""
    off = tvb.start + 4
    if code == 0:
        pkt.add(top, DIS_FLAGS, tvb.u8(off), off, 1)
        pkt.add(top, RESERVED, tvb.bytes(off + 1, 1), off + 1, 1)
        _rpl_options(tvb, pkt, top, off + 2)
    elif code == 1:
        _dio(tvb, pkt, top, off)
    elif code == 2:
        pkt.add(top, DAO_INSTANCE, tvb.u8(off), off, 1)
        flags = tvb.u8(off + 1)
        names = ", ".join(n for bit, n in ((0x80, "DAO-ACK Request (K)"),
                                           (0x40, "DODAGID Present (D)")) if flags & bit)
        fi = pkt.add(top, DAO_FLAG, flags, off + 1, 1,
                     f"Flags: 0x{flags:02x}" + (f", {names}" if names else ""))
        pkt.add(fi, DAO_FLAG_K, bool(flags & 0x80), off + 1, 1)
        pkt.add(fi, DAO_FLAG_D, bool(flags & 0x40), off + 1, 1)
        pkt.add(fi, DAO_FLAG_RSV, flags & 0x3F, off + 1, 1)
        pkt.add(top, RESERVED, tvb.bytes(off + 2, 1), off + 2, 1)
        pkt.add(top, DAO_SEQ, tvb.u8(off + 3), off + 3, 1)
        if flags & 0x40:
            pkt.add(top, DAO_DODAGID, tvb.bytes(off + 4, 16), off + 4, 16)
        _rpl_options(tvb, pkt, top, off + (20 if flags & 0x40 else 4))
    elif code == 3:
        pkt.add(top, ACK_INSTANCE, tvb.u8(off), off, 1)
        flags = tvb.u8(off + 1)
        fi = pkt.add(top, ACK_FLAG, flags, off + 1, 1,
                     f"Flag: 0x{flags:02x}" + (", DODAGID Present (D)" if flags & 0x80 else ""))
        pkt.add(fi, ACK_FLAG_D, bool(flags & 0x80), off + 1, 1)
        pkt.add(fi, ACK_FLAG_RSV, flags & 0x7F, off + 1, 1)
        pkt.add(top, ACK_SEQ, tvb.u8(off + 2), off + 2, 1)
        pkt.add(top, ACK_STATUS, tvb.u8(off + 3), off + 3, 1)
        if flags & 0x80:
            pkt.add(top, ACK_DODAGID, tvb.bytes(off + 4, 16), off + 4, 16)
        _rpl_options(tvb, pkt, top, off + (20 if flags & 0x80 else 4))
    else:
        pkt.add_expert(top, "note", "undecoded",
                       f"Dissector for ICMPv6 Type ({itype}) code not implemented, Contact "
                       "Wireshark developers if you want this supported", "icmpv6")


def _dio(tvb: Tvb, pkt: Packet, top: Item, off: int) -> None:
    pkt.add(top, DIO_INSTANCE, tvb.u8(off), off, 1)
    pkt.add(top, DIO_VERSION, tvb.u8(off + 1), off + 1, 1)
    pkt.add(top, DIO_RANK, tvb.u16(off + 2), off + 2, 2)
    flags = tvb.u8(off + 4)
    mop = (flags >> 3) & 7
    names = [n for bit, n in ((0x80, "Grounded (G)"), (0x40, "Zero")) if flags & bit]
    names.append(f"Mode of Operation (MOP): {MOP_NAMES.get(mop, 'Unknown')}")
    fi = pkt.add(top, DIO_FLAG, flags, off + 4, 1, f"Flags: 0x{flags:02x}, {', '.join(names)}")
    pkt.add(fi, DIO_FLAG_G, bool(flags & 0x80), off + 4, 1)
    pkt.add(fi, DIO_FLAG_0, bool(flags & 0x40), off + 4, 1)
    text = None
    if mop not in MOP_NAMES and pkt.tree_on:
        text = (masked_label(DIO_FLAG_MOP, mop, 8).rsplit(" = ", 1)[0]
                + f" = Mode of Operation (MOP): Unknown (0x{mop:x})")
    pkt.add(fi, DIO_FLAG_MOP, mop, off + 4, 1, text)
    pkt.add(fi, DIO_FLAG_PREF, flags & 7, off + 4, 1)
    pkt.add(top, DIO_DTSN, tvb.u8(off + 5), off + 5, 1)
    pkt.add(top, DIO_FLAG, tvb.u8(off + 6), off + 6, 1)
    pkt.add(top, RESERVED, tvb.bytes(off + 7, 1), off + 7, 1)
    pkt.add(top, DIO_DAGID, tvb.bytes(off + 8, 16), off + 8, 16)
    _rpl_options(tvb, pkt, top, off + 24)


def _rpl_options(tvb: Tvb, pkt: Packet, top: Item, pos: int) -> None:
    """RPL options: Pad1 is one byte, the others type, length, value; only padding is
    decoded, any other option ends the walk."""
    end = tvb.rend
    while pos < end:
        otype = tvb.u8(pos)
        name = RPL_OPT_NAMES.get(otype, "Unknown")
        if otype == 0:
            opt = pkt.add(top, OPT, None, pos, 1, f"ICMPv6 RPL Option ({name})")
            pkt.add(opt, RPL_OPT_TYPE, otype, pos, 1)
            pos += 1
            continue
        if otype != 1:
            return
        olen = tvb.u8(pos + 1)
        # (tshark shows a padding cut short by the packet's end whole, without complaint)
        have = max(0, min(olen, end - pos - 2))
        opt = pkt.add(top, OPT, None, pos, 2 + have, f"ICMPv6 RPL Option ({name})")
        pkt.add(opt, RPL_OPT_TYPE, otype, pos, 1)
        pkt.add(opt, RPL_OPT_LENGTH, olen, pos + 1, 1)
        pkt.add(opt, RPL_OPT_PADN, None, pos + 2, have, f"Paddn (Length : {olen} bytes)")
        pos += 2 + olen


TYPE_NAMES[155] = "RPL Control"
CODE_NAMES.update({139: NI_QUERY_CODES, 140: NI_REPLY_CODES, 155: RPL_CODES})
BODIES.update({139: dissect_nodeinfo, 140: dissect_nodeinfo, 155: dissect_rpl})
