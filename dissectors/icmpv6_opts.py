"""ICMPv6 Neighbor Discovery option bodies beyond the everyday ones, as tshark 4.0 shows
them (RA options seen on real networks: RFC 4191 Route Information, RFC 6275 Advertisement
Interval and Home Agent Information, RFC 8106 DNS Search List, RFC 5175 RA Flags Extension,
RFC 8910 Captive-Portal, RFC 8781 PREF64).

Kept apart from icmpv6.py (which stays under the module size limit): this module adds
its bodies to icmpv6's OPT_BODIES table, under the icmpv6 protocol, as Wireshark's
packet-icmpv6.c does. A body gets (tvb, pkt, option item, option start, option size in
bytes) and returns the option item's text, or "" to keep "ICMPv6 Option (<name>)".

    Advertisement Interval (7):  Reserved(2) Interval(4)
    Home Agent Information (8):  Reserved(2) Preference(2) Lifetime(2)
    Route Information (24):      Prefix length(1) Flags(1) Lifetime(4) Prefix(0, 8 or 16)
    RA Flags Extension (26):     Flags(2) Reserved(4)
    DNS Search List (31):        Reserved(2) Lifetime(4) names, then zero padding
    Captive-Portal (37):         URI, zero padded
    PREF64 (38):                 Scaled lifetime(13 bits) PLC(3 bits) Prefix(12)
"""

from __future__ import annotations

from dissectors.dns_labels import get_raw_name
from dissectors.escape import format_text
from dissectors.format import ipv6_str
from dissectors.icmpv6 import (
    ICMPV6,
    OPT_BODIES,
    OPT_PREFIX,
    OPT_PREFIX_LEN,
    OPT_RESERVED,
    PRF_NAMES,
)
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base
from dissectors.tvb import Tvb

_SET = ("Set", "Not set")
PLC_NAMES = {0: "96 bits prefix length", 1: "64 bits prefix length",
             2: "56 bits prefix length", 3: "48 bits prefix length",
             4: "40 bits prefix length", 5: "32 bits prefix length"}
PLC_BYTES = {0: 12, 1: 8, 2: 7, 3: 6, 4: 5, 5: 4}

ADV_INTERVAL = ICMPV6.field("icmpv6.opt.advertisement_interval", "Advertisement Interval",
                            FT.UINT32, Base.DEC)
HA_PREF = ICMPV6.field("icmpv6.opt.home_agent_preference", "Home Agent Preference",
                       FT.UINT16, Base.DEC)
# (tshark 4.0 labels the lifetime "Home Agent Preference" too)
HA_LIFETIME = ICMPV6.field("icmpv6.opt.home_agent_lifetime", "Home Agent Preference",
                           FT.UINT16, Base.DEC)
ROUTE_FLAG = ICMPV6.field("icmpv6.opt.route_info.flag", "Flag", FT.UINT8, Base.HEX)
ROUTE_PREF = ICMPV6.field("icmpv6.opt.route_info.flag.route_preference", "Route Preference",
                          FT.UINT8, Base.DEC, bitmask=0x18, strings=PRF_NAMES)
ROUTE_RSV = ICMPV6.field("icmpv6.opt.route_info.flag.reserved", "Reserved", FT.UINT8,
                         Base.DEC, bitmask=0xE7)
ROUTE_LIFETIME = ICMPV6.field("icmpv6.opt.route_lifetime", "Route Lifetime", FT.UINT32,
                              Base.DEC)
EFO = ICMPV6.field("icmpv6.opt.efo", "Flags Expansion Option", FT.UINT16, Base.HEX)
EFO_M = ICMPV6.field("icmpv6.opt.efo.m", "Managed address configuration", FT.BOOLEAN,
                     bitmask=0x8000, strings=_SET)
EFO_O = ICMPV6.field("icmpv6.opt.efo.o", "Other configuration", FT.BOOLEAN, bitmask=0x4000,
                     strings=_SET)
