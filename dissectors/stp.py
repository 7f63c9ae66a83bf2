"""Spanning Tree BPDUs (IEEE 802.1D STP, 802.1w RSTP, 802.1s MSTP), as packet-bpdu.c.

    +----------+---------+------+-------+---------+-----------+-----------+------+
    | proto id | version | type | flags | root id | root cost | bridge id | port |
    |    2     |    1    |  1   |   1   |    8    |     4     |     8     |  2   |
    +----------+---------+------+-------+---------+-----------+-----------+------+
    | message age | max age | hello time | forward delay |  (timers in 1/256 s)
    +-------------+---------+------------+---------------+
RST/MST BPDUs add a Version 1 Length; MST ones the MST extension (config id, CIST
fields, one 16-byte record per MSTI). Carried over LLC SAP 0x42, or as Cisco PVST+
over SNAP (OUI 00:00:0c, PID 0x010b) with an Originating VLAN TLV after it.
"""

from __future__ import annotations

from dissectors.dispatch import BY_NAME, register_dissector
from dissectors.escape import format_text
from dissectors.format import ether_str
from dissectors.llc import LLC_CISCO_PID, LLC_DSAP
from dissectors.offers import register_learner_layer
from dissectors.packet import Item, Packet
from dissectors.registry import FT, REGISTRY, Base, Field, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

VERSIONS = {0: "Spanning Tree", 2: "Rapid Spanning Tree", 3: "Multiple Spanning Tree",
            4: "Shortest Path Tree"}
TYPES = {0x00: "Configuration", 0x02: "Rapid/Multiple Spanning Tree",
         0x80: "Topology Change Notification"}
ROLES = {1: "Alternate or Backup", 2: "Root", 3: "Designated"}
_YES_NO = ("Yes", "No")

STP = protocol("stp", "Spanning Tree Protocol", "STP")
PROTO_ID = STP.field("stp.protocol", "Protocol Identifier", FT.UINT16, Base.HEX,
                     strings={0: "Spanning Tree Protocol"}, offset=0)
VERSION = STP.field("stp.version", "Protocol Version Identifier", FT.UINT8, Base.DEC,
                    strings=VERSIONS, offset=2)
TYPE = STP.field("stp.type", "BPDU Type", FT.UINT8, Base.HEX, strings=TYPES, offset=3)
FLAGS = STP.field("stp.flags", "BPDU flags", FT.UINT8, Base.HEX, offset=4)
F_TCACK = STP.field("stp.flags.tcack", "Topology Change Acknowledgment", FT.BOOLEAN,
                    bitmask=0x80, strings=_YES_NO)
F_AGREE = STP.field("stp.flags.agreement", "Agreement", FT.BOOLEAN, bitmask=0x40,
                    strings=_YES_NO)
F_FWD = STP.field("stp.flags.forwarding", "Forwarding", FT.BOOLEAN, bitmask=0x20,
                  strings=_YES_NO)
F_LEARN = STP.field("stp.flags.learning", "Learning", FT.BOOLEAN, bitmask=0x10,
                    strings=_YES_NO)
F_ROLE = STP.field("stp.flags.port_role", "Port Role", FT.UINT8, Base.DEC, bitmask=0x0C,
                   strings=ROLES)
F_PROPOSAL = STP.field("stp.flags.proposal", "Proposal", FT.BOOLEAN, bitmask=0x02,
                       strings=_YES_NO)
F_TC = STP.field("stp.flags.tc", "Topology Change", FT.BOOLEAN, bitmask=0x01, strings=_YES_NO)
ROOT_PRIO = STP.field("stp.root.prio", "Root Bridge Priority", FT.UINT16, Base.DEC)
ROOT_EXT = STP.field("stp.root.ext", "Root Bridge System ID Extension", FT.UINT16, Base.DEC)
ROOT_HW = STP.field("stp.root.hw", "Root Bridge System ID", FT.ETHER)
ROOT_COST = STP.field("stp.root.cost", "Root Path Cost", FT.UINT32, Base.DEC, offset=13)
BRIDGE_PRIO = STP.field("stp.bridge.prio", "Bridge Priority", FT.UINT16, Base.DEC)
BRIDGE_EXT = STP.field("stp.bridge.ext", "Bridge System ID Extension", FT.UINT16, Base.DEC)
BRIDGE_HW = STP.field("stp.bridge.hw", "Bridge System ID", FT.ETHER)
PORT = STP.field("stp.port", "Port identifier", FT.UINT16, Base.HEX, offset=25)
MSG_AGE = STP.field("stp.msg_age", "Message Age", FT.DOUBLE)
MAX_AGE = STP.field("stp.max_age", "Max Age", FT.DOUBLE)
HELLO = STP.field("stp.hello", "Hello Time", FT.DOUBLE)
FORWARD = STP.field("stp.forward", "Forward Delay", FT.DOUBLE)
V1_LEN = STP.field("stp.version_1_length", "Version 1 Length", FT.UINT8, Base.DEC)
PVST_TYPE = STP.field("stp.pvst.tlvtype", "Type", FT.UINT16, Base.HEX,
                      strings={0: "Originating VLAN"})
