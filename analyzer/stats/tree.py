"""tshark 4.0's "stats_tree" statistics (`-z plen,tree`, `-z ip_hosts,tree`, ...): the
one counter tree and text layout they share, so each kind is only a declaration.

The layout, as tshark prints it with its default preferences: a name column as wide as
the longest name plus its depth, then eight columns of 13 (Count, Average, Min Val,
Max Val, Rate (ms), Percent, Burst Rate, Burst Start). Rates are counts per millisecond
of the tap's elapsed time (first to last packet the tap saw); the burst columns are the
most events in a sliding 100 ms window of 5 ms buckets and the start of that window.
Children are sorted by count (largest first, ties by name, reversed byte order), range
children by their floor; top-level nodes stay in creation order. A tap sees every
dissected packet whatever `-Y` keeps; its own filter selects.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cmp_to_key
from typing import Any

from analyzer.stats.taps import TapArgError, register
from dissectors.escape import format_str
from dissectors.packet import Packet

COLUMNS = ("Count", "Average", "Min Val", "Max Val", "Rate (ms)", "Percent", "Burst Rate",
            "Burst Start")
_COL = 13  # each value column: " %-13s"
_INDENT_MAX = 32
_BURST_RES = 5  # ms per bucket (st_burst_resolution)
_BURST_WIN = 100  # ms (st_burst_windowlen)


def _f32(x: float) -> float:
    """A C float: the averages are computed in single precision."""
    return struct.unpack("f", struct.pack("f", x))[0]


class Node:
    """One counter of the tree, with its average/min/max and burst window."""

    __slots__ = ("name", "counter", "total", "vmin", "vmax", "averaged", "is_float",
                 "rng", "children", "parent", "buckets", "bcount", "max_burst",
                 "burst_time")

    def __init__(self, name: str, parent: Node | None,
                 rng: tuple[int, int] | None = None) -> None:
        self.name = name
        self.parent = parent
        self.counter = 0
        self.total: float = 0
        self.vmin: float | None = None
        self.vmax: float | None = None
        self.averaged = False
        self.is_float = False
        self.rng = rng
        self.children: dict[str, Node] = {}
        # [bucket number, start ms, count]; the first, empty bucket 0 starts at 0.
        self.buckets: list[list[float]] = [[0, 0.0, 0]]
        self.bcount = 0
        self.max_burst = 0
        self.burst_time = 0.0

    def child(self, name: str) -> Node:
        node = self.children.get(name)
        if node is None:
            node = self.children[name] = Node(name, self)
        return node

    def _burst(self, now: float, value: int) -> None:
        bucket = int(now / _BURST_RES)
        win = _BURST_WIN // _BURST_RES
        b = self.buckets
        if bucket > b[-1][0]:
            b.append([bucket, now, value])
            self.bcount += value
            while bucket >= b[0][0] + win:
                self.bcount -= int(b.pop(0)[2])
        elif bucket < b[0][0]:
            if bucket + win > b[-1][0]:
                b.insert(0, [bucket, now, value])
                self.bcount += value
        else:
            i = len(b) - 1
            while bucket < b[i][0]:
                i -= 1
            if bucket == b[i][0]:
                b[i][2] += value
                b[i][1] = min(b[i][1], now)
            else:
                b.insert(i + 1, [bucket, now, value])
            self.bcount += value
        if self.bcount > self.max_burst:
            self.max_burst = self.bcount
            self.burst_time = b[0][1]


class Tree:
    """The counters of one `-z KIND,tree` tap and its clock."""

    def __init__(self) -> None:
        self.root = Node("", None)
        self.start: float | None = None
        self.now = 0.0
        self.elapsed = 0.0
        self.state: object = None  # a kind's own bookkeeping beside the counters

    def top(self, name: str) -> Node:
        return self.root.child(name)

    def tick(self, node: Node, value: int = 1) -> Node:
        node.counter += value
        node._burst(self.now, value)
        return node

    def tick_name(self, parent: Node, name: str) -> Node:
        return self.tick(parent.child(name))

    def add_value(self, node: Node, value: float, tick: bool = True) -> None:
        """An averaged value (avg_stat_node_add_value): counts it unless `tick` is off."""
        if tick:
            self.tick(node)
        node.is_float = isinstance(value, float)
        if node.is_float:  # a C float all along
            value = _f32(value)
            node.total = _f32(node.total + value)
        else:
            node.total += value
        node.vmin = value if node.vmin is None else min(node.vmin, value)
        node.vmax = value if node.vmax is None else max(node.vmax, value)
        node.averaged = True

    def ranges(self, parent: Node, ranges: Iterable[tuple[str, int, int]]) -> Node:
        for name, lo, hi in ranges:
            parent.children.setdefault(name, Node(name, parent, (lo, hi)))
        return parent

    def tick_range(self, parent: Node, value: int) -> None:
        for child in parent.children.values():
            if child.rng is not None and child.rng[0] <= value <= child.rng[1]:
                child.counter += 1
                child.total += value
                child.vmin = value if child.vmin is None else min(child.vmin, value)
                child.vmax = value if child.vmax is None else max(child.vmax, value)
                child._burst(self.now, 1)
                return


# -- text ---------------------------------------------------------------------------

def _num(v: float, is_float: bool) -> str:
    return f"{v:f}" if is_float else f"{int(v)}"


def printable(name: str) -> str:
    """A name from a packet (a host, a URI) never puts control characters on a
    terminal: escaped as every packet text is (Wireshark's format_text; tshark prints
    them raw here)."""
    return format_str(name)


def values(tree: Tree, node: Node) -> list[str]:
    """The nine cells of a node's row, as tshark's stats_tree formats them."""
    out = [printable(node.name), str(node.counter)]
    if node.averaged or node.rng is not None:
        if node.counter:
            avg = _f32(node.total / node.counter) if node.is_float else \
                _f32(_f32(node.total) / _f32(node.counter))
            out += [f"{avg:.2f}", _num(node.vmin or 0, node.is_float),
                    _num(node.vmax or 0, node.is_float)]
        else:
            out += ["-", "-", "-"]
    else:
        out += ["", "", ""]
    out.append(f"{float(node.counter) / tree.elapsed:.4f}" if tree.elapsed else "")
    parent = node.parent
    assert parent is not None
    if parent.counter:
        out.append(f"{node.counter * 100.0 / parent.counter:.2f}%")
    elif parent is tree.root:
        out.append("100%")
    else:
        out.append("")
    if node.max_burst:
        out += [f"{node.max_burst / _BURST_WIN:.4f}", f"{node.burst_time / 1000.0:.3f}"]
    else:
        out += ["-", "-"]
    return out


def _compare(a: Node, b: Node) -> int:
    if a.rng is not None and b.rng is not None:
        return a.rng[0] - b.rng[0]
    r = a.counter - b.counter
    if not r:
        ka, kb = a.name.encode(), b.name.encode()
        r = (ka > kb) - (ka < kb)
    return -r


def rows(tree: Tree) -> list[tuple[int, list[str]]]:
    """(depth, cells) of every node, in tshark's order."""
    out: list[tuple[int, list[str]]] = []

    def walk(node: Node, depth: int) -> None:
        out.append((depth, values(tree, node)))
        for c in sorted(node.children.values(), key=cmp_to_key(_compare)):
            walk(c, min(depth + 1, _INDENT_MAX))

    for top in tree.root.children.values():
        walk(top, 0)
    return out


