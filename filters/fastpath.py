"""The fast path: run a checked filter on raw record bytes, without dissecting.

The same compiler (filters/compiler.py) builds the predicate; only its field source
differs: instead of a dissected Packet's index, fields are read with `struct` at the
offsets the cheap layering pass (dissectors/layers.py) finds, using the fixed layouts
the protocol modules declare (`Field.offset/width/bitmask`). Application protocols
are recognised through the dissectors' claims (dissectors/dispatch.py CLAIMS), which
keep conversation state exactly as full dissection would.

A filter naming any field outside FAST_FIELDS is not fast (`compile_fast` raises
NotFast); a packet the layering pass is unsure of is dissected fully by the caller.
The run-time argument of a fast predicate is a `Rec`:
(buffer, start, end, layers, frame number, original length, app).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

from dissectors.dispatch import CLAIMS, UDP_HEUR, UDP_PORT
from dissectors.layers import ETH_ARP, ETH_IPV4, ETH_IPV6, Layers
from dissectors.ports import candidates
from dissectors.registry import REGISTRY, Field
from dissectors.session import Session
from filters.compiler import FieldSource, Test, Values
from filters.compiler import test as compile_test
from filters.syntax import (
    FieldRef,
    Node,
    field_refs,
)

# (buf, start, end, layers, number, origlen, app); app = (proto, parsed, payload offset)
Rec = tuple[Any, int, int, Layers, int, int, Any]


class NotFast(Exception):
    """The filter names something the fast path cannot read exactly."""


# Where a protocol's headers start in a Rec: () when the packet lacks it, two offsets
# for IPv4 in an ICMP error (its own header, then the quoted one).
def _at_eth(r: Rec) -> tuple[int, ...]:
    return (r[1],)


def _at_ip(r: Rec) -> tuple[int, ...]:
    lay = r[3]
    if lay[0] != ETH_IPV4:
        return ()
    return (lay[1],) if lay[6] is None else (lay[1], lay[6][0])


def _at_ipv6(r: Rec) -> tuple[int, ...]:
    return (r[3][1],) if r[3][0] == ETH_IPV6 else ()


def _at_arp(r: Rec) -> tuple[int, ...]:
    return (r[3][1],) if r[3][0] == ETH_ARP else ()


def _at_udp(r: Rec) -> tuple[int, ...]:
    lay = r[3]
    if lay[6] is not None:
        return (lay[6][2],)
    return (lay[3],) if lay[2] == 17 else ()


def _l4_at(proto: int) -> Callable[[Rec], tuple[int, ...]]:
    def at(r: Rec) -> tuple[int, ...]:
        lay = r[3]
        return (lay[3],) if lay[2] == proto else ()
    return at


_AT: dict[str, Callable[[Rec], tuple[int, ...]]] = {
    "eth": _at_eth, "ip": _at_ip, "ipv6": _at_ipv6, "arp": _at_arp,
    "udp": _at_udp, "tcp": _l4_at(6), "icmp": _l4_at(1), "icmpv6": _l4_at(58),
}

# Fields present, once, in every plainly layered packet of their protocol, at their
# declared offset (checked against full dissection by tests/test_fastpath.py).
_HEADER_FIELDS = (
    "eth.dst eth.src eth.type "
    "ip.dsfield ip.dsfield.dscp ip.dsfield.ecn ip.len ip.id ip.flags ip.flags.rb ip.flags.df "
    "ip.flags.mf ip.frag_offset ip.ttl ip.proto ip.checksum ip.src ip.dst "
    "ipv6.plen ipv6.nxt ipv6.hlim ipv6.src ipv6.dst "
    "arp.hw.type arp.proto.type arp.hw.size arp.proto.size arp.opcode "
    "udp.srcport udp.dstport udp.length udp.checksum "
    "tcp.srcport tcp.dstport tcp.seq_raw tcp.flags tcp.flags.res tcp.flags.ae tcp.flags.cwr "
    "tcp.flags.ece tcp.flags.urg tcp.flags.ack tcp.flags.push tcp.flags.reset tcp.flags.syn "
    "tcp.flags.fin tcp.window_size_value tcp.checksum tcp.urgent_pointer "
    "icmp.type icmp.code icmp.checksum icmpv6.type icmpv6.code"
).split()
# Two occurrences: (source field, destination field), as the dissectors add them.
_PAIRS = {"eth.addr": ("eth.dst", "eth.src"), "ip.addr": ("ip.src", "ip.dst"),
          "ipv6.addr": ("ipv6.src", "ipv6.dst"), "udp.port": ("udp.srcport", "udp.dstport"),
          "tcp.port": ("tcp.srcport", "tcp.dstport")}
_PROTOCOLS = ("frame", "eth", "vlan", "ip", "ipv6", "arp", "udp", "tcp", "icmp", "icmpv6",
              "tftp", "ipmsg")
_APP_PROTOCOLS = ("tftp", "ipmsg")
_OTHER = ("frame.number", "frame.len", "frame.cap_len", "vlan.id", "vlan.priority",
          "vlan.etype", "ipmsg.mode", "ipmsg.command", "ipmsg.packet_no", "ipmsg.version")
FAST_FIELDS = frozenset(_HEADER_FIELDS) | frozenset(_PAIRS) | frozenset(_PROTOCOLS) | \
    frozenset(_OTHER)


def _reader(f: Field) -> Callable[[Any, int], Any]:
    """Read field `f` from a header starting at `off` (ints, or bytes for addresses)."""
    if f.struct is not None:
        unpack, o, mask, shift = f.struct.unpack_from, f.offset or 0, f.bitmask, f.shift
        if f.type.value == "FT_IPv4":
            return lambda b, off: unpack(b, off + o)[0]
        if mask:
            return lambda b, off: (unpack(b, off + o)[0] & mask) >> shift
        return lambda b, off: unpack(b, off + o)[0]
    o, w = f.offset or 0, f.width or 0
    return lambda b, off: bytes(b[off + o: off + o + w])


def _header_values(f: Field) -> Values:
    assert f.protocol is not None
    at = _AT[f.protocol.abbrev]
    read = _reader(f)
    if f.type.value == "FT_BOOLEAN":
        return lambda r: [int(bool(read(r[0], o))) for o in at(r)]
    return lambda r: [read(r[0], o) for o in at(r)]


def _pair_values(a: Field, b: Field) -> Values:
    assert a.protocol is not None
    at = _AT[a.protocol.abbrev]
    ra, rb = _reader(a), _reader(b)
    def get(r: Rec) -> list[Any]:
        out = []
        for o in at(r):
            out += (ra(r[0], o), rb(r[0], o))
        return out
    return get


_U16 = struct.Struct(">H").unpack_from
_UDP_HEAD = struct.Struct(">HHH").unpack_from


def _vlan_values(name: str) -> Values:
    if name == "vlan.id":
        return lambda r: [_U16(r[0], v)[0] & 0x0FFF for v in r[3][5]]
    if name == "vlan.priority":
        return lambda r: [_U16(r[0], v)[0] >> 13 for v in r[3][5]]
    return lambda r: [_U16(r[0], v + 2)[0] for v in r[3][5]]


def _ipmsg_values(name: str) -> Values:
    attr = {"ipmsg.command": "command", "ipmsg.packet_no": "packet_no",
            "ipmsg.version": "version"}.get(name)

    def get(r: Rec) -> list[Any]:
        app = r[6]
        if app is None or app[0] != "ipmsg":
            return []
        if attr is None:
            return [app[1].command & 0xFF]
        return [getattr(app[1], attr)]
    return get


def _presence(name: str) -> Test:
    if name in ("frame", "eth"):
        return lambda r: True
    if name == "vlan":
        return lambda r: bool(r[3][5])
    if name in _APP_PROTOCOLS:
        return lambda r: r[6] is not None and r[6][0] == name
    at = _AT[name]
    return lambda r: bool(at(r))


class FastFields(FieldSource):
    """Field values read from raw bytes (see module docstring)."""

    def values(self, node: FieldRef, whole_tvb: bool) -> Values:
        name = node.name
        if node.layers or node.raw or node.ref or name not in FAST_FIELDS:
            raise NotFast(name)
        if name == "frame":
            return lambda r: [bytes(r[0][r[1]: r[2]])]
        if name in _PROTOCOLS:
            raise NotFast(name)  # a protocol's bytes: only `frame` is cut exactly here
        if name == "frame.number":
            return lambda r: [r[4]]
        if name == "frame.len":
            return lambda r: [r[5]]
        if name == "frame.cap_len":
            return lambda r: [r[2] - r[1]]
        if name.startswith("vlan."):
            return _vlan_values(name)
        if name.startswith("ipmsg."):
            return _ipmsg_values(name)
        if name in _PAIRS:
            a, b = _PAIRS[name]
            return _pair_values(REGISTRY.fields[a], REGISTRY.fields[b])
        return _header_values(REGISTRY.fields[name])

    def items(self, node: FieldRef) -> Callable[[Any], list[Any]]:
        raise NotFast(f"{node.name} items")

    def exists(self, node: FieldRef) -> Test:
        name = node.name
        if node.layers or node.raw or node.ref or name not in FAST_FIELDS:
            raise NotFast(name)
        if name in _PROTOCOLS:
            return _presence(name)
        get = self.values(node, False)
        return lambda r: bool(get(r))


FAST_FIELD_SOURCE = FastFields()


def _names(node: Node) -> set[str]:
    """Every field/protocol name a checked tree mentions."""
    return {r.name for r in field_refs(node)}


class FastFilter:
    """A filter compiled for raw records: `match(rec)`; `needs_app` when the caller must
    classify UDP payloads (`classify_udp`) before matching."""

    __slots__ = ("match", "needs_app", "needs_layers", "reads_frame", "names")

    def __init__(self, match: Test, needs_app: bool, names: set[str]) -> None:
        self.match = match
        self.needs_app = needs_app
        # Only frame-level fields: no layering pass at all (its `layers` is None).
        self.needs_layers = any(n != "frame" and not n.startswith("frame.") for n in names)
        # The frame's own bytes (`frame contains ...`): a reassembled datagram's buffer
        # does not hold them, so such a filter leaves completing fragments to full.
        self.reads_frame = "frame" in names
        self.names = names


def compile_fast(tree: Node) -> FastFilter:
    """The fast form of a checked filter tree; NotFast when it has none."""
    names = _names(tree)
    bad = sorted(n for n in names if n not in FAST_FIELDS)
    if bad:
        raise NotFast(", ".join(bad))
    fn = compile_test(tree, FAST_FIELD_SOURCE)

    def match(r: Rec) -> bool:
        try:
            return fn(r)
        except (TypeError, ValueError, AttributeError, IndexError, KeyError, OverflowError):
            return False
    needs_app = any(n.split(".")[0] in _APP_PROTOCOLS for n in names)
    return FastFilter(match, needs_app, names)


_UNSURE = object()


def classify_udp(session: Session, b: Any, lay: Layers) -> Any:
    """(protocol, parsed, payload offset) of a packet's UDP payload (the quoted one in an
    ICMP error), None when no dissector takes it, or `UNSURE` when only full dissection
    can tell (a dissector without a claim, a payload too short to judge). Mirrors
    dissectors/udp.py's lengths and updates conversation state like it."""
    quoted = lay[6]
    if quoted is None:
        l3, l4, ip_end = lay[1], lay[3], lay[7]
    else:
        l3, l4, ip_end = quoted[0], quoted[2], quoted[3]
    sp, dp, ulen = _UDP_HEAD(b, l4)
    if ulen < 8:
        return None  # udp.py stops at a bad length: no payload dissector runs
    ulen = min(ulen, ip_end - l4)
    if ulen <= 8:
        return None
    poff = l4 + 8
    # (slices of the mapped file or of a rebuilt datagram are bytes already)
    payload = b[poff: min(lay[4], l4 + ulen)]
    if lay[0] == ETH_IPV4:
        src, dst = b[l3 + 12: l3 + 16], b[l3 + 16: l3 + 20]
    else:
        src, dst = b[l3 + 8: l3 + 24], b[l3 + 24: l3 + 40]
    short = len(payload) < 4
    for fn in candidates("udp", UDP_PORT, UDP_HEUR, session, src, sp, dst, dp):
        entry = CLAIMS.get(fn)
        if entry is None or short:
            return _UNSURE
        got = entry[1](session, payload, src, sp, dst, dp)
        if got is not None:
            return (entry[0], got, poff)
    return None


UNSURE = _UNSURE

__all__ = ["compile_fast", "classify_udp", "FastFilter", "NotFast", "FAST_FIELDS", "UNSURE"]
