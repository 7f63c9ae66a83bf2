"""Checked tree -> one Python callable made of closures (no eval/exec of anything).

Every value node becomes `fn(pkt) -> list` (one entry per occurrence), every test
`fn(pkt) -> bool`. Constants are converted once here; at run time a filter only
does `pkt.index` lookups for the fields it names, and `and`/`or` short-circuit.
"""

from __future__ import annotations

import ipaddress
import operator
import struct
from collections.abc import Callable
from itertools import product
from typing import Any

from dissectors.packet import Item, Packet
from dissectors.registry import FT_BITS
from filters.semantic import arith_op
from filters.syntax import (
    Arith,
    Compare,
    Const,
    Exists,
    FieldRef,
    Func,
    InSet,
    Logic,
    Node,
    SetRange,
    Slice,
    operands,
    strip_not,
)

Values = Callable[[Packet], list[Any]]
Test = Callable[[Packet], bool]

_ORDER_OPS = {"gt": operator.gt, "lt": operator.lt, "ge": operator.ge, "le": operator.le}
_LAYER_KEY = "filters.layers"


#: Link trailers: where a protocol's bytes end (what a tree-less dissection keeps for
#: a filter).
TRAILERS = ("eth.padding", "eth.trailer", "vlan.padding", "vlan.trailer")


def _proto_bytes(pkt: Packet, it: Item) -> bytes:
    """A protocol's bytes as Wireshark's FT_PROTOCOL sees them: its tvb, i.e. from the
    layer's start to the end of the data (upper layers included), minus link padding."""
    src = pkt.sources[it.source][1] if it.source < len(pkt.sources) else b""
    end = len(src)
    if it.source == 0 and it.offset > 0:
        own = it.field.abbrev
        for name in TRAILERS:
            for t in pkt.index.get(name, ()):
                if t.source == 0 and it.offset < t.offset < end and \
                        not name.startswith(own + "."):
                    end = t.offset
    end = max(end, it.offset + it.length)
    return bytes(src[it.offset: end])


def _layer_map(pkt: Packet) -> dict[int, int]:
    """Item id -> its protocol's layer number (1-based), for `field#N`."""
    cached = pkt.proto_data.get(_LAYER_KEY)
    if cached is not None:
        return cached
    out: dict[int, int] = {}
    counts: dict[str, int] = {}

    def walk(items: list[Item]) -> None:
        for it in items:
            f = it.field
            if f is not None:
                p = f.protocol.abbrev if f.protocol is not None else f.abbrev
                if f.type.value == "FT_PROTOCOL":
                    counts[p] = counts.get(p, 0) + 1
                out[id(it)] = counts.get(p, 1)
            if it.children:
                walk(it.children)

    walk(pkt.tree)
    pkt.proto_data[_LAYER_KEY] = out
    return out


def _in_layers(n: int, layers: list[tuple[int, int | None]], top: int = 0) -> bool:
    """Is layer `n` in the ranges? A negative bound counts from `top`, the highest layer
    the field occurs in (`#[-1]` is its last layer), as in newest Wireshark."""
    for a, b in layers:
        lo = a + top + 1 if a < 0 else a
        hi = b + top + 1 if b is not None and b < 0 else b
        if lo <= n and (hi is None or n <= hi):
            return True
    return False


# ---- values ------------------------------------------------------------------------
def _items(node: FieldRef) -> Callable[[Packet], list[Item]]:
    abbrev = node.name
    layers = node.layers
    if not layers:
        def items(pkt: Packet) -> list[Item]:
            return pkt.index.get(abbrev) or []
        return items

    negative = any(a < 0 or (b is not None and b < 0) for a, b in layers)

    def layered(pkt: Packet) -> list[Item]:
        lst = pkt.index.get(abbrev)
        if not lst:
            return []
        lm = _layer_map(pkt)
        nums = [lm.get(id(it), 1) for it in lst]
        top = max(nums) if negative else 0
        return [it for it, n in zip(lst, nums, strict=True) if _in_layers(n, layers, top)]
    return layered


def _item_bytes(pkt: Packet, it: Item) -> bytes:
    src = pkt.sources[it.source][1] if it.source < len(pkt.sources) else b""
    return bytes(src[it.offset: it.offset + it.length])