EFO_H = ICMPV6.field("icmpv6.opt.efo.h", "Home Agent", FT.BOOLEAN, bitmask=0x2000,
                     strings=_SET)
EFO_PRF = ICMPV6.field("icmpv6.opt.efo.prf", "Prf (Default Router Preference)", FT.UINT16,
                       Base.DEC, bitmask=0x1800, strings=PRF_NAMES)
EFO_P = ICMPV6.field("icmpv6.opt.efo.p", "Proxy", FT.BOOLEAN, bitmask=0x0400, strings=_SET)
# (tshark 4.0's mask leaves bit 8 out)
EFO_RSV = ICMPV6.field("icmpv6.opt.efo.rsv", "Reserved", FT.UINT16, Base.DEC, bitmask=0x02FF)
DNSSL_LIFETIME = ICMPV6.field("icmpv6.opt.dnssl.lifetime", "Lifetime", FT.UINT32, Base.DEC)
DNSSL = ICMPV6.field("icmpv6.opt.dnssl", "Domain Names", FT.STRING)
PADDING = ICMPV6.field("icmpv6.opt.padding", "Padding", FT.NONE)
CAPTIVE_PORTAL = ICMPV6.field("icmpv6.opt.captive_portal", "Captive Portal", FT.STRING)
PREF64_LIFETIME = ICMPV6.field("icmpv6.opt.pref64.scaled_lifetime", "Scaled Lifetime",
                               FT.UINT16, Base.DEC, bitmask=0xFFF8)
PREF64_PLC = ICMPV6.field("icmpv6.opt.pref64.plc", "PLC (Prefix Length Code)", FT.UINT16,
                          Base.HEX, bitmask=0x0007, strings=PLC_NAMES)
PREF64_PREFIX = ICMPV6.field("icmpv6.opt.pref64.prefix", "Prefix", FT.IPv6)


def lifetime_text(name: str, v: int, zero: str) -> str | None:
    """tshark's label of an RA lifetime: "Infinity" for all ones, `zero` for 0."""
    if v == 0xFFFFFFFF:
        return f"{name}: Infinity ({v})"
    if v == 0 and zero:
        return f"{name}: {zero} (0)"
    return None


def _adv_interval(tvb: Tvb, pkt: Packet, opt: Item, pos: int, size: int) -> str:
    pkt.add(opt, OPT_RESERVED, None, pos + 2, 2, "Reserved")
    v = tvb.u32(pos + 4)
    pkt.add(opt, ADV_INTERVAL, v, pos + 4, 4)
    return f"Advertisement Interval : {v - (1 << 32) if v >= 1 << 31 else v}"  # (%d)


def _home_agent(tvb: Tvb, pkt: Packet, opt: Item, pos: int, size: int) -> str:
    pkt.add(opt, OPT_RESERVED, None, pos + 2, 2, "Reserved")
    pkt.add(opt, HA_PREF, tvb.u16(pos + 4), pos + 4, 2)
    pkt.add(opt, HA_LIFETIME, tvb.u16(pos + 6), pos + 6, 2)
    return ""


def _route_info(tvb: Tvb, pkt: Packet, opt: Item, pos: int, size: int) -> str:
    if size > 24:  # (tshark: a malformed-length note and more; left to the generic path)
        return ""
    plen, flags = tvb.u8(pos + 2), tvb.u8(pos + 3)
    pref = PRF_NAMES[(flags >> 3) & 3]
    pkt.add(opt, OPT_PREFIX_LEN, plen, pos + 2, 1)
    fi = pkt.add(opt, ROUTE_FLAG, flags, pos + 3, 1, f"Flag: 0x{flags:02x}, Route Preference: {pref}")
    pkt.add(fi, ROUTE_PREF, (flags >> 3) & 3, pos + 3, 1)
    pkt.add(fi, ROUTE_RSV, flags & 0xE7, pos + 3, 1)
    life = tvb.u32(pos + 4)
    pkt.add(opt, ROUTE_LIFETIME, life, pos + 4, 4, lifetime_text("Route Lifetime", life, ""))
    width = size - 8
    prefix = bytes(tvb.bytes(pos + 8, width)).ljust(16, b"\0")
    if width:
        pkt.add(opt, OPT_PREFIX, prefix, pos + 8, width)
    return f"Route Information : {pref} {ipv6_str(prefix)}/{plen}"


