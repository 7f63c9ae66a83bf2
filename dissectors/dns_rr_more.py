"""DNS record data of types real captures carry beyond dns_rr.py's DNSSEC and EDNS ones:
SPF (99), CAA (257), NAPTR (35), WKS (11), LOC (29), SVCB (64) / HTTPS (65) and TSIG
(250), as tshark 4.0's packet-dns.c shows them.

Registered in dns.py's `RDATA` table by record type, called with the record's data span
[d, end) (already checked present); each adds packet-dns.c's items in its order and
returns, where tshark has them, (text for Info, text for the record's summary line).
"""

from __future__ import annotations

import base64
from collections.abc import Callable

from dissectors.dns import RDATA, get_name
from dissectors.dns_header import DNS
from dissectors.dns_names import RCODES
from dissectors.escape import format_text
from dissectors.format import ipv4_str, ipv6_str
from dissectors.ip_fields import IP_PROTO_NAMES
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base
from dissectors.tvb import Tvb

Add = Callable[..., Item]

SPF_LEN = DNS.field("dns.spf.length", "SPF Length", FT.UINT8, Base.DEC)
SPF = DNS.field("dns.spf", "SPF", FT.STRING)

CAA_FLAGS = DNS.field("dns.caa.flags", "CAA Flags", FT.UINT8, Base.HEX)
CAA_CRITICAL = DNS.field("dns.caa.flags.issuer_critical", "Issuer Critical", FT.BOOLEAN,
                         bitmask=0x80, strings=("Critical", "Not critical"))
CAA_ISSUE = DNS.field("dns.caa.issue", "Issue", FT.STRING)
CAA_ISSUEWILD = DNS.field("dns.caa.issuewild", "Issue Wildcard", FT.STRING)
CAA_IODEF = DNS.field("dns.caa.iodef", "Report URL", FT.STRING)
CAA_UNKNOWN = DNS.field("dns.caa.unknown", "Unknown tag", FT.STRING)
CAA_TAG_LEN = DNS.field("dns.caa.tag_length", "Tag length", FT.UINT8, Base.DEC)
CAA_TAG = DNS.field("dns.caa.tag", "Tag", FT.STRING)
CAA_VALUE = DNS.field("dns.caa.value", "Value", FT.STRING)
_CAA_TAGS = {b"issue": CAA_ISSUE, b"issuewild": CAA_ISSUEWILD, b"iodef": CAA_IODEF}

NAPTR_ORDER = DNS.field("dns.naptr.order", "Order", FT.UINT16, Base.DEC)
NAPTR_PREF = DNS.field("dns.naptr.preference", "Preference", FT.UINT16, Base.DEC)
NAPTR_TEXTS = tuple(
    (DNS.field(f"dns.naptr.{a}_length", f"{n} Length", FT.UINT8, Base.DEC),
     DNS.field(f"dns.naptr.{a}", n, FT.STRING))
    for a, n in (("flags", "Flags"), ("service", "Service"), ("regex", "Regex")))
NAPTR_REPL_LEN = DNS.field("dns.naptr.replacement_length", "Replacement Length", FT.UINT8,
                           Base.DEC)
NAPTR_REPL = DNS.field("dns.naptr.replacement", "Replacement", FT.STRING)

WKS_ADDR = DNS.field("dns.wks.address", "Address", FT.IPv4)
WKS_PROTO = DNS.field("dns.wks.protocol", "Protocol", FT.UINT8, Base.DEC,
                      strings=IP_PROTO_NAMES)
WKS_BITS = DNS.field("dns.wks.bits", "Bits", FT.UINT8, Base.HEX)

LOC_VERSION = DNS.field("dns.loc.version", "Version", FT.UINT8, Base.DEC)
LOC_SIZE = DNS.field("dns.loc.size", "Size", FT.UINT8, Base.DEC)
LOC_HPREC = DNS.field("dns.loc.horizontal_precision", "Horizontal Precision", FT.UINT8,
                      Base.DEC)
LOC_VPREC = DNS.field("dns.loc.vertical_precision", "Vertical Precision", FT.UINT8, Base.DEC)
LOC_LAT = DNS.field("dns.loc.latitude", "Latitude", FT.UINT32, Base.DEC)
LOC_LON = DNS.field("dns.loc.longitude", "Longitude", FT.UINT32, Base.DEC)
LOC_ALT = DNS.field("dns.loc.altitude", "Altitude", FT.UINT32, Base.DEC)
LOC_UNKNOWN = DNS.field("dns.loc.unknown_data", "Unknown data", FT.BYTES)

