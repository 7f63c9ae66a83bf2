"""IPv4's fields and names: the header's, its options', fragment reassembly's and the
notes' (dissectors/ip.py reads them; other protocols share the name tables).
"""

from __future__ import annotations

from typing import Final

from dissectors.reassembly import FragmentFields, mark_fields
from dissectors.registry import FT, Base, protocol

IP_PROTO_NAMES: Final = {
    0: "IPv6 Hop-by-Hop Option", 1: "ICMP", 2: "IGMP", 4: "IPIP", 6: "TCP", 17: "UDP",
    41: "IPv6", 43: "IPv6 Routing", 44: "IPv6 Fragment", 46: "Reservation Protocol",
    47: "Generic Routing Encapsulation", 50: "ESP", 51: "AH",
    58: "ICMPv6", 59: "IPv6 No Next Header", 60: "IPv6 Destination Options", 89: "OSPF IGP",
    103: "PIM", 112: "VRRP", 132: "SCTP", 136: "UDPLite",
}

# The codepoint line names them in full ("Class Selector 7", "Unknown (4)": tshark's
# dscp_vals); the summary line keeps the short names.
_DSCP: Final = {c: "Unknown" for c in range(64)} | {
    0: "Default", 1: "Lower Effort", 44: "Voice Admit", 46: "Expedited Forwarding",
    **{8 * n: f"Class Selector {n}" for n in range(1, 8)},
    **{8 * n + 2 * d: f"Assured Forwarding {n}{d}" for n in range(1, 5) for d in range(1, 4)},
}
_DSCP_SHORT: Final = {0: "CS0", 1: "LE", 8: "CS1", 10: "AF11", 12: "AF12", 14: "AF13", 16: "CS2",
               18: "AF21", 20: "AF22", 22: "AF23", 24: "CS3", 26: "AF31", 28: "AF32",
               30: "AF33", 32: "CS4", 34: "AF41", 36: "AF42", 38: "AF43", 40: "CS5",
               44: "VOICE-ADMIT", 46: "EF PHB", 48: "CS6", 56: "CS7"}
_ECN: Final = {0: "Not ECN-Capable Transport", 1: "ECN-Capable Transport codepoint '01'",
        2: "ECN-Capable Transport codepoint '10'", 3: "Congestion Experienced"}
_ECN_SHORT: Final = {0: "Not-ECT", 1: "ECT(1)", 2: "ECT(0)", 3: "CE"}
CHECKSUM_STATUS: Final = {0: "Bad", 1: "Good", 2: "Unverified", 3: "Not present", 4: "Illegal"}
_SET: Final = ("Set", "Not set")
OPTION_NAMES: Final = {0: "End of Options List (EOL)", 1: "No-Operation (NOP)", 7: "Record Route",
                68: "Time Stamp", 130: "Security", 131: "Loose Source Route",
                137: "Strict Source Route", 136: "Stream ID", 148: "Router Alert",
                25: "Quick-Start", 133: "Extended Security", 134: "Commercial IP Security Option"}

IP: Final = protocol("ip", "Internet Protocol Version 4", "IPv4")
# Wireshark declares these two without a bitmask (it shifts them itself); so do we.
VERSION: Final = IP.field("ip.version", "Version", FT.UINT8, Base.DEC)
HDR_LEN: Final = IP.field("ip.hdr_len", "Header Length", FT.UINT8, Base.DEC)
DSFIELD: Final = IP.field("ip.dsfield", "Differentiated Services Field", FT.UINT8, Base.HEX, offset=1)
DSCP: Final = IP.field("ip.dsfield.dscp", "Differentiated Services Codepoint", FT.UINT8, Base.DEC,
                bitmask=0xFC, strings=_DSCP, offset=1)
ECN: Final = IP.field("ip.dsfield.ecn", "Explicit Congestion Notification", FT.UINT8, Base.DEC,
               bitmask=0x03, strings=_ECN, offset=1)
LEN: Final = IP.field("ip.len", "Total Length", FT.UINT16, Base.DEC, offset=2)
ID: Final = IP.field("ip.id", "Identification", FT.UINT16, Base.HEX_DEC, offset=4)
FLAGS: Final = IP.field("ip.flags", "Flags", FT.UINT8, Base.HEX, bitmask=0xE0, offset=6, width=1)
FLAGS_RB: Final = IP.field("ip.flags.rb", "Reserved bit", FT.BOOLEAN, bitmask=0x80, strings=_SET,
                    offset=6, width=1)
FLAGS_DF: Final = IP.field("ip.flags.df", "Don't fragment", FT.BOOLEAN, bitmask=0x40, strings=_SET,
                    offset=6, width=1)
FLAGS_MF: Final = IP.field("ip.flags.mf", "More fragments", FT.BOOLEAN, bitmask=0x20, strings=_SET,
                    offset=6, width=1)
FRAG_OFFSET: Final = IP.field("ip.frag_offset", "Fragment Offset", FT.UINT16, Base.DEC,
                       bitmask=0x1FFF, offset=6)
