"""The cheap layering pass: where each header starts, without building a tree.

The fast filter path (filters/fastpath.py) reads fixed-layout fields at these offsets.
`ethernet_layers` answers only for the plain cases whose full dissection it can predict
exactly: Ethernet (with 802.1Q tags) carrying ARP, or IPv4/IPv6 carrying UDP, TCP,
ICMP (not an error that quotes a header) or a protocol we leave as data. Anything else
(fragments, IPv6 extension headers, tunnels, ICMP errors, LLC, QinQ, truncated or bogus
headers) returns None: "unsure", and the caller dissects that packet fully.
"""

from __future__ import annotations

import mmap
import struct
from collections.abc import Callable
from typing import Final, cast

from dissectors.dispatch import TUNNEL_UDP_PORTS
from dissectors.icmp import QUOTING_TYPES as ICMP_QUOTING
from dissectors.icmpv6 import QUOTING_TYPES as ICMP6_QUOTING
from dissectors.reassembly import FragmentTable
from dissectors.session import Session

# L: (l3 ethertype, l3 offset, ip proto or -1, l4 offset or -1, end of the datagram's
#     captured bytes, tuple of 802.1Q TCI offsets, quoted, end of the datagram as its
#     header reports it) where quoted is None or, for an ICMP error quoting an
#     IPv4/UDP header, (its IPv4 offset, 17, its UDP offset, its reported end).
Layers = tuple[int, int, int, int, int, tuple[int, ...], "tuple[int, int, int, int] | None",
               int]

#: What the layering reads: a frame's bytes (a memoryview of the reader's buffer) or a
#: whole mapped capture file (the fast path: analyzer/fast_run.py).
Raw = bytes | memoryview | mmap.mmap

# (Final: the compiled build reads these as constants, not module-dict look-ups, on
# every frame of a fast pass or a passed-over frame.)
ETH_IPV4: Final = 0x0800
ETH_IPV6: Final = 0x86DD
ETH_ARP: Final = 0x0806
#: l4 offset of an IPv4 fragment: the caller decides with the reassembly table
#: (`fragment_layers`) before reading any field.
FRAGMENT: Final = -2
_VLAN_TPIDS: Final = (0x8100, 0x9100)
_U16: Final = struct.Struct(">H").unpack_from
_U16X2: Final = struct.Struct(">HH").unpack_from
# An IPv4 header's version/length, total length, flags+offset and protocol in one read.
_IP4_HEAD: Final = struct.Struct(">BxH2xHxB").unpack_from
# ICMP types whose body quotes the offending IP header (full dissection decodes it).
_ICMP_QUOTING: Final = ICMP_QUOTING
_ICMP6_QUOTING: Final = ICMP6_QUOTING
# IP protocols that carry another IP header or need more than one header to decode.
_IP_UNSURE: Final = frozenset((4, 41, 47, 58))
#: UDP ports of tunnels whose inner packet full dissection decodes (filled in by the
#: tunnels' modules: dispatch.TUNNEL_UDP_PORTS).
UDP_TUNNEL_PORTS: Final = TUNNEL_UDP_PORTS
_IP6_UNSURE: Final = frozenset((0, 43, 44, 50, 51, 60, 135, 139, 140, 4, 41, 47, 1))


def _l4(b: Raw, proto: int, l4: int, dend: int) -> int | None:
    """The L4 offset when the header there decodes plainly, -1 for no L4, None unsure."""
    room = dend - l4
    if proto == 17:
        if room < 8:
            return None
        sp, dp = _U16X2(b, l4)
        if sp in UDP_TUNNEL_PORTS or dp in UDP_TUNNEL_PORTS:
            return None  # (a tunnel's inner packet has layers of its own)
        return l4
    if proto == 6:
        if room < 20:
            return None
        doff = (b[l4 + 12] >> 4) * 4
        return l4 if 20 <= doff <= room else None
    if proto == 1:
        # (icmp.py, as tshark, reads 6 bytes, the RFC 4884 length, before its first item)
        if room < 6 or b[l4] in _ICMP_QUOTING:
            return None  # the caller looks into quoting errors (`_quoted`)
        return l4
    if proto == 58:
        if room < 4 or b[l4] in _ICMP6_QUOTING:
            return None
        return l4
    return -1


