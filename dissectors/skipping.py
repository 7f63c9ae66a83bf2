"""Passing over a frame without dissecting it, keeping the capture-wide numbers exact.

When only some frames are shown (analyzer/closure.py plans which ones need a full
dissection), the others still move what tshark numbers across the whole capture:
the first and previous frame times (frame.time_relative, frame.time_delta), the TCP
stream index (with its port-reuse rule, which reads each flow's base sequence number)
and the UDP stream index. `skip` updates exactly those, through the same functions the
dissectors use, for the plainly layered frames of dissectors/layers.py; any other frame
(fragments, ICMP errors quoting a header, tunnels, other link types), whose stream
lookups only its dissection can tell, is dissected fully, as the fast path does with a
frame it is unsure of. Nothing else a skipped frame would have done can matter: the
plan dissects every frame a shown one shares state with.

`state_key` says through what a frame's dissection shares state with other frames, so
that a plan can dissect a shown frame's whole history and nothing else.
"""

from __future__ import annotations

import mmap
import struct
from typing import Any, Final

from captures.frame import Frame
from dissectors.dispatch import ETHERTYPE
from dissectors.frame import dissect
from dissectors.icmp import QUOTING_TYPES as ICMP_QUOTING
from dissectors.icmpv6 import QUOTING_TYPES as ICMP6_QUOTING
from dissectors.ipmsg import IPMSG_PORT
from dissectors.ipv6 import upper_layer
from dissectors.layers import (
    ETH_IPV4,
    FRAGMENT,
    UDP_TUNNEL_PORTS,
    ethernet_layers,
    fragment_layers,
)
from dissectors.session import Session
from dissectors.tcp_stream import TcpStreams, bound_earlier, lookup_stream, set_base_seqs
from dissectors.tftp_transfers import opens_transfer
from dissectors.udp import UdpStreams

_LINKTYPE_ETHERNET: Final = 1
QUIC_PORT: Final = 443  # (quic.py's UDP port)
_TCP_HEAD: Final = struct.Struct(">HHIIH").unpack_from
_UDP_HEAD: Final = struct.Struct(">HHH").unpack_from


def skip(frame: Frame, session: Session) -> None:
    """Account for `frame` as a full dissection would, in the global state only (its
    own conversation's analysis state is not kept: nothing shown depends on it)."""
    session.skipped += 1
    if frame.linktype != _LINKTYPE_ETHERNET or frame.secrets:
        dissect(frame, session)
        return
    b: Any = frame.data
    lay = ethernet_layers(b, 0, frame.caplen, frame.origlen)
    commit = None
    if lay is not None and lay[3] == FRAGMENT:
        # Recorded in the reassembly table as ip.py records it; the completing one is
        # rebuilt, its datagram's header looked up like any other.
        got = fragment_layers(b, 0, lay, session, frame.number, True)
        lay = None if got is None else got[1]
        if got is not None:
            b, lay, commit = got
    if lay is None:
        dissect(frame, session)  # unsure: only the dissection can tell
        return
    if commit is not None:
        commit()
    ts = frame.ts_ns
    if session.first_ts is None:
        session.first_ts = ts
    session.prev_ts = ts
    quoted = lay[6]
    if quoted is not None:  # an ICMP error quoting an IPv4/UDP header: udp.py looks it up
        l3, l4 = quoted[0], quoted[2]
        sp, dp, ulen = _UDP_HEAD(b, l4)
        if ulen >= 8 or ulen > quoted[3] - l4:
            streams = session.state("udp.streams", UdpStreams)
            streams.lookup(streams.key_of(bytes(b[l3 + 12: l3 + 16]), sp,
                                          bytes(b[l3 + 16: l3 + 20]), dp), ts)
        return
    proto, l4 = lay[2], lay[3]
    if proto != 6 and proto != 17:
        return
    l3 = lay[1]
    if lay[0] == ETH_IPV4:
        src, dst = bytes(b[l3 + 12: l3 + 16]), bytes(b[l3 + 16: l3 + 20])
    else:
        src, dst = bytes(b[l3 + 8: l3 + 24]), bytes(b[l3 + 24: l3 + 40])
    if proto == 17:
        sp, dp, ulen = _UDP_HEAD(b, l4)
        if 161 <= dp <= 162 or 161 <= sp <= 162 or sp == QUIC_PORT or dp == QUIC_PORT:
            # SNMP may start a new UDP stream (snmp.py), a QUIC Initial numbers a new
            # connection (quic.py): only their dissection can tell
            dissect(frame, session)
            return
        if ulen >= 8:  # (udp.py stops before its stream lookup on a shorter length)
            if opens_transfer(b, l4 + 8, min(lay[4], l4 + ulen)):
                # a TFTP request opens a wildcard conversation, which later pairs' streams
                # may be (udp.py's key_of): only the dissection knows if TFTP takes it
                dissect(frame, session)
                return
            streams = session.state("udp.streams", UdpStreams)
            streams.lookup(streams.key_of(src, sp, dst, dp), ts)
        return
    sp, dp, seq, ack, offflags = _TCP_HEAD(b, l4)
    if sp == SOCKS_PORT or dp == SOCKS_PORT:
        dissect(frame, session)
        return
    flags = offflags & 0x0FFF
    conv, new = lookup_stream(session.state("tcp.streams", TcpStreams), src, dst, sp, dp,
                              seq, flags, ts)
    if not conv.first_frame:
        conv.first_frame = frame.number
    if new:
        bound_earlier(session, src, sp, dst, dp)
    if lay[7] - l4 >= (offflags >> 12) * 4:  # tcp.py analyses a whole header only
        set_base_seqs(conv, seq, ack, flags)


