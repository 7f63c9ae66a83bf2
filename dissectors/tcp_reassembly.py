"""TCP desegmentation: PDUs that span segments, for the protocols on top of TCP
(Wireshark's desegment_tcp and tcp_dissect_pdus).

Interface for application dissectors: TCP sets `pkt.desegment = None` and
`pkt.can_desegment` before dispatch. A dissector that needs more bytes sets
`pkt.desegment = (pdu_start, more)` — `pdu_start` an absolute offset in the tvb it
got, `more` the extra bytes needed or -1 for "at least one more segment" — and
returns normally. TCP keeps the bytes (an Msp) and calls the same port dispatch again
on a Tvb over the reassembled data (a new data source) in the frame that completes
it. `more` = DESEGMENT_UNTIL_FIN (-2) collects every later byte of that direction
until its FIN (Wireshark's DESEGMENT_UNTIL_FIN); the FIN's frame then hands the whole
PDU over with `pkt.tcp_fin` true, which TCP always sets so a dissector knows no more
bytes follow (Wireshark's end_of_stream). Length-prefixed protocols use
`tcp_dissect_pdus`, which makes those requests for them.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from collections.abc import Callable
from dataclasses import dataclass, field

from dissectors.dispatch import TCP_HEUR, TCP_PORT
from dissectors.packet import WALK_IN_PLACE, Item, Packet
from dissectors.ports import dispatch_ports
from dissectors.registry import FT, Base
from dissectors.session import Session
from dissectors.tcp_stream import (
    A_OUT_OF_ORDER,
    A_RETRANSMISSION,
    A_SPURIOUS_RETRANSMISSION,
    SEQ_MASK,
    TCP,
    Conversation,
    seq_gt,
    seq_le,
    seq_lt,
)
from dissectors.tvb import BoundsError, ReassemblyError, ReportedBoundsError, Tvb

SEGMENT_DATA = TCP.field("tcp.segment_data", "TCP segment data", FT.BYTES)
SEGMENT = TCP.field("tcp.segment", "TCP Segment", FT.FRAMENUM)
SEGMENTS = TCP.field("tcp.segments", "Reassembled TCP Segments", FT.NONE)
SEGMENT_COUNT = TCP.field("tcp.segment.count", "Segment count", FT.UINT32, Base.DEC)
REASSEMBLED_IN = TCP.field("tcp.reassembled_in", "Reassembled PDU in frame", FT.FRAMENUM)
REASSEMBLED_LENGTH = TCP.field("tcp.reassembled.length", "Reassembled TCP length", FT.UINT32,
                               Base.DEC)
REASSEMBLED_DATA = TCP.field("tcp.reassembled.data", "Reassembled TCP Data", FT.BYTES)
SEGMENT_OVERLAP = TCP.field("tcp.segment.overlap", "Segment overlap", FT.BOOLEAN)
SEGMENT_CONFLICT = TCP.field("tcp.segment.overlap.conflict",
                             "Conflicting data in segment overlap", FT.BOOLEAN)
PDU_SIZE = TCP.field("tcp.pdu.size", "PDU Size", FT.UINT32, Base.DEC)
DESEGMENT_UNTIL_FIN = -2  # `more` asking for every byte up to the flow's FIN
UNTIL_FIN_SPAN = 0x40000000  # how far such a PDU reaches until its FIN arrives


@dataclass(slots=True)
class Msp:
    """A multi-segment PDU being collected for an application dissector."""

    seq: int
    nxtpdu: int
    first_frame: int
    last_frame: int
    entire_segment: bool = False
    until_fin: bool = False  # DESEGMENT_UNTIL_FIN: completed by the flow's FIN
    starts_payload: bool = False  # the PDU starts where its first segment's payload starts
    # (offset, frame, data) in offset order, equal offsets in arrival order (LINK_FRAG)
    parts: list[tuple[int, int, bytes]] = field(default_factory=list)
    reassembled_in: int = 0
    done: bool = False  # reassembled and dissected (Wireshark's FD_DEFRAGMENTED)
    # the parts' overlap marks of the last `whole` (index -> (overlap, conflict))
    marks: dict[int, tuple[bool, bool]] = field(default_factory=dict)
    # the first `pre_n` parts of `pre_of` (the parts list) joined, when they follow each
    # other from offset 0 without gap or overlap: a PDU that grows a segment at a time
    # (a header that never ends) is not walked and joined again from its first byte
    pre: bytearray = field(default_factory=bytearray)
    pre_n: int = 0
    pre_of: list | None = None

    def add(self, frame: int, off: int, data: bytes) -> None:
        parts = self.parts
        if not parts or parts[-1][0] < off:  # (in order: the common case)
            parts.append((off, frame, data))
            return
        at = len(parts)
        for i, (o, f, d) in enumerate(parts):
            if o == off and f == frame:  # (the same segment again: keep the longer)
                if len(data) > len(d):
                    parts[i] = (off, frame, data)
                    if i < self.pre_n:
                        self.pre_n, self.pre = 0, bytearray()
                return
            if o > off:
                at = i
                break
        parts.insert(at, (off, frame, data))
        if at < self.pre_n:
            self.pre_n, self.pre = 0, bytearray()

    def finish(self) -> None:
        """Reassembled: only its boundaries matter from now on (the bytes are let go)."""
        self.parts, self.done = [], True
        self.pre, self.pre_n, self.pre_of = bytearray(), 0, None

    def _prefix(self) -> tuple[bytearray, int]:
        """The joined contiguous prefix of `parts` and how many parts it holds."""
        parts = self.parts
        if self.pre_of is not parts or self.pre_n > len(parts):
            self.pre_of, self.pre_n, self.pre = parts, 0, bytearray()
        pre, n = self.pre, self.pre_n
        while n < len(parts) and parts[n][0] == len(pre):
            pre += parts[n][2]
            n += 1
        self.pre_n = n
        return pre, n

    def whole(self, total: int) -> bytes | None:
        """The PDU's first `total` bytes if contiguous, else None. Overlapping bytes keep
        the first copy; `marks` notes the parts that overlap and those that disagree."""
        marks: dict[int, tuple[bool, bool]] = {}
        pre, n = self._prefix()
        if total > 0 and n:  # (the prefix's parts add no marks, and stop at `total`)
            buf = bytearray(pre[:total]) if total < len(pre) else bytearray(pre)
        else:
            buf, n = bytearray(), 0
        for i, (off, _f, data) in enumerate(self.parts[n:], n):
            if off > len(buf):
                if len(buf) >= total:
                    break
                return None
            if off >= total and buf:
                continue
            data = data[: max(0, total - off)]
            over = len(buf) - off
            if over > 0 and data:
                n = min(len(data), over)
                marks[i] = (True, bytes(buf[off: off + n]) != data[:n])
            if off + len(data) > len(buf):
                buf += data[max(over, 0):]
        if len(buf) < total:
            return None
        self.marks = marks
        return bytes(buf[:total])

    @property
    def conflict(self) -> bool:
        """Wireshark's FD_OVERLAPCONFLICT: "[Illegal Segments]"."""
        return any(c for _o, c in self.marks.values())


