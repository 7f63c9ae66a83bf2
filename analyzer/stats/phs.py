"""`-z io,phs[,FILTER]`: tshark 4.0's protocol hierarchy statistics.

Byte for byte tshark's `ui/cli/tap-protohierstat.c`: the top-level items of each packet's
tree (after `frame`, unless the run builds trees (-V, -T fields/json/ek) or a filter of it
names frame) nest one under the other, siblings in order of first sighting, every
level counting the frame and its wire length. Like tshark, the tap sees every dissected
packet whatever `-Y` keeps; only its own filter selects.

Where labshark decodes more than tshark (IPMSG on udp 2425, which tshark shows as
`data`), the hierarchy differs there by design.
"""

from __future__ import annotations

from collections.abc import Callable

from analyzer.stats.taps import TapArgError, register
from dissectors.packet import WALK_IN_PLACE, Packet

_RULE = "=" * 67 + "\n"
# Tree-less, tshark's tap walks the reassembly item after the protocols dissected from
# it (its tree shows it before them): seen with tshark 4.0 on reassembled HTTP; with a
# tree (-V) it walks the tree's order (tcp.segments first), seen on HTTP and NBSS.
_LAST = frozenset({"tcp.segments"})


def _walk_order(items: list, in_place: set[int]) -> list:
    """The order tshark's tap sees: a reassembly item right after the layers dissected
    from its reassembled bytes (its data source, or one made from it, as a decompressed
    HTTP body), before the layers dissected later from the rest of the segment (TLS
    records after a reassembled one)."""
    out: list = []
    held: list = []  # reassembly items waiting for the end of their layers

    def release(source: int) -> None:
        while held and held[-1].source > source:
            out.append(held.pop())

    for it in items:
        if it.field is not None and it.field.abbrev in _LAST and id(it) not in in_place:
            release(-1)  # (a new reassembly: the earlier ones are done)
            held.append(it)
            continue
        release(it.source)
        out.append(it)
    release(-1)
    return out


class _Node:
    __slots__ = ("name", "frames", "bytes", "children", "first")

    def __init__(self, name: str, first: int = 0) -> None:
        self.name = name
        self.first = first  # the frame that made it (a merge of parts restores the order)
        self.frames = 0
        self.bytes = 0
        self.children: dict[str, _Node] = {}  # insertion order = first sighting


class PhsTap:
    """Counts each packet's top-level protocol chain into a tree."""

    tshark_tree = True  # (tshark's listener needs the protocol tree: setup.tshark_builds_tree)
    reads: frozenset[str] = frozenset()  # (only top-level items: in every dissection)

    def __init__(self, arg: str) -> None:
        if arg == "io,phs":
            flt = None
        elif arg.startswith("io,phs,"):
            flt = arg[len("io,phs,"):]
        else:
            raise TapArgError('invalid "-z io,phs[,<filter>]" argument')
        self.filter = flt
        self.match: Callable[[Packet], bool] | None = None
        if flt:
            from filters import FilterError, compile_filter

            try:
                self.match = compile_filter(flt).match
            except FilterError as e:
                raise TapArgError(f'Couldn\'t register io,phs tap: Filter "{flt}" '
                                  f"is invalid - {e.message}") from None
        self.root = _Node("")
        self.with_frame = False
        self.tree_built = False  # (set by analyzer/setup.py when tshark builds trees)

    def prime(self, refs: set[str]) -> None:
        """tshark shows `frame` as the root only when a filter of the run names it or
        one of its fields (otherwise its tree item is never built)."""
        self.with_frame = any(r == "frame" or r.startswith("frame.") for r in refs)

    def packet(self, pkt: Packet) -> None:
        if self.match is not None and not self.match(pkt):
            return
        size = pkt.frame.origlen
        node = self.root
        # (`frame` is the first item, or the second after a pcapng comment's
        # `pkt_comment`, which tshark counts as a top-level protocol of its own)
        items = pkt.tree if self.with_frame else [
            i for i in pkt.tree[:2] if i.field is None or i.field.abbrev != "frame"
        ] + pkt.tree[2:]
        if not self.tree_built and any(i.field is not None and i.field.abbrev in _LAST
                                       for i in items):
            # (with a tree, tshark walks it in its order)
            items = _walk_order(items, pkt.proto_data.get(WALK_IN_PLACE, set()))
        for item in items:
            name = item.field.abbrev if item.field is not None else "text"
            child = node.children.get(name)
            if child is None:
                child = node.children[name] = _Node(name, pkt.frame.number)
            child.frames += 1
            child.bytes += size
            node = child

    def text(self) -> str:
        out = ["\n", _RULE, "Protocol Hierarchy Statistics\n", f"Filter: {self.filter or ''}\n\n"]
        self._draw(self.root, 0, out)
        out.append(_RULE)
        return "".join(out)

    def _draw(self, node: _Node, depth: int, out: list[str]) -> None:
        for child in node.children.values():
            indent = "  " * min(depth, 16) + ("..." if depth > 16 else "")
            label = (indent + child.name)[:79]
            out.append(f"{label:<40s} frames:{child.frames} bytes:{child.bytes}\n")
            self._draw(child, depth + 1, out)


def build_taps(args: list[str]) -> list[PhsTap]:
    return [PhsTap(a) for a in args]


def report(taps: list[PhsTap]) -> str:
    """tshark draws the last registered tap first."""
    return "".join(t.text() for t in reversed(taps))


register("io,phs", build_taps, report, ("io,phs",))