#: Fields numbering something across the whole capture, kept exact only by `skip`.
#: A run reading none of them (the one-line packet list, most `-T fields`) may pass over
#: an unplanned frame by its time alone (`pass_over`): no shown frame can tell, since
#: every frame it shares state with is planned, and the indices serve the dissectors
#: as keys only.
NUMBERED = frozenset(("tcp.stream", "udp.stream", "quic.connection.number"))


def pass_over(ts: int, session: Session) -> None:
    """Account for an unplanned frame's time (frame.time_relative, frame.time_delta) and
    nothing else: the cheap `skip` of a run that reads no `NUMBERED` field."""
    session.passed_over += 1
    if session.first_ts is None:
        session.first_ts = ts
    session.prev_ts = ts


# -- what a frame shares state through ---------------------------------------------------

#: `state_key` of a frame whose dissection may read or write any state (a tunnel, an
#: IPv6 routing header, a fragmented ICMP message, LLC/SNAP, anything malformed).
ANY: Final = None
#: A frame that touches no per-capture state except the frame times.
NONE: Final = "none"
#: The group every ARP frame is in (the duplicate-address table spans all of them).
ARP: Final = "arp"
#: The group every IPMSG frame is joined to (its pairs are keyed by one address).
IPMSG: Final = "ipmsg"
#: A frame that touches the TCP state of some connection of its pair, which one only
#: its dissection tells (a fragment of a TCP datagram, an ICMP error quoting TCP).
TCP_ALL: Final = "tcp"
_U16: Final = struct.Struct(">H").unpack_from
_ADDRS4: Final = struct.Struct(">II").unpack_from
#: FTP's control port: its frames set up other connections' dissectors (FTP-DATA).
FTP_PORT: Final = 21
#: SOCKS's port: once connected it makes a TCP conversation (and stream index) of the
#: remote port for its payload (socks.py), which only its dissection does.
SOCKS_PORT: Final = 1080
#: TCP ports whose frames may touch other connections' state.
_TCP_ANY_PORTS: Final = frozenset((FTP_PORT, SOCKS_PORT))
_ICMP_QUOTING: Final = ICMP_QUOTING
_ICMP6_QUOTING: Final = ICMP6_QUOTING
_TUNNELS: Final = frozenset((4, 41, 47))
#: UDP ports of tunnels (VXLAN, Geneve): the inner packet may touch any state.
_UDP_TUNNEL_PORTS: Final = UDP_TUNNEL_PORTS
# (state_key's common case: ports that send a UDP/TCP frame past it)
_UDP_SPECIAL_PORTS: Final = _UDP_TUNNEL_PORTS | {IPMSG_PORT}
_TCP_SPECIAL_PORTS: Final = _TCP_ANY_PORTS | {IPMSG_PORT}
# IPv6 extension headers after those ipv6.upper_layer walks over (hop-by-hop,
# destination options) that make a frame ANY (routing changes the destination,
# fragments, ESP/AH, mobility...).
_IP6_ANY: Final = frozenset((43, 44, 50, 51, 135, 139, 140)) | _TUNNELS


#: the record bytes `state_key` reads: the mapped capture file (analyzer/closure.py) or
#: bytes (a decompressed capture). Compiled (mypyc), a parameter annotated only `bytes`
#: would reject the mmap with a TypeError.
Raw = bytes | mmap.mmap


