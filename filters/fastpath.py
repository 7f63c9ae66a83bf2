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
from filters.compiler import FieldSource, Test, Values, const_pred
from filters.compiler import test as compile_test
from filters.syntax import (
    Compare,
    Const,
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


def _at_udp_past_length(r: Rec) -> tuple[int, ...]:
    """UDP headers whose length is at least 8: udp.py (as tshark) stops at a shorter
    one before its checksum."""
    return tuple(o for o in _at_udp(r) if _U16(r[0], o + 4)[0] >= 8)


#: Fields present only in some headers of their protocol: where each is.
_AT_FIELD: dict[str, Callable[[Rec], tuple[int, ...]]] = {
    "udp.checksum": _at_udp_past_length,
}


def _at_of(f: Field) -> Callable[[Rec], tuple[int, ...]]:
    assert f.protocol is not None
    return _AT_FIELD.get(f.abbrev) or _AT[f.protocol.abbrev]

# Fields present, once, in every plainly layered packet of their protocol, at their
# declared offset (checked against full dissection by tests/test_fastpath.py). Not
# tcp.flags.ae/cwr/ece: once a connection negotiates Accurate ECN, tshark shows those
# three bits as the ACE counter (tcp.flags.ace) instead, which depends on the handshake.
_HEADER_FIELDS = (
    "eth.dst eth.src eth.type "
    "ip.dsfield ip.dsfield.dscp ip.dsfield.ecn ip.len ip.id ip.flags ip.flags.rb ip.flags.df "
    "ip.flags.mf ip.frag_offset ip.ttl ip.proto ip.checksum ip.src ip.dst "
    "ipv6.plen ipv6.nxt ipv6.hlim ipv6.src ipv6.dst "
    "arp.hw.type arp.proto.type arp.hw.size arp.proto.size arp.opcode "
    "udp.srcport udp.dstport udp.length udp.checksum "
    "tcp.srcport tcp.dstport tcp.seq_raw tcp.flags tcp.flags.res "
    "tcp.flags.urg tcp.flags.ack tcp.flags.push tcp.flags.reset tcp.flags.syn "
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
    at = _at_of(f)
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

    def compare(self, node: Compare) -> Test | None:
        """`field op constant` on an integer header field (or a pair of them) as one
        function: the offsets, one struct read for both fields of a pair, the test
        inline, instead of the generic closures' values list (the fast pass tests
        every candidate frame: a broad filter's cost was mostly there)."""
        return _special_compare(node)


FAST_FIELD_SOURCE = FastFields()

_CONST_OPS = frozenset(("any_eq", "all_eq", "any_ne", "all_ne", "gt", "lt", "ge", "le"))


def _int_field(name: str) -> Field | None:
    """A header field read as one integer by a single struct read, or None."""
    if name not in _HEADER_FIELDS:
        return None
    f = REGISTRY.fields[name]
    return f if f.struct is not None and f.protocol is not None else None


def _special_compare(node: Compare) -> Test | None:
    """See FastFields.compare; None for any other comparison."""
    left, right = node.left, node.right
    if not isinstance(left, FieldRef) or left.layers or left.raw or left.ref or \
            not isinstance(right, Const) or node.labels is not None or node.op not in _CONST_OPS:
        return None
    name = left.name
    pred = const_pred(node)
    every = (node.quant or ("all" if node.op in ("all_ne", "all_eq") else "any")) == "all"
    if name in _PAIRS:
        a, b = (_int_field(n) for n in _PAIRS[name])
        if a is None or b is None or a.bitmask or b.bitmask or a.struct is None or \
                b.struct is None or a.struct.size != b.struct.size or \
                b.offset != (a.offset or 0) + a.struct.size:
            return None
        assert a.protocol is not None
        both = struct.Struct(a.struct.format + a.struct.format[-1])
        return _pair_test(_AT[a.protocol.abbrev], both, a.offset or 0, node, pred, every)
    f = _int_field(name)
    if f is None or f.struct is None or f.protocol is None:
        return None
    return _single_test(_at_of(f), f, pred, every)


def _inline_const(node: Compare) -> tuple[int, int] | None:
    """(mask, value) when the test is `value & mask == constant` for some value (`==`
    an integer, or an IPv4 network), to write inline; else None."""
    right = node.right
    assert isinstance(right, Const)
    if node.op not in ("any_eq", "all_eq") or node.quant == "all" or node.op == "all_eq":
        return None
    c = right.value
    if not isinstance(c, int) or isinstance(c, bool):
        return None
    if right.prefix is None:
        return (-1, c)
    if right.kind != "ipv4":
        return None
    p = right.prefix
    mask = ((1 << p) - 1) << (32 - p) if p else 0
    return (mask, c & mask)


def _pair_test(at: Callable[[Rec], tuple[int, ...]], both: struct.Struct, off: int,
               node: Compare, pred: Callable[[Any], bool], every: bool) -> Test:
    """A pair's two fields, adjacent and of one width (ip.addr, udp.port...), read at
    once."""
    read = both.unpack_from
    inline = _inline_const(node)
    if inline is not None:
        mask, want = inline

        def any_eq(r: Rec) -> bool:
            b = r[0]
            for o in at(r):
                x, y = read(b, o + off)
                if x & mask == want or y & mask == want:
                    return True
            return False
        return any_eq
    if every:
        def all_of(r: Rec) -> bool:
            b = r[0]
            seen = False
            for o in at(r):
                x, y = read(b, o + off)
                if not (pred(x) and pred(y)):
                    return False
                seen = True
            return seen
        return all_of

    def any_of(r: Rec) -> bool:
        b = r[0]
        for o in at(r):
            x, y = read(b, o + off)
            if pred(x) or pred(y):
                return True
        return False
    return any_of


def _single_test(at: Callable[[Rec], tuple[int, ...]], f: Field,
                 pred: Callable[[Any], bool], every: bool) -> Test:
    """One header field (its bit mask applied, a boolean as 0/1, as `_header_values`)."""
    assert f.struct is not None
    unpack, o, mask, shift = f.struct.unpack_from, f.offset or 0, f.bitmask, f.shift
    boolean = f.type.value == "FT_BOOLEAN"
    if f.type.value == "FT_IPv4":
        mask = 0  # (an address is read whole, as _reader does)

    def value(b: Any, at_off: int) -> Any:
        v = unpack(b, at_off + o)[0]
        if mask:
            v = (v & mask) >> shift
        return int(bool(v)) if boolean else v

    if not mask and not boolean:
        def plain(r: Rec) -> bool:
            b = r[0]
            seen = False
            for x in at(r):
                if pred(unpack(b, x + o)[0]):
                    if not every:
                        return True
                elif every:
                    return False
                seen = True
            return seen and every
        return plain

    def masked(r: Rec) -> bool:
        b = r[0]
        seen = False
        for x in at(r):
            if pred(value(b, x)):
                if not every:
                    return True
            elif every:
                return False
            seen = True
        return seen and every
    return masked


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
    needs_app = any(n.split(".")[0] in _APP_PROTOCOLS for n in names)
    if isinstance(tree, Compare):
        special = _special_compare(tree)
        if special is not None:
            # (reads only headers the layering found whole, with `struct`, and compares
            # ints: none of the errors `match` turns into "no match" can come up, so no
            # wrapper, one Python call less a frame)
            return FastFilter(special, needs_app, names)
    fn = compile_test(tree, FAST_FIELD_SOURCE)

    def match(r: Rec) -> bool:
        try:
            return fn(r)
        except (TypeError, ValueError, AttributeError, IndexError, KeyError, OverflowError):
            return False
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
