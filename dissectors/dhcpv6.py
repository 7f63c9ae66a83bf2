"""DHCPv6 (RFC 8415) on UDP ports 546 and 547, as tshark 4.0 shows it.

    client/server message:  msg-type (1) | transaction-id (3) | options
    relay message:          msg-type (1) | hop-count (1) | link-address (16) |
                            peer-address (16) | options (Relay Message holds a message)
    option:                 option-code (2) | option-len (2) | option-data
Decoded options: client/server identifiers (DUIDs), IA_NA, IA_TA, IA_PD with their
addresses and prefixes, option request, preference, elapsed time, relay message,
status code, rapid commit, interface-id, DNS servers, domain search list; others show
their code and length only. Nesting (relay messages, IA options) is bounded.
"""

from __future__ import annotations

from dissectors.dhcpv6_names import OPTION_NAMES
from dissectors.dispatch import UDP_PORT, register_dissector
from dissectors.format import ether_str, ipv6_str
from dissectors.offers import register_learner_layer
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, Field, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

MSG_TYPES = {1: "Solicit", 2: "Advertise", 3: "Request", 4: "Confirm", 5: "Renew",
             6: "Rebind", 7: "Reply", 8: "Release", 9: "Decline", 10: "Reconfigure",
             11: "Information-request", 12: "Relay-forw", 13: "Relay-reply",
             14: "Leasequery", 15: "Leasequery-reply", 16: "Leasequery-done",
             17: "Leasequery-data", 18: "Reconfigure-request", 19: "Reconfigure-reply"}
DUID_TYPES = {1: "link-layer address plus time",
              2: "assigned by vendor based on Enterprise number", 3: "link-layer address",
              4: "Universally Unique IDentifier (UUID)"}
HW_TYPES = {1: "Ethernet", 6: "IEEE 802", 32: "InfiniBand"}
STATUS_CODES = {0: "Success", 1: "UnspecFail", 2: "NoAddrAvail", 3: "NoBinding",
                4: "NotOnLink", 5: "UseMulticast", 6: "NoPrefixAvail", 7: "UnknownQueryType",
                8: "MalformedQuery", 9: "NotConfigured", 10: "NotAllowed",
                11: "QueryTerminated", 12: "DataMissing", 13: "CatchUpComplete",
                14: "NotSupported", 15: "TLSConnectionRefused", 16: "AddressInUse",
                17: "ConfigurationConflict", 18: "MissingBindingInformation",
                19: "OutdatedBindingInformation", 20: "ServerShuttingDown",
                21: "DNSUpdateNotSupported", 22: "ExcessiveTimeSkew"}
ENTERPRISES = {9: "ciscoSystems", 311: "Microsoft", 2636: "Juniper Networks, Inc.",
               30065: "Arista Networks, Inc."}
_RELAYS = (12, 13)
_MAX_DEPTH = 8  # relay messages and IA options nested deeper are not followed
_DUID_EPOCH = 946_684_800  # 2000-01-01 in Unix seconds
_NS = 1_000_000_000
_INFINITY = 0xFFFFFFFF

DHCPV6 = protocol("dhcpv6", "DHCPv6", "DHCPv6")
MSGTYPE = DHCPV6.field("dhcpv6.msgtype", "Message type", FT.UINT8, Base.DEC, strings=MSG_TYPES)
HOPCOUNT = DHCPV6.field("dhcpv6.hopcount", "Hopcount", FT.UINT8, Base.DEC)
XID = DHCPV6.field("dhcpv6.xid", "Transaction ID", FT.UINT24, Base.HEX)
LINKADDR = DHCPV6.field("dhcpv6.linkaddr", "Link address", FT.IPv6)
PEERADDR = DHCPV6.field("dhcpv6.peeraddr", "Peer address", FT.IPv6)
ERROR_HOPCOUNT = DHCPV6.field("dhcpv6.error_hopcount", "Detected error on hop-count", FT.NONE)
OPT_TYPE_STR = DHCPV6.field("dhcpv6.option.type_str", "Option", FT.STRING)
OPT_TYPE = DHCPV6.field("dhcpv6.option.type", "Option", FT.UINT16, Base.DEC)
OPT_LENGTH = DHCPV6.field("dhcpv6.option.length", "Length", FT.UINT16, Base.DEC)
DUID_BYTES = DHCPV6.field("dhcpv6.duid.bytes", "DUID", FT.BYTES)
DUID_TYPE = DHCPV6.field("dhcpv6.duid.type", "DUID Type", FT.UINT16, Base.DEC,
                         strings=DUID_TYPES)