SVC_KEYS = {0: "mandatory", 1: "alpn", 2: "no-default-alpn", 3: "port", 4: "ipv4hint",
            5: "echconfig", 6: "ipv6hint", 32769: "odohconfig", 65535: "key65535"}
SVCB_PRIORITY = DNS.field("dns.svcb.svcpriority", "SvcPriority", FT.UINT16, Base.DEC)
SVCB_TARGET = DNS.field("dns.svcb.targetname", "TargetName", FT.STRING)
SVCB_PARAM = DNS.field("dns.svcb.svcparam", "SvcParam", FT.NONE)
SVCB_KEY = DNS.field("dns.svcb.svcparam.key", "SvcParamKey", FT.UINT16, Base.DEC,
                     strings=SVC_KEYS)
SVCB_VALUE_LEN = DNS.field("dns.svcb.svcparam.value.length", "SvcParamValue length", FT.UINT16,
                           Base.DEC)
SVCB_VALUE = DNS.field("dns.svcb.svcparam.value", "SvcParamValue", FT.BYTES)
SVCB_MANDATORY = DNS.field("dns.svcb.svcparam.mandatory.key", "Mandatory key", FT.UINT16,
                           Base.DEC, strings=SVC_KEYS)
SVCB_ALPN_LEN = DNS.field("dns.svcb.svcparam.alpn.length", "ALPN length", FT.UINT8, Base.DEC)
SVCB_ALPN = DNS.field("dns.svcb.svcparam.alpn", "ALPN", FT.STRING)
SVCB_PORT = DNS.field("dns.svcb.svcparam.port", "Port", FT.UINT16, Base.DEC)
SVCB_IPV4 = DNS.field("dns.svcb.svcparam.ipv4hint.ip", "IP", FT.IPv4)
SVCB_IPV6 = DNS.field("dns.svcb.svcparam.ipv6hint.ip", "IP", FT.IPv6)
SVCB_ECH = DNS.field("dns.svcb.svcparam.echconfig", "ECHConfig", FT.BYTES)
SVCB_ODOH = DNS.field("dns.svcb.svcparam.odohconfig", "ODoHConfig", FT.BYTES)

TSIG_ALGO = DNS.field("dns.tsig.algorithm_name", "Algorithm Name", FT.STRING)
TSIG_TIME = DNS.field("dns.tsig.time_signed", "Time Signed", FT.ABSOLUTE_TIME, Base.UTC)
TSIG_FUDGE = DNS.field("dns.tsig.fudge", "Fudge", FT.UINT16, Base.DEC)
TSIG_MAC_SIZE = DNS.field("dns.tsig.mac_size", "MAC Size", FT.UINT16, Base.DEC)
TSIG_MAC = DNS.field("dns.tsig.mac", "MAC", FT.NONE)
TSIG_NOALG = DNS.field("dns.tsig.noalg", "No dissector for algorithm", FT.NONE)
TSIG_ORIG_ID = DNS.field("dns.tsig.original_id", "Original Id", FT.UINT16, Base.DEC)
TSIG_ERROR = DNS.field("dns.tsig.error", "Error", FT.UINT16, Base.DEC, strings=RCODES)
TSIG_OTHER_LEN = DNS.field("dns.tsig.other_len", "Other Len", FT.UINT16, Base.DEC)
TSIG_OTHER = DNS.field("dns.tsig.other_data", "Other Data", FT.BYTES)


def _text(raw: bytes) -> str:
    """A character-string's value (ENC_ASCII: bytes above 0x7f are U+FFFD)."""
    return raw.decode("ascii", errors="replace")


def _strings(tvb: Tvb, p: int, end: int, rr: Item, add: Add, flen: object, fstr: object) -> None:
    """TXT-like character-strings, a length byte each, to the end of the data."""
    while p < end:
        n = tvb.u8(p)
        add(rr, flen, n, p, 1)
        add(rr, fstr, _text(tvb.bytes(p + 1, n)), p + 1, n)
        p += 1 + n


def _spf(tvb: Tvb, d: int, end: int, msg: int, pkt: Packet, rr: Item, add: Add) -> None:
    _strings(tvb, d, end, rr, add, SPF_LEN, SPF)


