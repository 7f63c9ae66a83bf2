"""TCP streams: the protocol, its conversations (both flows' state), the flag bits, and
32-bit sequence-number arithmetic, shared by the header, analysis and reassembly modules.

Streams are keyed by address/port pair; a SYN with a new ISN on a known pair starts a
new stream ("port numbers reused").
"""

from __future__ import annotations

import marshal
from dataclasses import dataclass, fields
from typing import Final

from dissectors.compiled import mypyc_attr
from dissectors.packet import Item, Packet
from dissectors.ports import Conversations, pair_key
from dissectors.registry import Field, protocol
from dissectors.session import Session

TCP: Final = protocol("tcp", "Transmission Control Protocol", "TCP")

# Flags (TH_*) and analysis flags (TCP_A_*), as in packet-tcp.c. (Final: mypyc inlines
# them, where a plain module constant is a dictionary lookup and a boxed int per use.)
TH_FIN: Final = 0x01
TH_SYN: Final = 0x02
TH_RST: Final = 0x04
TH_PUSH: Final = 0x08
TH_ACK: Final = 0x10
TH_URG: Final = 0x20
TH_RES: Final = 0xE00
A_RETRANSMISSION: Final = 0x1
A_LOST_PACKET: Final = 0x2
A_ACK_LOST_PACKET: Final = 0x4
A_KEEPALIVE: Final = 0x8
A_DUPLICATE_ACK: Final = 0x10
A_ZERO_WINDOW: Final = 0x20
A_ZERO_WINDOW_PROBE: Final = 0x40
A_ZERO_WINDOW_PROBE_ACK: Final = 0x80
A_KEEPALIVE_ACK: Final = 0x100
A_OUT_OF_ORDER: Final = 0x200
A_FAST_RETRANSMISSION: Final = 0x400
A_WINDOW_UPDATE: Final = 0x800
A_WINDOW_FULL: Final = 0x1000
A_REUSED_PORTS: Final = 0x2000
A_SPURIOUS_RETRANSMISSION: Final = 0x4000
SEQ_MASK: Final = 0xFFFFFFFF


#: pkt.proto_data key: the stream index of the TCP segment carrying the payload.
STREAM_KEY: Final = "tcp.stream"


def stream_of(pkt: Packet) -> int | None:
    """The tcp.stream of the (innermost) TCP segment carrying this payload, for the
    protocols above that keep per-connection state (TLS, SSH)."""
    return pkt.proto_data.get(STREAM_KEY)


def seq_gt(a: int, b: int) -> bool:
    """GT_SEQ: a after b in 32-bit sequence space."""
    d = (a - b) & SEQ_MASK
    return d != 0 and d < 0x80000000


def seq_lt(a: int, b: int) -> bool:
    return seq_gt(b, a)


def seq_le(a: int, b: int) -> bool:
    return not seq_gt(a, b)


def lt_seq(a: int, b: int) -> bool:
    """packet-tcp.c's LT_SEQ exactly, `(gint32)(a - b) < 0`: unlike seq_lt (the sequence
    analysis's), true at a distance of exactly 2**31. The follow tap compares so."""
    return (a - b) & SEQ_MASK >= 0x80000000


def gt_seq(a: int, b: int) -> bool:
    """packet-tcp.c's GT_SEQ exactly, `(gint32)(b - a) < 0`."""
    return lt_seq(b, a)


@dataclass(slots=True, init=False)
class Ta:
    """What the analysis learnt about one frame (Wireshark's tcp_acked)."""

    # (`__init__` written out, the defaults there: compiled, a dataclass's generated one
    # is interpreted Python setting each field generically, ~2-7k instructions a call)

    flags: int
    frame_acked: int
    ts: int
    dupack_num: int
    dupack_frame: int
    bytes_in_flight: int
    push_bytes_sent: int
    rto_ts: int
    rto_frame: int

    def __init__(self, flags: int = 0, frame_acked: int = 0, ts: int = 0, dupack_num: int = 0,
                 dupack_frame: int = 0, bytes_in_flight: int = 0, push_bytes_sent: int = 0,
                 rto_ts: int = 0, rto_frame: int = 0) -> None:
        self.flags = flags
        self.frame_acked = frame_acked
        self.ts = ts
        self.dupack_num = dupack_num
        self.dupack_frame = dupack_frame
        self.bytes_in_flight = bytes_in_flight
        self.push_bytes_sent = push_bytes_sent
        self.rto_ts = rto_ts
        self.rto_frame = rto_frame


