"""UDP (RFC 768).

     0      7 8     15 16    23 24    31
    +--------+--------+--------+--------+
    |   Source Port   | Destination Port|
    +--------+--------+--------+--------+
    |     Length      |    Checksum     |
    +--------+--------+--------+--------+
"""

from __future__ import annotations

import struct
from array import array
from collections.abc import Callable
from typing import Any, Final

from dissectors.compiled import mypyc_attr
from dissectors.dispatch import IP_PROTO, UDP_HEUR, UDP_PORT, register_dissector
from dissectors.format import hex_pad
from dissectors.ip_fields import CHECKSUM_STATUS
from dissectors.offers import (
    ConversationSpec,
    FollowSpec,
    FollowStream,
    layer_fields,
    register_conversation,
    register_follow,
    register_learner_layer,
)
from dissectors.packet import NULL_ITEM, Block, Item, Packet, cached_block, port_items_block
from dissectors.ports import dispatch_ports, pair_key
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.time_text import plural
from dissectors.tvb import BoundsError, ReportedBoundsError, Tvb

UDP: Final = protocol("udp", "User Datagram Protocol", "UDP")
SRCPORT: Final = UDP.field("udp.srcport", "Source Port", FT.UINT16, Base.PT_UDP, offset=0)
DSTPORT: Final = UDP.field("udp.dstport", "Destination Port", FT.UINT16, Base.PT_UDP, offset=2)
PORT: Final = UDP.field("udp.port", "Source or Destination Port", FT.UINT16, Base.PT_UDP)
LENGTH: Final = UDP.field("udp.length", "Length", FT.UINT16, Base.DEC, offset=4)
CHECKSUM: Final = UDP.field("udp.checksum", "Checksum", FT.UINT16, Base.HEX, offset=6)
CHECKSUM_STATUS_F: Final = UDP.field("udp.checksum.status", "Checksum Status", FT.UINT8, Base.NONE,
                              strings=CHECKSUM_STATUS)
STREAM: Final = UDP.field("udp.stream", "Stream index", FT.UINT32, Base.DEC)
TIME_RELATIVE: Final = UDP.field("udp.time_relative", "Time since first frame", FT.RELATIVE_TIME)
TIME_DELTA: Final = UDP.field("udp.time_delta", "Time since previous frame", FT.RELATIVE_TIME)
PAYLOAD: Final = UDP.field("udp.payload", "Payload", FT.BYTES)
LENGTH_BAD: Final = UDP.field("udp.length.bad", "Bad length value", FT.NONE)
LENGTH_BAD_ZERO: Final = UDP.field("udp.length.bad_zero", "Length is zero", FT.NONE)
CHECKSUM_ZERO: Final = UDP.field("udp.checksum.zero", "Illegal checksum value (0)", FT.NONE)
POSSIBLE_TRACEROUTE: Final = UDP.field("udp.possible_traceroute", "Possible traceroute", FT.NONE)
_TRACEROUTE_BASE: Final = 32768 + 666
_I64: Final = 1 << 63


@mypyc_attr(allow_interpreted_subclasses=True)  # (analyzer/scale subclasses it)
class UdpStreams:
    """Stream index per address/port pair, and per-stream first/last times.

    Kept for every pair of the capture (a later datagram may reuse any), so compactly:
    one packed bytes key and one int per pair, the times in arrays by stream.
    """

    __slots__ = ("index", "first", "last", "wild")

    def __init__(self) -> None:
        self.index: dict[bytes, int] = {}  # stream_key (or a wildcard's key) -> stream
        self.first: Any = array("q")  # by stream (a list once a time overflows int64)
        self.last: Any = array("q")
        # wildcard conversations (client address, port, server address) -> their index key
        self.wild: dict[tuple, bytes] = {}

    def key_of(self, src: bytes, sp: int, dst: bytes, dp: int) -> bytes:
        """The index key of a datagram's stream, as tshark 4.0's conversation lookup
        finds it: the pair's own conversation if it has one (every pair that matched
        nothing when first seen), else a wildcard conversation's it matches (TFTP's
        transfer: client's port, any server port), whose stream all its pairs share."""
        key = stream_key(src, sp, dst, dp)
        wild = self.wild
        if wild and key not in self.index:
            w = wild.get((src, sp, dst)) or wild.get((dst, dp, src))
            if w is not None:
                return w
        return key

    def open_wild(self, client: bytes, port: int, server: bytes) -> None:
        """A new wildcard conversation (a TFTP request): a new stream, numbered by the
        first datagram that finds it (the request itself has its pair's own)."""
        w = b"*" + client + port.to_bytes(2, "big") + server  # (never a stream_key's length)
        self.wild[(client, port, server)] = w
        self.index.pop(w, None)

    def lookup(self, key: bytes, ts: int) -> tuple[int, int, int]:
        if not -_I64 <= ts < _I64 and type(self.first) is array:
            self.first, self.last = list(self.first), list(self.last)  # beyond int64
        stream = self.index.get(key)
        if stream is None:
            stream = self.index[key] = len(self.first)
            self.first.append(ts)
            self.last.append(ts)
            return stream, ts, ts
        first, last = self.first[stream], self.last[stream]
        self.last[stream] = ts
        return stream, first, last

    def renew(self, key: bytes) -> None:
        """The pair's next packet starts a new stream: a protocol made a new conversation
        that Wireshark's UDP then finds for it (SNMP's request to port 161)."""
        self.index.pop(key, None)