class PduTable:
    """The PDUs being collected in one direction of a stream, by first sequence number."""

    __slots__ = ("msps", "msp_starts")

    def __init__(self) -> None:
        self.msps: dict[int, Msp] = {}
        self.msp_starts: list[int] = []  # sorted keys of msps


_NO_PDUS = PduTable()  # shared and never stored into: a direction that has had no PDU


def _pdus(session: Session, conv: Conversation, create: bool = False) -> PduTable:
    """The PDU table of the segment's direction (conv.fwd) in this pass; made when a
    PDU is first stored (`create`), so a stream without one costs nothing here."""
    tables: dict[tuple[int, bool], PduTable] = session.state("tcp.pdus", dict)
    key = (conv.stream, conv.fwd is conv.flow1)
    table = tables.get(key)
    if table is None:
        if not create:
            return _NO_PDUS
        table = tables[key] = PduTable()
    return table


#: pkt.proto_data key: (conversation, payload offset, seq, nxtseq) of the segment whose
#: payload is being dissected (Wireshark's struct tcpinfo), read through segment_of.
SEGMENT_KEY = "tcp.segment"


def segment_of(pkt: Packet) -> tuple[Conversation, int, int, int] | None:
    """The TCP segment under a payload (Wireshark's tcpinfo), for a protocol that hands
    its own payload on through TCP's desegmentation (SOCKS)."""
    return pkt.proto_data.get(SEGMENT_KEY)