def _caa(tvb: Tvb, d: int, end: int, msg: int, pkt: Packet, rr: Item, add: Add) -> None:
    flags = tvb.u8(d)
    fi = add(rr, CAA_FLAGS, flags, d, 1)
    add(fi, CAA_CRITICAL, bool(flags & 0x80), d, 1)
    tlen = tvb.u8(d + 1)
    tag = tvb.bytes(d + 2, tlen)
    value = tvb.bytes(d + 2 + tlen, end - d - 2 - tlen)
    head = _CAA_TAGS.get(tag, CAA_UNKNOWN)
    ti = add(rr, head, _text(value), d + 1, end - d - 1)
    add(ti, CAA_TAG_LEN, tlen, d + 1, 1)
    add(ti, CAA_TAG, _text(tag), d + 2, tlen)
    add(ti, CAA_VALUE, _text(value), d + 2 + tlen, len(value))


def _naptr(tvb: Tvb, d: int, end: int, msg: int, pkt: Packet, rr: Item,
           add: Add) -> tuple[str, str]:
    order, pref = tvb.u16(d), tvb.u16(d + 2)
    add(rr, NAPTR_ORDER, order, d, 2)
    add(rr, NAPTR_PREF, pref, d + 2, 2)
    p = d + 4
    flags = ""
    for flen, fstr in NAPTR_TEXTS:
        n = tvb.u8(p)
        raw = tvb.bytes(p + 1, n)
        add(rr, flen, n, p, 1)
        add(rr, fstr, _text(raw), p + 1, n)
        if fstr is NAPTR_TEXTS[0][1]:
            flags = format_text(raw)
        p += 1 + n
    repl, used = get_name(tvb, p, msg)
    add(rr, NAPTR_REPL_LEN, len(repl), p, 0, generated=True)
    add(rr, NAPTR_REPL, repl, p, used)
    return (f" {order} {pref} {flags}",
            f", order {order}, preference {pref}, flags {flags}")


def _wks(tvb: Tvb, d: int, end: int, msg: int, pkt: Packet, rr: Item,
         add: Add) -> tuple[str, str]:
    addr = tvb.u32(d)
    add(rr, WKS_ADDR, addr, d, 4)
    proto = tvb.u8(d + 4)
    add(rr, WKS_PROTO, proto, d + 4, 1)
    for i in range(end - d - 5):
        bits = tvb.u8(d + 5 + i)
        for j in range(8):
            if bits & (0x80 >> j):
                add(rr, WKS_BITS, bits, d + 5 + i, 1,
                    f"Bits: 0x{bits:02x} ({i * 8 + j})" if pkt.tree_on else None)
    text = ipv4_str(addr)
    return f" {text}", f", addr {text}"


def _loc_size(v: int) -> str:
    """RFC 1876's size/precision byte: mantissa and power of ten of centimetres."""
    return f"{(v >> 4) * 10 ** (v & 0x0F) / 100:g} m"


def _loc_angle(v: int, limit: int, signs: str) -> str:
    """Thousandths of an arc second from 2^31 (the equator, the prime meridian)."""
    off = v - (1 << 31)
    ms = abs(off)
    if ms > limit * 3_600_000:
        return "Value out of range"
    return (f"{ms // 3_600_000} deg {ms % 3_600_000 // 60_000} min "
            f"{ms % 60_000 // 1000}.{ms % 1000:03d} sec {signs[off < 0]}")


def _loc(tvb: Tvb, d: int, end: int, msg: int, pkt: Packet, rr: Item, add: Add) -> None:
    version = tvb.u8(d)
    add(rr, LOC_VERSION, version, d, 1)
    if version != 0:
        add(rr, LOC_UNKNOWN, tvb.bytes(d, end - d), d, end - d)
        return
    tree_on = pkt.tree_on
    for i, f in enumerate((LOC_SIZE, LOC_HPREC, LOC_VPREC), 1):
        v = tvb.u8(d + i)
        add(rr, f, v, d + i, 1, f"{f.name}: {v} ({_loc_size(v)})" if tree_on else None)
    for at, f, limit, signs in ((4, LOC_LAT, 90, "NS"), (8, LOC_LON, 180, "EW")):
        v = tvb.u32(d + at)
        add(rr, f, v, d + at, 4,
            f"{f.name}: {v} ({_loc_angle(v, limit, signs)})" if tree_on else None)
    alt = tvb.u32(d + 12)
    add(rr, LOC_ALT, alt, d + 12, 4,
        f"Altitude: {alt} ({(alt - 10_000_000) / 100:g} m)" if tree_on else None)