LLT_HWTYPE = DHCPV6.field("dhcpv6.duidllt.hwtype", "Hardware type", FT.UINT16, Base.DEC,
                          strings=HW_TYPES)
LLT_TIME = DHCPV6.field("dhcpv6.duidllt.time", "DUID Time", FT.ABSOLUTE_TIME, Base.UTC)
LLT_ADDR = DHCPV6.field("dhcpv6.duidllt.link_layer_addr", "Link-layer address", FT.STRING)
EN_ENTERPRISE = DHCPV6.field("dhcpv6.duiden.enterprise", "Enterprise ID", FT.UINT32,
                             Base.CUSTOM)
EN_IDENTIFIER = DHCPV6.field("dhcpv6.duiden.identifier", "Identifier", FT.BYTES)
LL_HWTYPE = DHCPV6.field("dhcpv6.duidll.hwtype", "Hardware type", FT.UINT16, Base.DEC,
                         strings=HW_TYPES)
LL_ADDR = DHCPV6.field("dhcpv6.duidll.link_layer_addr", "Link-layer address", FT.STRING)
UUID = DHCPV6.field("dhcpv6.duiduuid.bytes", "UUID", FT.BYTES)
IAID = DHCPV6.field("dhcpv6.iaid", "IAID", FT.STRING)
IAID_T1 = DHCPV6.field("dhcpv6.iaid.t1", "T1", FT.UINT32, Base.DEC)
IAID_T2 = DHCPV6.field("dhcpv6.iaid.t2", "T2", FT.UINT32, Base.DEC)
IATA = DHCPV6.field("dhcpv6.iata", "IATA", FT.STRING)
IAADDR_IP = DHCPV6.field("dhcpv6.iaaddr.ip", "IPv6 address", FT.IPv6)
IAADDR_PREF = DHCPV6.field("dhcpv6.iaaddr.pref_lifetime", "Preferred lifetime", FT.UINT32,
                           Base.DEC)
IAADDR_VALID = DHCPV6.field("dhcpv6.iaaddr.valid_lifetime", "Valid lifetime", FT.UINT32,
                            Base.DEC)
REQUESTED = DHCPV6.field("dhcpv6.requested_option_code", "Requested Option code", FT.UINT16,
                         Base.DEC)
PREFERENCE = DHCPV6.field("dhcpv6.option_preference", "Pref-value", FT.UINT8, Base.DEC)
ELAPSED = DHCPV6.field("dhcpv6.elapsed_time", "Elapsed time", FT.UINT16, Base.DEC)
STATUS_CODE = DHCPV6.field("dhcpv6.status_code", "Status Code", FT.UINT16, Base.DEC,
                           strings=STATUS_CODES)
STATUS_MSG = DHCPV6.field("dhcpv6.status_msg", "Status Message", FT.STRING)
INTERFACE_ID = DHCPV6.field("dhcpv6.interface_id", "Interface-ID", FT.BYTES)
DNS_SERVER = DHCPV6.field("dhcpv6.dns_server", "DNS server address", FT.IPv6)
SEARCH_ENTRY = DHCPV6.field("dhcpv6.search_list_entry", "List entry", FT.STRING)
SIP_DOMAIN = DHCPV6.field("dhcpv6.sip_server_domain_search_fqdn", "SIP Server Domain Search FQDN",
                          FT.STRING)
IAPREFIX_PREF = DHCPV6.field("dhcpv6.iaprefix.pref_lifetime", "Preferred lifetime",
                             FT.UINT32, Base.DEC)
