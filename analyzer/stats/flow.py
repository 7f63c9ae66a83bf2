"""`-z flow,any|tcp|icmp|icmpv6,standard|network[,FILTER]`: tshark 4.0's ASCII sequence
(ladder) diagram (ui/cli/tap-flow.c drawing with epan/sequence_analysis.c).

The tap gathers rows (`FlowItem`: time, source, destination, ports, label, comment,
conversation); `ladder()` draws them as tshark does, and the annotated view
(analyzer/stats/flow_notes.py) draws the same rows with the course's notes. tshark's
layout rules kept here, because the output must match byte for byte:
  - nodes are the addresses in order of first appearance (source before destination),
    at most 40; a 41st and later address all fall on one "overflow" column outside
    the drawing (tshark's NODE_OVERFLOW), as tshark draws them;
  - each node is 20 characters wide; the label is cut to the arrow's width;
  - `standard` takes the network addresses (pinfo->net_src: IP/IPv6; no ARP), `network`
    the last layer's addresses (pinfo->src: MACs for ARP);
  - overwriting past the line's end appends, as GLib's g_string_erase refuses and
    g_string_insert still inserts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from analyzer.stats.taps import TapArgError, register
from dissectors.escape import format_str
from dissectors.format import ipv4_str, ipv6_str
from dissectors.ipv6_routing import header_dst
from dissectors.packet import Item, Packet

WIDTH = 20  # NODE_CHARS_WIDTH
MAX_NODES = 40
OVERFLOW = MAX_NODES + 1
KINDS = ("any", "tcp", "icmp", "icmpv6")
_READS = frozenset({"tcp.flags", "tcp.flags.ace", "tcp.len", "tcp.seq", "tcp.ack",
                    "tcp.stream", "icmp.type",
                    "icmp.code", "icmpv6.type", "icmpv6.code", "icmp.resp_to",
                    "icmpv6.resp_to"})


@dataclass
class FlowItem:
    """One arrow of the diagram: what tshark's seq_analysis_item holds."""

    frame: int
    time: str
    src: str
    dst: str
    sport: int
    dport: int
    label: str
    comment: str
    conv: int = 0
    note: str = ""  # --flow-notes (flow_notes.py)


#: Layers that set pinfo's port type (and so its ports): tshark's ICMP diagram keeps
#: their ports, and numbers the arrow by type and code only without one (PT_NONE).
_PORT_LAYERS = frozenset({"udp", "tcp", "sctp", "dccp", "udplite", "ipx"})


def _ports(pkt: Packet) -> tuple[int, int]:
    """pinfo->srcport/destport when the taps run: the last transport layer's, as the
    layers set them (`Packet.srcport`/`dstport`), whatever tunnel follows."""
    return pkt.srcport, pkt.dstport


def _net_text(raw: bytes) -> str:
    if len(raw) == 4:
        return ipv4_str(int.from_bytes(raw, "big"))
    if len(raw) == 10:  # IPX: network and node (AT_IPX)
        return f"{raw[:4].hex()}.{raw[4:].hex()}"
    return ipv6_str(raw)


def _children(item: Item) -> dict[str, object]:
    return {c.field.abbrev: c.value for c in item.children or () if c.field is not None}