def _field_values(node: FieldRef, whole_tvb: bool = False) -> Values:
    """Values of a field; a protocol is its item's bytes, or (for contains/matches,
    as Wireshark searches the layer's tvb) everything from its start on."""
    kind = node.kind
    get_items = _items(node)
    abbrev = node.name
    if node.raw:
        return lambda pkt: [_item_bytes(pkt, it) for it in get_items(pkt)]
    if kind == "proto":
        get = _proto_bytes if whole_tvb else _item_bytes
        return lambda pkt: [get(pkt, it) for it in get_items(pkt)]
    if kind in ("bytes", "ether", "ipv6"):
        return lambda pkt: [bytes(it.value) for it in get_items(pkt) if it.value is not None]
    if kind == "bool":
        return lambda pkt: [int(bool(it.value)) for it in get_items(pkt)]
    if node.layers:
        return lambda pkt: [it.value for it in get_items(pkt) if it.value is not None]

    def plain(pkt: Packet) -> list[Any]:
        lst = pkt.index.get(abbrev)
        if not lst:
            return []
        return [it.value for it in lst if it.value is not None]
    return plain


class FieldSource:
    """Where a compiled filter gets field occurrences from: the dissected Packet's index
    here; the fast path (filters/fastpath.py) reads the same fields from raw bytes."""

    def values(self, node: FieldRef, whole_tvb: bool) -> Values:
        return _field_values(node, whole_tvb)

    def items(self, node: FieldRef) -> Callable[[Packet], list[Item]]:
        return _items(node)

    def exists(self, node: FieldRef) -> Test:
        abbrev = node.name
        return lambda pkt: abbrev in pkt.index

    def compare(self, node: Compare) -> Test | None:
        """A comparison this source tests in one piece, or None (the generic one)."""
        return None


PACKET_FIELDS = FieldSource()


def _slice_one(b: bytes, ranges: list[tuple[int, int | None, str]]) -> bytes | None:
    out = bytearray()
    n = len(b)
    for start, x, kind in ranges:
        s = start + n if start < 0 else start
        if kind == "-":
            e = (x + n if x < 0 else x) + 1  # type: ignore[operator]
        elif x is None:
            e = n
        else:
            e = s + x
        if s < 0 or e > n or s > e:
            return None
        out += b[s:e]
    return bytes(out)


def _to_bytes(v: Any, kind: str) -> bytes:
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v)
    if isinstance(v, str):
        return v.encode("utf-8", "surrogateescape")
    if kind == "ipv4":
        return int(v).to_bytes(4, "big")
    return b""


def _to_string(v: Any, kind: str) -> str:
    if kind == "ipv4":
        return str(ipaddress.IPv4Address(v))
    if kind == "ipv6":
        return str(ipaddress.IPv6Address(bytes(v)))
    if kind in ("ether", "bytes"):
        return bytes(v).hex(":")
    if kind == "reltime":
        return f"{v / 1e9:.9f}"
    if isinstance(v, bool):
        return "1" if v else "0"
    return str(v)


_SINGLE = struct.Struct("<f")


def _as_double(kind: str) -> Callable[[Any], float]:
    """A value as Wireshark's val_to_double gives it: times in seconds."""
    if kind in ("reltime", "abstime"):
        return lambda v: v / 1e9
    return float


def _base_repr(name: str, arg: Node, f0: Values) -> Values:
    """dec()/hex(): an unsigned integer as the filter language writes it (ftype-integer's
    repr: hex zero-padded to the field's width, 0x first)."""
    if name == "dec":
        return lambda pkt: [str(int(v)) for v in f0(pkt)]
    ft = arg.field.type if isinstance(arg, FieldRef) and arg.field is not None else None
    bits = FT_BITS.get(ft, 32) if ft is not None else 32
    digits = {8: 2, 16: 4, 24: 6, 32: 8}.get(bits, 16)
    return lambda pkt: [f"0x{int(v):0{digits}x}" for v in f0(pkt)]