def _svc_value(tvb: Tvb, pkt: Packet, pi: Item, add: Add, key: int, v: int, n: int) -> str:
    """A SvcParam's value items; returns its text after "key=" ("" for none)."""
    if key == 0:
        names = []
        for at in range(v, v + n - 1, 2):
            k = tvb.u16(at)
            add(pi, SVCB_MANDATORY, k, at, 2)
            names.append(SVC_KEYS.get(k, f"key{k}"))
        return ",".join(names)
    if key == 1:
        ids, at = [], v
        while at < v + n:
            ln = tvb.u8(at)
            raw = tvb.bytes(at + 1, ln)
            add(pi, SVCB_ALPN_LEN, ln, at, 1)
            add(pi, SVCB_ALPN, _text(raw), at + 1, ln)
            ids.append(format_text(raw))
            at += 1 + ln
        return ",".join(ids)
    if key == 3 and n == 2:
        port = tvb.u16(v)
        add(pi, SVCB_PORT, port, v, 2)
        return str(port)
    if key in (4, 6):
        width, f = (4, SVCB_IPV4) if key == 4 else (16, SVCB_IPV6)
        addrs = []
        for at in range(v, v + n - width + 1, width):
            raw = tvb.bytes(at, width)
            value = int.from_bytes(raw, "big") if key == 4 else raw
            add(pi, f, value, at, width)
            addrs.append(ipv4_str(value) if key == 4 else ipv6_str(raw))  # type: ignore[arg-type]
        return ",".join(addrs)
    raw = tvb.bytes(v, n)
    if key in (5, 32769):  # (tshark shows these configurations in base64)
        f = SVCB_ECH if key == 5 else SVCB_ODOH
        text = base64.b64encode(raw).decode()
        add(pi, f, raw, v, n, f"{f.name}: {text}" if pkt.tree_on else None)
        return text
    if key != 2:  # (no-default-alpn has no value)
        add(pi, SVCB_VALUE, raw, v, n)
    return format_text(raw)


def _svcb(tvb: Tvb, d: int, end: int, msg: int, pkt: Packet, rr: Item, add: Add) -> None:
    add(rr, SVCB_PRIORITY, tvb.u16(d), d, 2)
    target, used = get_name(tvb, d + 2, msg)
    add(rr, SVCB_TARGET, target, d + 2, used)
    p = d + 2 + used
    while p < end:
        key, n = tvb.u16(p), tvb.u16(p + 2)
        pi = add(rr, SVCB_PARAM, None, p, 4 + n)
        add(pi, SVCB_KEY, key, p, 2, None if key in SVC_KEYS or not pkt.tree_on
            else f"SvcParamKey: Unknown ({key})")
        add(pi, SVCB_VALUE_LEN, n, p + 2, 2)
        text = _svc_value(tvb, pkt, pi, add, key, p + 4, n)
        name = SVC_KEYS.get(key, f"key{key}")
        if pkt.tree_on:
            pi.text = f"SvcParam: {name}={text}" if n else f"SvcParam: {name}"
        p += 4 + n


def _tsig(tvb: Tvb, d: int, end: int, msg: int, pkt: Packet, rr: Item, add: Add) -> None:
    algo, used = get_name(tvb, d, msg)
    add(rr, TSIG_ALGO, algo, d, used)
    p = d + used
    secs = (tvb.u16(p) << 32) | tvb.u32(p + 2)
    add(rr, TSIG_TIME, secs * 1_000_000_000, p, 6)
    add(rr, TSIG_FUDGE, tvb.u16(p + 6), p + 6, 2)
    mac_size = tvb.u16(p + 8)
    add(rr, TSIG_MAC_SIZE, mac_size, p + 8, 2)
    p += 10
    if mac_size:
        mi = add(rr, TSIG_MAC, None, p, mac_size, "MAC")
        pkt.add_expert(mi, "warning", "undecoded", f"No dissector for algorithm:{algo}", "dns",
                       field=TSIG_NOALG)
        p += mac_size
    add(rr, TSIG_ORIG_ID, tvb.u16(p), p, 2)
    err = tvb.u16(p + 2)
    add(rr, TSIG_ERROR, err, p + 2, 2,
        f"Error: Unknown ({err})" if pkt.tree_on and err not in RCODES else None)
    other = tvb.u16(p + 4)
    add(rr, TSIG_OTHER_LEN, other, p + 4, 2)
    if other:
        add(rr, TSIG_OTHER, tvb.bytes(p + 6, other), p + 6, other)


RDATA.update({11: _wks, 29: _loc, 35: _naptr, 64: _svcb, 65: _svcb, 99: _spf, 250: _tsig,
              257: _caa})