class FlowTap:
    """One `-z flow,...` diagram: its rows, gathered packet by packet."""

    time_format = "r"  # set by analyze from -t
    notes = False  # set by analyze from --flow-notes

    def __init__(self, arg: str) -> None:
        rest = arg[len("flow,"):]
        kind = next((k for k in sorted(KINDS, key=len, reverse=True)
                     if rest.startswith(k)), "")
        rest = rest[len(kind):]
        if rest.startswith(",standard"):
            self.any_addr, rest = True, rest[len(",standard"):]
        elif rest.startswith(",network"):
            self.any_addr, rest = False, rest[len(",network"):]
        else:
            raise TapArgError("flow - Invalid address type.")
        self.kind = kind
        self.filter = rest[1:] if rest.startswith(",") else None
        self.match: Callable[[Packet], bool] | None = None
        if self.filter:
            from filters import FilterError, compile_filter

            try:
                self.match = compile_filter(self.filter).match
            except FilterError:
                raise TapArgError("flow - Error registering tap listener.") from None
        self.items: list[FlowItem] = []
        self._annotator = None  # type: ignore[var-annotated]

    @property
    def reads(self) -> frozenset[str] | None:
        """The fields the diagram reads from items: tshark's flow taps need no tree, so
        the packets are dissected tree-less (--flow-notes reads the tree)."""
        return None if self.notes else _READS

    def _addresses(self, pkt: Packet) -> tuple[str, str] | None:
        if self.any_addr:
            if not pkt.net_src or not pkt.net_dst:
                return None
            return _net_text(pkt.net_src), _net_text(header_dst(pkt))
        if not pkt.src or not pkt.dst:
            return None
        return pkt.src, pkt.dst

    def _time(self, pkt: Packet) -> str:
        from analyzer.output.packet_list import time_column

        return time_column(pkt, self.time_format)

    def packet(self, pkt: Packet) -> None:
        if self.match is not None and not self.match(pkt):
            return
        if self.kind == "tcp":
            for item in pkt.tree:
                if item.field is not None and item.field.abbrev == "tcp":
                    f = _children(item)
                    for c in item.children or ():  # the flags subtree's ACE counter
                        if c.field is not None and c.field.abbrev == "tcp.flags":
                            ace = _children(c).get("tcp.flags.ace")
                            if ace is not None:
                                f["tcp.flags.ace"] = ace
                    self._tcp(pkt, f)
            return
        if self.kind in ("icmp", "icmpv6"):
            self._icmp(pkt)
            return
        self._frame(pkt)

    def _add(self, pkt: Packet, sport: int, dport: int, label: str, comment: str,
             conv: int = 0) -> None:
        addrs = self._addresses(pkt)
        if addrs is None:
            return
        note = ""
        if self.notes:
            if self._annotator is None:
                from analyzer.stats.flow_notes import Annotator

                self._annotator = Annotator()
            note = self._annotator.note(pkt)
        self.items.append(FlowItem(pkt.frame.number, self._time(pkt), addrs[0], addrs[1],
                                   sport, dport, label, comment, conv, note))

    def _info_label(self, pkt: Packet) -> tuple[str, str]:
        from analyzer.output.packet_list import info_text

        info = info_text(pkt)
        return info, f"{format_str(pkt.proto_col)}: {info}"

    def _frame(self, pkt: Packet) -> None:
        sp, dp = _ports(pkt)
        label, comment = self._info_label(pkt)
        self._add(pkt, sp, dp, label, comment)

    def _tcp(self, pkt: Packet, f: dict[str, object]) -> None:
        from dissectors.tcp import _ace_text, flags_text

        flags = int(f.get("tcp.flags", 0) or 0)  # type: ignore[call-overload]
        ace = f.get("tcp.flags.ace")  # AccECN agreed: AE, CWR, ECE as one counter
        text = _ace_text(flags, ace) if isinstance(ace, int) else flags_text(flags)
        seglen = f.get("tcp.len")
        label = f"{text} - Len: {seglen}" if seglen else text
        seq = f.get("tcp.seq", 0)
        comment = (f"Seq = {seq} Ack = {f.get('tcp.ack', 0)}" if flags & 0x10
                   else f"Seq = {seq}")
        sp, dp = _ports(pkt)  # pinfo's: the last transport layer's, not this header's
        self._add(pkt, sp, dp, label, comment, int(f.get("tcp.stream", 0)))  # type: ignore[call-overload]

    def _icmp(self, pkt: Packet) -> None:
        proto = self.kind
        echo = (0, 8) if proto == "icmp" else (128, 129)
        for item in pkt.tree:
            if item.field is None or item.field.abbrev != proto:
                continue
            f = _children(item)
            kind = f.get(f"{proto}.type")
            if kind not in echo:  # tshark's ICMP taps see echo requests and replies
                continue
            if kind in (0, 129) and f.get(f"{proto}.resp_to") is None:
                continue  # (a reply to no request seen: packet-icmp*.c taps no transaction)
            code = int(f.get(f"{proto}.code", 0) or 0)  # type: ignore[call-overload]
            label, comment = self._info_label(pkt)
            if _PORT_LAYERS.intersection(pkt.protocols):  # ICMP inside a UDP tunnel
                sp, dp = _ports(pkt)
            else:
                sp, dp = 0, int(kind) * 256 + code  # type: ignore[call-overload]
            self._add(pkt, sp, dp, label, comment)

    def text(self) -> str:
        return ladder(self.items)

    def draw(self, out_path: str) -> None:
        """--plot: the diagram as an image (flow_plot.py)."""
        from analyzer.stats.flow_plot import draw_flow

        draw_flow(self, *nodes_of(self.items), out_path)


