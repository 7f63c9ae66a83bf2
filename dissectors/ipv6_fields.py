"""IPv6's fields and names: the fixed header's, the address details', and the hop-by-hop,
routing, fragment and destination options headers' (dissectors/ipv6.py reads them).
"""

from __future__ import annotations

from typing import Final

from dissectors.ip_fields import _DSCP, _ECN, IP_PROTO_NAMES
from dissectors.ip_fields import VERSION as IP_VERSION_IN_IP
from dissectors.reassembly import FragmentFields, mark_fields
from dissectors.registry import FT, Base, protocol

NXT_NAMES: Final = dict(IP_PROTO_NAMES)
NXT_NAMES.update({0: "IPv6 Hop-by-Hop Option", 43: "Routing Header for IPv6",
                  44: "Fragment Header for IPv6", 60: "Destination Options for IPv6",
                  59: "No Next Header for IPv6", 58: "ICMPv6", 41: "IPv6"})
OPT_NAMES: Final = {0x00: "Pad1", 0x01: "PadN", 0xC2: "Jumbo Payload", 0x05: "Router Alert",
             0x04: "Tunnel Encapsulation Limit", 0xC9: "Home Address Option",
             0x63: "RPL Option", 0x26: "Quick-Start", 0x8B: "ILNP Nonce"}
ACTIONS: Final = {0: "Skip and continue", 1: "Discard", 2: "Discard and send ICMP Parameter Problem",
           3: "Discard and send ICMP if not multicast"}
ROUTING_TYPES: Final = {0: "Source Route", 1: "Nimrod", 2: "Type 2 Routing", 3: "RPL Source Route",
                 4: "Segment Routing", 5: "Compact Routing Header 16",
                 6: "Compact Routing Header 32"}
RA_VALUES: Final = {0: "MLD", 1: "RSVP", 2: "Active Networks"}

IPV6: Final = protocol("ipv6", "Internet Protocol Version 6", "IPv6")
VERSION: Final = IPV6.field("ipv6.version", "Version", FT.UINT8, Base.DEC)
# Wireshark's ipv6 registers ip.version too (a 4-bit field there: -T pdml shows its mask)
IP_VERSION: Final = IPV6.twin(IP_VERSION_IN_IP, bitmask=0xF0)
TCLASS: Final = IPV6.field("ipv6.tclass", "Traffic Class", FT.UINT32, Base.HEX, bitmask=0x0FF00000,
                    offset=0)
TCLASS_DSCP: Final = IPV6.field("ipv6.tclass.dscp", "Differentiated Services Codepoint", FT.UINT32,
                         Base.DEC, bitmask=0x0FC00000, strings=_DSCP, offset=0)
TCLASS_ECN: Final = IPV6.field("ipv6.tclass.ecn", "Explicit Congestion Notification", FT.UINT32,
                        Base.DEC, bitmask=0x00300000, strings=_ECN, offset=0)
FLOW: Final = IPV6.field("ipv6.flow", "Flow Label", FT.UINT24, Base.HEX, bitmask=0xFFFFF, offset=1,
                  width=3)