IAPREFIX_VALID = DHCPV6.field("dhcpv6.iaprefix.valid_lifetime", "Valid lifetime", FT.UINT32,
                              Base.DEC)
IAPREFIX_LEN = DHCPV6.field("dhcpv6.iaprefix.pref_len", "Prefix length", FT.UINT8, Base.DEC)
VENDOR_ENTERPRISE = DHCPV6.field("dhcpv6.vendoropts.enterprise", "Enterprise ID", FT.UINT32,
                                 Base.CUSTOM)
VENDOR_CODE = DHCPV6.field("dhcpv6.vendoropts.enterprise.option_code", "Option code",
                           FT.UINT16, Base.DEC)
VENDOR_LENGTH = DHCPV6.field("dhcpv6.vendoropts.enterprise.option_length", "Option length",
                             FT.UINT16, Base.DEC)
VENDOR_DATA = DHCPV6.field("dhcpv6.vendoropts.enterprise.option_data", "Option data", FT.BYTES)
NTP_SUBOPTS = {1: "NTP Server Address", 2: "NTP Multicast Address", 3: "NTP Server FQDN"}
NTP_TYPE = DHCPV6.field("dhcpv6.ntpserver.option.type", "Suboption", FT.UINT16, Base.DEC,
                        strings=NTP_SUBOPTS)
NTP_LENGTH = DHCPV6.field("dhcpv6.ntpserver.option.length", "Length", FT.UINT16, Base.DEC)
NTP_VALUES = {1: DHCPV6.field("dhcpv6.ntpserver.addr", "NTP Server Address", FT.IPv6),
              2: DHCPV6.field("dhcpv6.ntpserver.mc_addr", "NTP Multicast Address", FT.IPv6),
              3: DHCPV6.field("dhcpv6.ntpserver.fqdn", "NTP Server FQDN", FT.STRING)}
EMPTY_DOMAIN = DHCPV6.field("dhcpv6.domain_field_len", "Empty domain name - field length",
                            FT.UINT16, Base.DEC)
MALFORMED_OPTION = DHCPV6.field("dhcpv6.malformed_option", "Malformed option", FT.NONE)
USERCLASS_LENGTH = DHCPV6.field("dhcpv6.userclass.length", "Length", FT.UINT16, Base.DEC)
USERCLASS_DATA = DHCPV6.field("dhcpv6.userclass.opaque_data", "Suboption", FT.BYTES)
IAPREFIX_ADDR = DHCPV6.field("dhcpv6.iaprefix.pref_addr", "Prefix address", FT.IPv6)


class _Ctx:
    """One packet's dissection: the tvb, the packet and the Info pieces."""

    def __init__(self, tvb: Tvb, pkt: Packet) -> None:
        self.tvb = tvb
        self.pkt = pkt
        self.src = tvb.source

    def add(self, parent: Item, f: Field, value: object, off: int, n: int,
            text: str | None = None) -> Item:
        return self.pkt.add(parent, f, value, off, n, text, source=self.src)


def _lifetime(f: Field, v: int, name: str | None = None) -> str:
    return f"{name or f.name}: {'infinity' if v == _INFINITY else v}"


def dissect_dhcpv6(tvb: Tvb, pkt: Packet, session: Session) -> None:
    session.current_proto = "dhcpv6"
    pkt.proto_col = "DHCPv6"
    pkt.clear_info()
    c = _Ctx(tvb, pkt)
    top = pkt.add_proto(DHCPV6, tvb.start, tvb.end - tvb.start, "DHCPv6", source=tvb.source)
    _message(c, top, tvb.start, tvb.rend, 0)