def _flags_extension(tvb: Tvb, pkt: Packet, opt: Item, pos: int, size: int) -> str:
    v = tvb.u16(pos + 2)
    names = [n for bit, n in ((0x8000, "Managed address configuration"),
                              (0x4000, "Other configuration"), (0x2000, "Home Agent"))
             if v & bit]
    names.append(f"Prf (Default Router Preference): {PRF_NAMES[(v >> 11) & 3]}")
    if v & 0x0400:
        names.append("Proxy")
    fi = pkt.add(opt, EFO, v, pos + 2, 2, f"Flags Expansion Option: 0x{v:04x}, {', '.join(names)}")
    pkt.add(fi, EFO_M, bool(v & 0x8000), pos + 2, 2)
    pkt.add(fi, EFO_O, bool(v & 0x4000), pos + 2, 2)
    pkt.add(fi, EFO_H, bool(v & 0x2000), pos + 2, 2)
    pkt.add(fi, EFO_PRF, (v >> 11) & 3, pos + 2, 2)
    pkt.add(fi, EFO_P, bool(v & 0x0400), pos + 2, 2)
    pkt.add(fi, EFO_RSV, v & 0x02FF, pos + 2, 2)
    pkt.add(opt, OPT_RESERVED, None, pos + 4, 4, "Reserved")
    return ""


def _dnssl(tvb: Tvb, pkt: Packet, opt: Item, pos: int, size: int) -> str:
    pkt.add(opt, OPT_RESERVED, None, pos + 2, 2, "Reserved")
    life = tvb.u32(pos + 4)
    pkt.add(opt, DNSSL_LIFETIME, life, pos + 4, 4,
            lifetime_text("Lifetime", life, "DNSSL domain name MUST no longer be used"))
    at, end = pos + 8, pos + size
    # the item's text grows name by name (a name that throws leaves it unclosed, as tshark's)
    opt.text = "ICMPv6 Option (DNS Search List Option"
    while at < end:
        if tvb.u8(at) == 0:
            pkt.add(opt, PADDING, None, at, end - at, "Padding")
            break
        raw, used = get_raw_name(tvb, at, at)
        pkt.add(opt, DNSSL, raw if isinstance(raw, str) else format_text(raw), at, used)
        # (the text takes the name as a C string: up to its first NUL)
        opt.text += " " + (raw if isinstance(raw, str) else format_text(raw.split(b"\0", 1)[0]))
        at += used
    opt.text += ")"
    return ""


def _captive_portal(tvb: Tvb, pkt: Packet, opt: Item, pos: int, size: int) -> str:
    raw = bytes(tvb.bytes(pos + 2, size - 2))
    pkt.add(opt, CAPTIVE_PORTAL, format_text(raw.split(b"\0", 1)[0]), pos + 2, size - 2)
    return ""


def _pref64(tvb: Tvb, pkt: Packet, opt: Item, pos: int, size: int) -> str:
    v = tvb.u16(pos + 2)
    plc = v & 7
    if size != 16 or plc not in PLC_BYTES:  # (tshark: a malformed-length note; generic)
        return ""
    pkt.add(opt, PREF64_LIFETIME, v >> 3, pos + 2, 2)
    pkt.add(opt, PREF64_PLC, plc, pos + 2, 2)
    width = PLC_BYTES[plc]
    prefix = bytes(tvb.bytes(pos + 4, width)).ljust(16, b"\0")
    pkt.add(opt, PREF64_PREFIX, prefix, pos + 4, width)
    return ""


OPT_BODIES.update({7: _adv_interval, 8: _home_agent, 24: _route_info, 26: _flags_extension,
                   31: _dnssl, 37: _captive_portal, 38: _pref64})