def values(node: Node, fs: FieldSource | None = None) -> Values:
    """Compile a checked value node into `fn(pkt) -> list of values`."""
    fs = fs or PACKET_FIELDS
    if isinstance(node, FieldRef):
        if node.ref:  # `${field}`: the selected packet's values, set by select()
            return lambda pkt: node.selected
        return fs.values(node, False)
    if isinstance(node, Const):
        const = [node.value]
        return lambda pkt: const
    if isinstance(node, Slice):
        inner = values(node.expr, fs)
        ikind = getattr(node.expr, "kind", "bytes")
        ranges = node.ranges

        def sliced(pkt: Packet) -> list[Any]:
            out = []
            for v in inner(pkt):
                r = _slice_one(_to_bytes(v, ikind), ranges)
                if r is not None:
                    out.append(r)
            return out
        return sliced
    if isinstance(node, Func):
        return _func(node, fs)
    if isinstance(node, Arith):
        left = values(node.left, fs)
        kind = node.kind
        if node.right is None:
            return lambda pkt: [-v for v in left(pkt)]
        right = values(node.right, fs)
        op = node.op

        def arith(pkt: Packet) -> list[Any]:
            a = left(pkt)
            if not a:
                return []
            out = []
            for x, y in product(a, right(pkt)):
                try:
                    out.append(arith_op(op, x, y, kind))
                except ZeroDivisionError:
                    continue
            return out
        return arith
    raise TypeError(f"not a value node: {node!r}")


def _func(node: Func, fs: FieldSource) -> Values:
    name = node.name
    args = [values(a, fs) for a in node.args]
    arg0 = node.args[0]
    kind0 = getattr(arg0, "kind", "")
    f0 = args[0]
    if name == "count":
        items = fs.items(arg0)  # type: ignore[arg-type]
        return lambda pkt: [len(items(pkt))]
    if name == "len":
        if isinstance(arg0, FieldRef) and kind0 not in ("bytes", "string", "proto", "ether",
                                                          "ipv6"):
            items = fs.items(arg0)
            ft = arg0.field.type if arg0.field is not None else None
            if ft in FT_BITS or kind0 == "ipv4":
                size = 4 if kind0 == "ipv4" else FT_BITS[ft] // 8  # type: ignore[index]
                return lambda pkt: [size for _ in items(pkt)]
            return lambda pkt: [it.length for it in items(pkt)]
        return lambda pkt: [len(_to_bytes(v, kind0)) if not isinstance(v, str) else
                            len(v.encode("utf-8", "surrogateescape")) for v in f0(pkt)]
    if name == "upper":
        return lambda pkt: [v.upper() for v in f0(pkt)]
    if name == "lower":
        return lambda pkt: [v.lower() for v in f0(pkt)]
    if name == "string":
        return lambda pkt: [_to_string(v, kind0) for v in f0(pkt)]
    if name == "abs":
        return lambda pkt: [abs(v) for v in f0(pkt)]
    if name in ("float", "double"):
        to_float = _as_double(kind0)
        if name == "float":  # through a C float (single precision) and back
            return lambda pkt: [_SINGLE.unpack(_SINGLE.pack(to_float(v)))[0] for v in f0(pkt)]
        return lambda pkt: [to_float(v) for v in f0(pkt)]
    if name in ("dec", "hex"):
        return _base_repr(name, arg0, f0)
    pick = min if name == "min" else max

    def minmax(pkt: Packet) -> list[Any]:
        vals = [v for a in args for v in a(pkt)]
        return [pick(vals)] if vals else []
    return minmax


# ---- tests -------------------------------------------------------------------------
def _prefix_pred(c: Const) -> Callable[[Any], bool]:
    """Equality with a CIDR / IPv6-prefix constant."""
    bits = 32 if c.kind == "ipv4" else 128
    p = c.prefix or 0
    mask = ((1 << p) - 1) << (bits - p) if p else 0
    if c.kind == "ipv4":
        net = c.value & mask
        return lambda v: (v & mask) == net
    net6 = int.from_bytes(c.value, "big") & mask
    return lambda v: (int.from_bytes(v, "big") & mask) == net6


def _base_op(node: Compare) -> Callable[[Any, Any], bool]:
    op = node.op
    if op in ("any_eq", "all_eq"):
        return operator.eq
    if op in ("all_ne", "any_ne"):
        return operator.ne
    if op == "contains":
        return lambda a, b: b in a
    if op == "matches":
        rx = node.regex
        return lambda a, b: rx.search(a if isinstance(a, bytes) else
                                      a.encode("utf-8", "surrogateescape"))
    fn = _ORDER_OPS[op]
    if node.left.kind in ("bytes", "proto", "ether", "ipv6"):  # type: ignore[attr-defined]
        return lambda a, b: fn((len(a), a), (len(b), b))
    return fn


