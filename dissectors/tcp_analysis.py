"""TCP sequence analysis: Wireshark's tcp_analyze_sequence_number (retransmissions,
lost and out-of-order segments, duplicate ACKs, windows, keep-alives, RTT, bytes in
flight), run once per frame in capture order, and its `tcp.analysis` tree.
"""

from __future__ import annotations

from typing import Final

from dissectors.packet import NULL_ITEM, Item, Packet
from dissectors.registry import FT, Base
from dissectors.tcp_stream import (
    A_ACK_LOST_PACKET,
    A_DUPLICATE_ACK,
    A_FAST_RETRANSMISSION,
    A_KEEPALIVE,
    A_KEEPALIVE_ACK,
    A_LOST_PACKET,
    A_OUT_OF_ORDER,
    A_RETRANSMISSION,
    A_REUSED_PORTS,
    A_SPURIOUS_RETRANSMISSION,
    A_WINDOW_FULL,
    A_WINDOW_UPDATE,
    A_ZERO_WINDOW,
    A_ZERO_WINDOW_PROBE,
    A_ZERO_WINDOW_PROBE_ACK,
    SEQ_MASK,
    TCP,
    TH_ACK,
    TH_FIN,
    TH_PUSH,
    TH_RST,
    TH_SYN,
    Conversation,
    seq_gt,
    seq_le,
    seq_lt,
    sequence_note,
    set_base_seqs,
)

ANALYSIS: Final = TCP.field("tcp.analysis", "SEQ/ACK analysis", FT.NONE,
                     blurb="This frame has some of the TCP analysis shown")
A_FLAGS: Final = TCP.field("tcp.analysis.flags", "TCP Analysis Flags", FT.NONE)
A_ACKS_FRAME: Final = TCP.field("tcp.analysis.acks_frame", "This is an ACK to the segment in frame",
                         FT.FRAMENUM)
A_ACK_RTT: Final = TCP.field("tcp.analysis.ack_rtt", "The RTT to ACK the segment was",
                      FT.RELATIVE_TIME)
A_INITIAL_RTT: Final = TCP.field("tcp.analysis.initial_rtt", "iRTT", FT.RELATIVE_TIME)
A_BIF: Final = TCP.field("tcp.analysis.bytes_in_flight", "Bytes in flight", FT.UINT32, Base.DEC)
A_PUSH_BYTES: Final = TCP.field("tcp.analysis.push_bytes_sent", "Bytes sent since last PSH flag",
                         FT.UINT32, Base.DEC)
A_RTO: Final = TCP.field("tcp.analysis.rto", "The RTO for this segment was", FT.RELATIVE_TIME)
A_RTO_FRAME: Final = TCP.field("tcp.analysis.rto_frame", "RTO based on delta from frame",
                        FT.FRAMENUM)
A_DUP_ACK: Final = TCP.field("tcp.analysis.duplicate_ack", "Duplicate ACK", FT.NONE)
A_DUP_ACK_NUM: Final = TCP.field("tcp.analysis.duplicate_ack_num", "Duplicate ACK #", FT.UINT32,
                          Base.DEC)
A_DUP_ACK_FRAME: Final = TCP.field("tcp.analysis.duplicate_ack_frame",
                            "Duplicate to the ACK in frame", FT.FRAMENUM)
A_RETRANS: Final = TCP.field("tcp.analysis.retransmission",
                      "This frame is a (suspected) retransmission", FT.NONE)
A_FAST_RETRANS: Final = TCP.field("tcp.analysis.fast_retransmission",
                           "This frame is a (suspected) fast retransmission", FT.NONE)
A_SPURIOUS: Final = TCP.field("tcp.analysis.spurious_retransmission",
                       "This frame is a (suspected) spurious retransmission", FT.NONE)
A_OOO: Final = TCP.field("tcp.analysis.out_of_order",
                  "This frame is a (suspected) out-of-order segment", FT.NONE)