def _ports_key(b: Raw, l4: int, e: int, pair: object, tcp: bool, lo_first: int) -> object:
    """The pair's key, (pair, IPMSG) when either port is IPMSG's; for TCP the connection's
    key (pair, ports): TCP's state (streams, analysis, reassembly, what rides on it) is
    kept per connection. `lo_first`: 1 when the source is the pair's lower address, -1
    when the destination is, 0 when both are the same."""
    if e - l4 < 4:
        return pair  # (no ports: UDP and TCP stop before any state)
    sp, dp = _U16(b, l4)[0], _U16(b, l4 + 2)[0]
    if sp == IPMSG_PORT or dp == IPMSG_PORT:
        return (pair, IPMSG)
    if not tcp:
        return ANY if sp in _UDP_TUNNEL_PORTS or dp in _UDP_TUNNEL_PORTS else pair
    if sp in _TCP_ANY_PORTS or dp in _TCP_ANY_PORTS:
        return ANY
    if lo_first < 0 or lo_first == 0 and sp > dp:
        sp, dp = dp, sp
    return (pair, sp << 16 | dp)


def _ip4_key(b: Raw, off: int, e: int, quoted: bool = False,
             frags: dict[int, object] | None = None) -> object:
    if e - off < 20:
        return ANY
    vhl = b[off]
    hlen = (vhl & 0x0F) * 4
    if vhl >> 4 != 4 or hlen < 20:
        return ANY
    s, d = _ADDRS4(b, off + 12)
    pair = (s << 32 | d) if s <= d else (d << 32 | s)
    proto = b[off + 9]
    if proto in _TUNNELS:
        return ANY
    l4 = off + hlen
    if _U16(b, off + 6)[0] & 0x3FFF and not quoted:
        # A fragment: the datagram is keyed by its own pair; whether an ICMP one quotes
        # another pair, or a UDP/TCP one is IPMSG's, only its reassembly tells.
        if proto == 1:
            return ANY
        if proto == 17 and frags is not None:
            return _udp_fragment_key(b, off, l4, e, s << 32 | d, pair, frags)
        return (pair, IPMSG, TCP_ALL) if proto == 6 else (pair, IPMSG) if proto == 17 \
            else pair
    if proto == 6 and quoted:
        return (pair, IPMSG, TCP_ALL)
    if proto in (6, 17):
        return _ports_key(b, l4, e, pair, proto == 6, 1 if s < d else -1 if s > d else 0)
    if proto == 1 and not quoted and e - l4 >= 1 and b[l4] in _ICMP_QUOTING:
        return _ip4_key(b, l4 + 8, e, True)  # an error shares the quoted pair's state
    return pair


#: datagrams `_udp_fragment_key` keeps its first fragment's answer for at most
FRAGS_MAX: Final = 1 << 12
_UNSURE: Final = "unsure"


def _udp_fragment_key(b: Raw, off: int, l4: int, e: int, addrs: int, pair: int,
                      frags: dict[int, object]) -> object:
    """A UDP fragment's key in a walk over the frames in order (`frags`, kept across
    them): the pair alone when its datagram's ports, read from its first fragment, are
    a plain pair's (not IPMSG's, not a tunnel's: `_ports_key`), noted by (source,
    destination, IP id) until its last fragment; (pair, IPMSG) whenever the walk cannot
    be sure: a later fragment before its first or after its last, a first fragment
    while one of the same id waits (a reused id, a copy), a cut first fragment, too many
    datagrams waiting. (Without it, every UDP fragment joined its pair to IPMSG's group,
    and so to every IPMSG frame: the plan of `ip.addr == 10.0.0.0/8` dissected them.)"""
    frag = _U16(b, off + 6)[0]
    ident = addrs << 16 | _U16(b, off + 4)[0]
    unsure = (pair, IPMSG)
    if frag & 0x1FFF == 0:  # the first fragment (more follow): its UDP header's ports
        if ident in frags:
            frags[ident] = _UNSURE
            return unsure
        if e - l4 < 4 or len(frags) >= FRAGS_MAX:
            return unsure
        s = addrs >> 32
        d = addrs & 0xFFFFFFFF
        key = _ports_key(b, l4, e, pair, False, 1 if s < d else -1 if s > d else 0)
        frags[ident] = key
        return key if key == pair else unsure
    key = frags.get(ident)
    if not frag & 0x2000 and key is not None:  # the last fragment
        del frags[ident]
    return key if key == pair else unsure


def _ip6_key(b: Raw, off: int, e: int) -> object:
    up = upper_layer(b, off, e)
    if up < 0:
        return ANY
    nxt, l4 = up & 0xFF, up >> 8
    if nxt in _IP6_ANY:
        return ANY
    s, d = bytes(b[off + 8: off + 24]), bytes(b[off + 24: off + 40])
    pair = s + d if s <= d else d + s
    if nxt in (6, 17):
        return _ports_key(b, l4, e, pair, nxt == 6, 1 if s < d else -1 if s > d else 0)
    if nxt == 58 and (e - l4 < 1 or b[l4] in _ICMP6_QUOTING):
        return ANY
    return pair