PVST_LEN = STP.field("stp.pvst.tlvlen", "Length", FT.UINT16, Base.DEC)
PVST_VLAN = STP.field("stp.pvst.origvlan", "Originating VLAN", FT.UINT16, Base.DEC)
PVST_VAL = STP.field("stp.pvst.tlvval", "Value", FT.BYTES)
TYPE_UNKNOWN = STP.field("stp.type.unknown", "Unknown BPDU type data", FT.NONE)


def _mstp(abbrev: str, name: str, type: FT, base: Base = Base.NONE, bitmask: int = 0,
          bytes_sep: str = "") -> Field:
    """Wireshark files STP's MST fields as `mstp.*` under `stp` (tshark's own `mstp`
    protocol is BACnet MS/TP, which labshark does not decode)."""
    f = Field(abbrev, name, type, base, bitmask, protocol=STP, bytes_sep=bytes_sep)
    REGISTRY.add_field(f)
    STP.fields.append(f)
    return f


V3_LEN = _mstp("mstp.version_3_length", "Version 3 Length", FT.UINT16, Base.DEC)
CFG_SEL = _mstp("mstp.config_format_selector", "MST Config ID format selector", FT.UINT8,
                Base.DEC)
CFG_NAME = _mstp("mstp.config_name", "MST Config name", FT.STRINGZPAD)
CFG_REV = _mstp("mstp.config_revision_level", "MST Config revision", FT.UINT16, Base.DEC)
CFG_DIGEST = _mstp("mstp.config_digest", "MST Config digest", FT.BYTES)
CIST_COST = _mstp("mstp.cist_internal_root_path_cost", "CIST Internal Root Path Cost",
                  FT.UINT32, Base.DEC)
CIST_PRIO = _mstp("mstp.cist_bridge.prio", "CIST Bridge Priority", FT.UINT16, Base.DEC)
CIST_EXT = _mstp("mstp.cist_bridge.ext", "CIST Bridge Identifier System ID Extension",
                 FT.UINT16, Base.DEC)
CIST_HW = _mstp("mstp.cist_bridge.hw", "CIST Bridge Identifier System ID", FT.ETHER)
CIST_HOPS = _mstp("mstp.cist_remaining_hops", "CIST Remaining hops", FT.UINT8, Base.DEC)
MSTI_FLAGS = _mstp("mstp.msti.flags", "MSTI flags", FT.UINT8, Base.HEX)
MSTI_PRIO = _mstp("mstp.msti.priority", "Priority", FT.UINT8, Base.HEX, bitmask=0xF0)
MSTI_ID = _mstp("mstp.msti.msti_id", "MSTID", FT.UINT16, Base.DEC, bitmask=0x0FFF)
MSTI_ROOT_HW = _mstp("mstp.msti.root.hw", "Regional Root", FT.ETHER)
MSTI_COST = _mstp("mstp.msti.root_cost", "Internal root path cost", FT.UINT32, Base.DEC)
MSTI_BPRIO = _mstp("mstp.msti.bridge_priority", "Bridge Identifier Priority", FT.UINT8,
                   Base.DEC)
MSTI_PPRIO = _mstp("mstp.msti.port_priority", "Port identifier priority", FT.UINT8, Base.DEC)
MSTI_HOPS = _mstp("mstp.msti.remaining_hops", "Remaining hops", FT.UINT8, Base.DEC)

_RST_FLAGS = (F_TCACK, F_AGREE, F_FWD, F_LEARN, F_ROLE, F_PROPOSAL, F_TC)
_FLAG_NAMES = ((0x80, "Topology Change Acknowledgment"), (0x40, "Agreement"),
               (0x20, "Forwarding"), (0x10, "Learning"))