def _message(c: _Ctx, top: Item, off: int, end: int, depth: int) -> None:
    tvb, pkt = c.tvb, c.pkt
    mtype = tvb.u8(off)
    name = MSG_TYPES.get(mtype, f"Message Type {mtype}")
    c.add(top, MSGTYPE, mtype, off, 1,
          None if mtype in MSG_TYPES else f"Message type: Unknown ({mtype})")
    if mtype in _RELAYS:
        hops = tvb.u8(off + 1)
        hi = c.add(top, HOPCOUNT, hops, off + 1, 1)
        if hops and _innermost_relay(tvb, off + 34, end):
            pkt.add_expert(hi, "warning", "protocol",
                           f"Hopcount of most inner message has to equal 0 instead of {hops}",
                           "dhcpv6", field=ERROR_HOPCOUNT)
        pkt.append_info(f"{name} ")
        link = tvb.bytes(off + 2, 16)
        c.add(top, LINKADDR, link, off + 2, 16)
        c.add(top, PEERADDR, tvb.bytes(off + 18, 16), off + 18, 16)
        pkt.append_info(f"L: {ipv6_str(link)} ")
        _options(c, top, off + 34, end, depth)
        return
    pkt.append_info(f"{name} ")
    xid = tvb.u24(off + 1)
    c.add(top, XID, xid, off + 1, 3)
    pkt.append_info(f"XID: 0x{xid:06x} ")
    _options(c, top, off + 4, end, depth)


def _innermost_relay(tvb: Tvb, off: int, end: int) -> bool:
    """Does this relay's Relay Message option hold a client/server message?"""
    end = min(end, tvb.end)
    while off + 4 <= end:
        code, n = tvb.u16(off), tvb.u16(off + 2)
        if code == 9 and n and off + 4 < end:
            return tvb.u8(off + 4) not in _RELAYS
        off += 4 + n
    return False


def _options(c: _Ctx, parent: Item, off: int, end: int, depth: int) -> None:
    tvb = c.tvb
    while off + 4 <= end:  # (a stray shorter tail is left, as tshark leaves it)
        code = tvb.u16(off)
        n = tvb.u16(off + 2)
        if off + 4 + n > end:
            return  # (tshark 4.0 stops there, without a note)
        name = OPTION_NAMES.get(code)
        oi = c.add(parent, OPT_TYPE_STR, name or f"DHCP option {code}", off, 4 + n,
                   name or f"DHCP option {code}")
        c.add(oi, OPT_TYPE, code, off, 2, f"Option: {name or 'Unknown'} ({code})")
        c.add(oi, OPT_LENGTH, n, off + 2, 2)
        _option(c, oi, code, off + 4, n, depth)
        off += 4 + n