def const_pred(node: Compare) -> Callable[[Any], bool]:
    """The test of one value against `node`'s constant right side, precomputed (also
    the fast path's specialised comparisons: filters/fastpath.py)."""
    right = node.right
    assert isinstance(right, Const)
    op = node.op
    lkind = "string" if node.labels is not None else getattr(node.left, "kind", "")
    c = right.value
    if lkind == "string" and isinstance(c, bytes):
        c = c.decode("utf-8", "surrogateescape")
    if op == "contains" and lkind in ("ether", "ipv6") and isinstance(c, bytes):
        pass
    pred: Callable[[Any], bool]
    if isinstance(c, float) and c != c:
        # NaN: Wireshark orders doubles by `<` then `>`, else "equal"; so every value
        # equals nan (==, >=, <= hold) and none is ordered against it.
        nan_true = op in ("any_eq", "all_eq", "ge", "le")
        pred = lambda v: nan_true  # noqa: E731
    elif right.prefix is not None and op in ("any_eq", "all_eq", "all_ne", "any_ne"):
        inside = _prefix_pred(right)
        pred = inside if op in ("any_eq", "all_eq") else (lambda v: not inside(v))
    elif op == "matches":
        rx = node.regex
        pred = lambda v: rx.search(v if isinstance(v, bytes) else  # noqa: E731
                                   v.encode("utf-8", "surrogateescape"))
    elif op == "contains":
        if lkind == "string" and isinstance(c, str):
            pred = lambda v: c in v  # noqa: E731
        else:
            cb = c if isinstance(c, bytes) else str(c).encode("utf-8", "surrogateescape")
            pred = lambda v: cb in (v if isinstance(v, bytes) else  # noqa: E731
                                    v.encode("utf-8", "surrogateescape"))
    elif op in ("any_eq", "all_eq"):
        pred = lambda v: v == c  # noqa: E731
    elif op in ("all_ne", "any_ne"):
        pred = lambda v: v != c  # noqa: E731
    elif right.prefix is not None:
        # Ordering against a network compares under the netmask, as Wireshark does.
        fn = _ORDER_OPS[op]
        bits = 32 if right.kind == "ipv4" else 128
        p = right.prefix
        mask = ((1 << p) - 1) << (bits - p) if p else 0
        cv = (c if right.kind == "ipv4" else int.from_bytes(c, "big")) & mask
        if right.kind == "ipv4":
            pred = lambda v: fn(v & mask, cv)  # noqa: E731
        else:
            pred = lambda v: fn(int.from_bytes(v, "big") & mask, cv)  # noqa: E731
    elif isinstance(c, bytes):
        fn = _ORDER_OPS[op]
        ck = (len(c), c)  # Wireshark orders byte strings by length first
        pred = lambda v: fn((len(v), v), ck)  # noqa: E731
    else:
        fn = _ORDER_OPS[op]
        pred = lambda v: fn(v, c)  # noqa: E731
    return pred


def _compare(node: Compare, fs: FieldSource) -> Test:
    special = fs.compare(node)
    if special is not None:
        return special
    if node.labels is not None:  # `tcp.checksum.status matches "good"`: value names
        numbers, labels = values(node.left, fs), node.labels
        left = lambda pkt: [labels.get(v, "") for v in numbers(pkt)]  # noqa: E731
    elif node.op in ("contains", "matches") and isinstance(node.left, FieldRef):
        left = fs.values(node.left, True)
    else:
        left = values(node.left, fs)
    right = node.right
    op = node.op
    quant = node.quant or ("all" if op in ("all_ne", "all_eq") else "any")
    lkind = "string" if node.labels is not None else getattr(node.left, "kind", "")
    # Constant right side: one-argument predicate, precomputed.
    if isinstance(right, Const):
        pred = const_pred(node)
        if quant == "any":
            return lambda pkt: any(map(pred, left(pkt)))

        def all_const(pkt: Packet) -> bool:
            vs = left(pkt)
            return bool(vs) and all(map(pred, vs))
        return all_const
    rvals = values(right, fs)
    base = _base_op(node)
    rkind = getattr(right, "kind", "")
    conv_str = lkind == "string" and rkind != "string"

    def general(pkt: Packet) -> bool:
        a = left(pkt)
        if not a:
            return False
        b = rvals(pkt)
        if not b:
            return False
        if conv_str:
            b = [x.decode("utf-8", "surrogateescape") if isinstance(x, bytes) else x for x in b]
        if quant == "any":
            return any(base(x, y) for x in a for y in b)
        return all(base(x, y) for x in a for y in b)
    return general