A_REUSED: Final = TCP.field("tcp.analysis.reused_ports", "A new tcp session is started with the same "
                     "ports as an earlier session in this trace", FT.NONE)
A_LOST: Final = TCP.field("tcp.analysis.lost_segment",
                   "Previous segment(s) not captured (common at capture start)", FT.NONE)
A_ACK_LOST: Final = TCP.field("tcp.analysis.ack_lost_segment",
                       "ACKed segment that wasn't captured (common at capture start)", FT.NONE)
A_WIN_UPDATE: Final = TCP.field("tcp.analysis.window_update", "TCP window update", FT.NONE)
A_WIN_FULL: Final = TCP.field("tcp.analysis.window_full",
                       "TCP window specified by the receiver is now completely full", FT.NONE)
A_KEEP_ALIVE: Final = TCP.field("tcp.analysis.keep_alive", "TCP keep-alive segment", FT.NONE)
A_KEEP_ALIVE_ACK: Final = TCP.field("tcp.analysis.keep_alive_ack", "ACK to a TCP keep-alive segment",
                             FT.NONE)
A_ZWP: Final = TCP.field("tcp.analysis.zero_window_probe", "TCP Zero Window Probe", FT.NONE)
A_ZW: Final = TCP.field("tcp.analysis.zero_window", "TCP Zero Window segment", FT.NONE)
A_ZWP_ACK: Final = TCP.field("tcp.analysis.zero_window_probe_ack", "ACK to a TCP Zero Window Probe",
                      FT.NONE)
MAX_UNACKED: Final = 10000


def analyze_sequence(conv: Conversation, num: int, ts: int, seq: int, ack: int,
                     seglen: int, flags: int, window: int) -> None:
    """Wireshark's tcp_analyze_sequence_number on absolute seq/ack numbers."""
    set_base_seqs(conv, seq, ack, flags)
    fwd, rev = conv.fwd, conv.rev
    if flags & TH_ACK:
        rev.valid_bif = True
    no_sfr = not flags & (TH_SYN | TH_FIN | TH_RST)
    finished_fwd = False
    if seglen == 1 and seq == fwd.nextseq and rev.window == 0:
        conv.get_ta().flags |= A_ZERO_WINDOW_PROBE
        finished_fwd = True
    if not finished_fwd:
        if window == 0 and no_sfr:
            conv.get_ta().flags |= A_ZERO_WINDOW
        if fwd.nextseq and seq_gt(seq, fwd.nextseq) and not flags & TH_RST:
            conv.get_ta().flags |= A_LOST_PACKET
            fwd.valid_bif = False
        if seglen in (0, 1) and seq == (fwd.nextseq - 1) & SEQ_MASK and no_sfr:
            conv.get_ta().flags |= A_KEEPALIVE
        if (seglen == 0 and window and window != fwd.window and seq == fwd.nextseq
                and ack == fwd.lastack and no_sfr):
            conv.get_ta().flags |= A_WINDOW_UPDATE
        if seglen > 0 and rev.win_scale != -1 and no_sfr:
            shift = 0 if rev.is_first_ack or rev.win_scale == -2 else rev.win_scale
            window_end = (rev.lastack + ((rev.window << shift) & SEQ_MASK)) & SEQ_MASK
            if (seq + seglen) & SEQ_MASK == window_end:
                conv.get_ta().flags |= A_WINDOW_FULL
        same = seglen == 0 and seq == fwd.nextseq and ack == fwd.lastack and no_sfr
        if same and window and window == fwd.window and rev.lastsegmentflags & A_KEEPALIVE:
            conv.get_ta().flags |= A_KEEPALIVE_ACK
            finished_fwd = True
        elif (same and window == 0 and window == fwd.window
              and rev.lastsegmentflags & A_ZERO_WINDOW_PROBE):
            conv.get_ta().flags |= A_ZERO_WINDOW_PROBE_ACK
            finished_fwd = True
        elif same and window and window == fwd.window:
            fwd.dupacknum = 1 if fwd.dupacknum == -1 else fwd.dupacknum + 1
            ta = conv.get_ta()
            ta.flags |= A_DUPLICATE_ACK
            ta.dupack_num = fwd.dupacknum
            ta.dupack_frame = fwd.lastnondupack
    if ack != fwd.lastack:
        fwd.lastnondupack = num
        fwd.dupacknum = 0
    if rev.maxseqtobeacked and seq_gt(ack, rev.maxseqtobeacked) and flags & TH_ACK:
        ta = conv.get_ta()
        # tshark 4.0 takes this branch when segments beyond the mark were seen since
        # (checked against it on captures; later sources compare the other way round).
        if rev.maxseqtobeacked < rev.nextseq:
            rev.maxseqtobeacked = rev.nextseq
            ta.flags |= A_ACK_LOST_PACKET
        else:
            if rev.dupacknum == 0:
                ta.flags |= A_ACK_LOST_PACKET
            rev.dupacknum = -1
    if seglen > 0 or flags & (TH_SYN | TH_FIN):
        _classify_retransmission(conv, ts, seq, seglen, flags)
    nextseq = (seq + seglen) & SEQ_MASK
    if (seglen or flags & (TH_SYN | TH_FIN)) and len(fwd.segments) < MAX_UNACKED:
        if flags & (TH_SYN | TH_FIN):
            nextseq = (nextseq + 1) & SEQ_MASK
        if fwd.segments:
            fwd.segments.insert(0, [num, seq, nextseq, ts])  # type: ignore[union-attr]
        else:
            fwd.segments = [[num, seq, nextseq, ts]]
    zwp = conv.ta is not None and conv.ta.flags & A_ZERO_WINDOW_PROBE
    if (seq_gt(nextseq, fwd.nextseq) or not fwd.nextseq) and not zwp:
        fwd.nextseq = nextseq
        fwd.nextseqframe = num
        fwd.nextseqtime = ts
    if (seq == fwd.maxseqtobeacked or not fwd.maxseqtobeacked) and not zwp:
        fwd.maxseqtobeacked = fwd.nextseq
    fwd.window = window
    fwd.lastack = ack
    fwd.lastacktime = ts
    fwd.lastsegmentflags = conv.ta.flags if conv.ta is not None else 0
    _remove_acked(conv, ack, ts)
    _bytes_in_flight(conv, seglen, flags)