def stream_key(src: bytes, sp: int, dst: bytes, dp: int) -> bytes:
    """Both directions of an address/port pair as one packed key."""
    return pair_key(src, sp, dst, dp)


_PAYLOAD: Final = frozenset({PAYLOAD.abbrev})  # (its bytes are copied only when wanted)


def _zero_checksum(add: Callable[..., Item], tree: Item | None, off: int) -> None:
    # tshark hangs the status under a zero checksum (-V indent, JSON `_tree`).
    ci = add(tree, CHECKSUM, 0, off + 6, 2, "Checksum: 0x0000 [zero-value ignored]")
    add(ci, CHECKSUM_STATUS_F, 3, off + 6, 2, "Checksum Status: Not present", generated=True)


def _illegal_zero_checksum(pkt: Packet, tree: Item | None, off: int, items: bool) -> None:
    """Over IPv6 a zero UDP checksum is illegal (RFC 8200 8.1; Wireshark's default, its
    "ignore IPv6 zero checksum" preference off): an error note, status Illegal."""
    ci = pkt.add(tree, CHECKSUM, 0, off + 6, 2, "Checksum: 0x0000 [zero-value illegal]") \
        if items else NULL_ITEM
    pkt.add_expert(ci, "error", "checksum", "Illegal checksum value (0)", "udp",
                   field=CHECKSUM_ZERO)
    if items:
        pkt.add(ci, CHECKSUM_STATUS_F, 4, off + 6, 2, "Checksum Status: Illegal",
                generated=True)


#: Full trees' items that depend only on the key's values, built once (packet.Block;
#: bounded): (UDP header offset,) -> the zero checksum's subtree; (source port,
#: destination port, header offset) -> the port items.
_ZERO_BLOCKS: Final[dict[tuple[int], Block]] = {}
_PORT_BLOCKS: Final[dict[tuple[int, int, int], Block]] = {}
#: packet.port_items' fields: source, destination, either.
_PORT_FIELDS: Final = (SRCPORT, DSTPORT, PORT)


_HDR: Final = struct.Struct(">HHHH")


def _cut_header(tvb: Tvb, pkt: Packet) -> None:
    """A header cut by the snapshot length or by the IP length, as tshark 4.0 shows it:
    from 4 bytes on, the UDP item with its ports (from 6, the length too) and the ports'
    Info, then the short-packet or malformed note (raised here; under 4 bytes UDP is only
    named: ip.call_payload)."""
    off = tvb.start
    have = tvb.end - off
    if have >= 4:
        b = tvb.buf
        sport, dport = (b[off] << 8) | b[off + 1], (b[off + 2] << 8) | b[off + 3]
        pkt.proto_col = "UDP"
        tree = pkt.add_proto(UDP, off, min(have, 8),  # (-T pdml: the bytes captured)
                             f"User Datagram Protocol, Src Port: {sport}, Dst Port: {dport}",
                             source=tvb.source)
        pkt.srcport, pkt.dstport = sport, dport
        pkt.add(tree, SRCPORT, sport, off, 2)
        pkt.add(tree, DSTPORT, dport, off + 2, 2)
        pkt.add(tree, PORT, sport, off, 2, hidden=True)
        pkt.add(tree, PORT, dport, off + 2, 2, hidden=True)
        info = f"{sport} \u2192 {dport}"
        if have >= 6:
            ulen = (b[off + 4] << 8) | b[off + 5]
            litem = pkt.add(tree, LENGTH, ulen, off + 4, 2)
            if ulen > tvb.rend - off and not pkt.in_error_pkt:
                _bogus_length(pkt, litem, ulen, tvb.rend - off)
                info += f" [BAD UDP LENGTH {ulen} > IP PAYLOAD LENGTH]"
            info += f" Len={ulen - 8}"
        pkt.set_info(info)
    tvb.need(off, 8)


