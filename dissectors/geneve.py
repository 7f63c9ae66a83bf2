"""Geneve (RFC 8926, UDP 6081): a payload named by an ethertype, after TLV options.

    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |Ver|  Opt Len  |O|C|    Rsvd.  |          Protocol Type        |
    |        Virtual Network Identifier (VNI)       |    Reserved   |
    |                    Variable-Length Options                    |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
Option: class (2), type (1, top bit = critical), 3 reserved bits and length in 4-byte
words (1), data. The payload goes through the ethertype table (0x6558 = Ethernet).
"""

from __future__ import annotations

from dissectors.dispatch import BY_NAME, ETHERTYPE, TUNNEL_UDP_PORTS, UDP_PORT, register_dissector
from dissectors.eth import ETHERTYPE_NAMES
from dissectors.offers import register_learner_layer
from dissectors.packet import Packet
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

GENEVE = protocol("geneve", "Generic Network Virtualization Encapsulation", "Geneve")
VERSION = GENEVE.field("geneve.version", "Version", FT.UINT8, Base.DEC)
OPT_LEN = GENEVE.field("geneve.option.length", "Length", FT.UINT8, Base.DEC, unit=" bytes")
FLAGS = GENEVE.field("geneve.flags", "Flags", FT.UINT8, Base.HEX, offset=1)
FLAG_OAM = GENEVE.field("geneve.flags.oam", "Operations, Administration and Management Frame",
                        FT.BOOLEAN, bitmask=0x80)
FLAG_CRIT = GENEVE.field("geneve.flags.critical", "Critical Options Present", FT.BOOLEAN,
                         bitmask=0x40)
FLAG_RSVD = GENEVE.field("geneve.flags.reserved", "Reserved", FT.BOOLEAN, bitmask=0x3F)
PROTO_TYPE = GENEVE.field("geneve.proto_type", "Protocol Type", FT.UINT16, Base.HEX,
                          strings=ETHERTYPE_NAMES, offset=2)
VNI = GENEVE.field("geneve.vni", "Virtual Network Identifier (VNI)", FT.UINT24, Base.HEX_DEC,
                   offset=4, width=3)
RESERVED = GENEVE.field("geneve.reserved", "Reserved", FT.UINT8, Base.HEX, offset=7)
OPTIONS = GENEVE.field("geneve.options", "Geneve Options", FT.BYTES)
OPTION = GENEVE.field("geneve.option", "Option", FT.BYTES)
OPT_CLASS = GENEVE.field("geneve.option.class", "Class", FT.UINT16, Base.HEX)
OPT_TYPE = GENEVE.field("geneve.option.type", "Type", FT.UINT8, Base.HEX)
OPT_CRIT = GENEVE.field("geneve.option.type.critical", "Critical Option", FT.BOOLEAN,
                        bitmask=0x80)
OPT_FLAGS = GENEVE.field("geneve.option.flags", "Flags", FT.UINT8, Base.HEX)
OPT_FLAGS_RSVD = GENEVE.field("geneve.option.flags.reserved", "Reserved", FT.BOOLEAN,
                              bitmask=0xE0)
UNKNOWN_DATA = GENEVE.field("geneve.option.unknown.data", "Unknown Option Data", FT.BYTES)
VERSION_UNKNOWN = GENEVE.field("geneve.version.unknown", "Unknown version", FT.NONE)
LEN_INVALID = GENEVE.field("geneve.option.length.invalid", "Invalid length for option",
                           FT.NONE)

_CLASS_NAMES = {0x0100: "Linux", 0x0101: "Open vSwitch", 0x0102: "Open Virtual Networking (OVN)",
                0x0103: "In-band Network Telemetry (INT)", 0x0104: "VMware",
                0x0105: "Amazon.com, Inc.", 0x0106: "Cisco Systems, Inc.",
                0x0107: "Oracle Corporation", 0x0130: "Google LLC"}


def _class_name(c: int) -> str:
    if c in _CLASS_NAMES:
        return _CLASS_NAMES[c]
    if c <= 0x00FF:
        return "Standard"
    if 0xFFF0 <= c:
        return "Experimental"
    return "Unassigned"


