"""DTP, Cisco's Dynamic Trunk Protocol (LLC SNAP, OUI 00:00:0c, PID 0x2004).

    | version (1) | TLVs: type (2), length (2, header included), value |
TLVs: 1 domain (string), 2 trunk status, 3 trunk type (operating/administrative bit
fields), 4 sender id (MAC). The protocol line repeats what they say, as tshark's.
"""

from __future__ import annotations

from dissectors.escape import format_text
from dissectors.format import ether_str
from dissectors.llc import LLC_CISCO_PID
from dissectors.offers import register_learner_layer
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, Field, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

TLV_TYPES = {1: "Domain", 2: "Trunk Status", 3: "Trunk Type", 4: "Sender ID"}
TOS_NAMES = {0: "Access", 1: "Trunk"}
TAS_NAMES = {1: "On", 2: "Off", 3: "Desirable", 4: "Auto"}
TOT_NAMES = {1: "Native", 2: "ISL", 5: "802.1Q"}
TAT_NAMES = {0: "Negotiated", 1: "Native", 2: "ISL", 5: "802.1Q"}

DTP = protocol("dtp", "Dynamic Trunk Protocol", "DTP")
VERSION = DTP.field("dtp.version", "Version", FT.UINT8, Base.DEC)
TLV_TYPE = DTP.field("dtp.tlv_type", "Type", FT.UINT16, Base.HEX, strings=TLV_TYPES)
TLV_LEN = DTP.field("dtp.tlv_len", "Length", FT.UINT16, Base.DEC)
DOMAIN = DTP.field("dtp.domain", "Domain", FT.STRING)
TOS = DTP.field("dtp.tos", "Trunk Operating Status", FT.UINT8, Base.HEX, bitmask=0x80,
                strings=TOS_NAMES)
TAS = DTP.field("dtp.tas", "Trunk Administrative Status", FT.UINT8, Base.HEX, bitmask=0x07,
                strings=TAS_NAMES)
TOT = DTP.field("dtp.tot", "Trunk Operating Type", FT.UINT8, Base.HEX, bitmask=0xE0,
                strings=TOT_NAMES)
TAT = DTP.field("dtp.tat", "Trunk Administrative Type", FT.UINT8, Base.HEX, bitmask=0x07,
                strings=TAT_NAMES)
SENDER = DTP.field("dtp.senderid", "Sender ID", FT.ETHER)
DATA = DTP.field("dtp.data", "Data", FT.ETHER)
_MAX_TLVS = 64


def _bits8(v: int, mask: int) -> str:
    s = "".join(("1" if v >> i & 1 else "0") if mask >> i & 1 else "." for i in range(7, -1, -1))
    return f"{s[:4]} {s[4:]}"


def _pair(pkt: Packet, tree: Item, byte: int, at: int, hi: Field, lo: Field) -> str:
    """A status/type byte: its two bit fields, and the "A/B (0xNN)" text."""
    vals = [(f, (byte & f.bitmask) >> f.shift) for f in (hi, lo)]
    names = [f.strings.get(v, "Unknown") if isinstance(f.strings, dict) else str(v)
             for f, v in vals]
    text = f"{names[0]}/{names[1]} (0x{byte:02x})"
    sub = pkt.add_text(tree, f"Value: {text}", at, 1)
    for (f, v), name in zip(vals, names, strict=True):
        pkt.add(sub, f, v, at, 1, f"{_bits8(byte, f.bitmask)} = {f.name}: {name} (0x{v:x})")
    return text


def dissect_dtp(tvb: Tvb, pkt: Packet, session: Session) -> None:
    session.current_proto = "dtp"
    off = tvb.start
    b = tvb.buf
    tvb.need(off, 1)
    pkt.proto_col = "DTP"
    pkt.set_info("Dynamic Trunk Protocol")
    top = pkt.add_proto(DTP, off, 1, "Dynamic Trunk Protocol")
    pkt.add(top, VERSION, b[off], off, 1)
    summary = []
    at = off + 1
    for _ in range(_MAX_TLVS):
        if at + 4 > tvb.end:
            break
        ttype, tlen = tvb.u16(at), tvb.u16(at + 2)
        if tlen < 4:
            break
        tvb.need(at, tlen)
        v, vlen = at + 4, tlen - 4
        tree = pkt.add_text(top, TLV_TYPES.get(ttype, f"Unknown TLV type: 0x{ttype:02x}"),
                            at, tlen)
        pkt.add(tree, TLV_TYPE, ttype, at, 2)
        pkt.add(tree, TLV_LEN, tlen, at + 2, 2)
        if ttype == 1:
            raw = bytes(b[v: v + vlen]).split(b"\0", 1)[0]
            text = format_text(raw)
            pkt.add(tree, DOMAIN, raw.decode("ascii", "replace"), v, vlen, f"Domain: {text}")
            # (the protocol line shows the value but its last byte, NULs escaped)
            summary.append(f": {format_text(bytes(b[v: v + vlen - 1]))}")
        elif ttype in (2, 3) and vlen == 1:
            hi, lo = (TOS, TAS) if ttype == 2 else (TOT, TAT)
            summary.append(f" (Operating/Administrative): {_pair(pkt, tree, b[v], v, hi, lo)}")
        elif ttype == 4 and vlen == 6:
            mac = bytes(b[v: v + 6])
            pkt.add(tree, SENDER, mac, v, 6)
            summary.append(f": {ether_str(mac)}")
        elif vlen == 6:
            pkt.add(tree, DATA, bytes(b[v: v + 6]), v, 6)
        at += tlen
    top.length = at - off
    top.text = top.value = "Dynamic Trunk Protocol" + "".join(summary)


LLC_CISCO_PID.register(0x2004, dissect_dtp, "dtp")
register_learner_layer("dtp", "DTP", "link")