def decode_ports(tvb: Tvb, pkt: Packet, session: Session, conv: Conversation, sport: int,
                 dport: int) -> None:
    """decode_tcp_ports: retransmitted / out-of-order data goes to no subdissector."""
    ta = conv.ta
    if ta is not None and ta.flags & (A_RETRANSMISSION | A_OUT_OF_ORDER):
        return
    dispatch_ports("tcp", TCP_PORT, TCP_HEUR, tvb, pkt, session, sport, dport)


def _call_sub(tvb: Tvb, pkt: Packet, session: Session, conv: Conversation, sport: int,
              dport: int, quiet: bool = False) -> tuple[int, int] | None:
    """Run the port dispatch; return (offset relative to tvb.start, more) if asked.

    `quiet` runs it on a scratch packet: tshark's second pass does not call the
    subdissector for a segment whose PDU completes later, but our state still needs
    the request it made in the first pass.
    """
    target = pkt
    if quiet:
        target = Packet(pkt.frame)
        target.net_src, target.net_dst = pkt.net_src, pkt.net_dst
        target.sources = list(pkt.sources)
        target.in_error_pkt = pkt.in_error_pkt
        target.srcport, target.dstport = pkt.srcport, pkt.dstport
        target.tcp_fin, target.tcp_tree = pkt.tcp_fin, pkt.tcp_tree
        target.proto_data = dict(pkt.proto_data)
    target.desegment = None
    target.can_desegment = True
    decode_ports(tvb, target, session, conv, sport, dport)
    session.current_proto = "tcp"
    req = _desegment_answer(target)
    pkt.desegment = None
    if req is None:
        return None
    start, more = req
    return max(0, start - tvb.start), int(more)


def _desegment_answer(pkt: Packet) -> tuple[int, int] | None:
    """What the upper layer asked for in `pkt.desegment`, read through a call: right
    after `target.desegment = None` and the dispatch, a checker (and mypyc's cast)
    would still take it for that None."""
    return pkt.desegment


def _segment_data(pkt: Packet, tree: Item, tvb: Tvb, off: int, n: int, prefix: str = "") -> None:
    pkt.add(tree, SEGMENT_DATA, bytes(tvb.buf[off: off + n]), off, n,
            f"{prefix}TCP segment data ({n} byte{'' if n == 1 else 's'})")