PLEN: Final = IPV6.field("ipv6.plen", "Payload Length", FT.UINT16, Base.DEC, offset=4)
NXT: Final = IPV6.field("ipv6.nxt", "Next Header", FT.UINT8, Base.DEC, strings=NXT_NAMES, offset=6)
HLIM: Final = IPV6.field("ipv6.hlim", "Hop Limit", FT.UINT8, Base.DEC, offset=7)
SRC: Final = IPV6.field("ipv6.src", "Source Address", FT.IPv6, offset=8, width=16)
DST: Final = IPV6.field("ipv6.dst", "Destination Address", FT.IPv6, offset=24, width=16)
ADDR: Final = IPV6.field("ipv6.addr", "Source or Destination Address", FT.IPv6)
SRC_HOST: Final = IPV6.field("ipv6.src_host", "Source Host", FT.STRING)
DST_HOST: Final = IPV6.field("ipv6.dst_host", "Destination Host", FT.STRING)
HOST: Final = IPV6.field("ipv6.host", "Source or Destination Host", FT.STRING)
SRC_SLAAC: Final = IPV6.field("ipv6.src_slaac_mac", "Source SLAAC MAC", FT.ETHER)
DST_SLAAC: Final = IPV6.field("ipv6.dst_slaac_mac", "Destination SLAAC MAC", FT.ETHER)
SLAAC: Final = IPV6.field("ipv6.slaac_mac", "SLAAC MAC", FT.ETHER)
SRC_ISATAP: Final = IPV6.field("ipv6.src_isatap_ipv4", "Source ISATAP IPv4", FT.IPv4)
DST_ISATAP: Final = IPV6.field("ipv6.dst_isatap_ipv4", "Destination ISATAP IPv4", FT.IPv4)
ISATAP: Final = IPV6.field("ipv6.isatap_ipv4", "ISATAP IPv4", FT.IPv4)
SRC_6TO4_GW: Final = IPV6.field("ipv6.src_6to4_gw_ipv4", "Source 6to4 Gateway IPv4", FT.IPv4)
DST_6TO4_GW: Final = IPV6.field("ipv6.dst_6to4_gw_ipv4", "Destination 6to4 Gateway IPv4", FT.IPv4)
GW_6TO4: Final = IPV6.field("ipv6.6to4_gw_ipv4", "6to4 Gateway IPv4", FT.IPv4)
SRC_6TO4_SLA: Final = IPV6.field("ipv6.src_6to4_sla_id", "Source 6to4 SLA ID", FT.UINT16, Base.DEC)
DST_6TO4_SLA: Final = IPV6.field("ipv6.dst_6to4_sla_id", "Destination 6to4 SLA ID", FT.UINT16,
                          Base.DEC)
SLA_6TO4: Final = IPV6.field("ipv6.6to4_sla_id", "6to4 SLA ID", FT.UINT16, Base.DEC)
SRC_TS: Final = IPV6.field("ipv6.src_ts_ipv4", "Source Teredo Server IPv4", FT.IPv4)
DST_TS: Final = IPV6.field("ipv6.dst_ts_ipv4", "Destination Teredo Server IPv4", FT.IPv4)
TS: Final = IPV6.field("ipv6.ts_ipv4", "Teredo Server IPv4", FT.IPv4)
SRC_TC_PORT: Final = IPV6.field("ipv6.src_tc_port", "Source Teredo Port", FT.UINT16, Base.DEC)
DST_TC_PORT: Final = IPV6.field("ipv6.dst_tc_port", "Destination Teredo Port", FT.UINT16, Base.DEC)
TC_PORT: Final = IPV6.field("ipv6.tc_port", "Teredo Port", FT.UINT16, Base.DEC)
SRC_TC: Final = IPV6.field("ipv6.src_tc_ipv4", "Source Teredo Client IPv4", FT.IPv4)
DST_TC: Final = IPV6.field("ipv6.dst_tc_ipv4", "Destination Teredo Client IPv4", FT.IPv4)
TC: Final = IPV6.field("ipv6.tc_ipv4", "Teredo Client IPv4", FT.IPv4)

OPT: Final = IPV6.field("ipv6.opt", "IPv6 Option", FT.NONE, blurb="Option")
OPT_HEADER_MISMATCH: Final = IPV6.field("ipv6.opt.header_mismatch",
                                 "Wrong options extension header for type", FT.NONE)
OPT_JUMBO_PROHIBITED: Final = IPV6.field(
    "ipv6.opt.jumbo.prohibited",
    "When IPv6 payload length does not equal 0 a Jumbo Payload option must not be present",
    FT.NONE)
OPT_TYPE: Final = IPV6.field("ipv6.opt.type", "Type", FT.UINT8, Base.HEX, strings=OPT_NAMES)
OPT_ACTION: Final = IPV6.field("ipv6.opt.type.action", "Action", FT.UINT8, Base.DEC, bitmask=0xC0,
                        strings=ACTIONS)
