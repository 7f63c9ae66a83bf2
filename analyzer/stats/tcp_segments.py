"""The TCP segments of each stream as rows, from the TCP dissector's fields (relative
sequence numbers, the calculated window, tshark's `tcp.analysis.ack_rtt`): what the
RTT table (tcp_rtt.py) and the stream graphs (tcp_graph.py) are computed from, as
Wireshark's TCP Stream Graphs compute theirs from the same per-segment values."""

from __future__ import annotations

from dataclasses import dataclass

from dissectors.packet import Item, Packet


@dataclass(frozen=True)
class Segment:
    """One TCP header of a stream (top-level: never a copy an ICMP error quotes)."""

    frame: int
    time: float  # seconds since the first frame of the capture
    src: str  # "address:port"
    dst: str
    seq: int  # relative
    nxtseq: int
    ack: int | None  # None without the ACK flag
    length: int
    window: int | None  # tcp.window_size (scaled when the scale is known)
    flags: int
    syn: bool
    fin: bool
    ack_rtt: float | None  # tshark's tcp.analysis.ack_rtt on this (ACK) segment
    acks_frame: int | None
    bytes_in_flight: int | None  # tcp.analysis.bytes_in_flight
    sacks: tuple[tuple[int, int], ...] = ()  # SACK (and D-SACK) blocks, in option order


def layer_fields(item: Item) -> dict[str, object]:
    """The first value of each field under a protocol layer (the flow notes read these
    too)."""
    out: dict[str, object] = {}
    stack = list(item.children or ())
    while stack:
        it = stack.pop()
        if it.field is not None and it.field.abbrev not in out:
            out[it.field.abbrev] = it.value
        if it.children:
            stack.extend(it.children)
    return out


_LEFT = ("tcp.options.sack_le",)  # (a D-SACK block has these too, after its dsack_*)
_RIGHT = ("tcp.options.sack_re",)


def sack_blocks(item: Item) -> tuple[tuple[int, int], ...]:
    """The (left, right) edges of the SACK option's blocks in the order they are sent
    (relative, as tshark shows them), a D-SACK block once: Wireshark's tcpheader keeps
    every block for its tcptrace graph."""
    blocks: list[tuple[int, int]] = []
    left: int | None = None
    stack = list(reversed(item.children or ()))
    while stack:  # preorder: the blocks' edges in tree order
        it = stack.pop()
        name = it.field.abbrev if it.field is not None else ""
        if name in _LEFT:
            left = int(it.value)  # type: ignore[call-overload]
        elif name in _RIGHT and left is not None:
            blocks.append((left, int(it.value)))  # type: ignore[call-overload]
            left = None
        if it.children:
            stack.extend(reversed(it.children))
    return tuple(blocks)


def segments_of(pkt: Packet) -> list[tuple[int, Segment]]:
    """(stream, segment) for each top-level TCP layer of the packet."""
    out = []
    src, dst = pkt.src, pkt.dst  # the innermost network layer's addresses
    for item in pkt.tree:
        if item.field is None or item.field.abbrev != "tcp":
            continue
        f = layer_fields(item)
        flags = int(f.get("tcp.flags", 0) or 0)  # type: ignore[call-overload]
        seq = int(f.get("tcp.seq", 0) or 0)  # type: ignore[call-overload]
        length = int(f.get("tcp.len", 0) or 0)  # type: ignore[call-overload]
        rtt = f.get("tcp.analysis.ack_rtt")
        acks = f.get("tcp.analysis.acks_frame")
        win = f.get("tcp.window_size")
        bif = f.get("tcp.analysis.bytes_in_flight")
        out.append((int(f.get("tcp.stream", 0) or 0), Segment(  # type: ignore[call-overload]
            pkt.frame.number, pkt.rel_ns / 1e9,
            f"{src}:{f.get('tcp.srcport')}", f"{dst}:{f.get('tcp.dstport')}",
            seq, int(f.get("tcp.nxtseq", seq + length) or 0),  # type: ignore[call-overload]
            int(f["tcp.ack"]) if flags & 0x10 and "tcp.ack" in f else None,  # type: ignore[call-overload]
            length, None if win is None else int(win),  # type: ignore[call-overload]
            flags, bool(flags & 0x02), bool(flags & 0x01),
            None if rtt is None else int(rtt) / 1e9,  # type: ignore[call-overload]  # (ns)
            None if acks is None else int(acks),  # type: ignore[call-overload]
            None if bif is None else int(bif),  # type: ignore[call-overload]
            sack_blocks(item) if "tcp.options.sack_le" in f else ())))
    return out


class StreamCollector:
    """The segments of the streams a tap asks for (None: every stream)."""

    def __init__(self, stream: int | None) -> None:
        self.stream = stream
        self.streams: dict[int, list[Segment]] = {}

    def packet(self, pkt: Packet) -> None:
        if "tcp" not in pkt.index:
            return
        for stream, seg in segments_of(pkt):
            if self.stream is None or stream == self.stream:
                self.streams.setdefault(stream, []).append(seg)