def plain_head(b: Raw, s: int, e: int) -> bytes | None:
    """The 26 bytes from the 12th of the Ethernet frame b[s:e] when it is the common case,
    untagged IPv4 without options, not a fragment, with 4 bytes past its header (a TCP
    or UDP header's ports); else None. One slice, read natively when compiled (no
    struct tuple of boxed fields per frame): `state_key` and the planning walk
    (analyzer/closure.py, which also reads a UDP stream from it) share it."""
    if e - s < 38:
        return None
    h: bytes = b[s + 12: s + 38]
    if h[0] != 0x08 or h[1] != 0 or h[2] != 0x45 or h[8] & 0x3F or h[9]:
        return None
    return h


#: Whether this module runs interpreted: there one struct unpack of a plain head's
#: addresses and ports is cheaper than twelve byte reads; compiled, the reverse.
INTERPRETED: Final = __file__.endswith(".py")
#: (source address, destination address, source port, destination port) at h[14:26]
HEAD_ADDRS: Final = struct.Struct(">IIHH").unpack_from


def head_key(h: bytes) -> object:
    """`state_key` of a frame whose `plain_head` is `h` and whose protocol (h[11]) is
    TCP or UDP."""
    a: int
    c: int
    sp: int
    dp: int
    if INTERPRETED:
        a, c, sp, dp = HEAD_ADDRS(h, 14)
    else:
        a = h[14] << 24 | h[15] << 16 | h[16] << 8 | h[17]
        c = h[18] << 24 | h[19] << 16 | h[20] << 8 | h[21]
        sp = h[22] << 8 | h[23]
        dp = h[24] << 8 | h[25]
    # (as _ports_key decides: IPMSG's port first, then the ports touching any state)
    if h[11] == 17:
        if sp in _UDP_SPECIAL_PORTS or dp in _UDP_SPECIAL_PORTS:
            if sp == IPMSG_PORT or dp == IPMSG_PORT:
                return ((a << 32 | c) if a <= c else (c << 32 | a), IPMSG)
            return ANY
        return (a << 32 | c) if a <= c else (c << 32 | a)
    if sp in _TCP_SPECIAL_PORTS or dp in _TCP_SPECIAL_PORTS:
        if sp == IPMSG_PORT or dp == IPMSG_PORT:
            return ((a << 32 | c) if a <= c else (c << 32 | a), IPMSG)
        return ANY  # FTP's control connection sets up data connections
    if a < c or a == c and sp <= dp:
        return (a << 32 | c, sp << 16 | dp)
    return (c << 32 | a, dp << 16 | sp)


def state_key(b: Raw, s: int, e: int, frags: dict[int, object] | None = None) -> object:
    """What the dissection of the Ethernet frame b[s:e] shares state through: an
    unordered address pair (an int for IPv4, bytes for IPv6), within which every UDP
    stream, conversation, fragment table and request/response pairing is keyed; for TCP
    the connection (pair, ports); ARP; (pair, IPMSG[, TCP_ALL]) for a frame that also
    joins the IPMSG group (and any TCP connection of its pair); NONE; or ANY.
    Conservative: a frame is never given a narrower key than what its dissection
    touches. `frags`: a walk over every frame in order keeps it (an empty dict at its
    start), so that an IPv4 UDP fragment of a plain datagram keeps its pair's key
    (`_udp_fragment_key`)."""
    if e - s >= 38:  # the common case in one read: untagged IPv4/TCP or UDP, no options
        h = plain_head(b, s, e)
        if h is not None and (h[11] == 6 or h[11] == 17):
            return head_key(h)
    elif e - s < 14:
        return NONE
    etype = _U16(b, s + 12)[0]
    off = s + 14
    while etype == 0x8100 or etype == 0x9100:
        if e - off < 4:
            return NONE
        etype = _U16(b, off + 2)[0]
        off += 4
    if etype == 0x0800:
        return _ip4_key(b, off, e, False, frags)
    if etype == 0x86DD:
        return _ip6_key(b, off, e)
    if etype == 0x0806 or etype == 0x8035:
        return ARP
    if etype <= 1500:  # 802.3 length: LLC, which dispatches only SNAP payloads
        return ANY if e - off >= 2 and b[off] == 0xAA and b[off + 1] == 0xAA else NONE
    return ANY if ETHERTYPE.get(etype) is not None else NONE


__all__ = ["skip", "state_key", "ANY", "NONE", "ARP", "IPMSG", "TCP_ALL"]