OPT_CHANGE: Final = IPV6.field("ipv6.opt.type.change", "May Change", FT.BOOLEAN, bitmask=0x20,
                        strings=("Yes", "No"))
OPT_REST: Final = IPV6.field("ipv6.opt.type.rest", "Low-Order Bits", FT.UINT8, Base.HEX,
                      bitmask=0x1F)
OPT_LENGTH: Final = IPV6.field("ipv6.opt.length", "Length", FT.UINT8, Base.DEC)
OPT_PAD1: Final = IPV6.field("ipv6.opt.pad1", "Pad1", FT.NONE)
OPT_PADN: Final = IPV6.field("ipv6.opt.padn", "PadN", FT.BYTES)
OPT_RA: Final = IPV6.field("ipv6.opt.router_alert", "Router Alert", FT.UINT16, Base.DEC,
                    strings=RA_VALUES)
OPT_TEL: Final = IPV6.field("ipv6.opt.tel", "Tunnel Encapsulation Limit", FT.UINT8, Base.DEC)
OPT_JUMBO: Final = IPV6.field("ipv6.opt.jumbo", "Payload Length", FT.UINT32, Base.DEC)
OPT_UNKNOWN: Final = IPV6.field("ipv6.opt.unknown", "Unknown Option Payload", FT.BYTES)
FRAGMENT: Final = IPV6.field("ipv6.fragment", "IPv6 Fragment", FT.FRAMENUM)
FRAGMENT_COUNT: Final = IPV6.field("ipv6.fragment.count", "Fragment count", FT.UINT32, Base.DEC)
FRAGMENTS: Final = IPV6.field("ipv6.fragments", "IPv6 Fragments", FT.NONE)
REASSEMBLED_IN: Final = IPV6.field("ipv6.reassembled.in", "Reassembled IPv6 in frame", FT.FRAMENUM)
REASSEMBLED_LENGTH: Final = IPV6.field("ipv6.reassembled.length", "Reassembled IPv6 length",
                                FT.UINT32, Base.DEC)
REASSEMBLED_DATA: Final = IPV6.field("ipv6.reassembled.data", "Reassembled IPv6 data", FT.BYTES)
INVALID_HEADER: Final = IPV6.field("ipv6.invalid_header",
                            "IPv6 header must be exactly 40 bytes", FT.NONE)
PLEN_EXCEEDS: Final = IPV6.field("ipv6.plen_exceeds_framing",
                          "IPv6 payload length does not match expected framing length",
                          FT.NONE)
PLEN_ZERO: Final = IPV6.field("ipv6.plen_zero", 'IPv6 payload length equals 0 (maybe because of '
                       '"TCP segmentation offload" (TSO))', FT.NONE)

HOPOPTS: Final = protocol("ipv6.hopopts", "IPv6 Hop-by-Hop Option", "IPv6 Hop-by-Hop")
HOPOPTS_NXT: Final = HOPOPTS.field("ipv6.hopopts.nxt", "Next Header", FT.UINT8, Base.DEC,
                            strings=NXT_NAMES)
HOPOPTS_LEN: Final = HOPOPTS.field("ipv6.hopopts.len", "Length", FT.UINT8, Base.DEC)
HOPOPTS_LEN_OCT: Final = HOPOPTS.field("ipv6.hopopts.len_oct", "Length", FT.UINT16, Base.DEC)
HOPOPTS_NOT_FIRST: Final = HOPOPTS.field(
    "ipv6.hopopts.not_first",
    "IPv6 Hop-by-Hop extension header must appear immediately after IPv6 header", FT.NONE)
DSTOPTS: Final = protocol("ipv6.dstopts", "Destination Options for IPv6", "IPv6 Destination")
DSTOPTS_NXT: Final = DSTOPTS.field("ipv6.dstopts.nxt", "Next Header", FT.UINT8, Base.DEC,
                            strings=NXT_NAMES)