def _classify_retransmission(conv: Conversation, ts: int, seq: int, seglen: int,
                             flags: int) -> None:
    fwd, rev = conv.fwd, conv.rev
    if conv.ta is not None and conv.ta.flags & A_KEEPALIVE:
        return
    not_advanced = bool(fwd.nextseq) and seq_lt(seq, fwd.nextseq)
    if seglen > 1 and (fwd.nextseq - 1) & SEQ_MASK == seq:
        not_advanced = False
    if seglen > 0 and rev.lastack and seq_le((seq + seglen) & SEQ_MASK, rev.lastack):
        conv.get_ta().flags |= A_SPURIOUS_RETRANSMISSION
        return
    t = ts - rev.lastacktime
    # (dupacknum is unsigned in tshark: the -1 an ACK of unseen data leaves counts as many)
    many_dupacks = rev.dupacknum >= 2 or rev.dupacknum == -1
    if not_advanced and many_dupacks and rev.lastack == seq and t < 20_000_000:
        conv.get_ta().flags |= A_FAST_RETRANSMISSION
        return
    t = ts - fwd.nextseqtime
    thres = conv.ts_first_rtt if conv.ts_first_rtt else 3_000_000
    syn_fin = 1 if flags & (TH_SYN | TH_FIN) else 0
    if not_advanced and t < thres and fwd.nextseq != (seq + seglen + syn_fin) & SEQ_MASK:
        conv.get_ta().flags |= A_OUT_OF_ORDER
        return
    if not_advanced:
        ta = conv.get_ta()
        ta.flags |= A_RETRANSMISSION
        ta.rto_ts = ts - fwd.nextseqtime
        ta.rto_frame = fwd.nextseqframe
        if fwd.segments:  # the oldest unacked segment (the list is newest first)
            frame, _s, _n, sts = fwd.segments[-1]
            ta.rto_ts = ts - sts
            ta.rto_frame = frame