def desegment_tcp(tvb: Tvb, pkt: Packet, session: Session, tree: Item, conv: Conversation,
                  off: int, seq: int, nxtseq: int, sport: int, dport: int) -> None:
    """desegment_tcp with in-order reassembly only (tshark's default)."""
    pdus = _pdus(session, conv)
    num = pkt.frame.number
    key = (conv.stream, conv.fwd is conv.flow1, num)
    marks: dict[tuple[int, bool, int], int] = session.state("pass1:tcp.reassembled_in", dict)
    later: dict[tuple[int, bool, int], int] = session.state("pass1:tcp.later_pdu", dict)
    quiet = session.pass_no == 2 and later.get(key, num) != num
    payload_off = off
    first_pdu = True
    while True:
        ta = conv.ta
        msp = pdus.msps.get(seq)
        if msp is not None and seq_le(nxtseq, msp.nxtpdu) and msp.last_frame != num:
            _segment_data(pkt, tree, tvb, off, tvb.rend - off, "Retransmitted ")
            return
        if ta is not None and ta.flags & A_SPURIOUS_RETRANSMISSION:
            # (tshark shows the bytes as retransmitted only inside a known PDU)
            m = msp if msp is not None else _lookup_le(pdus, (seq - 1) & SEQ_MASK)
            if m is not None and seq_le(m.seq, seq) and seq_gt(m.nxtpdu, seq):
                _segment_data(pkt, tree, tvb, off, tvb.rend - off, "Retransmitted ")
            return
        if ta is not None and ta.flags & A_RETRANSMISSION:
            _segment_data(pkt, tree, tvb, off, tvb.rend - off, "Retransmitted ")
            return
        if msp is None:  # (an MSP starting right here is continued, not looked up)
            msp = _lookup_le(pdus, (seq - 1) & SEQ_MASK)
        if msp is None or not (seq_le(msp.seq, seq) and seq_gt(msp.nxtpdu, seq)):
            # Not inside a pending PDU: the subdissector sees the bytes directly.
            req = _call_sub(tvb.sub(off), pkt, session, conv, sport, dport, quiet)
            if req is None:
                return
            req_off, more = req
            deseg_off = off + req_off
            deseg_seq = (seq + req_off) & SEQ_MASK
            if ((nxtseq - deseg_seq) & SEQ_MASK) <= 1024 * 1024:
                until_fin = more == DESEGMENT_UNTIL_FIN
                grow = UNTIL_FIN_SPAN if until_fin else 1 if more < 0 else more
                new = Msp(deseg_seq, (nxtseq + grow) & SEQ_MASK, num, num,
                          entire_segment=more < 0 and not until_fin, until_fin=until_fin,
                          starts_payload=first_pdu and deseg_off == payload_off)
                new.add(num, 0, bytes(tvb.buf[deseg_off: tvb.end]))
                if pdus is _NO_PDUS:
                    pdus = _pdus(session, conv, create=True)
                _store_msp(pdus, new)
                if new.starts_payload and session.pass_no == 1 and session.two_pass:
                    # tshark's second pass finds this segment inside an MSP and calls
                    # no subdissector, even when the PDU never completes (0: nowhere).
                    later.setdefault(key, 0)
            _not_dissected(pkt, tree, tvb, marks, key, deseg_off, first_pdu,
                           tvb.rend - deseg_off, req_off == 0)
            return
        # The segment continues a pending PDU.
        if msp.done:
            # fragment_add on a finished reassembly (not reopened for more): an error
            # that ends TCP's dissection of the frame.
            raise ReassemblyError("New fragment overlaps old data (retransmission?)")
        msp.last_frame = num
        if msp.entire_segment:
            length = tvb.end - off
        else:
            length = min((nxtseq - seq) & SEQ_MASK, (msp.nxtpdu - seq) & SEQ_MASK)
        msp.add(num, (seq - msp.seq) & SEQ_MASK, bytes(tvb.buf[off: off + length]))
        if msp.entire_segment:
            msp.entire_segment = False
            if seq_lt(msp.nxtpdu, nxtseq):
                msp.nxtpdu = nxtseq
        done = None if seq_lt(nxtseq, msp.nxtpdu) else msp.whole((msp.nxtpdu - msp.seq) & SEQ_MASK)
        another = 0
        if seq_lt(msp.nxtpdu, nxtseq) and not seq_lt(msp.nxtpdu, seq) and length > 0:
            another = (msp.nxtpdu - seq) & SEQ_MASK
        if done is None:
            _not_dissected(pkt, tree, tvb, marks, key, off, first_pdu,
                           another or tvb.rend - off, True)
            if not another:
                return
        else:
            n = len(done)
            src = pkt.add_source(f"Reassembled TCP ({n} bytes)", done)
            req = _call_sub(Tvb(done, 0, n, n, src), pkt, session, conv, sport, dport, quiet)
            if req is None:
                _remember(session, conv, msp, num, marks, later)
                _segment_data(pkt, tree, tvb, off, another or tvb.rend - off)
                _fragment_tree(pkt, tree, msp, done, src)
                if msp.conflict:  # (show_fragment_errs_in_col)
                    pkt.set_info("[Illegal Segments]")
                msp.finish()
            else:
                req_off, more = req
                if req_off == 0:
                    # Still not enough: the same PDU grows. (Its bytes were reassembled
                    # here all the same: -2 shows "Reassembled PDU in" this frame.)
                    pkt.sources.pop()
                    if session.pass_no == 1 and session.two_pass:
                        d = conv.fwd is conv.flow1
                        for _o, frame, _d in msp.parts:
                            if frame != num:
                                marks[(conv.stream, d, frame)] = num
                    _not_dissected(pkt, tree, tvb, marks, key, off, first_pdu, length, True)
                else:
                    # One PDU was dissected, the rest starts the next: split the MSP.
                    _remember(session, conv, msp, num, marks, later, upto=req_off)
                    _fragment_tree(pkt, tree, msp, done[:req_off], src)
                    old, msp = msp, _split(pdus, msp, req_off)
                    old.finish()
                if more == DESEGMENT_UNTIL_FIN:
                    msp.nxtpdu = (seq + length + UNTIL_FIN_SPAN) & SEQ_MASK
                    msp.until_fin = True
                elif more < 0:
                    msp.nxtpdu = (max(seq + tvb.rend - off, msp.nxtpdu) + 1) & SEQ_MASK
                    msp.entire_segment = True
                else:
                    msp.nxtpdu = (seq + length + more) & SEQ_MASK
                off += length
                seq = (seq + length) & SEQ_MASK
                if tvb.end - off > 0:
                    continue
                return
        if not another:
            return
        pkt.fence_info()
        first_pdu = False
        off += another
        seq = (seq + another) & SEQ_MASK