def _bogus_length(pkt: Packet, litem: Item, ulen: int, reported: int) -> None:
    litem.text = f"Length: {ulen} (bogus, payload length {reported})"
    pkt.add_expert(litem, "error", "malformed", f"Bad length value {ulen} > IP payload length",
                   "udp", field=LENGTH_BAD)


def dissect_udp(tvb: Tvb, pkt: Packet, session: Session) -> None:
    session.current_proto = "udp"
    off = tvb.start
    if off + 8 > tvb.end:  # (tvb.need inlined: a call a packet saved)
        if tvb.rend - off < 4 and pkt.in_error_pkt:
            return  # (tshark 4.0's UDP refuses a quoted header without its ports)
        _cut_header(tvb, pkt)
    b = tvb.buf
    sport: int  # (one struct read; typed: mypyc unboxes each value once)
    dport: int
    ulen: int
    csum: int
    sport, dport, ulen, csum = _HDR.unpack_from(b, off)
    pkt.proto_col = "UDP"
    wanted = pkt.wanted
    # (a protocol item's value is its label: made whenever the protocol is asked for)
    tree = pkt.add_proto(UDP, off, 8,
                         f"User Datagram Protocol, Src Port: {sport}, Dst Port: {dport}"
                         if wanted is None or "udp" in wanted else None,
                         source=tvb.source)
    pkt.srcport, pkt.dstport = sport, dport  # (Wireshark's pinfo ports, for the layers above)
    # (a tree-less dissection nobody reads UDP's items from skips making them)
    layers = pkt.layers
    items = layers is None or "udp" in layers
    trace = _TRACEROUTE_BASE < sport <= _TRACEROUTE_BASE + 30 or \
        _TRACEROUTE_BASE < dport <= _TRACEROUTE_BASE + 30
    # (ports repeat: a full tree's port items built once, but where a note goes under
    # them or the items point into reassembled bytes, which _in_source sets below)
    blocked = wanted is None and not trace and not tvb.source
    if blocked:
        pkt.add_block(tree, port_items_block(_PORT_BLOCKS, _PORT_FIELDS, sport, dport, off))
    for f, port, at in ((SRCPORT, sport, off), (DSTPORT, dport, off + 2)) \
            if not blocked and (items or trace) else ():
        item = pkt.add(tree, f, port, at, 2) if items else NULL_ITEM
        # LBL traceroute's ports, 3 probes per hop (Wireshark's udp.possible_traceroute).
        if _TRACEROUTE_BASE < port <= _TRACEROUTE_BASE + 30:
            hop, attempt = divmod(port - _TRACEROUTE_BASE - 1, 3)
            pkt.add_expert(item, "chat", "sequence",
                           f"Possible traceroute: hop #{hop + 1}, attempt #{attempt + 1}", "udp",
                           field=POSSIBLE_TRACEROUTE)
    reported = tvb.reported_length
    if items:
        if not blocked:
            pkt.add(tree, PORT, sport, off, 2, hidden=True)
            pkt.add(tree, PORT, dport, off + 2, 2, hidden=True)
        litem = pkt.add(tree, LENGTH, ulen, off + 4, 2)
    else:
        litem = NULL_ITEM
    info = ""  # (what the Info column says past the ports: one string built at the end)
    claimed = ulen
    if ulen > reported:
        if not pkt.in_error_pkt:  # a header quoted by ICMP is cut: no complaint
            _bogus_length(pkt, litem, ulen, reported)
            info += f" [BAD UDP LENGTH {ulen} > IP PAYLOAD LENGTH]"
        ulen = reported
    elif ulen < 8:
        # Wireshark stops here: no Len=, no payload.
        if ulen == 0 and len(pkt.net_src) == 16:  # IPv6 (jumbogram rules): as before
            pkt.add_expert(litem, "error", "malformed", "Length is zero", "udp",
                           field=LENGTH_BAD_ZERO)
        else:
            litem.text = f"Length: {ulen} (bogus, must be >= 8)"
            pkt.add_expert(litem, "error", "malformed", f"Bad length value {ulen} < 8", "udp",
                           field=LENGTH_BAD)
        pkt.set_info(f"{sport} \u2192 {dport}{info} [BAD UDP LENGTH {ulen} < 8]")
        return
    # (an IPv4 zero checksum means "none"; over IPv6 it is illegal, unless quoted by ICMP)
    illegal = csum == 0 and len(pkt.net_src) == 16 and not pkt.in_error_pkt
    if illegal:
        _illegal_zero_checksum(pkt, tree, off, items)
    elif not items:
        pass
    elif csum == 0:
        if pkt.wanted is None and not tvb.source:  # (_in_source below changes items)
            pkt.add_block(tree, cached_block(_ZERO_BLOCKS, (off,), _zero_checksum))
        else:
            _zero_checksum(pkt.add, tree, off)
    else:
        pkt.add(tree, CHECKSUM, csum, off + 6, 2,
                f"Checksum: 0x{hex_pad(csum, 4)} [unverified]" if pkt.tree_on else None)
        pkt.add(tree, CHECKSUM_STATUS_F, 2, off + 6, 0, "Checksum Status: Unverified",
                generated=True)
    streams = session.state("udp.streams", UdpStreams)
    ts = pkt.frame.ts_ns
    stream, first, last = streams.lookup(streams.key_of(pkt.net_src, sport, pkt.net_dst, dport), ts)
    if items:
        # (positions as tshark's, seen in -T pdml: the stream after the header)
        pkt.add(tree, STREAM, stream, off + 8, 0, generated=True)
    # tshark shows no timestamps for a quoted header, nor for an empty payload
    if items and not pkt.in_error_pkt and claimed > 8:
        times = pkt.add_text(tree, "[Timestamps]", off, 0)
        pkt.add(times, TIME_RELATIVE, ts - first, off, 0, generated=True)
        pkt.add(times, TIME_DELTA, ts - last, off, 0, generated=True)
    if tvb.source and items:  # a datagram in reassembled bytes: its items point there
        _in_source(tree.children or [], tvb.source)
    plen = ulen - 8
    if plen == 0 < claimed - 8 and not pkt.in_error_pkt:
        # a claimed payload the IP length left no byte of: tshark's payload read fails
        pkt.set_info(f"{sport} \u2192 {dport}{info} Len={claimed - 8}")
        raise ReportedBoundsError()
    pkt.set_info(f"{sport} \u2192 {dport}{info} Len={claimed - 8} [ILLEGAL CHECKSUM (0)]"
                 if illegal else f"{sport} \u2192 {dport}{info} Len={claimed - 8}")
    if plen > 0:
        payload = tvb.sub(off + 8, max(plen, 0))
        if payload.end == payload.start:
            # nothing of the payload captured: tshark hands nothing on (an error packet's
            # quoted header is left there; otherwise its payload item, at the end of the
            # captured bytes, fails: "UDP truncated")
            if pkt.in_error_pkt:
                return
            raise BoundsError()
        if items and payload.end > payload.start and pkt.wants(_PAYLOAD):
            # tshark counts the captured payload bytes, not the claimed length.
            n = payload.end - payload.start
            pkt.add(tree, PAYLOAD, bytes(b[payload.start: payload.end]), off + 8, n,
                    f"UDP payload ({plural(n, 'byte')})", source=tvb.source)
        if plen > 0:
            dispatch_ports("udp", UDP_PORT, UDP_HEUR, payload, pkt, session, sport, dport)