def _namelen(node: Node, indent: int) -> int:
    indent = min(indent, _INDENT_MAX)
    best = max((_namelen(c, indent + 1) for c in node.children.values()), default=0)
    return max(best, len(printable(node.name)) + indent)


def text(title: str, tree: Tree, min_width: int = 0) -> str:
    width = max(_namelen(tree.root, 0), min_width)
    sep = width + len(COLUMNS) * (_COL + 1)
    out = ["\n", "=" * sep, f"\n{title}:\n", f"{'Topic / Item':<{width}s}"]
    out += [f" {c:<{_COL}s}" for c in COLUMNS]
    out.append("\n" + "-" * sep + "\n")
    for depth, cells in rows(tree):
        out.append(" " * depth + f"{cells[0]:<{width - depth}s}")
        out += [f" {c:<{_COL}s}" for c in cells[1:]]
        out.append("\n")
    out.append("\n" + "-" * sep + "\n")
    return "".join(out)


# -- kinds --------------------------------------------------------------------------

@dataclass(frozen=True)
class Kind:
    """A stats_tree statistic: `-z {abbr},tree[,FILTER]`.

    taps(pkt) yields what each call of the underlying tap carries for one packet (one
    per IP header, one per DNS message...); init(tree) makes the fixed nodes;
    packet(tree, data) ticks the counters for one of those calls."""

    abbr: str
    title: str
    taps: Callable[[Packet], Iterable[Any]]
    packet: Callable[[Tree, Any], None]
    init: Callable[[Tree], None] = lambda tree: None
    min_width: int = 0  # of the name column, where tshark's is wider than the names


KINDS: dict[str, Kind] = {}


def declare(kind: Kind) -> None:
    KINDS[kind.abbr] = kind


class StatsTreeTap:
    """One `-z ABBR,tree[,FILTER]`."""

    def __init__(self, arg: str) -> None:
        abbr, _, rest = arg.partition(",")
        kind = KINDS.get(abbr)
        if kind is None or not (rest == "tree" or rest.startswith("tree,")):
            raise TapArgError(f'invalid "-z {abbr},tree[,<filter>]" argument')
        self.kind = kind
        self.filter = rest[5:] if rest.startswith("tree,") else None
        self.match: Callable[[Packet], bool] | None = None
        if self.filter:
            from filters import FilterError, compile_filter

            try:
                self.match = compile_filter(self.filter).match
            except FilterError as e:
                raise TapArgError(f"stats_tree for: {kind.title} failed to attach to the "
                                  f'tap: Filter "{self.filter}" is invalid - {e.message}'
                                  ) from None
        self.tree = Tree()
        kind.init(self.tree)

    def packet(self, pkt: Packet) -> None:
        if self.match is not None and not self.match(pkt):
            return
        tree = self.tree
        for data in self.kind.taps(pkt):
            ns = pkt.rel_ns
            tree.now = (ns // 1_000_000_000) * 1000.0 + (ns % 1_000_000_000) / 1e6
            if tree.start is None or tree.start < 0:
                # (stats_tree's start is -1 until set, so a first packet before the
                # capture's first frame, a negative relative time, resets it each time)
                tree.start = tree.now
            tree.elapsed = tree.now - tree.start
            self.kind.packet(tree, data)

    def text(self) -> str:
        return text(self.kind.title, self.tree, self.kind.min_width)


def _report(taps: list[StatsTreeTap]) -> str:
    """tshark draws the last registered tap first."""
    return "".join(t.text() for t in reversed(taps))


def register_kinds(abbrs: Iterable[str]) -> None:
    """Register `-z ABBR,tree` for each declared kind (called by the declaring module)."""
    for abbr in abbrs:
        register(f"{abbr},tree", lambda args: [StatsTreeTap(a) for a in args], _report,
                 (f"{abbr},tree",), per_tap=True)


__all__ = ["COLUMNS", "Kind", "printable", "Node", "Tree", "declare", "register_kinds", "rows", "text", "values",
           "StatsTreeTap", "KINDS"]