@dataclass(slots=True, init=False)
class Flow:
    """One direction of a TCP conversation (Wireshark's tcp_flow_t)."""

    # (`__init__` written out, the defaults there: compiled, a dataclass's generated one
    # is interpreted Python setting each field generically, ~2-7k instructions a call)

    base_seq: int
    base_set: bool
    win_scale: int
    window: int
    is_first_ack: bool
    closing_initiator: bool
    valid_bif: bool
    push_bytes_sent: int
    push_set_last: bool
    lastsegmentflags: int
    nextseq: int
    nextseqframe: int
    nextseqtime: int
    lastack: int
    lastacktime: int
    lastnondupack: int
    dupacknum: int
    maxseqtobeacked: int
    # unacked segments, newest first: [frame, seq, nextseq, ts]
    # (() until the first one, and again once all are acked: most streams end so)
    segments: list[list[int]] | tuple
    # bytes in flight: the lowest start and highest end of `segments` relative to
    # bif_base, as of when it held bif_n of them (0: recompute; a segment trimmed or
    # removed resets it, new ones are folded in): one-way streams stay linear
    bif_n: int
    bif_base: int
    bif_first: int
    bif_last: int
    sack: list[tuple[int, int]] | tuple

    def __init__(self, base_seq: int = 0, base_set: bool = False, win_scale: int = -1,
                 window: int = 0xFFFFFFFF, is_first_ack: bool = False,
                 closing_initiator: bool = False, valid_bif: bool = True,
                 push_bytes_sent: int = 0, push_set_last: bool = False,
                 lastsegmentflags: int = 0, nextseq: int = 0, nextseqframe: int = 0,
                 nextseqtime: int = 0, lastack: int = 0, lastacktime: int = 0,
                 lastnondupack: int = 0, dupacknum: int = 0, maxseqtobeacked: int = 0,
                 segments: list[list[int]] | tuple = (), bif_n: int = 0, bif_base: int = 0,
                 bif_first: int = 0, bif_last: int = 0,
                 sack: list[tuple[int, int]] | tuple = ()) -> None:
        self.base_seq = base_seq
        self.base_set = base_set
        self.win_scale = win_scale
        self.window = window
        self.is_first_ack = is_first_ack
        self.closing_initiator = closing_initiator
        self.valid_bif = valid_bif
        self.push_bytes_sent = push_bytes_sent
        self.push_set_last = push_set_last
        self.lastsegmentflags = lastsegmentflags
        self.nextseq = nextseq
        self.nextseqframe = nextseqframe
        self.nextseqtime = nextseqtime
        self.lastack = lastack
        self.lastacktime = lastacktime
        self.lastnondupack = lastnondupack
        self.dupacknum = dupacknum
        self.maxseqtobeacked = maxseqtobeacked
        self.segments = segments
        self.bif_n = bif_n
        self.bif_base = bif_base
        self.bif_first = bif_first
        self.bif_last = bif_last
        self.sack = sack


class Conversation:
    """One TCP stream: both flows, timestamps and per-frame analysis."""

    __slots__ = ("stream", "flow1", "flow2", "fwd", "rev", "ts_first", "ts_prev",
                 "ts_mru_syn", "ts_first_rtt", "completeness", "tfo_syn_data", "seglen",
                 "ta", "first_frame", "acc_ecn")

    def __init__(self, stream: int, ts: int) -> None:
        self.stream = stream
        self.flow1 = Flow()
        self.flow2 = Flow()
        self.fwd = self.flow1
        self.rev = self.flow2
        self.ts_first = ts
        self.ts_prev = ts
        self.ts_mru_syn = 0
        self.ts_first_rtt = 0
        self.completeness = 0
        self.tfo_syn_data = False
        self.seglen = 0  # of the segment being dissected, for options that need it
        self.ta: Ta | None = None
        self.first_frame = 0  # (Wireshark's conversation setup frame: FTP-DATA shows it)
        self.acc_ecn = 0  # AccECN: 1 after a SYN asking for it, 2 once the SYN-ACK agreed

    def get_ta(self) -> Ta:
        if self.ta is None:
            self.ta = Ta()
        return self.ta

    def pack(self) -> bytes:
        """Everything a later segment of this stream reads, as one bytes object (the
        direction and `ta` are set afresh by every lookup)."""
        return marshal.dumps((
            self.stream, self.ts_first, self.ts_prev, self.ts_mru_syn, self.ts_first_rtt,
            self.completeness, self.tfo_syn_data, self.seglen, self.first_frame, self.acc_ecn,
            tuple(getattr(self.flow1, n) for n in _FLOW_FIELDS),
            tuple(getattr(self.flow2, n) for n in _FLOW_FIELDS)))

    @classmethod
    def unpack(cls, blob: bytes) -> Conversation:
        (stream, ts_first, ts_prev, mru_syn, first_rtt, completeness, tfo, seglen, first_frame,
         acc_ecn, f1, f2) = marshal.loads(blob)
        conv = cls(stream, ts_first)
        conv.ts_prev, conv.ts_mru_syn, conv.ts_first_rtt = ts_prev, mru_syn, first_rtt
        conv.completeness, conv.tfo_syn_data, conv.seglen = completeness, tfo, seglen
        conv.first_frame = first_frame
        conv.acc_ecn = acc_ecn
        conv.flow1, conv.flow2 = Flow(*f1), Flow(*f2)
        conv.fwd, conv.rev = conv.flow1, conv.flow2
        return conv