def _option(c: _Ctx, oi: Item, code: int, v: int, n: int, depth: int) -> None:  # noqa: C901
    tvb, pkt = c.tvb, c.pkt
    if code in (1, 2) and n >= 2:
        _duid(c, oi, v, n)
        if code == 1:
            pkt.append_info(f"CID: {tvb.bytes(v, n).hex()} ")
    elif code in (3, 25) and n >= 12:
        c.add(oi, IAID, tvb.bytes(v, 4).hex(), v, 4)
        for f, at in ((IAID_T1, v + 4), (IAID_T2, v + 8)):
            t = tvb.u32(at)
            c.add(oi, f, t, at, 4, _lifetime(f, t))
        _nested(c, oi, v + 12, v + n, depth)
    elif code == 4 and n >= 4:
        c.add(oi, IATA, tvb.bytes(v, 4).hex(), v, 4)
        _nested(c, oi, v + 4, v + n, depth)
    elif code == 5 and n >= 24:
        addr = tvb.bytes(v, 16)
        c.add(oi, IAADDR_IP, addr, v, 16)
        pkt.append_info(f"IAA: {ipv6_str(addr)} ")
        pref, valid = tvb.u32(v + 16), tvb.u32(v + 20)
        c.add(oi, IAADDR_PREF, pref, v + 16, 4, _lifetime(IAADDR_PREF, pref))
        # (tshark 4.0 names an infinite valid lifetime "Preferred lifetime")
        c.add(oi, IAADDR_VALID, valid, v + 20, 4,
              _lifetime(IAADDR_VALID, valid, "Preferred lifetime" if valid == _INFINITY
                        else None))
        _nested(c, oi, v + 24, v + n, depth)
    elif code == 26 and n >= 25:
        pref, valid = tvb.u32(v), tvb.u32(v + 4)
        c.add(oi, IAPREFIX_PREF, pref, v, 4, _lifetime(IAPREFIX_PREF, pref))
        c.add(oi, IAPREFIX_VALID, valid, v + 4, 4, _lifetime(IAPREFIX_VALID, valid))
        c.add(oi, IAPREFIX_LEN, tvb.u8(v + 8), v + 8, 1)
        c.add(oi, IAPREFIX_ADDR, tvb.bytes(v + 9, 16), v + 9, 16)
        _nested(c, oi, v + 25, v + n, depth)
    elif code == 6:
        for at in range(v, v + n - 1, 2):
            rc = tvb.u16(at)
            c.add(oi, REQUESTED, rc, at, 2,
                  f"Requested Option code: {OPTION_NAMES.get(rc, 'Unknown')} ({rc})")
    elif code == 7 and n == 1:
        c.add(oi, PREFERENCE, tvb.u8(v), v, 1)
    elif code == 8 and n == 2:
        ms = tvb.u16(v) * 10
        c.add(oi, ELAPSED, ms, v, 2, f"Elapsed time: {ms}ms")
    elif code == 9 and n:
        if depth >= _MAX_DEPTH:
            return
        assert DHCPV6.proto_field is not None
        inner = c.add(oi, DHCPV6.proto_field, "DHCPv6", v, n, "DHCPv6")
        _message(c, inner, v, v + n, depth + 1)
    elif code == 13 and n >= 2:
        c.add(oi, STATUS_CODE, tvb.u16(v), v, 2,
              f"Status Code: {STATUS_CODES.get(tvb.u16(v), 'Unknown')} ({tvb.u16(v)})")
        if n > 2:
            c.add(oi, STATUS_MSG, tvb.bytes(v + 2, n - 2).decode("utf-8", errors="replace"),
                  v + 2, n - 2)
    elif code == 17 and n >= 4:
        _vendor_opts(c, oi, v, n)
    elif code == 56:
        _ntp_server(c, oi, v, n)
    elif code == 15:
        at = v
        while at + 2 <= v + n:
            ln = tvb.u16(at)
            si = pkt.add_text(oi, "User Class suboption", at, 2 + ln, source=c.src)
            c.add(si, USERCLASS_LENGTH, ln, at, 2)
            c.add(si, USERCLASS_DATA, tvb.bytes(at + 2, ln), at + 2, ln)
            at += 2 + ln
    elif code == 18 and n:
        c.add(oi, INTERFACE_ID, tvb.bytes(v, n), v, n)
    elif code == 23:
        for i, at in enumerate(range(v, v + n - 15, 16)):
            a = tvb.bytes(at, 16)
            c.add(oi, DNS_SERVER, a, at, 16, f"{i + 1:2d} DNS server address: {ipv6_str(a)}")
    elif code in (21, 24) and n:  # (SIP servers' and DNS's domain lists: RFC 3319, 3646)
        title, f = (("SIP Servers Domain Search List", SIP_DOMAIN) if code == 21
                    else ("Domain name suffix search list", SEARCH_ENTRY))
        li = pkt.add_text(oi, title, v, n, source=c.src)
        for at, ln, text in _names(tvb, v, v + n):
            c.add(li, f, text, at, ln)


def _vendor_opts(c: _Ctx, oi: Item, v: int, n: int) -> None:
    tvb = c.tvb
    ent = tvb.u32(v)
    c.add(oi, VENDOR_ENTERPRISE, ent, v, 4, _enterprise(ent))
    at, end = v + 4, v + n
    while at + 4 <= end:
        code, ln = tvb.u16(at), tvb.u16(at + 2)
        si = c.pkt.add_text(oi, "option", at, 4 + ln, source=c.src)
        c.add(si, VENDOR_CODE, code, at, 2)
        c.add(si, VENDOR_LENGTH, ln, at + 2, 2)
        c.add(si, VENDOR_DATA, tvb.bytes(at + 4, ln), at + 4, ln)
        at += 4 + ln


