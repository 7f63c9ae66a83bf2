"""DNS's fixed header (RFC 1035 4.1.1), shared by DNS and the protocols on its message
format (mDNS, LLMNR): the protocol and the header's fields, a variant's flag items (a
block built once per value for full trees), the header read in one go, and the UDP
heuristic's look at it. dns.py dissects the message.

                                    1  1  1  1  1  1
      0  1  2  3  4  5  6  7  8  9  0  1  2  3  4  5
    +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
    |                      ID                       |
    |QR|   Opcode  |AA|TC|RD|RA| Z|AD|CD|   RCODE   |
    |                    QDCOUNT                    |
    |                    ANCOUNT                    |
    |                    NSCOUNT                    |
    |                    ARCOUNT                    |
    +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, field

from dissectors.dns_names import OPCODES, RCODES
from dissectors.format import masked_label
from dissectors.packet import Block, Item, Packet, cached_block
from dissectors.registry import FT, Base, Field, Protocol, protocol

DNS = protocol("dns", "Domain Name System", "DNS")
LENGTH = DNS.field("dns.length", "Length", FT.UINT16, Base.DEC)
ID = DNS.field("dns.id", "Transaction ID", FT.UINT16, Base.HEX)
FLAGS = DNS.field("dns.flags", "Flags", FT.UINT16, Base.HEX)
F_RESPONSE = DNS.field("dns.flags.response", "Response", FT.BOOLEAN, bitmask=0x8000,
                       strings=("Message is a response", "Message is a query"))
F_OPCODE = DNS.field("dns.flags.opcode", "Opcode", FT.UINT16, Base.DEC, bitmask=0x7800,
                     strings=OPCODES)
F_AUTH = DNS.field("dns.flags.authoritative", "Authoritative", FT.BOOLEAN, bitmask=0x0400,
                   strings=("Server is an authority for domain",
                            "Server is not an authority for domain"))
F_TRUNC = DNS.field("dns.flags.truncated", "Truncated", FT.BOOLEAN, bitmask=0x0200,
                    strings=("Message is truncated", "Message is not truncated"))
F_RD = DNS.field("dns.flags.recdesired", "Recursion desired", FT.BOOLEAN, bitmask=0x0100,
                 strings=("Do query recursively", "Don't do query recursively"))
F_RA = DNS.field("dns.flags.recavail", "Recursion available", FT.BOOLEAN, bitmask=0x0080,
                 strings=("Server can do recursive queries",
                          "Server can't do recursive queries"))
F_Z = DNS.field("dns.flags.z", "Z", FT.BOOLEAN, bitmask=0x0040,
                strings=("reserved - incorrect!", "reserved (0)"))
F_AD = DNS.field("dns.flags.authenticated", "Answer authenticated", FT.BOOLEAN,
                 bitmask=0x0020,
                 strings=("Answer/authority portion was authenticated by the server",
                          "Answer/authority portion was not authenticated by the server"))
F_CD = DNS.field("dns.flags.checkdisable", "Non-authenticated data", FT.BOOLEAN,
                 bitmask=0x0010, strings=("Acceptable", "Unacceptable"))
F_RCODE = DNS.field("dns.flags.rcode", "Reply code", FT.UINT16, Base.DEC, bitmask=0x000F,
                    strings=RCODES)
COUNT_QUERIES = DNS.field("dns.count.queries", "Questions", FT.UINT16, Base.DEC)
COUNT_ANSWERS = DNS.field("dns.count.answers", "Answer RRs", FT.UINT16, Base.DEC)
COUNT_AUTH = DNS.field("dns.count.auth_rr", "Authority RRs", FT.UINT16, Base.DEC)
COUNT_ADD = DNS.field("dns.count.add_rr", "Additional RRs", FT.UINT16, Base.DEC)
COUNT_ZONES = DNS.field("dns.count.zones", "Zones", FT.UINT16, Base.DEC)
COUNT_PREREQ = DNS.field("dns.count.prerequisites", "Prerequisites", FT.UINT16, Base.DEC)
COUNT_UPDATES = DNS.field("dns.count.updates", "Updates", FT.UINT16, Base.DEC)

_FLAG_FIELDS = (F_RESPONSE, F_OPCODE, F_AUTH, F_TRUNC, F_RD, F_RA, F_Z, F_AD, F_CD, F_RCODE)
_RESPONSE_ONLY_FLAGS = (F_AUTH, F_RA, F_AD, F_RCODE)


@dataclass(frozen=True)
class Variant:
    """A protocol on DNS's message format (Wireshark's dissect_dns_common callers): mDNS
    and LLMNR declare theirs in their own modules."""

    proto: Protocol
    query_flags: tuple[Field, ...] = tuple(f for f in _FLAG_FIELDS if f not in _RESPONSE_ONLY_FLAGS)
    response_flags: tuple[Field, ...] = _FLAG_FIELDS
    # mDNS: the class's top bit is a flag ("QU" question / cache flush), the class
    # items are 15 bits wide (twins of dns.qry.class / dns.resp.class with a mask).
    class_bit: tuple[Field, Field, Field, Field] | None = field(default=None)
    column: str = ""  # the Protocol column when it is not the short name (mDNS: MDNS)


_FLAG_LABELS: dict[tuple[Field, bool], str] = {}


#: (variant's protocol, flags, offset, source) -> the Flags item and its bits
#: (packet.Block), for full trees. Bounded.
_FLAG_BLOCKS: dict[tuple[str, int, int, int], Block] = {}


def add_flags(pkt: Packet, top: Item, v: Variant, flags: int, at: int, src: int) -> None:
    """The Flags item at `at` and its bits under `top`."""
    if pkt.wanted is None:  # (nothing goes under the flags: built once a value)
        pkt.add_block(top, cached_block(_FLAG_BLOCKS, (v.proto.abbrev, flags, at, src),
                                        _flag_items, v, flags, at, src))
    else:
        _flag_items(pkt.add, top, v, flags, at, src)


def _flag_items(add: Callable[..., Item], top: Item | None, v: Variant, flags: int,
                at: int, src: int) -> None:
    """The Flags item and a line for each of the variant's flags (Packet.add's, or a
    BlockBuilder's)."""
    response = bool(flags & 0x8000)
    opcode = (flags >> 11) & 0xF
    rcode = flags & 0xF
    ftext = OPCODES.get(opcode, "Unknown operation")  # (no number here, unlike Info)
    if response:
        ftext += " response, " + RCODES.get(rcode, f"Unknown error ({rcode})")
    fitem = add(top, FLAGS, flags, at, 2, f"Flags: 0x{flags:04x} {ftext}", source=src)
    for f in v.response_flags if response else v.query_flags:
        if f is F_CD and not response and flags & 0x20:
            # packet-dns.c names the AD bit of a query apart.
            add(fitem, F_AD, True, at, 2, ".... .... ..1. .... = AD bit: Set", source=src)
        fv = (flags & f.bitmask) >> f.shift
        if f.type is FT.BOOLEAN:
            # Wireshark declares these booleans 16 bits wide: `.... .... .0.. ....`.
            add(fitem, f, bool(fv), at, 2, _flag_label(f, bool(fv)), source=src)
        elif f is F_OPCODE and fv not in OPCODES:
            add(fitem, f, fv, at, 2,
                f"{masked_label(f, fv, 16).rpartition(' = ')[0]} = Opcode: Unknown ({fv})",
                source=src)
        else:
            add(fitem, f, fv, at, 2, source=src)


def _flag_label(f: Field, v: bool) -> str:
    """A boolean flag's 16-bit-wide label: two per flag, made once."""
    text = _FLAG_LABELS.get((f, v))
    if text is None:
        text = _FLAG_LABELS[(f, v)] = masked_label(f, v, 16)
    return text


#: The header after the ID: the flags and the four counts; the four counts alone.
HEADER = struct.Struct(">2xHHHHH")
COUNTS = struct.Struct(">HHHH")


def looks_like_dns(buf: bytes | memoryview, at: int, length: int) -> bool:
    """tshark 4.0's dns_udp heuristic on a message's 12-byte header at `at` (present), its
    bounds found by probing tshark (tests/test_routing.py): a standard query (opcode 0)
    with exactly one question and no answers or authorities, or a response with at most
    one question and 100 answers; at most 10 authority and 10 additional records."""
    flags, quest, ans, auth, add = HEADER.unpack_from(buf, at)
    if flags & 0x7800 or quest > 1 or auth > 10 or add > 10:
        return False
    return ans <= 100 if flags & 0x8000 else (quest == 1 and not ans and not auth)