_FLOW_FIELDS: Final = tuple(f.name for f in fields(Flow))  # (not __slots__: mypyc's classes lack it)
_SWEEP_EVERY = 4096  # new streams between two sweeps of the table


@mypyc_attr(allow_interpreted_subclasses=True)  # (analyzer/scale subclasses it)
class TcpStreams:
    """Current conversation per address/port pair, and the stream counter.

    Every stream of the capture stays (a late segment, or a SYN reusing the ports, reads
    it), but each `sweep` packs them (`Conversation.pack`, a few hundred bytes) and the
    lookup that needs one unpacks it: memory grows by bytes, not objects, per stream.
    """

    def __init__(self) -> None:
        self.convs: dict[bytes, Conversation | bytes] = {}
        self.count = 0

    def new(self, key: bytes, ts: int) -> Conversation:
        conv = Conversation(self.count, ts)
        self.count += 1
        self.convs[key] = conv
        if self.count % _SWEEP_EVERY == 0:
            self.sweep(ts)
        return conv

    def get(self, key: bytes) -> Conversation | None:
        conv = self.convs.get(key)
        if type(conv) is bytes:
            conv = self.convs[key] = Conversation.unpack(conv)
        return conv  # type: ignore[return-value]

    def sweep(self, now: int) -> None:
        """Pack the streams (lossless: `get` unpacks one a later segment needs; an open
        one costs one unpack per sweep), except those of the frame being dissected (their
        `ts_prev` is its time): an outer segment's stream stays an object while a
        tunnelled one is looked up. Streams only passed over by dissectors/skipping.py
        never close, so every stream is packed, not only the closed ones."""
        convs = self.convs
        for key, conv in convs.items():
            if type(conv) is Conversation and conv.ts_prev != now:
                convs[key] = conv.pack()


def _conv_key(src: bytes, sp: int, dst: bytes, dp: int) -> bytes:
    """Both directions of an address/port pair as one packed key (one small object per
    stream: the table keeps every stream of the capture)."""
    return pair_key(src, sp, dst, dp)


def sequence_note(pkt: Packet, item: Item | None, sev: str, text: str, fld: Field) -> None:
    """An expert note of TCP's sequence group (analysis, options, connection flags)."""
    pkt.add_expert(item, sev, "sequence", text, "tcp", field=fld)


def find_conversation(session: Session, pkt: Packet, sport: int, dport: int, seq: int,
                       flags: int, ts: int) -> tuple[Conversation, bool]:
    """The stream of this segment; a SYN with a new ISN on a known pair starts a new one."""
    conv, is_new = lookup_stream(session.state("tcp.streams", TcpStreams), pkt.net_src,
                                 pkt.net_dst, sport, dport, seq, flags, ts)
    if not conv.first_frame:
        conv.first_frame = pkt.frame.number
    if is_new and bound_earlier(session, pkt.net_src, sport, pkt.net_dst, dport):
        is_new = False
    return conv, is_new


def bound_earlier(session: Session, src: bytes, sport: int, dst: bytes, dport: int) -> bool:
    """Whether an earlier packet set up this pair's conversation (FTP's data connection):
    Wireshark's TCP then finds it instead of making a new one (no SYN_SENT bit), and a
    wildcard it matches binds to this pair."""
    convs = session.state("tcp.conversations", Conversations)
    return bool(convs.exact or convs.wild) and convs.find(src, sport, dst, dport, True) is not None