def _remove_acked(conv: Conversation, ack: int, ts: int) -> None:
    segs = conv.rev.segments
    i = 0
    changed = False
    while i < len(segs):
        frame, sseq, snext, sts = segs[i]
        if ack == snext:
            ta = conv.get_ta()
            ta.frame_acked = frame
            ta.ts = ts - sts
        elif seq_gt(ack, sseq) and seq_le(ack, snext):
            segs[i][1] = ack
            changed = True
            continue
        elif seq_gt(snext, ack):
            i += 1
            continue
        del segs[i]  # type: ignore[union-attr]
        changed = True
    if changed:
        conv.rev.bif_n = 0
    if not segs:
        conv.rev.segments = ()


def _bytes_in_flight(conv: Conversation, seglen: int, flags: int) -> None:
    fwd = conv.fwd
    segs = fwd.segments
    if not (seglen and segs and fwd.valid_bif):
        return
    base = fwd.base_seq
    count, known = len(segs), fwd.bif_n
    if known and fwd.bif_base == base and count >= known:
        first, last = fwd.bif_first, fwd.bif_last
        fresh = segs[:count - known]  # the segments added since (newest first)
    else:
        first = (segs[0][1] - base) & SEQ_MASK
        last = (segs[0][2] - base) & SEQ_MASK
        fresh = segs
    for _f, s, n, _t in fresh:
        last = max(last, (n - base) & SEQ_MASK)
        first = min(first, (s - base) & SEQ_MASK)
    fwd.bif_n, fwd.bif_base, fwd.bif_first, fwd.bif_last = count, base, first, last
    in_flight = (last - first) & SEQ_MASK
    for le, re in conv.rev.sack:
        in_flight = (in_flight - ((re - le) & SEQ_MASK)) & SEQ_MASK
    if 0 < in_flight < 2_000_000_000:
        ta = conv.get_ta()
        ta.bytes_in_flight = in_flight - (1 if flags & (TH_SYN | TH_FIN) else 0)
    push = bool(flags & TH_PUSH)
    if push and not fwd.push_set_last:
        fwd.push_bytes_sent += seglen
    elif push or fwd.push_set_last:
        fwd.push_bytes_sent = seglen
    else:
        fwd.push_bytes_sent += seglen
    fwd.push_set_last = push
    conv.get_ta().push_bytes_sent = fwd.push_bytes_sent


_ANALYSIS_NOTES: Final = (
    # (flag, Info prefix, [(severity, expert field)]) in Wireshark's print order; each
    # prefix goes in front of the ones before it.
    (A_REUSED_PORTS, "[TCP Port numbers reused] ", [("note", A_REUSED)]),
    (A_RETRANSMISSION, "[TCP Retransmission] ", [("note", A_RETRANS)]),
    (A_FAST_RETRANSMISSION, "[TCP Fast Retransmission] ",
     [("note", A_FAST_RETRANS), ("note", A_RETRANS)]),
    (A_SPURIOUS_RETRANSMISSION, "[TCP Spurious Retransmission] ",
     [("note", A_SPURIOUS), ("note", A_RETRANS)]),
    (A_OUT_OF_ORDER, "[TCP Out-Of-Order] ", [("warning", A_OOO)]),
    (A_LOST_PACKET, "[TCP Previous segment not captured] ", [("warning", A_LOST)]),
    (A_ACK_LOST_PACKET, "[TCP ACKed unseen segment] ", [("warning", A_ACK_LOST)]),
    (A_WINDOW_UPDATE, "[TCP Window Update] ", [("chat", A_WIN_UPDATE)]),
    (A_WINDOW_FULL, "[TCP Window Full] ", [("warning", A_WIN_FULL)]),
    (A_KEEPALIVE, "[TCP Keep-Alive] ", [("note", A_KEEP_ALIVE)]),
    (A_KEEPALIVE_ACK, "[TCP Keep-Alive ACK] ", [("note", A_KEEP_ALIVE_ACK)]),
)
_ZW_NOTES: Final = (
    (A_ZERO_WINDOW_PROBE, "[TCP ZeroWindowProbe] ", [("note", A_ZWP)]),
    (A_ZERO_WINDOW, "[TCP ZeroWindow] ", [("warning", A_ZW)]),
    (A_ZERO_WINDOW_PROBE_ACK, "[TCP ZeroWindowProbeAck] ", [("note", A_ZWP_ACK)]),
)