def _quoted(b: Raw, icmp: int, dend: int, ip_end: int) -> tuple[int, int, int, int] | None:
    """The IPv4/UDP header an ICMP error quotes, when it is whole and plain."""
    off = icmp + 8
    if dend - off < 28:
        return None
    vhl = b[off]
    hlen = (vhl & 0x0F) * 4
    if vhl >> 4 != 4 or hlen != 20 or dend - off < hlen + 8 or b[off + 9] != 17:
        return None
    total = _U16(b, off + 2)[0]
    # (a quoted length that cuts the UDP header: the dissectors show part of it or none)
    if _U16(b, off + 6)[0] & 0x3FFF or total < hlen + 8:
        return None
    sp, dp = _U16X2(b, off + hlen)
    if sp in UDP_TUNNEL_PORTS or dp in UDP_TUNNEL_PORTS:
        return None  # (a quoted tunnel datagram's inner packet has layers of its own)
    # The quoted header's length is cut to what the error carries, as ip.py does.
    return (off, 17, off + hlen, min(off + total, ip_end))


def ethernet_layers(b: Raw, s: int, e: int, wire_end: int) -> Layers | None:
    """Layers of the Ethernet frame b[s:e] (`wire_end` = s + original length)."""
    if e - s >= 54:
        got = _plain_ip4(b, s, e, wire_end)
        if got is not _OTHER:
            return cast("Layers | None", got)
    elif e - s < 14:
        return None
    return _layers(b, s, e, wire_end)


#: `_plain_ip4`'s "not the common case": the general walk (`_layers`) decides.
_OTHER: Final = object()


def _plain_ip4(b: Raw, s: int, e: int, wire_end: int) -> object:
    """`ethernet_layers` of the common case, untagged IPv4 without options carrying TCP
    or UDP (or a fragment), from one slice of the frame's first 54 bytes read natively
    when compiled (`_layers` makes three struct reads of boxed tuples, each taking the
    buffer anew: most of the fast pass's cost a frame); `_OTHER` for anything else.
    The same answers as `_layers` (tests/test_fastpath.py compares both)."""
    got = b[s + 12: s + 54]  # (ethertype, the IPv4 header, 20 bytes past it)
    if type(got) is not bytes:
        return _OTHER  # (a memoryview of a frame: the general walk)
    h: bytes = got
    if h[0] != 0x08 or h[1] != 0 or h[2] != 0x45:
        return _OTHER
    proto = h[11]
    if proto != 17 and proto != 6 and not (h[8] & 0x3F or h[9]):
        return _OTHER  # (ICMP and the others: the general walk)
    off = s + 14
    total = h[4] << 8 | h[5]
    if total < 20 or off + total > wire_end:
        return None
    dend = min(e, off + total)
    if h[8] & 0x3F or h[9]:
        return (ETH_IPV4, off, proto, FRAGMENT, dend, (), None, off + total)
    room = dend - off - 20
    if proto == 17:
        if room < 8:
            return None
        sp = h[22] << 8 | h[23]
        dp = h[24] << 8 | h[25]
        if sp in UDP_TUNNEL_PORTS or dp in UDP_TUNNEL_PORTS:
            return None  # (a tunnel's inner packet has layers of its own)
    else:
        if room < 20:
            return None
        doff = (h[34] >> 4) * 4
        if doff < 20 or doff > room:
            return None
    return (ETH_IPV4, off, proto, off + 20, dend, (), None, off + total)


def _layers(b: Raw, s: int, e: int, wire_end: int) -> Layers | None:
    """`ethernet_layers` of any frame of at least 14 bytes (the general walk)."""
    etype = _U16(b, s + 12)[0]
    off = s + 14
    vlans: tuple[int, ...] = ()
    while etype in _VLAN_TPIDS:
        if e - off < 4:
            return None
        vlans += (off,)
        etype = _U16(b, off + 2)[0]
        off += 4
    if etype == ETH_IPV4:
        if e - off < 20:
            return None
        vhl, total, frag, proto = _IP4_HEAD(b, off)
        # Version 4 and a 20-byte header only (options: their decoding may stop the
        # dissection).
        if vhl != 0x45 or total < 20 or off + total > wire_end:
            return None
        dend = min(e, off + total)
        if frag & 0x3FFF:
            return (ETH_IPV4, off, proto, FRAGMENT, dend, vlans, None, off + total)
        if proto in _IP_UNSURE:
            return None
        l4 = _l4(b, proto, off + 20, dend)
        if l4 is None:
            if proto != 1 or dend - off < 28 or b[off + 20] not in _ICMP_QUOTING:
                return None
            quoted = _quoted(b, off + 20, dend, off + total)
            if quoted is None:
                return None
            return (ETH_IPV4, off, proto, off + 20, dend, vlans, quoted, off + total)
        return (ETH_IPV4, off, proto, l4, dend, vlans, None, off + total)
    if etype == ETH_IPV6:
        if e - off < 40 or b[off] >> 4 != 6:
            return None
        plen = _U16(b, off + 4)[0]
        nxt = b[off + 6]
        if plen == 0 or off + 40 + plen > wire_end or nxt in _IP6_UNSURE:
            return None
        dend = min(e, off + 40 + plen)
        l4 = _l4(b, nxt, off + 40, dend)
        if l4 is None:
            return None
        return (ETH_IPV6, off, nxt, l4, dend, vlans, None, off + 40 + plen)
    if etype == ETH_ARP:
        if e - off < 8:
            return None
        need = 8 + 2 * b[off + 4] + 2 * b[off + 5]
        if e - off < need:
            return None
        return (ETH_ARP, off, -1, -1, e, vlans, None, e)
    return None


