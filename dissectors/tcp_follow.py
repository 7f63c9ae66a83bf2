"""`-z follow,tcp`: packet-tcp.c's follow tap (follow_tcp_tap_listener), registered by
tcp.py. Segments come out in sequence order: what was already seen (retransmissions)
is dropped, out-of-order segments wait until the gap fills and, when the peer
acknowledges bytes the capture lacks, tshark's `[N bytes missing in capture file]`
marker is written (with its trailing NUL, as tshark does).
"""

from __future__ import annotations

from dataclasses import dataclass

from dissectors.offers import FollowStream, layer_fields
from dissectors.packet import Item, Packet
from dissectors.tcp_stream import SEQ_MASK, gt_seq, lt_seq


@dataclass(slots=True)
class _Segment:
    is_server: bool
    number: int
    ts_ns: int
    data: bytes
    seq: int = 0


class TcpFollower:
    """One follow tap's view of a TCP stream: the next sequence number of each
    direction and the segments that arrived ahead of it."""

    def __init__(self, stream: FollowStream) -> None:
        self.stream = stream
        self.seq = [0, 0]
        self.frags: list[list[_Segment]] = [[], []]

    def packet(self, pkt: Packet, top: set[int]) -> None:
        for layer in pkt.index.get("tcp", ()):
            if id(layer) in top:
                self._layer(pkt, layer)

    def _emit(self, seg: _Segment) -> None:
        self.stream.emit(seg.is_server, seg.number, seg.ts_ns, seg.data)

    def _layer(self, pkt: Packet, layer: Item) -> None:
        kids = layer_fields(layer)
        need = ("tcp.len", "tcp.seq", "tcp.hdr_len", "tcp.flags", "tcp.stream")
        if any(k not in kids for k in need) or kids["tcp.hdr_len"].value < 20:
            return  # no segment length (quoted by ICMP, bogus header): tshark taps nothing
        if not self.stream.selected(pkt, kids):
            return
        seglen = kids["tcp.len"].value
        start = layer.offset + kids["tcp.hdr_len"].value
        src = pkt.sources[layer.source][1]
        payload = bytes(src[start: start + seglen])
        flags = kids["tcp.flags"].value
        ack = kids["tcp.ack"].value if "tcp.ack" in kids else 0
        sport, dport = kids["tcp.srcport"].value, kids["tcp.dstport"].value
        self._segment(pkt, sport, dport, kids["tcp.seq"].value, seglen, flags, ack, payload)

    def _segment(self, pkt: Packet, sport: int, dport: int, sequence: int, length: int,
                 flags: int, ack: int, data: bytes) -> None:
        if flags & 0x02:
            sequence = (sequence + 1) & SEQ_MASK
        server = self.stream.is_server(pkt, sport, dport)
        s = int(server)
        num = pkt.frame.number
        if self.frags[1 - s]:
            while self._check_frags(1 - s, ack, num, True):
                pass
        if self.seq[s] == 0:
            self.seq[s] = sequence
        offset = 0
        if lt_seq(sequence, self.seq[s]):
            nextseq = (sequence + length) & SEQ_MASK
            if gt_seq(nextseq, self.seq[s]):
                offset = (self.seq[s] - sequence) & SEQ_MASK
                data = data[offset:] if len(data) > offset else b""
                sequence = self.seq[s]
                length = (nextseq - self.seq[s]) & SEQ_MASK
        if not data or lt_seq(sequence, self.seq[s]):
            return
        seg = _Segment(server, num, pkt.frame.ts_ns, data, sequence)
        if sequence == self.seq[s]:
            self.seq[s] = (self.seq[s] + length) & SEQ_MASK
            self._emit(seg)
            while self._check_frags(s, 0, num, False):
                pass
        else:
            self.frags[s].append(seg)

    def _check_frags(self, s: int, acked: int, num: int, use_ack: bool) -> bool:
        """packet-tcp.c check_follow_fragments: one step of filling the gap."""
        frags = self.frags[s]
        if not frags:
            return False
        lowest = frags[0].seq
        for i, frag in enumerate(frags):
            if gt_seq(lowest, frag.seq):
                lowest = frag.seq
            if lt_seq(frag.seq, self.seq[s]):
                newseq = (frag.seq + len(frag.data)) & SEQ_MASK
                if gt_seq(newseq, self.seq[s]):
                    new_pos = (self.seq[s] - frag.seq) & SEQ_MASK
                    if len(frag.data) > new_pos:
                        self.stream.emit(frag.is_server, frag.number, frag.ts_ns,
                                         frag.data[new_pos:])
                    self.seq[s] = (self.seq[s] + len(frag.data) - new_pos) & SEQ_MASK
                del frags[i]
                return True
            if frag.seq == self.seq[s]:
                if frag.data:
                    self._emit(frag)
                self.seq[s] = (self.seq[s] + len(frag.data)) & SEQ_MASK
                del frags[i]
                return True
        if use_ack and gt_seq(acked, lowest):
            missing = (lowest - self.seq[s]) & SEQ_MASK
            if missing >= 0x80000000:
                missing -= 1 << 32
            dummy = f"[{missing} bytes missing in capture file]".encode() + b"\0"
            self.stream.emit(bool(s), num, 0, dummy)  # tshark: no time
            self.seq[s] = lowest
            return True
        return False