TTL: Final = IP.field("ip.ttl", "Time to Live", FT.UINT8, Base.DEC, offset=8)
PROTO: Final = IP.field("ip.proto", "Protocol", FT.UINT8, Base.DEC, strings=IP_PROTO_NAMES, offset=9)
CHECKSUM: Final = IP.field("ip.checksum", "Header Checksum", FT.UINT16, Base.HEX, offset=10)
CHECKSUM_CALC: Final = IP.field("ip.checksum_calculated", "Calculated Checksum", FT.UINT16, Base.HEX)
CHECKSUM_STATUS_F: Final = IP.field("ip.checksum.status", "Header checksum status", FT.UINT8,
                             Base.NONE, strings=CHECKSUM_STATUS)
SRC: Final = IP.field("ip.src", "Source Address", FT.IPv4, offset=12, width=4)
DST: Final = IP.field("ip.dst", "Destination Address", FT.IPv4, offset=16, width=4)
ADDR: Final = IP.field("ip.addr", "Source or Destination Address", FT.IPv4)
SRC_HOST: Final = IP.field("ip.src_host", "Source Host", FT.STRING)
DST_HOST: Final = IP.field("ip.dst_host", "Destination Host", FT.STRING)
HOST: Final = IP.field("ip.host", "Source or Destination Host", FT.STRING)
OPT_TYPE: Final = IP.field("ip.opt.type", "Type", FT.UINT8, Base.DEC)
OPT_TYPE_COPY: Final = IP.field("ip.opt.type.copy", "Copy on fragmentation", FT.BOOLEAN,
                         bitmask=0x80, strings=("Yes", "No"))
OPT_TYPE_CLASS: Final = IP.field("ip.opt.type.class", "Class", FT.UINT8, Base.DEC, bitmask=0x60,
                          strings={0: "Control", 2: "Debugging and measurement"})
OPT_TYPE_NUMBER: Final = IP.field("ip.opt.type.number", "Number", FT.UINT8, Base.DEC, bitmask=0x1F,
                           strings={0: "End of Option List (EOL)", 1: "No-Operation (NOP)",
                                    7: "Record route", 20: "Router Alert"})
OPT_LEN: Final = IP.field("ip.opt.len", "Length", FT.UINT8, Base.DEC)
OPT_PTR: Final = IP.field("ip.opt.ptr", "Pointer", FT.UINT8, Base.DEC)
OPT_PADDING: Final = IP.field("ip.opt.padding", "Padding", FT.BYTES)
OPT_RA: Final = IP.field("ip.opt.ra", "Router Alert", FT.UINT16, Base.DEC,
                  strings={0: "Router shall examine packet"})
REC_RT: Final = IP.field("ip.rec_rt", "Recorded Route", FT.IPv4)
EMPTY_RT: Final = IP.field("ip.empty_rt", "Empty Route", FT.IPv4)
FRAGMENT: Final = IP.field("ip.fragment", "IPv4 Fragment", FT.FRAMENUM)
FRAGMENTS: Final = IP.field("ip.fragments", "IPv4 Fragments", FT.BYTES)
FRAGMENT_COUNT: Final = IP.field("ip.fragment.count", "Fragment count", FT.UINT32, Base.DEC)
REASSEMBLED_IN: Final = IP.field("ip.reassembled_in", "Reassembled IPv4 in frame", FT.FRAMENUM)
REASSEMBLED_LENGTH: Final = IP.field("ip.reassembled.length", "Reassembled IPv4 length", FT.UINT32,
                              Base.DEC)
REASSEMBLED_DATA: Final = IP.field("ip.reassembled.data", "Reassembled IPv4 data", FT.BYTES)
_FRAGMENT_FIELDS: Final = FragmentFields("IPv4", FRAGMENTS, FRAGMENT, FRAGMENT_COUNT, REASSEMBLED_IN,
                                  REASSEMBLED_LENGTH, REASSEMBLED_DATA,
                                  *mark_fields(IP, "ip"))
BOGUS_LEN: Final = IP.field("ip.bogus_ip_length", "Bogus IP length", FT.NONE)
BOGUS_HEADER_LEN: Final = IP.field("ip.bogus_header_length", "Bogus IP header length", FT.NONE)
TTL_LNCB: Final = IP.field("ip.ttl.lncb", "Time To Live", FT.NONE)
TTL_TOO_SMALL: Final = IP.field("ip.ttl.too_small", "Time To Live", FT.NONE)
# Local Network Control Block groups whose protocols send with TTL 255 (VRRP, HSRPv2,
# mDNS); tshark expects 1 elsewhere in 224.0.0.0/24 and leaves LLMNR's .252 alone.
# IGMP is held to 1 at every group of the block (tshark 4.0: a membership report for
# mDNS's group, sent with TTL 1, gets no note; one with TTL 255 does).
_LNCB_TTL_255: Final = frozenset({18, 102, 251})
_LNCB_ANY_TTL: Final = 252

# Wireshark registers each IP option as a name-only protocol (its item holds the bytes).
OPT_PROTOS: Final = {t: protocol(f"ip.options.{abbrev}", f"IP Option - {OPTION_NAMES[t]}",
                           f"IP Option - {OPTION_NAMES[t]}")
               for t, abbrev in ((0, "eol"), (1, "nop"), (7, "record_route"),
                                 (148, "routeralert"))}