def nodes_of(items: list[FlowItem]) -> tuple[list[str], list[tuple[int, int]]]:
    """The node addresses (at most 40) and each item's (source, destination) column."""
    nodes: list[str] = []
    index: dict[str, int] = {}

    def node(addr: str) -> int:
        i = index.get(addr)
        if i is not None:
            return i
        if len(nodes) >= MAX_NODES:
            return OVERFLOW
        index[addr] = len(nodes)
        nodes.append(addr)
        return index[addr]

    cols = []
    for it in items:
        s = node(it.src)
        cols.append((s, node(it.dst)))
    return nodes, cols


def _overwrite(line: bytearray, text: str, p1: int, p2: int) -> None:
    """Put `text` (cut to the span) over line[min:max] as sequence_analysis.c does."""
    if p1 == p2:
        return
    pos, span = (p2, p1 - p2) if p1 > p2 else (p1, p2 - p1)
    if span > len(text):  # only as many characters as the text has are replaced
        span = len(text)
    elif span < len(text):
        text = text[:span]
    ins = text.encode("utf-8", "surrogateescape")
    pos = min(pos, len(line))
    if pos + span <= len(line):  # g_string_erase refuses a span past the end
        del line[pos:pos + span]
    line[pos:pos] = ins


def ladder(items: list[FlowItem]) -> str:
    """tshark's text diagram of `items` (empty when there are none); an item's note
    (--flow-notes) follows its arrow."""
    if not items:
        return ""
    first_conv = items[0].conv
    several = any(it.conv != first_conv for it in items)
    nodes, cols = nodes_of(items)
    out: list[str] = []
    if several:
        out.append("Conv.| Time    ")
        empty_header, header_len = "     |         ", 16
    else:
        out.append("|Time     ")
        empty_header, header_len = "|         ", 10
    cell = "| ".ljust(WIDTH)
    empty = ""
    for i in range(0, len(nodes), 2):
        out.append(f"| {nodes[i]}".ljust(WIDTH * 2))
        empty += cell
    out.append(f"|\n{empty_header}{cell}")
    for i in range(1, len(nodes), 2):
        label = f"| {nodes[i]}"
        if len(label) < WIDTH:
            label = label.ljust(WIDTH) + "| "
        out.append(label.ljust(WIDTH * 2))
        empty += cell
    out.append("\n")
    empty += "|"
    separator = "-" * (len(empty) + header_len)
    raw_empty = empty.encode()
    for it, (s, d) in zip(items, cols, strict=True):
        start = s * WIDTH + WIDTH // 2
        end = d * WIDTH + WIDTH // 2
        if start == end:
            end = start + WIDTH
        width = abs(end - start)
        if it.conv != first_conv:
            out.append(separator + "\n")
            first_conv = it.conv
        if several:
            out.append(f"{it.conv}".ljust(5))
        out.append(f"|{it.time}".ljust(10))
        line = bytearray(raw_empty)
        _overwrite(line, it.label, start, end)
        out.append(line.decode("utf-8", "replace"))
        out.append(f"{it.comment}\n{empty_header}")
        line = bytearray(raw_empty)
        arrow = "-" * (width - 2) + ">" if start < end else "<" + "-" * (width - 2)
        _overwrite(line, arrow, start, end)
        sp, dp = f"({it.sport})", f"({it.dport})"
        if start < end:
            _overwrite(line, sp, start - 9, start - 1)
            _overwrite(line, dp, end + 1, end + 9)
        else:
            _overwrite(line, sp, start + 1, start + 9)
            _overwrite(line, dp, end - 9, end + 1)
        note = f"  {it.note}" if it.note else ""
        out.append(line.decode("utf-8", "replace") + note + "\n")
    return "".join(out)


def _report(taps: list[FlowTap]) -> str:
    return "".join(t.text() for t in reversed(taps))


for _kind in KINDS:
    register(f"flow,{_kind}", lambda args: [FlowTap(a) for a in args], _report,
             (f"flow,{_kind}",), per_tap=True)