def dissect_geneve(tvb: Tvb, pkt: Packet, session: Session) -> None:
    session.current_proto = "geneve"
    off = tvb.start
    tvb.need(off, 8)
    b = tvb.buf
    ver, opts_len = b[off] >> 6, (b[off] & 0x3F) * 4
    flags, ptype = b[off + 1], tvb.u16(off + 2)
    vni = int.from_bytes(b[off + 4: off + 7], "big")
    pkt.proto_col = "Geneve"
    pkt.clear_info()
    hlen = 8 + opts_len
    top = pkt.add_proto(GENEVE, off, hlen,
                        f"Generic Network Virtualization Encapsulation, VNI: 0x{vni:06x}"
                        + (", OAM" if flags & 0x80 else ""))
    vi = pkt.add(top, VERSION, ver, off, 1)
    if ver != 0:
        pkt.add_expert(vi, "warning", "protocol", f"Unknown version {ver}", "geneve",
                       field=VERSION_UNKNOWN)
        pkt.set_info(f"Unknown version {ver}")
        BY_NAME["data"](tvb.sub(off + 1), pkt, session)
        return
    pkt.add(top, OPT_LEN, opts_len, off, 1)
    names = [n for m, n in ((0x80, "Operations, Administration and Management Frame"),
                            (0x40, "Critical Options Present")) if flags & m]
    fi = pkt.add(top, FLAGS, flags, off + 1, 1,
                 f"Flags: 0x{flags:02x}" + "".join(f", {n}" for n in names))
    pkt.add(fi, FLAG_OAM, bool(flags & 0x80), off + 1, 1)
    pkt.add(fi, FLAG_CRIT, bool(flags & 0x40), off + 1, 1)
    pkt.add(fi, FLAG_RSVD, bool(flags & 0x3F), off + 1, 1)
    pkt.add(top, PROTO_TYPE, ptype, off + 2, 2,
            f"Protocol Type: {ETHERTYPE_NAMES.get(ptype, 'Unknown')} (0x{ptype:04x})")
    pkt.add(top, VNI, vni, off + 4, 3)
    pkt.add(top, RESERVED, b[off + 7], off + 7, 1, hidden=True)
    if opts_len:
        _options(tvb, pkt, top, off + 8, opts_len)
    sub = tvb.sub(off + hlen)
    fn = ETHERTYPE.get(ptype)
    if fn is None:
        BY_NAME["data"](sub, pkt, session)
    else:
        fn(sub, pkt, session)


def _options(tvb: Tvb, pkt: Packet, top: object, off: int, total: int) -> None:
    tvb.need(off, total)
    b = tvb.buf
    oi = pkt.add(top, OPTIONS, bytes(b[off: off + total]), off, total,  # type: ignore[arg-type]
                 f"Options: ({total} bytes)")
    end = off + total
    while off < end:
        cls, typ, olen = tvb.u16(off), b[off + 2], (b[off + 3] & 0x1F) * 4 + 4
        olen = min(olen, end - off)
        crit = " (Critical)" if typ & 0x80 else " (Non-critical)"
        name = f"{_class_name(cls)} (0x{cls:04x})"
        it = pkt.add(oi, OPTION, bytes(b[off: off + olen]), off, olen,
                     f"Unknown, Class: {name} Type: 0x{typ:02x}{crit}")
        pkt.add(it, OPT_CLASS, cls, off, 2, f"Class: {name}")
        pkt.add(it, OPT_TYPE, typ, off + 2, 1, f"Type: 0x{typ:02x}{crit}")
        pkt.add(it, OPT_CRIT, bool(typ & 0x80), off + 2, 1, hidden=True)
        fl = pkt.add(it, OPT_FLAGS, b[off + 3] >> 5, off + 3, 1, hidden=True)
        pkt.add(fl, OPT_FLAGS_RSVD, bool(b[off + 3] & 0xE0), off + 3, 1, hidden=True)
        pkt.add(it, OPT_LEN, olen, off + 3, 1)
        data = bytes(b[off + 4: off + olen])
        pkt.add(it, UNKNOWN_DATA, data, off + 4, olen - 4,
                f"Unknown Option Data: {data.hex() or '<MISSING>'}")
        off += olen


UDP_PORT.register(6081, dissect_geneve, "geneve")
TUNNEL_UDP_PORTS.add(6081)  # (an inner packet: layers of its own)
register_dissector("geneve", dissect_geneve)
register_learner_layer("geneve", "Geneve", "link")