_U32: Final = struct.Struct(">I").unpack_from
# From the ethertype on: type, IPv4 version/length, protocol, flags+offset, addresses.
_ETH_IP4: Final = struct.Struct(">HB5xHxB2xII").unpack_from
_U32X4: Final = struct.Struct(">4I").unpack_from


def pair_hash(b: Raw, s: int, e: int) -> int:
    """A hash of the packet's unordered network address pair (the quoted pair for an
    ICMP error), 0 for anything else: packets that share conversation, stream or
    reassembly state share this value, so a capture can be split on it."""
    if e - s < 34:
        return 0
    etype, vhl, proto, frag, src, dst = _ETH_IP4(b, s + 12)
    if etype == ETH_IPV4 and vhl == 0x45 and (proto != 1 or frag & 0x3FFF):
        # The common case in one read: untagged IPv4, no options, not an ICMP error.
        return ((src ^ dst) * 2654435761 & 0xFFFFFFFF) >> 16
    off = s + 14
    while etype in _VLAN_TPIDS and e - off >= 4:
        etype = _U16(b, off + 2)[0]
        off += 4
    if etype == ETH_IPV4 and e - off >= 20:
        hlen = (b[off] & 0x0F) * 4
        if b[off + 9] == 1 and e - off >= hlen + 28 and b[off + hlen] in _ICMP_QUOTING \
                and not _U16(b, off + 6)[0] & 0x3FFF:  # (fragments go by their own pair)
            off += hlen + 8
        x = _U32(b, off + 12)[0] ^ _U32(b, off + 16)[0]
    elif etype == ETH_IPV6 and e - off >= 40:
        if b[off + 6] == 58 and e - off >= 88 and b[off + 40] in _ICMP6_QUOTING:
            off += 48
        a, c, d, f = _U32X4(b, off + 8)
        g, h, i, j = _U32X4(b, off + 24)
        x = a ^ c ^ d ^ f ^ g ^ h ^ i ^ j
    else:
        return 0
    return (x * 2654435761 & 0xFFFFFFFF) >> 16


def fragment_layers(b: Raw, s: int, lay: Layers, session: Session, number: int,
                    rebuild: bool,
                    ) -> tuple[Raw, Layers, Callable[[], object] | None] | None:
    """An IPv4 fragment, recorded in the reassembly table exactly as dissectors/ip.py
    records it: (b, its layers: IP, then data) when it does not complete its datagram;
    for the one that does, a buffer holding the frame's headers followed by the whole
    datagram's payload, and layers into it (frame-level bytes are not in it: the caller
    must not read them), if `rebuild`, with the call that records the fragment: make it
    once the packet is decided without full dissection. None when full dissection must
    decide (the table is left as it was, for that dissection to update)."""
    off, dend = lay[1], lay[4]
    hlen = (b[off] & 0x0F) * 4
    frag = _U16(b, off + 6)[0]
    key = (bytes(b[off + 12: off + 16]), bytes(b[off + 16: off + 20]), _U16(b, off + 4)[0],
           lay[2])
    entry = (number, (frag & 0x1FFF) * 8, bytes(b[off + hlen: dend]), bool(frag & 0x2000))
    table = session.state("ip.fragments", FragmentTable)
    whole = table.peek(key, entry)
    if whole is None:
        table.add(key, entry)
        return b, (ETH_IPV4, off, -1, -1, dend, lay[5], None, lay[7]), None
    proto = lay[2]
    if not rebuild or proto in _IP_UNSURE:
        return None
    buf = bytes(b[s: off + hlen]) + whole
    l3 = off - s
    l4 = _l4(buf, proto, l3 + hlen, len(buf))
    if l4 is None:
        return None
    return buf, (ETH_IPV4, l3, proto, l4, len(buf), tuple(v - s for v in lay[5]), None,
                 len(buf)), lambda: table.add(key, entry)


__all__ = ["ethernet_layers", "fragment_layers", "pair_hash", "Layers", "ETH_IPV4", "ETH_IPV6", "ETH_ARP",
           "FRAGMENT"]