def _flags(pkt: Packet, tree: Item, field: Field, flags: int, off: int, rst: bool) -> None:
    names = [n for m, n in _FLAG_NAMES if flags & m and (rst or m == 0x80)]
    if rst:
        role = (flags >> 2) & 3
        if role:
            names.append(f"Port Role: {ROLES[role]}")
        if flags & 2:
            names.append("Proposal")
    if flags & 1:
        names.append("Topology Change")
    text = f"{field.name}: 0x{flags:02x}" + "".join(f", {n}" for n in names)
    fi = pkt.add(tree, field, flags, off, 1, text)
    for f in (_RST_FLAGS if rst else (F_TCACK, F_TC)):
        v = (flags & f.bitmask) >> f.shift
        pkt.add(fi, f, bool(v) if f.type is FT.BOOLEAN else v, off, 1)


def _bridge_id(pkt: Packet, tree: Item, b: bytes | memoryview, off: int, label: str,
               fields: tuple[Field, Field, Field]) -> tuple[int, int, str]:
    word = (b[off] << 8) | b[off + 1]
    prio, ext = word & 0xF000, word & 0x0FFF
    mac = bytes(b[off + 2: off + 8])
    text = ether_str(mac)
    sub = pkt.add_text(tree, f"{label}: {prio} / {ext} / {text}", off, 8)
    pkt.add(sub, fields[0], prio, off, 2)
    pkt.add(sub, fields[1], ext, off, 2)
    pkt.add(sub, fields[2], mac, off + 2, 6)
    return prio, ext, text


def dissect_stp(tvb: Tvb, pkt: Packet, session: Session, pvst: bool = False) -> None:
    session.current_proto = "stp"
    off = tvb.start
    b = tvb.buf
    pkt.proto_col = "STP"
    pkt.clear_info()
    tvb.need(off, 4)
    version, btype = b[off + 2], b[off + 3]
    if btype == 0x80:
        pkt.set_info("Topology Change Notification")
        top = pkt.add_proto(STP, off, 4, "Spanning Tree Protocol")
        _head(pkt, top, tvb, off)
        return
    rst = btype == 0x02
    tvb.need(off, 35)
    flags = b[off + 4]
    end = off + 35 + (1 if rst else 0)
    v3_len = 0
    if rst and version >= 3 and tvb.end - off >= 38:
        v3_len = tvb.u16(off + 36)
        end = off + 38 + v3_len
    top = pkt.add_proto(STP, off, min(end, tvb.end) - off, "Spanning Tree Protocol")
    _head(pkt, top, tvb, off)
    _flags(pkt, top, FLAGS, flags, off + 4, rst)
    rprio, rext, rmac = _bridge_id(pkt, top, b, off + 5, "Root Identifier",
                                   (ROOT_PRIO, ROOT_EXT, ROOT_HW))
    cost = int.from_bytes(b[off + 13: off + 17], "big")
    pkt.add(top, ROOT_COST, cost, off + 13, 4)
    _bridge_id(pkt, top, b, off + 17, "Bridge Identifier", (BRIDGE_PRIO, BRIDGE_EXT, BRIDGE_HW))
    port = tvb.u16(off + 25)
    pkt.add(top, PORT, port, off + 25, 2)
    for f, at in ((MSG_AGE, 27), (MAX_AGE, 29), (HELLO, 31), (FORWARD, 33)):
        pkt.add(top, f, tvb.u16(off + at) / 256, off + at, 2)
    kind = "MST" if rst and version >= 3 else "RST" if rst else "Conf"
    pkt.set_info(f"{kind}. {'TC + ' if flags & 1 else ''}Root = {rprio}/{rext}/{rmac}  "
                 f"Cost = {cost}  Port = 0x{port:04x}")
    if rst:
        tvb.need(off + 35, 1)
        pkt.add(top, V1_LEN, b[off + 35], off + 35, 1)
        if version >= 3 and tvb.end - off >= 38:
            pkt.add(top, V3_LEN, v3_len, off + 36, 2)
            if v3_len >= 64:
                _mst(pkt, top, tvb, off + 38, v3_len)
    if pvst:  # (its TLVs follow a Version 1 Length byte, in a Configuration BPDU too)
        _pvst(pkt, top, tvb, off + 36)


def _head(pkt: Packet, top: Item, tvb: Tvb, off: int) -> None:
    b = tvb.buf
    pkt.add(top, PROTO_ID, tvb.u16(off), off, 2)
    pkt.add(top, VERSION, b[off + 2], off + 2, 1)
    pkt.add(top, TYPE, b[off + 3], off + 3, 1)