DSTOPTS_LEN: Final = DSTOPTS.field("ipv6.dstopts.len", "Length", FT.UINT8, Base.DEC)
DSTOPTS_LEN_OCT: Final = DSTOPTS.field("ipv6.dstopts.len_oct", "Length", FT.UINT16, Base.DEC)
ROUTING: Final = protocol("ipv6.routing", "Routing Header for IPv6", "IPv6 Routing")
ROUTING_NXT: Final = ROUTING.field("ipv6.routing.nxt", "Next Header", FT.UINT8, Base.DEC,
                            strings=NXT_NAMES)
ROUTING_LEN: Final = ROUTING.field("ipv6.routing.len", "Length", FT.UINT8, Base.DEC)
ROUTING_LEN_OCT: Final = ROUTING.field("ipv6.routing.len_oct", "Length", FT.UINT16, Base.DEC)
ROUTING_TYPE: Final = ROUTING.field("ipv6.routing.type", "Type", FT.UINT8, Base.DEC,
                             strings=ROUTING_TYPES)
ROUTING_SEGLEFT: Final = ROUTING.field("ipv6.routing.segleft", "Segments Left", FT.UINT8, Base.DEC)
ROUTING_UNKNOWN: Final = ROUTING.field("ipv6.routing.unknown_data", "Type-Specific Data", FT.BYTES)
ROUTING_SRC_RESERVED: Final = ROUTING.field("ipv6.routing.src.reserved", "Reserved", FT.BYTES)
ROUTING_SRC_ADDR: Final = ROUTING.field("ipv6.routing.src.addr", "Address", FT.IPv6)
ROUTING_MIPV6_RESERVED: Final = ROUTING.field("ipv6.routing.mipv6.reserved", "Reserved", FT.BYTES)
ROUTING_MIPV6_HOME: Final = ROUTING.field("ipv6.routing.mipv6.home_address", "Home Address", FT.IPv6)
ROUTING_INVALID_SEGLEFT: Final = ROUTING.field(
    "ipv6.routing.invalid_segleft",
    "IPv6 Routing Header segments left field must not exceed address count", FT.NONE)
ROUTING_DEPRECATED: Final = ROUTING.field("ipv6.routing.deprecated", "Routing header type is deprecated",
                                   FT.NONE)
FRAGHDR: Final = protocol("ipv6.fraghdr", "Fragment Header for IPv6", "IPv6 Fragment")
for _ext in (HOPOPTS, DSTOPTS, ROUTING, FRAGHDR):
    _ext.valueless = True
FRAG_NXT: Final = FRAGHDR.field("ipv6.fraghdr.nxt", "Next header", FT.UINT8, Base.DEC,
                         strings=NXT_NAMES)
FRAG_RESERVED_OCTET: Final = FRAGHDR.field("ipv6.fraghdr.reserved_octet", "Reserved octet", FT.UINT8,
                                    Base.HEX)
FRAG_OFFSET: Final = FRAGHDR.field("ipv6.fraghdr.offset", "Offset", FT.UINT16, Base.DEC,
                            bitmask=0xFFF8)
FRAG_RESERVED_BITS: Final = FRAGHDR.field("ipv6.fraghdr.reserved_bits", "Reserved bits", FT.UINT16,
                                   Base.DEC, bitmask=0x0006)
FRAG_MORE: Final = FRAGHDR.field("ipv6.fraghdr.more", "More Fragments", FT.BOOLEAN, bitmask=0x0001,
                          strings=("Yes", "No"))
FRAG_IDENT: Final = FRAGHDR.field("ipv6.fraghdr.ident", "Identification", FT.UINT32, Base.HEX)

EXT_HEADERS: Final = (0, 43, 44, 60)
_FRAGMENT_FIELDS: Final = FragmentFields("IPv6", FRAGMENTS, FRAGMENT, FRAGMENT_COUNT, REASSEMBLED_IN,
                                  REASSEMBLED_LENGTH, REASSEMBLED_DATA,
                                  *mark_fields(IPV6, "ipv6"))