def print_analysis(pkt: Packet, tree: Item, conv: Conversation) -> None:
    """The SEQ/ACK analysis subtree; its items sit where tshark puts them, at the TCP
    header's start (seen in -T pdml)."""
    base = tree.offset
    ta = conv.ta
    if ta is None:
        return
    # (the notes and Info prefixes are made either way; the items only when read)
    layers = pkt.layers
    items = layers is None or "tcp" in layers  # (pkt.wants_layer, inlined)
    if items:
        at = pkt.add(tree, ANALYSIS, None, base, 0, "SEQ/ACK analysis", generated=True)
        if ta.frame_acked:
            pkt.add(at, A_ACKS_FRAME, ta.frame_acked, base, 0, generated=True)
            if ta.ts:
                pkt.add(at, A_ACK_RTT, ta.ts, base, 0, generated=True)
        if conv.ts_first_rtt:
            pkt.add(at, A_INITIAL_RTT, conv.ts_first_rtt, base, 0, generated=True)
        if ta.bytes_in_flight:
            pkt.add(at, A_BIF, ta.bytes_in_flight, base, 0, generated=True)
            pkt.add(at, A_PUSH_BYTES, ta.push_bytes_sent, base, 0, generated=True)
    else:
        at = NULL_ITEM
    if not ta.flags:
        return
    fi = pkt.add(at, A_FLAGS, None, base, 0, "TCP Analysis Flags", generated=True) if items \
        else NULL_ITEM
    for flag, prefix, notes in _ANALYSIS_NOTES:
        if ta.flags & flag:
            for sev, fld in notes:
                sequence_note(pkt, fi, sev, fld.name, fld)
            _prepend_info(pkt, prefix)
            if flag == A_RETRANSMISSION and ta.rto_ts and items:
                pkt.add(fi, A_RTO, ta.rto_ts, base, 0, generated=True)
                pkt.add(fi, A_RTO_FRAME, ta.rto_frame, base, 0, generated=True)
    if ta.dupack_num:
        if ta.flags & A_DUPLICATE_ACK:
            if items:
                pkt.add(fi, A_DUP_ACK, None, base, 0, "This is a TCP duplicate ack",
                        generated=True)
            _prepend_info(pkt, f"[TCP Dup ACK {ta.dupack_frame}#{ta.dupack_num}] ")
        if items:
            pkt.add(at, A_DUP_ACK_NUM, ta.dupack_num, base, 0, generated=True)
            di = pkt.add(at, A_DUP_ACK_FRAME, ta.dupack_frame, base, 0, generated=True)
        else:
            di = NULL_ITEM
        sequence_note(pkt, di, "note", f"Duplicate ACK (#{ta.dupack_num})", A_DUP_ACK)
    for flag, prefix, notes in _ZW_NOTES:
        if ta.flags & flag:
            for sev, fld in notes:
                sequence_note(pkt, fi, sev, fld.name, fld)
            _prepend_info(pkt, prefix)


def _prepend_info(pkt: Packet, text: str) -> None:
    """col_prepend_fence_fstr: the prefix survives upper layers' set_info."""
    pkt.info = text + pkt.info
    pkt.info_fence += len(text)