def complete_until_fin(tvb: Tvb, pkt: Packet, session: Session, tree: Item,
                       conv: Conversation, off: int, seq: int, sport: int,
                       dport: int) -> bool:
    """A FIN completes the PDU its dissector wanted up to the end of the stream.

    As tshark 4.0: the FIN segment's bytes (maybe none) end the PDU, which is dissected
    in this frame, and the frame shows no payload items of its own. False when no such
    PDU is pending here.
    """
    msp = _lookup_le(_pdus(session, conv), (seq - 1) & SEQ_MASK)
    if msp is None or not msp.until_fin or not (seq_le(msp.seq, seq) and seq_gt(msp.nxtpdu, seq)):
        return False
    ta = conv.ta
    if ta is not None and ta.flags & (A_RETRANSMISSION | A_SPURIOUS_RETRANSMISSION):
        return False
    num = pkt.frame.number
    n = tvb.end - off
    msp.add(num, (seq - msp.seq) & SEQ_MASK, bytes(tvb.buf[off: tvb.end]))
    total = (seq - msp.seq + n) & SEQ_MASK
    done = msp.whole(total)
    if done is None:
        return False
    msp.last_frame = num
    msp.nxtpdu = (seq + n) & SEQ_MASK
    msp.until_fin = False
    src = pkt.add_source(f"Reassembled TCP ({total} bytes)", done)
    _call_sub(Tvb(done, 0, total, total, src), pkt, session, conv, sport, dport)
    marks: dict[tuple[int, bool, int], int] = session.state("pass1:tcp.reassembled_in", dict)
    later: dict[tuple[int, bool, int], int] = session.state("pass1:tcp.later_pdu", dict)
    _remember(session, conv, msp, num, marks, later)
    st = _fragment_tree(pkt, tree, msp, done, src)
    # (tshark makes this one before it dissects the PDU: io,phs walks it first)
    pkt.proto_data.setdefault(WALK_IN_PLACE, set()).add(id(st))
    msp.finish()
    return True


def _remember(session: Session, conv: Conversation, msp: Msp, num: int, marks: dict,
              later: dict, upto: int | None = None) -> None:
    """First pass: which frames' bytes were reassembled in this one (for `-2`)."""
    if session.pass_no != 1 or not session.two_pass:
        return
    d = conv.fwd is conv.flow1
    for o, frame, _data in msp.parts:
        if frame == num or (upto is not None and o >= upto):
            continue
        marks[(conv.stream, d, frame)] = num
        if o > 0 or msp.starts_payload:
            later[(conv.stream, d, frame)] = num


def _split(flow: PduTable, msp: Msp, at: int) -> Msp:
    """split_msp: bytes from `at` on become a new pending PDU."""
    new = Msp((msp.seq + at) & SEQ_MASK, msp.nxtpdu, msp.last_frame, msp.last_frame)
    for o, frame, data in msp.parts:
        if o + len(data) <= at:
            continue
        cut = max(0, at - o)
        new.add(frame, o + cut - at, data[cut:])
    new.first_frame = min(f for _o, f, _d in new.parts) if new.parts else msp.last_frame
    msp.nxtpdu = (msp.seq + at) & SEQ_MASK
    _store_msp(flow, new)
    return new


def _not_dissected(pkt: Packet, tree: Item, tvb: Tvb, marks: dict, key: tuple, off: int,
                   first_pdu: bool, nbytes: int, nothing_dissected: bool) -> None:
    """Bytes only collected for a later PDU: TCP column and tshark's marking."""
    reas = marks.get(key)
    if reas is not None and reas != key[2]:
        pkt.add(tree, REASSEMBLED_IN, reas, 0, 0, f"Reassembled PDU in frame: {reas}",
                generated=True)
    if nothing_dissected and first_pdu:
        # (after a PDU this frame completed, tshark's columns are no longer writable)
        pkt.proto_col = "TCP"
        pkt.append_info("[TCP segment of a reassembled PDU]", " ")
    _segment_data(pkt, tree, tvb, off, nbytes)


