"""ICMPv6 (RFC 4443) with Neighbor Discovery (RFC 4861) and MLD (RFC 2710/3810).

     0                   1                   2                   3
    +---------------+---------------+-------------------------------+
    |     Type      |     Code      |          Checksum             |
    +---------------+---------------+-------------------------------+
    |                     Message Body ...                          |
The checksum covers an IPv6 pseudo-header. Errors quote the offending packet (shown
with the IPv6 dissector, columns untouched); echo requests and replies are paired as
for ICMP; ND messages carry TLV options (link-layer address, prefix, MTU, ...).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from dissectors.bounded import remember
from dissectors.dispatch import BY_NAME, IP_PROTO, register_dissector
from dissectors.format import ether_str, ipv6_str
from dissectors.icmp import (
    EXT_ECHO_REQ_CODES,
    EXT_ECHO_RSP_CODES,
    EchoTracker,
    add_checksum,
    dissect_extensions,
    dissect_quoted,
    echo_frame,
    echo_key,
    echo_ts,
    echo_when,
    ext_echo_fields,
    ext_echo_flags,
    nest_data,
    ones_sum,
)
from dissectors.ip_fields import CHECKSUM_STATUS
from dissectors.ipv6 import ipv6_hlim
from dissectors.ipv6_routing import header_dst
from dissectors.offers import register_learner_layer
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

TYPE_NAMES: Final = {
    1: "Destination Unreachable", 2: "Packet Too Big", 3: "Time Exceeded",
    4: "Parameter Problem", 128: "Echo (ping) request", 129: "Echo (ping) reply",
    130: "Multicast Listener Query", 131: "Multicast Listener Report",
    132: "Multicast Listener Done", 133: "Router Solicitation", 134: "Router Advertisement",
    135: "Neighbor Solicitation", 136: "Neighbor Advertisement", 137: "Redirect",
    138: "Router Renumbering", 139: "Node Information Query", 140: "Node Information Reply",
    141: "Inverse Neighbor Discovery Solicitation",
    142: "Inverse Neighbor Discovery Advertisement",
    143: "Multicast Listener Report Message v2", 144: "Home Agent Address Discovery Request",
    145: "Home Agent Address Discovery Reply", 146: "Mobile Prefix Solicitation",
    147: "Mobile Prefix Advertisement", 148: "Certification Path Solicitation",
    149: "Certification Path Advertisement", 151: "Multicast Router Advertisement",
    152: "Multicast Router Solicitation", 153: "Multicast Router Termination",
    160: "Extended Echo request", 161: "Extended Echo reply",
    200: "Private experimentation", 201: "Private experimentation",
    255: "Reserved for expansion of ICMPv6 informational messages",
}
CODE_NAMES: Final = {
    1: {0: "no route to destination",
        1: "Administratively prohibited", 2: "Beyond scope of source address",
        3: "Address unreachable", 4: "Port unreachable",
        5: "Source address failed ingress/egress policy", 6: "Reject route to destination",
        7: "Error in Source Routing Header"},
    3: {0: "hop limit exceeded in transit", 1: "fragment reassembly time exceeded"},
    4: {0: "erroneous header field encountered", 1: "unrecognized Next Header type encountered",
        2: "unrecognized IPv6 option encountered",
        3: "IPv6 First Fragment has incomplete IPv6 Header Chain"},
    160: EXT_ECHO_REQ_CODES, 161: EXT_ECHO_RSP_CODES,
}
#: tshark 4.0's ND option names (its option_vals); the others are "Unknown (N)".
OPT_NAMES: Final = {
    1: "Source link-layer address", 2: "Target link-layer address", 3: "Prefix information",
    4: "Redirected header", 5: "MTU", 6: "NBMA Shortcut Limit Option",
    7: "Advertisement Interval", 8: "Home Agent Information", 9: "Source Address List",
    10: "Target Address List", 11: "CGA", 12: "RSA Signature", 13: "Timestamp", 14: "Nonce",
    15: "Trust Anchor", 16: "Certificate", 17: "IP Address/Prefix Option",
    18: "New Router Prefix Information", 19: "Link-layer Address",
    20: "Neighbor Advertisement Acknowledgment", 23: "MAP", 24: "Route Information",
    25: "Recursive DNS Server", 26: "RA Flags Extension", 27: "Handover Key Request",
    28: "Handover Key Reply", 29: "Handover Assist Information",
    30: "Mobile Node Identifier Option", 31: "DNS Search List Option",
    32: "Proxy Signature (PS)", 33: "Address Registration Option",
    34: "6LoWPAN Context Option", 35: "Authoritative Border Router",
    36: "6LoWPAN Capability Indication Option", 37: "DHCP Captive-Portal",
    38: "PREF64 Option", 138: "CARD Request", 139: "CARD Reply",
    253: "RFC3692-style Experiment 1", 254: "RFC3692-style Experiment 2"}
PRF_NAMES: Final = {0: "Medium", 1: "High", 2: "Reserved", 3: "Low"}
_SET: Final = ("Set", "Not set")

#: The types whose body quotes an IPv6 header: the errors, and Redirect (its Redirected
#: Header option); the cheap layering, the plan and the fast path read this.
QUOTING_TYPES: Final = frozenset((1, 2, 3, 4, 137))

#: Bodies of further types, filled in by icmpv6_more (Node Information, RPL):
#: (tvb, pkt, icmpv6 item, type, code).
BodyFn = Callable[[Tvb, Packet, Item, int, int], None]
BODIES: Final[dict[int, BodyFn]] = {}
#: ND option bodies filled in by icmpv6_opts (Route Information, DNS Search List, ...):
#: (tvb, pkt, option item, option start, size) -> the option item's text, "" to keep it.
OptBodyFn = Callable[[Tvb, Packet, Item, int, int], str]
OPT_BODIES: Final[dict[int, OptBodyFn]] = {}

ICMPV6: Final = protocol("icmpv6", "Internet Control Message Protocol v6", "ICMPv6")
TYPE: Final = ICMPV6.field("icmpv6.type", "Type", FT.UINT8, Base.DEC, strings=TYPE_NAMES, offset=0)
CODE: Final = ICMPV6.field("icmpv6.code", "Code", FT.UINT8, Base.DEC, offset=1)
CHECKSUM: Final = ICMPV6.field("icmpv6.checksum", "Checksum", FT.UINT16, Base.HEX, offset=2)
CHECKSUM_STATUS_F: Final = ICMPV6.field("icmpv6.checksum.status", "Checksum Status", FT.UINT8,
                                 Base.NONE, strings=CHECKSUM_STATUS)
CHECKSUM_BAD: Final = ICMPV6.field("icmpv6.checksum_bad.expert", "Bad checksum", FT.NONE)
RESERVED: Final = ICMPV6.field("icmpv6.reserved", "Reserved", FT.BYTES)
DATA: Final = ICMPV6.field("icmpv6.data", "Data", FT.BYTES)
MTU: Final = ICMPV6.field("icmpv6.mtu", "MTU", FT.UINT32, Base.DEC)
POINTER: Final = ICMPV6.field("icmpv6.pointer", "Pointer", FT.UINT32, Base.DEC)
ECHO_ID: Final = ICMPV6.field("icmpv6.echo.identifier", "Identifier", FT.UINT16, Base.HEX)
ECHO_SEQ: Final = ICMPV6.field("icmpv6.echo.sequence_number", "Sequence", FT.UINT16, Base.DEC)
EXT_SEQ: Final = ICMPV6.field("icmpv6.ext.echo.seq", "Sequence number", FT.UINT8, Base.DEC_HEX)
EXT_ECHO: Final = ext_echo_fields(ICMPV6)
RA_HOP: Final = ICMPV6.field("icmpv6.nd.ra.cur_hop_limit", "Cur hop limit", FT.UINT8, Base.DEC)
RA_FLAG: Final = ICMPV6.field("icmpv6.nd.ra.flag", "Flags", FT.UINT8, Base.HEX)
RA_FLAG_M: Final = ICMPV6.field("icmpv6.nd.ra.flag.m", "Managed address configuration", FT.BOOLEAN,
                         bitmask=0x80, strings=_SET)
RA_FLAG_O: Final = ICMPV6.field("icmpv6.nd.ra.flag.o", "Other configuration", FT.BOOLEAN,
                         bitmask=0x40, strings=_SET)
RA_FLAG_H: Final = ICMPV6.field("icmpv6.nd.ra.flag.h", "Home Agent", FT.BOOLEAN, bitmask=0x20,
                         strings=_SET)
RA_FLAG_PRF: Final = ICMPV6.field("icmpv6.nd.ra.flag.prf", "Prf (Default Router Preference)",
                           FT.UINT8, Base.DEC, bitmask=0x18, strings=PRF_NAMES)
RA_FLAG_P: Final = ICMPV6.field("icmpv6.nd.ra.flag.p", "Proxy", FT.BOOLEAN, bitmask=0x04,
                         strings=_SET)
RA_FLAG_RSV: Final = ICMPV6.field("icmpv6.nd.ra.flag.rsv", "Reserved", FT.UINT8, Base.DEC,
                           bitmask=0x03)
RA_LIFETIME: Final = ICMPV6.field("icmpv6.nd.ra.router_lifetime", "Router lifetime (s)", FT.UINT16,
                           Base.DEC)
RA_REACHABLE: Final = ICMPV6.field("icmpv6.nd.ra.reachable_time", "Reachable time (ms)", FT.UINT32,
                            Base.DEC)
RA_RETRANS: Final = ICMPV6.field("icmpv6.nd.ra.retrans_timer", "Retrans timer (ms)", FT.UINT32,
                          Base.DEC)
NS_TARGET: Final = ICMPV6.field("icmpv6.nd.ns.target_address", "Target Address", FT.IPv6)
NA_FLAG: Final = ICMPV6.field("icmpv6.nd.na.flag", "Flags", FT.UINT32, Base.HEX)
NA_FLAG_R: Final = ICMPV6.field("icmpv6.nd.na.flag.r", "Router", FT.BOOLEAN, bitmask=0x80000000,
                         strings=_SET)
NA_FLAG_S: Final = ICMPV6.field("icmpv6.nd.na.flag.s", "Solicited", FT.BOOLEAN, bitmask=0x40000000,
                         strings=_SET)
NA_FLAG_O: Final = ICMPV6.field("icmpv6.nd.na.flag.o", "Override", FT.BOOLEAN, bitmask=0x20000000,
                         strings=_SET)
NA_FLAG_RSV: Final = ICMPV6.field("icmpv6.nd.na.flag.rsv", "Reserved", FT.UINT32, Base.DEC,
                           bitmask=0x1FFFFFFF)
NA_TARGET: Final = ICMPV6.field("icmpv6.nd.na.target_address", "Target Address", FT.IPv6)
RD_TARGET: Final = ICMPV6.field("icmpv6.nd.rd.target_address", "Target Address", FT.IPv6)
RD_DST: Final = ICMPV6.field("icmpv6.rd.na.destination_address", "Destination Address", FT.IPv6)
OPT: Final = ICMPV6.field("icmpv6.opt", "ICMPv6 Option", FT.NONE)
OPT_TYPE: Final = ICMPV6.field("icmpv6.opt.type", "Type", FT.UINT8, Base.DEC, strings=OPT_NAMES)
OPT_NONCE: Final = ICMPV6.field("icmpv6.opt.nonce", "Nonce", FT.BYTES)
UNDECODED_OPTION: Final = ICMPV6.field("icmpv6.undecoded.option", "Undecoded option", FT.NONE)
OPT_LENGTH: Final = ICMPV6.field("icmpv6.opt.length", "Length", FT.UINT8, Base.DEC)
OPT_RESERVED: Final = ICMPV6.field("icmpv6.opt.reserved", "Reserved", FT.NONE)
OPT_LINKADDR: Final = ICMPV6.field("icmpv6.opt.linkaddr", "Link-layer address", FT.BYTES,
                            bytes_sep=":")
OPT_SRC_LINKADDR: Final = ICMPV6.field("icmpv6.opt.src_linkaddr", "Source Link-layer address",
                                FT.BYTES, bytes_sep=":")
OPT_TARGET_LINKADDR: Final = ICMPV6.field("icmpv6.opt.target_linkaddr", "Target Link-layer address",
                                   FT.BYTES, bytes_sep=":")
OPT_PREFIX_LEN: Final = ICMPV6.field("icmpv6.opt.prefix.length", "Prefix Length", FT.UINT8, Base.DEC)
OPT_PREFIX_FLAG: Final = ICMPV6.field("icmpv6.opt.prefix.flag", "Flag", FT.UINT8, Base.HEX)
OPT_PREFIX_FLAG_L: Final = ICMPV6.field("icmpv6.opt.prefix.flag.l", "On-link flag(L)", FT.BOOLEAN,
                                 bitmask=0x80, strings=_SET)
OPT_PREFIX_FLAG_A: Final = ICMPV6.field("icmpv6.opt.prefix.flag.a",
                                 "Autonomous address-configuration flag(A)", FT.BOOLEAN,
                                 bitmask=0x40, strings=_SET)
OPT_PREFIX_FLAG_R: Final = ICMPV6.field("icmpv6.opt.prefix.flag.r", "Router address flag(R)",
                                 FT.BOOLEAN, bitmask=0x20, strings=_SET)
OPT_PREFIX_FLAG_RSV: Final = ICMPV6.field("icmpv6.opt.prefix.flag.reserved", "Reserved", FT.UINT8,
                                   Base.DEC, bitmask=0x1F)
OPT_PREFIX_VALID: Final = ICMPV6.field("icmpv6.opt.prefix.valid_lifetime", "Valid Lifetime",
                                FT.UINT32, Base.DEC)
OPT_PREFIX_PREFERRED: Final = ICMPV6.field("icmpv6.opt.prefix.preferred_lifetime",
                                    "Preferred Lifetime", FT.UINT32, Base.DEC)
OPT_PREFIX: Final = ICMPV6.field("icmpv6.opt.prefix", "Prefix", FT.IPv6)
OPT_MTU: Final = ICMPV6.field("icmpv6.opt.mtu", "MTU", FT.UINT32, Base.DEC)
OPT_RDNSS_LIFETIME: Final = ICMPV6.field("icmpv6.opt.rdnss.lifetime", "Lifetime", FT.UINT32, Base.DEC)
OPT_RDNSS: Final = ICMPV6.field("icmpv6.opt.rdnss", "Recursive DNS Servers", FT.IPv6)
MLD_DELAY: Final = ICMPV6.field("icmpv6.mld.maximum_response_delay", "Maximum Response Delay [ms]",
                         FT.UINT16, Base.DEC)
MLD_ADDR: Final = ICMPV6.field("icmpv6.mld.multicast_address", "Multicast Address", FT.IPv6)
MLD_CODE: Final = ICMPV6.field("icmpv6.mld.maximum_response_code", "Maximum Response Code", FT.UINT16,
                        Base.DEC)
MLD_FLAG: Final = ICMPV6.field("icmpv6.mld.flag", "Flags", FT.UINT8, Base.HEX)
MLD_FLAG_S: Final = ICMPV6.field("icmpv6.mld.flag.s", "Suppress Router-Side Processing", FT.BOOLEAN,
                          bitmask=0x08)
MLD_FLAG_QRV: Final = ICMPV6.field("icmpv6.mld.flag.qrv", "QRV (Querier's Robustness Variable)",
                            FT.UINT8, Base.DEC, bitmask=0x07)
MLD_FLAG_RSV: Final = ICMPV6.field("icmpv6.mld.flag.reserved", "Reserved", FT.UINT8, Base.DEC,
                            bitmask=0xF0)
MLD_QQI: Final = ICMPV6.field("icmpv6.mld.qqi", "QQIC (Querier's Query Interval Code)", FT.UINT8,
                       Base.DEC)
MLD_NB_SOURCES: Final = ICMPV6.field("icmpv6.mld.nb_sources", "Number of Sources", FT.UINT16, Base.DEC)
MLD_SOURCE: Final = ICMPV6.field("icmpv6.mld.source_address", "Source Address", FT.IPv6)
MLDR_NB: Final = ICMPV6.field("icmpv6.mldr.nb_mcast_records", "Number of Multicast Address Records",
                       FT.UINT16, Base.DEC)
MLDR_MAR: Final = ICMPV6.field("icmpv6.mldr.mar", "Multicast Address Record", FT.NONE)
MLDR_TYPE: Final = ICMPV6.field("icmpv6.mldr.mar.record_type", "Record Type", FT.UINT8, Base.DEC,
                         strings={1: "Include", 2: "Exclude", 3: "Changed to include",
                                  4: "Changed to exclude", 5: "Allow new sources",
                                  6: "Block old sources"})
MLDR_AUX: Final = ICMPV6.field("icmpv6.mldr.mar.aux_data_len", "Aux Data Len", FT.UINT8, Base.DEC)
MLDR_NSRC: Final = ICMPV6.field("icmpv6.mldr.mar.nb_sources", "Number of Sources", FT.UINT16, Base.DEC)
MLDR_ADDR: Final = ICMPV6.field("icmpv6.mldr.mar.multicast_address", "Multicast Address", FT.IPv6)
MLDR_SRC: Final = ICMPV6.field("icmpv6.mldr.mar.source_address", "Source Address", FT.IPv6)
RESP_IN: Final = ICMPV6.field("icmpv6.resp_in", "Response In", FT.FRAMENUM)
NO_RESP: Final = ICMPV6.field("icmpv6.no_resp", "No response seen", FT.NONE)
RESP_TO: Final = ICMPV6.field("icmpv6.resp_to", "Response To", FT.FRAMENUM)
RESPTIME: Final = ICMPV6.field("icmpv6.resptime", "Response Time", FT.DOUBLE)
RESP_NOT_FOUND: Final = ICMPV6.field("icmpv6.resp_not_found", "Response not found", FT.NONE)

MLDR_TYPES: Final = {1: "Include", 2: "Exclude", 3: "Changed to include", 4: "Changed to exclude",
              5: "Allow new sources", 6: "Block old sources"}


def _flag_names(v: int, names: tuple[tuple[int, str], ...]) -> str:
    return ", ".join(n for bit, n in names if v & bit)




def _cut_before_code(tvb: Tvb, pkt: Packet) -> None:
    """A header cut before its code byte: packet-icmpv6.c's protocol item (empty when no
    byte was captured) and the type with its name in Info, then its read of the code
    throws."""
    off = tvb.start
    pkt.proto_col = "ICMPv6"
    pkt.clear_info()
    top = pkt.add_proto(ICMPV6, off, tvb.end - off, ICMPV6.name)
    if off < tvb.end:
        itype = tvb.buf[off]
        pkt.set_info(TYPE_NAMES.get(itype, f"Unknown ({itype})"))
        pkt.add(top, TYPE, itype, off, 1)
    tvb.need(off, 2)


def dissect_icmpv6(tvb: Tvb, pkt: Packet, session: Session) -> None:
    session.current_proto = "icmpv6"
    off = tvb.start
    b = tvb.buf
    in_error = pkt.in_error_pkt
    if off + 2 > tvb.end:
        _cut_before_code(tvb, pkt)
    itype, code = b[off], b[off + 1]
    type_str = TYPE_NAMES.get(itype, f"Unknown ({itype})")
    codes = CODE_NAMES.get(itype)
    code_str = codes.get(code, "Unknown") if codes else ""
    pkt.proto_col = "ICMPv6"
    pkt.set_info(type_str)
    if code_str:
        pkt.append_info(f" ({code_str})")
    top = pkt.add_proto(ICMPV6, off, tvb.length, ICMPV6.name)
    pkt.add(top, TYPE, itype, off, 1)
    pkt.add(top, CODE, code, off + 1, 1, f"Code: {code} ({code_str})" if code_str else None)
    csum = tvb.u16(off + 2)
    message, pseudo_sum = None, 0
    if tvb.end >= tvb.rend and not in_error and len(pkt.net_src) == 16:
        length = tvb.reported_length
        pseudo = pkt.net_src + pkt.net_dst + length.to_bytes(4, "big") + b"\x00\x00\x00\x3a"
        message, pseudo_sum = bytes(b[off: tvb.end]), ones_sum(pseudo)
    add_checksum(pkt, top, (CHECKSUM, CHECKSUM_STATUS_F, CHECKSUM_BAD), off + 2, csum, message,
                 pseudo_sum, in_error, "warning", "icmpv6")
    body = off + 4
    if itype in (128, 129):
        ident = tvb.u16(body)
        pkt.add(top, ECHO_ID, ident, body, 2)  # (before the read of a cut sequence throws)
        seq = tvb.u16(body + 2)
        pkt.add(top, ECHO_SEQ, seq, body + 2, 2)
        pkt.append_info(f" id=0x{ident:04x}, seq={seq}")
        hlim = ipv6_hlim(pkt)
        if hlim is not None:
            pkt.append_info(f", hop limit={hlim}")
        if not in_error:
            _track(tvb, pkt, session, top, itype, ident, seq)
        if tvb.end > body + 4:  # (no data item when none of it was captured)
            nest_data(pkt, top, BY_NAME["data"], tvb.sub(body + 4), session)
    elif itype in (160, 161):
        pkt.add(top, ECHO_ID, tvb.u16(body), body, 2)
        pkt.add(top, EXT_SEQ, tvb.u8(body + 2), body + 2, 1)
        ext_echo_flags(tvb, pkt, top, body + 3, itype == 160, EXT_ECHO)
        if itype == 160 and tvb.rend > body + 4:
            pkt.protocols.append("icmp")  # (ICMP's extension dissector, called by handle)
            dissect_extensions(tvb, pkt, top, body + 4)
    elif itype in (1, 2, 3, 4):
        if itype == 2:
            pkt.add(top, MTU, tvb.u32(body), body, 4)
        elif itype == 4:
            pkt.add(top, POINTER, tvb.u32(body), body, 4)
        else:
            pkt.add(top, RESERVED, tvb.bytes(body, 4), body, 4)
        if tvb.rend > body + 4:
            # Only something that looks like IPv6 is dissected as the quoted packet.
            is_v6 = tvb.end > body + 4 and tvb.buf[body + 4] >> 4 == 6
            quoted = BY_NAME["ipv6"] if is_v6 else BY_NAME["data"]
            dissect_quoted(quoted, tvb.sub(body + 4), pkt, session, top, nest_data=not is_v6)
    elif itype == 130 and tvb.reported_length >= 28:
        _mldv2_query(tvb, pkt, top, body)
    elif itype in (130, 131, 132):
        pkt.add(top, MLD_DELAY, tvb.u16(body), body, 2)
        pkt.add(top, RESERVED, tvb.bytes(body + 2, 2), body + 2, 2)
        pkt.add(top, MLD_ADDR, tvb.bytes(body + 4, 16), body + 4, 16)
    elif itype == 143:
        _mldv2_report(tvb, pkt, top, body)
    elif itype == 133:
        pkt.add(top, RESERVED, tvb.bytes(body, 4), body, 4)
        _options(tvb, pkt, top, body + 4)
    elif itype == 134:
        _router_advertisement(tvb, pkt, top, body)
    elif itype == 135:
        pkt.add(top, RESERVED, tvb.bytes(body, 4), body, 4)
        target = tvb.bytes(body + 4, 16)
        pkt.add(top, NS_TARGET, target, body + 4, 16)
        pkt.append_info(f" for {ipv6_str(target)}")
        _options(tvb, pkt, top, body + 20)
    elif itype == 136:
        flags = tvb.u32(body)
        names = _flag_names(flags, ((0x80000000, "Router"), (0x40000000, "Solicited"),
                                    (0x20000000, "Override")))
        fi = pkt.add(top, NA_FLAG, flags, body, 4,
                     f"Flags: 0x{flags:08x}" + (f", {names}" if names else ""))
        pkt.add(fi, NA_FLAG_R, bool(flags & 0x80000000), body, 4)
        pkt.add(fi, NA_FLAG_S, bool(flags & 0x40000000), body, 4)
        pkt.add(fi, NA_FLAG_O, bool(flags & 0x20000000), body, 4)
        pkt.add(fi, NA_FLAG_RSV, flags & 0x1FFFFFFF, body, 4)
        target = tvb.bytes(body + 4, 16)
        pkt.add(top, NA_TARGET, target, body + 4, 16)
        short = [n for bit, n in ((0x80000000, "rtr"), (0x40000000, "sol"),
                                  (0x20000000, "ovr")) if flags & bit]
        pkt.append_info(f" {ipv6_str(target)}" + (f" ({', '.join(short)})" if short else ""))
        _options(tvb, pkt, top, body + 20)
    elif itype == 137:
        pkt.add(top, RESERVED, tvb.bytes(body, 4), body, 4)
        pkt.add(top, RD_TARGET, tvb.bytes(body + 4, 16), body + 4, 16)
        pkt.add(top, RD_DST, tvb.bytes(body + 20, 16), body + 20, 16)
        _options(tvb, pkt, top, body + 36)
    elif itype in BODIES:
        BODIES[itype](tvb, pkt, top, itype, code)
    else:
        pkt.add_expert(top, "note", "undecoded",
                       f"Dissector for ICMPv6 Type ({itype}) code not implemented, Contact "
                       "Wireshark developers if you want this supported", "icmpv6")


def _router_advertisement(tvb: Tvb, pkt: Packet, top: Item, body: int) -> None:
    pkt.add(top, RA_HOP, tvb.u8(body), body, 1)
    flags = tvb.u8(body + 1)
    prf = (flags >> 3) & 3
    names = [n for bit, n in ((0x80, "Managed address configuration"),
                              (0x40, "Other configuration"), (0x20, "Home Agent"))
             if flags & bit]
    names.append(f"Prf (Default Router Preference): {PRF_NAMES[prf]}")
    if flags & 0x04:
        names.append("Proxy")
    fi = pkt.add(top, RA_FLAG, flags, body + 1, 1, f"Flags: 0x{flags:02x}, {', '.join(names)}")
    pkt.add(fi, RA_FLAG_M, bool(flags & 0x80), body + 1, 1)
    pkt.add(fi, RA_FLAG_O, bool(flags & 0x40), body + 1, 1)
    pkt.add(fi, RA_FLAG_H, bool(flags & 0x20), body + 1, 1)
    pkt.add(fi, RA_FLAG_PRF, prf, body + 1, 1)
    pkt.add(fi, RA_FLAG_P, bool(flags & 0x04), body + 1, 1)
    pkt.add(fi, RA_FLAG_RSV, flags & 3, body + 1, 1)
    pkt.add(top, RA_LIFETIME, tvb.u16(body + 2), body + 2, 2)
    pkt.add(top, RA_REACHABLE, tvb.u32(body + 4), body + 4, 4)
    pkt.add(top, RA_RETRANS, tvb.u32(body + 8), body + 8, 4)
    _options(tvb, pkt, top, body + 12)


def _mldv2_query(tvb: Tvb, pkt: Packet, top: Item, body: int) -> None:
    """An MLDv2 query (RFC 3810 5.1): a v1 query grown by flags, QQIC and sources."""
    pkt.add(top, MLD_CODE, tvb.u16(body), body, 2)
    pkt.add(top, RESERVED, tvb.bytes(body + 2, 2), body + 2, 2)
    pkt.add(top, MLD_ADDR, tvb.bytes(body + 4, 16), body + 4, 16)
    flags = tvb.u8(body + 20)
    fi = pkt.add(top, MLD_FLAG, flags, body + 20, 1)
    pkt.add(fi, MLD_FLAG_S, bool(flags & 0x08), body + 20, 1)
    pkt.add(fi, MLD_FLAG_QRV, flags & 0x07, body + 20, 1)
    pkt.add(fi, MLD_FLAG_RSV, flags >> 4, body + 20, 1)
    pkt.add(top, MLD_QQI, tvb.u8(body + 21), body + 21, 1)
    count = tvb.u16(body + 22)
    pkt.add(top, MLD_NB_SOURCES, count, body + 22, 2)
    for i in range(count):
        a = body + 24 + 16 * i
        pkt.add(top, MLD_SOURCE, tvb.bytes(a, 16), a, 16)


def _mldv2_report(tvb: Tvb, pkt: Packet, top: Item, body: int) -> None:
    pkt.add(top, RESERVED, tvb.bytes(body, 2), body, 2)
    count = tvb.u16(body + 2)
    pkt.add(top, MLDR_NB, count, body + 2, 2)
    pos = body + 4
    for _ in range(count):
        rtype, aux, nsrc = tvb.u8(pos), tvb.u8(pos + 1), tvb.u16(pos + 2)
        maddr = tvb.bytes(pos + 4, 16)
        size = 20 + 16 * nsrc + 4 * aux
        rec = pkt.add(top, MLDR_MAR, None, pos, size,
                      f"Multicast Address Record {MLDR_TYPES.get(rtype, 'Unknown')}: "
                      f"{ipv6_str(maddr)}")
        pkt.add(rec, MLDR_TYPE, rtype, pos, 1)
        pkt.add(rec, MLDR_AUX, aux, pos + 1, 1)
        pkt.add(rec, MLDR_NSRC, nsrc, pos + 2, 2)
        pkt.add(rec, MLDR_ADDR, maddr, pos + 4, 16)
        for i in range(nsrc):
            pkt.add(rec, MLDR_SRC, tvb.bytes(pos + 20 + 16 * i, 16), pos + 20 + 16 * i, 16)
        pos += size


def _options(tvb: Tvb, pkt: Packet, top: Item, pos: int) -> None:
    """ND options: type, length in 8-byte units, value."""
    b = tvb.buf
    end = tvb.rend
    while pos < end:
        tvb.need(pos, 2)
        otype, olen = b[pos], b[pos + 1]
        size = olen * 8
        name = OPT_NAMES.get(otype) or f"Unknown {otype}"
        opt = pkt.add(top, OPT, None, pos, max(size, 2), f"ICMPv6 Option ({name})")
        pkt.add(opt, OPT_TYPE, otype, pos, 1, None if otype in OPT_NAMES else f"Type: Unknown ({otype})")
        pkt.add(opt, OPT_LENGTH, olen, pos + 1, 1, f"Length: {olen} ({size} bytes)")
        if olen == 0:
            break
        tvb.need(pos, size)
        v = pos + 2
        if otype in (1, 2):
            addr = bytes(b[v: pos + size])
            if size == 8:
                addr = addr[:6]
            text = ether_str(addr)
            pkt.add(opt, OPT_LINKADDR, addr, v, len(addr), f"Link-layer address: {text}")
            pkt.add(opt, OPT_SRC_LINKADDR if otype == 1 else OPT_TARGET_LINKADDR, addr, v,
                    len(addr), hidden=True)
            opt.text = f"ICMPv6 Option ({name} : {text})"
            pkt.append_info(f" from {text}" if otype == 1 else f" is at {text}")
        elif otype == 3 and size >= 32:
            plen, flags = b[v], b[v + 1]
            prefix = bytes(b[v + 14: v + 30])
            pkt.add(opt, OPT_PREFIX_LEN, plen, v, 1)
            names = _flag_names(flags, ((0x80, "On-link flag(L)"),
                                        (0x40, "Autonomous address-configuration flag(A)"),
                                        (0x20, "Router address flag(R)")))
            fi = pkt.add(opt, OPT_PREFIX_FLAG, flags, v + 1, 1,
                         f"Flag: 0x{flags:02x}" + (f", {names}" if names else ""))
            pkt.add(fi, OPT_PREFIX_FLAG_L, bool(flags & 0x80), v + 1, 1)
            pkt.add(fi, OPT_PREFIX_FLAG_A, bool(flags & 0x40), v + 1, 1)
            pkt.add(fi, OPT_PREFIX_FLAG_R, bool(flags & 0x20), v + 1, 1)
            pkt.add(fi, OPT_PREFIX_FLAG_RSV, flags & 0x1F, v + 1, 1)
            for f, o in ((OPT_PREFIX_VALID, 2), (OPT_PREFIX_PREFERRED, 6)):
                val = int.from_bytes(b[v + o: v + o + 4], "big")
                label = "Infinity" if val == 0xFFFFFFFF else str(val)
                pkt.add(opt, f, val, v + o, 4, f"{f.name}: {label} ({val})"
                        if val == 0xFFFFFFFF else None)
            pkt.add(opt, OPT_RESERVED, None, v + 10, 4, "Reserved")
            pkt.add(opt, OPT_PREFIX, prefix, v + 14, 16)
            opt.text = f"ICMPv6 Option ({name} : {ipv6_str(prefix)}/{plen})"
        elif otype == 5 and size >= 8:
            mtu = int.from_bytes(b[v + 2: v + 6], "big")
            pkt.add(opt, OPT_RESERVED, None, v, 2, "Reserved")
            pkt.add(opt, OPT_MTU, mtu, v + 2, 4)
            opt.text = f"ICMPv6 Option ({name} : {mtu})"
        elif otype in OPT_BODIES:
            text = OPT_BODIES[otype](tvb, pkt, opt, pos, size)
            if text:
                opt.text = f"ICMPv6 Option ({text})"
        elif otype == 14:  # RFC 3971's Nonce: the bytes after type and length
            pkt.add(opt, OPT_NONCE, bytes(b[v: pos + size]), v, size - 2)
        elif otype not in OPT_NAMES:  # tshark: a note and the option's bytes as Data
            pkt.add_expert(opt, "note", "undecoded",
                           f"Dissector for ICMPv6 Option ({otype}) code not implemented, "
                           "Contact Wireshark developers if you want this supported", "icmpv6",
                           field=UNDECODED_OPTION)
            pkt.add(opt, DATA, bytes(b[v: pos + size]), v, size - 2)
        elif otype == 25 and size >= 24:
            pkt.add(opt, OPT_RESERVED, None, v, 2, "Reserved")
            life = int.from_bytes(b[v + 2: v + 6], "big")
            pkt.add(opt, OPT_RDNSS_LIFETIME, life, v + 2, 4,
                    "Lifetime: Infinity (4294967295)" if life == 0xFFFFFFFF else
                    "Lifetime: RDNSS address MUST no longer be used (0)" if life == 0 else None)
            servers = [bytes(b[a: a + 16]) for a in range(v + 6, pos + size - 15, 16)]
            for i, a in enumerate(servers):
                pkt.add(opt, OPT_RDNSS, a, v + 6 + 16 * i, 16)
            opt.text = f"ICMPv6 Option ({name} {' '.join(ipv6_str(a) for a in servers)})"
        pos += size


def _track(tvb: Tvb, pkt: Packet, session: Session, top: Item, itype: int, ident: int,
           seq: int) -> None:
    """Echo request/reply pairing (Wireshark's ICMPv6 transaction tracking)."""
    payload = bytes(tvb.buf[tvb.start + 8: tvb.end])
    dst = header_dst(pkt)  # (tshark pairs by the header's addresses, not a routed one)
    fwd = pkt.net_src + dst if itype == 128 else dst + pkt.net_src
    key = echo_key(fwd, ident, seq, payload)
    tracker = session.state("icmpv6.echo", EchoTracker)
    pairs: dict[int, int] = session.state("pass1:icmpv6.pairs", dict)
    num = pkt.frame.number
    if itype == 128:
        remember(tracker.requests, key, echo_when(num, pkt.frame.ts_ns))
        if session.pass_no == 2:
            reply = pairs.get(num)
            if reply is not None:
                pkt.add(top, RESP_IN, reply, 0, 0, f"Response In: {reply}", generated=True)
                pkt.append_info(f" (reply in {reply})")
            else:
                pkt.add(top, NO_RESP, None, 0, 0, "No response seen", generated=True)
                pkt.add_expert(top, "warning", "sequence",
                               f"No response seen to ICMPv6 request in frame {num}", "icmpv6",
                               field=RESP_NOT_FOUND)
                pkt.append_info(" (no response found!)")
        return
    req = tracker.reply_to(key, num)
    if req is None:
        return
    req_num, req_ts = echo_frame(req), echo_ts(req)
    if session.recording:
        pairs[req_num] = num
    pkt.add(top, RESP_TO, req_num, 0, 0, f"Response To: {req_num}", generated=True)
    ms = (pkt.frame.ts_ns - req_ts) / 1_000_000
    pkt.add(top, RESPTIME, ms, 0, 0, f"Response Time: {ms:.3f} ms", generated=True)
    pkt.append_info(f" (request in {req_num})")


IP_PROTO.register(58, dissect_icmpv6, "icmpv6")
register_dissector("icmpv6", dissect_icmpv6)
register_learner_layer("icmpv6", "ICMPv6", "network")