def _mst(pkt: Packet, top: Item, tvb: Tvb, off: int, length: int) -> None:
    b = tvb.buf
    tvb.need(off, 64)
    ext = pkt.add_text(top, "MST Extension", off, length)
    pkt.add(ext, CFG_SEL, b[off], off, 1)
    raw = bytes(b[off + 1: off + 33]).split(b"\0", 1)[0]
    pkt.add(ext, CFG_NAME, raw.decode("ascii", "replace"), off + 1, 32,
            f"MST Config name: {format_text(raw)}")
    pkt.add(ext, CFG_REV, tvb.u16(off + 33), off + 33, 2)
    digest = bytes(b[off + 35: off + 51])
    pkt.add(ext, CFG_DIGEST, digest, off + 35, 16, f"MST Config digest: {digest.hex()}")
    pkt.add(ext, CIST_COST, int.from_bytes(b[off + 51: off + 55], "big"), off + 51, 4)
    _bridge_id(pkt, ext, b, off + 55, "CIST Bridge Identifier", (CIST_PRIO, CIST_EXT, CIST_HW))
    pkt.add(ext, CIST_HOPS, b[off + 63], off + 63, 1)
    at, end = off + 64, off + length
    while at + 16 <= end and at + 16 <= tvb.end:
        _msti(pkt, ext, tvb, at)
        at += 16


def _msti(pkt: Packet, ext: Item, tvb: Tvb, at: int) -> None:
    b = tvb.buf
    word = tvb.u16(at + 1)
    prio, msti = word >> 12, word & 0x0FFF
    mac = bytes(b[at + 3: at + 9])
    rec = pkt.add_text(ext, f"MSTID {msti}, Regional Root Identifier {prio << 12} / "
                            f"{ether_str(mac)}", at, 16)
    _flags(pkt, rec, MSTI_FLAGS, b[at], at, True)
    pkt.add(rec, MSTI_PRIO, prio, at + 1, 1, f"{prio:04b} .... = Priority: 0x{prio:x}")
    pkt.add(rec, MSTI_ID, msti, at + 1, 2)
    pkt.add(rec, MSTI_ROOT_HW, mac, at + 3, 6)
    pkt.add(rec, MSTI_COST, int.from_bytes(b[at + 9: at + 13], "big"), at + 9, 4)
    pkt.add(rec, MSTI_BPRIO, b[at + 13] >> 4, at + 13, 1)
    pkt.add(rec, MSTI_PPRIO, b[at + 14] >> 4, at + 14, 1)
    pkt.add(rec, MSTI_HOPS, b[at + 15], at + 15, 1)


def _pvst(pkt: Packet, top: Item, tvb: Tvb, off: int) -> None:
    """Cisco PVST+'s TLVs after the BPDU (type 0 = the originating VLAN)."""
    b = tvb.buf
    while off + 4 <= tvb.end:
        ttype, tlen = tvb.u16(off), tvb.u16(off + 2)
        if off + 4 + tlen > tvb.end:
            break
        if ttype == 0 and tlen == 2:
            vlan = tvb.u16(off + 4)
            sub = pkt.add_text(top, f"Originating VLAN (PVID): {vlan}", off, 6)
            pkt.add(sub, PVST_TYPE, ttype, off, 2)
            pkt.add(sub, PVST_LEN, tlen, off + 2, 2)
            pkt.add(sub, PVST_VLAN, vlan, off + 4, 2)
        else:
            sub = pkt.add_text(top, f"Unknown Type: 0x{ttype:04x}", off, 4 + tlen)
            pkt.add(sub, PVST_TYPE, ttype, off, 2)
            pkt.add(sub, PVST_LEN, tlen, off + 2, 2)
            pkt.add(sub, PVST_VAL, bytes(b[off + 4: off + 4 + tlen]), off + 4, tlen)
        top.length = off + 4 + tlen - top.offset
        off += 4 + tlen


def dissect_pvst(tvb: Tvb, pkt: Packet, session: Session) -> None:
    dissect_stp(tvb, pkt, session, pvst=True)


def dissect_bpdu(tvb: Tvb, pkt: Packet, session: Session) -> None:
    """LLC SAP 0x42: a BPDU when its protocol identifier is 0, else data."""
    if tvb.end - tvb.start >= 2 and tvb.u16(tvb.start) != 0:
        BY_NAME["data"](tvb, pkt, session)
        return
    dissect_stp(tvb, pkt, session)


register_dissector("stp", dissect_bpdu)
register_dissector("pvst", dissect_pvst)
register_learner_layer("stp", "STP", "link")
LLC_DSAP.register(0x42, dissect_bpdu, "stp")
LLC_CISCO_PID.register(0x010B, dissect_pvst, "stp")