def _inset_all(node: InSet, fs: FieldSource) -> Test:
    """tshark 4.0's `all x in S`: some element (or range) that every value of x hits."""
    get = values(node.expr, fs)
    checks: list[Callable[[Packet, Any], bool]] = []
    for it in node.items:
        if isinstance(it, SetRange):
            flo, fhi = values(it.low, fs), values(it.high, fs)
            checks.append(lambda pkt, v, flo=flo, fhi=fhi: any(
                lo <= v for lo in flo(pkt)) and any(v <= hi for hi in fhi(pkt)))
        elif isinstance(it, Const) and it.prefix is not None:
            pred = _prefix_pred(it)
            checks.append(lambda pkt, v, pred=pred: pred(v))
        else:
            f = values(it, fs)
            checks.append(lambda pkt, v, f=f: v in f(pkt))

    def member_all(pkt: Packet) -> bool:
        vs = get(pkt)
        return bool(vs) and any(all(c(pkt, v) for v in vs) for c in checks)
    return member_all


def _inset(node: InSet, fs: FieldSource) -> Test:
    if node.quant == "all":
        return _inset_all(node, fs)
    get = values(node.expr, fs)
    exact: set[Any] = set()
    preds: list[Callable[[Any], bool]] = []
    dyn: list[Values] = []
    dyn_ranges: list[tuple[Values, Values]] = []
    for it in node.items:
        if isinstance(it, SetRange):
            lo, hi = it.low, it.high
            if isinstance(lo, Const) and isinstance(hi, Const):
                a, b = lo.value, hi.value
                preds.append(lambda v, a=a, b=b: a <= v <= b)
            else:
                dyn_ranges.append((values(lo, fs), values(hi, fs)))
        elif isinstance(it, Const):
            if it.prefix is not None:
                preds.append(_prefix_pred(it))
            else:
                exact.add(it.value)
        else:
            dyn.append(values(it, fs))
    frozen = frozenset(exact)
    if not preds and not dyn and not dyn_ranges:
        return lambda pkt: any(v in frozen for v in get(pkt))

    def member(pkt: Packet) -> bool:
        vs = get(pkt)
        if not vs:
            return False
        extra = {x for d in dyn for x in d(pkt)}
        bounds = [(lo, hi) for flo, fhi in dyn_ranges for lo in flo(pkt) for hi in fhi(pkt)]
        for v in vs:
            if v in frozen or v in extra or any(p(v) for p in preds):
                return True
            if any(lo <= v <= hi for lo, hi in bounds):
                return True
        return False
    return member


def _logic(node: Logic, fs: FieldSource) -> Test:
    """and/or/xor over all the terms of a chain at once, `not not x` as x: a long flat
    chain is one loop at match time, not one nested call per term. Recursion is left
    only where parentheses nest, which the parser bounds."""
    if node.op == "not":
        inner, count = strip_not(node)
        a = test(inner, fs)
        return (lambda pkt: not a(pkt)) if count % 2 else a
    fns = [test(t, fs) for t in operands(node)]
    if len(fns) == 2:
        a, b = fns
        if node.op == "and":
            return lambda pkt: a(pkt) and b(pkt)
        if node.op == "or":
            return lambda pkt: a(pkt) or b(pkt)
        return lambda pkt: bool(a(pkt)) != bool(b(pkt))
    if node.op == "and":
        return lambda pkt: all(f(pkt) for f in fns)
    if node.op == "or":
        return lambda pkt: any(f(pkt) for f in fns)
    return lambda pkt: sum(1 for f in fns if f(pkt)) % 2 == 1  # xor: odd parity


def test(node: Node, fs: FieldSource | None = None) -> Test:
    """Compile a checked test node into `fn(pkt) -> bool`."""
    fs = fs or PACKET_FIELDS
    if isinstance(node, Logic):
        return _logic(node, fs)
    if isinstance(node, Exists):
        e = node.expr
        if isinstance(e, FieldRef) and not e.layers and not e.ref:
            return fs.exists(e)
        get = values(e, fs)
        if isinstance(e, (Arith, Func)):
            # Non-zero: a number, a byte string with some bit set (`eth[0] & 1`), a
            # non-empty string (`upper(http.host)`).
            return lambda pkt: any(any(v) if isinstance(v, bytes) else bool(v)
                                   for v in get(pkt))
        return lambda pkt: bool(get(pkt))
    if isinstance(node, Compare):
        return _compare(node, fs)
    if isinstance(node, InSet):
        return _inset(node, fs)
    raise TypeError(f"not a test node: {node!r}")