def conversation_of(session: Session, src: bytes, sport: int, dst: bytes,
                    dport: int) -> Conversation | None:
    """The current TCP conversation of an address/port pair (None before any segment)."""
    return session.state("tcp.streams", TcpStreams).get(_conv_key(src, sport, dst, dport))


def conversation_for(session: Session, src: bytes, sport: int, dst: bytes, dport: int,
                     ts: int) -> Conversation:
    """The TCP conversation of an address/port pair, made (with the next stream index)
    if none: Wireshark's get_tcp_conversation_data from a protocol that hands its payload
    on under other ports (SOCKS). Its direction is set as that function sets it."""
    streams = session.state("tcp.streams", TcpStreams)
    key = _conv_key(src, sport, dst, dport)
    conv = streams.get(key) or streams.new(key, ts)
    forward = src > dst or (src == dst and sport > dport)
    conv.fwd, conv.rev = (conv.flow1, conv.flow2) if forward else (conv.flow2, conv.flow1)
    conv.ta = None
    return conv


def lookup_stream(streams: TcpStreams, src: bytes, dst: bytes, sport: int, dport: int,
                  seq: int, flags: int, ts: int) -> tuple[Conversation, bool]:
    """`find_conversation` on plain values: also what dissectors/skipping.py runs for a
    frame it does not dissect, so stream indices stay tshark's."""
    key = _conv_key(src, sport, dst, dport)
    conv = streams.get(key)
    is_new = conv is None
    if conv is None:
        conv = streams.new(key, ts)
    direction = (src > dst) - (src < dst)
    if direction == 0:
        direction = 1 if sport > dport else -1
    _set_direction(conv, direction)
    # A SYN with a new ISN on a known pair starts a new stream; one with the same ISN
    # (a retransmission) stays, and gets an analysis entry even without flags.
    if (flags & (TH_SYN | TH_ACK)) == TH_SYN and conv.fwd.base_set:
        if seq != conv.fwd.base_seq:
            conv = streams.new(key, ts)
            _set_direction(conv, direction)
            conv.get_ta().flags |= A_REUSED_PORTS
            conv.completeness = 1
        else:
            conv.fwd.nextseq = conv.fwd.maxseqtobeacked
            conv.get_ta()
    if ((flags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK) and conv.fwd.base_set
            and seq != conv.fwd.base_seq):
        conv.fwd.base_seq = seq
        conv.get_ta().flags |= A_REUSED_PORTS
    return conv, is_new


def set_base_seqs(conv: Conversation, seq: int, ack: int, flags: int) -> None:
    """The first segment of each flow sets its base sequence number (relative numbers,
    and the SYN test of `lookup_stream` that starts a new stream on a reused pair)."""
    fwd, rev = conv.fwd, conv.rev
    if not fwd.base_set:
        fwd.base_seq = seq if flags & TH_SYN else (seq - 1) & SEQ_MASK
        fwd.base_set = True
    if not rev.base_set and flags & TH_ACK:
        rev.base_seq = (ack - 1) & SEQ_MASK
        rev.base_set = True


def _set_direction(conv: Conversation, direction: int) -> None:
    conv.ta = None
    if direction >= 0:
        conv.fwd, conv.rev = conv.flow1, conv.flow2
    else:
        conv.fwd, conv.rev = conv.flow2, conv.flow1


def update_completeness(conv: Conversation, is_new: bool, flags: int, seglen: int) -> None:
    c = 0
    if is_new:
        if (flags & (TH_SYN | TH_ACK)) == TH_SYN:
            c |= 1
            if seglen > 0:
                c |= 8
    else:
        c = conv.completeness
        if (flags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK):
            c |= 2
        if (flags & (TH_SYN | TH_ACK)) == TH_ACK:
            c |= 8 if seglen > 0 else 4
        if (flags & (TH_FIN | TH_ACK)) == (TH_FIN | TH_ACK):
            c |= 16
        if flags & TH_RST:
            c |= 32
    conv.completeness = c


def verify_window_scaling(conv: Conversation, is_synack: bool) -> None:
    if conv.fwd.win_scale == -1:
        conv.fwd.win_scale = -2
        conv.rev.win_scale = -2
    elif is_synack and conv.rev.win_scale == -2:
        conv.fwd.win_scale = -2