def _ntp_server(c: _Ctx, oi: Item, v: int, n: int) -> None:
    """RFC 5908's suboptions, as tshark 4.0 reads them (an address is 16 bytes, whatever
    its suboption's length says)."""
    tvb, pkt = c.tvb, c.pkt
    if n < 4:
        pkt.add_expert(oi, "error", "malformed", "NTP Server: malformed option", "dhcpv6",
                       field=MALFORMED_OPTION)
        return
    at, end = v, v + n
    while at + 4 <= end:
        sub, ln = tvb.u16(at), tvb.u16(at + 2)
        si = pkt.add_text(oi, NTP_SUBOPTS.get(sub, f"NTP Server suboption {sub}"), at, 4 + ln,
                          source=c.src)
        c.add(si, NTP_TYPE, sub, at, 2, None if sub in NTP_SUBOPTS else f"Suboption: Unknown ({sub})")
        c.add(si, NTP_LENGTH, ln, at + 2, 2)
        if sub in (1, 2):
            c.add(si, NTP_VALUES[sub], tvb.bytes(at + 4, 16), at + 4, 16)
        elif sub == 3 and not ln:  # (tshark 4.0 puts it one byte into the suboption)
            c.add(si, EMPTY_DOMAIN, 0, at + 1, 2, "Empty domain field: the client requests "
                  "the server to provide a domain name")
        elif sub == 3:
            for nat, nln, text in _names(tvb, at + 4, at + 4 + ln):
                c.add(si, NTP_VALUES[3], text, nat, nln)
        at += 4 + ln


def _enterprise(ent: int) -> str:
    name = ENTERPRISES.get(ent)
    return f"Enterprise ID: {name} ({ent})" if name else f"Enterprise ID: {ent}"


def _nested(c: _Ctx, parent: Item, off: int, end: int, depth: int) -> None:
    if off < end and depth < _MAX_DEPTH:
        _options(c, parent, off, end, depth + 1)


def _names(tvb: Tvb, off: int, end: int) -> list[tuple[int, int, str]]:
    """Uncompressed DNS names (RFC 1035 3.1) one after another, each label with its dot."""
    out = []
    while off < end:
        start = off
        parts = []
        while off < end:
            ln = tvb.u8(off)
            off += 1
            if ln == 0:
                break
            parts.append(tvb.bytes(off, min(ln, end - off)).decode("ascii", errors="replace")
                         + ".")
            off += ln
        out.append((start, off - start, "".join(parts)))
    return out


def _duid(c: _Ctx, oi: Item, v: int, n: int) -> None:
    tvb = c.tvb
    c.add(oi, DUID_BYTES, tvb.bytes(v, n), v, n)
    dtype = tvb.u16(v)
    c.add(oi, DUID_TYPE, dtype, v, 2)
    if dtype == 1 and n >= 8:
        c.add(oi, LLT_HWTYPE, tvb.u16(v + 2), v + 2, 2)
        c.add(oi, LLT_TIME, (_DUID_EPOCH + tvb.u32(v + 4)) * _NS, v + 4, 4)
        c.add(oi, LLT_ADDR, _ll(tvb.bytes(v + 8, n - 8)), v + 8, n - 8)
    elif dtype == 2 and n >= 6:
        ent = tvb.u32(v + 2)
        c.add(oi, EN_ENTERPRISE, ent, v + 2, 4, _enterprise(ent))
        if n > 6:
            c.add(oi, EN_IDENTIFIER, tvb.bytes(v + 6, n - 6), v + 6, n - 6)
    elif dtype == 3 and n >= 4:
        c.add(oi, LL_HWTYPE, tvb.u16(v + 2), v + 2, 2)
        c.add(oi, LL_ADDR, _ll(tvb.bytes(v + 4, n - 4)), v + 4, n - 4)
    elif dtype == 4 and n == 18:
        c.add(oi, UUID, tvb.bytes(v + 2, 16), v + 2, 16)


def _ll(raw: bytes) -> str:
    return ether_str(raw) if len(raw) == 6 else raw.hex(":")


UDP_PORT.register(546, dissect_dhcpv6, "dhcpv6")
UDP_PORT.register(547, dissect_dhcpv6, "dhcpv6")
register_dissector("dhcpv6", dissect_dhcpv6)
register_learner_layer("dhcpv6", "DHCPv6")