def _store_msp(flow: PduTable, msp: Msp) -> None:
    if msp.seq not in flow.msps:
        insort(flow.msp_starts, msp.seq)
    flow.msps[msp.seq] = msp


def _lookup_le(flow: PduTable, seq: int) -> Msp | None:
    """The MSP starting at the highest sequence number <= seq (wmem_tree_lookup32_le)."""
    i = bisect_right(flow.msp_starts, seq)
    return flow.msps[flow.msp_starts[i - 1]] if i else None


def _fragment_tree(pkt: Packet, tree: Item, msp: Msp, data: bytes, src: int) -> Item:
    n = len(data)
    frames = []
    for i, (o, frame, d) in enumerate(msp.parts):
        if o > n or (o == n and d):
            continue
        # (a FIN without data: 0 bytes)
        frames.append((frame, o, min(len(d), n - o), msp.marks.get(i, (False, False))))
    desc = ", ".join(f"#{f}({ln})" for f, _o, ln, _m in frames)
    # (generated, as tshark's: -V brackets them, -T pdml's showname does not)
    st = pkt.add(None, SEGMENTS, None, 0, n,
                 f"{len(frames)} Reassembled TCP Segments ({n} bytes): {desc}", source=src,
                 generated=True)
    for f, o, ln, (overlap, conflict) in frames:
        text = f"Frame: {f}, payload: {o}-{o + ln - 1} ({ln} byte{'' if ln == 1 else 's'})" if ln else \
            f"Frame: {f} (no data)"
        seg = pkt.add(st, SEGMENT, f, o, ln, text, source=src, generated=True)
        if overlap:
            pkt.add(seg, SEGMENT_OVERLAP, True, 0, 0, generated=True, source=src)
        if conflict:
            pkt.add(seg, SEGMENT_CONFLICT, True, 0, 0, generated=True, source=src)
    pkt.add(st, SEGMENT_COUNT, len(frames), 0, 0, generated=True, source=src)
    pkt.add(st, REASSEMBLED_LENGTH, n, 0, 0, generated=True, source=src)
    shown = data[:36].hex() + ("\u2026" if n > 36 else "")
    pkt.add(st, REASSEMBLED_DATA, data, 0, n, f"Reassembled TCP Data: {shown}", generated=True,
            source=src)
    # Wireshark moves the segments tree right behind the TCP tree.
    pkt.tree.remove(st)
    pkt.tree.insert(pkt.tree.index(tree) + 1, st)
    return st


def tcp_dissect_pdus(tvb: Tvb, pkt: Packet, session: Session, fixed_len: int,
                     get_pdu_len: Callable[[Tvb, Packet, int], int],
                     dissect_pdu: Callable[[Tvb, Packet, Session], object],
                     desegment: bool = True) -> None:
    """Wireshark's tcp_dissect_pdus for length-prefixed protocols over TCP.

    `get_pdu_len(tvb, pkt, off)` returns the whole PDU's length from its fixed part
    (0 = unknown yet). Asks TCP for more bytes through `pkt.desegment` when a
    PDU runs past the segment, adds `tcp.pdu.size`, and calls `dissect_pdu` once per
    PDU on a Tvb bounded to it; a malformed PDU is marked and the next one still runs.
    """
    from dissectors.frame import mark_malformed, mark_short

    can = desegment and bool(pkt.can_desegment)
    off = tvb.start
    while off < tvb.rend:
        tvb.need(off, 1)
        remaining = tvb.end - off
        if can and remaining < fixed_len:
            pkt.desegment = (off, -1)
            return
        plen = get_pdu_len(tvb, pkt, off)
        if plen == 0:
            if not can:
                raise BoundsError()
            pkt.desegment = (off, -1)
            return
        if plen < fixed_len:
            raise ReportedBoundsError()
        if can and remaining < plen:
            pkt.desegment = (off, plen - remaining)
            return
        tcp_tree = pkt.tcp_tree
        if tcp_tree is not None:
            pkt.add(tcp_tree, PDU_SIZE, plen, off, plen, generated=True, source=tvb.source)
        sub = Tvb(tvb.buf, off, min(tvb.end, off + plen), off + plen, tvb.source)
        proto = session.current_proto
        try:
            dissect_pdu(sub, pkt, session)
        except ReportedBoundsError:
            mark_malformed(pkt, session.current_proto)
        except BoundsError:
            mark_short(pkt, session.current_proto)
            return
        session.current_proto = proto
        off += plen