class UdpFollower:
    """`-z follow,udp` (packet-udp.c's follow tap): each datagram's payload."""

    def __init__(self, stream: FollowStream) -> None:
        self.stream = stream

    def packet(self, pkt: Packet, top: set[int]) -> None:
        for layer in pkt.index.get("udp", ()):
            if id(layer) not in top:
                continue
            kids = layer_fields(layer)
            if "udp.stream" not in kids or not self.stream.selected(pkt, kids):
                continue
            pl = kids.get("udp.payload")
            if pl is None:
                continue  # tshark taps no empty datagram (it does not even pick Node 0 from it)
            server = self.stream.is_server(pkt, kids["udp.srcport"].value,
                                           kids["udp.dstport"].value)
            self.stream.emit(server, pkt.frame.number, pkt.frame.ts_ns, bytes(pl.value))


IP_PROTO.register(17, dissect_udp, "udp")
register_dissector("udp", dissect_udp)
register_follow(FollowSpec("udp", "udp", UdpFollower))
# (tshark 4.0 keys a UDP conversation by its udp.stream too: a dissector that sets up its
# own conversation, as SNMP's, parts packets on the same ends)
register_conversation(ConversationSpec("udp", "UDP", "udp", "udp.srcport", "udp.dstport",
                                       over=("ip", "ipv6"), stream="udp.stream"))
register_learner_layer("udp", "UDP", "transport")


def _in_source(items: list[Item], source: int) -> None:
    """Point UDP's own items (not the notes, which have no bytes) at `source`."""
    for it in items:
        if it.source == 0:
            it.source = source
        if it.children:
            _in_source(it.children, source)
