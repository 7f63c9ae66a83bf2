"""TCP (RFC 9293): the header, its flags, and the payload handoff.

    0                   1                   2                   3
    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   |          Source Port          |       Destination Port        |
   |                        Sequence Number                        |
   |                    Acknowledgment Number                      |
   |  Data |     |A|C|E|U|A|P|R|S|F|                               |
   | Offset| Rsv |E|W|C|R|C|S|S|Y|I|            Window             |
   |       |     | |R|E|G|K|H|T|N|N|                               |
   |           Checksum            |         Urgent Pointer        |
   |                    Options                    |    Padding    |

The rest of Wireshark's packet-tcp.c lives beside this module: streams and flows
(tcp_stream.py), options (tcp_options.py), sequence analysis (tcp_analysis.py),
desegmentation for the protocols on top (tcp_reassembly.py), and the fields with the
full tree's prebuilt header lines (tcp_tree.py).
"""

from __future__ import annotations

import struct
from typing import Final

from dissectors.dispatch import IP_PROTO, register_dissector
from dissectors.format import hex_pad
from dissectors.offers import (
    ConversationSpec,
    FollowSpec,
    register_conversation,
    register_follow,
    register_learner_layer,
    register_learner_unclaimed,
)
from dissectors.packet import (
    NO_SOURCE,
    NULL_ITEM,
    Item,
    Packet,
    port_items,
)
from dissectors.registry import Field
from dissectors.session import Session
from dissectors.tcp_analysis import analyze_sequence, print_analysis
from dissectors.tcp_follow import TcpFollower
from dissectors.tcp_options import OPTIONS, dissect_options
from dissectors.tcp_reassembly import (
    SEGMENT_KEY,
    complete_until_fin,
    decode_ports,
    desegment_tcp,
)
from dissectors.tcp_stream import (
    SEQ_MASK,
    STREAM_KEY,
    TCP,
    TH_ACK,
    TH_FIN,
    TH_RST,
    TH_SYN,
    TH_URG,
    Conversation,
    find_conversation,
    sequence_note,
    update_completeness,
    verify_window_scaling,
)
from dissectors.tcp_tree import (
    A_TFO_ACK,
    A_TFO_IGNORED,
    ACK,
    ACK_NONZERO,
    ACK_RAW,
    BOGUS_HDR_LEN,
    CHECKSUM,
    COMPLETENESS,
    CONN_FIN,
    CONN_FIN_ACTIVE,
    CONN_FIN_PASSIVE,
    CONN_RST,
    CONN_SYN,
    CONN_SYNACK,
    FLAG_BLOCK,
    FLAG_FIELDS,
    FLAGS,
    FLAGS_ACE,
    FLAGS_AE,
    FLAGS_CWR,
    FLAGS_ECE,
    FLAGS_STR,
    HDR_LEN,
    HDR_LEN_LABELS,
    LEN,
    NXTSEQ,
    PAYLOAD,
    PORT_FIELDS,
    RESET_CAUSE,
    SEQ,
    SEQ_RAW,
    SHORT_SEGMENT,
    STREAM,
    TIME_DELTA,
    TIME_RELATIVE,
    URGENT_NONZERO,
    URGENT_POINTER,
    WINDOW_SCALE,
    WINDOW_SCALE_LABELS,
    WINDOW_SIZE,
    WINDOW_VALUE,
    flag_block,
    flag_text,
    flags_letters,
    flags_text,
    flags_tree,
    port_block,
    tail_block,
    tail_items,
    window_block,
)
from dissectors.tvb import ReportedBoundsError, Tvb

#: The header's sequence number, acknowledgment number, offset/flags and window.
_SEQ_TO_WIN: Final = struct.Struct(">IIHH")
_COMPLETENESS: Final = {1: "Incomplete, SYN_SENT", 3: "Incomplete, CLIENT_ESTABLISHED",
                 7: "Incomplete, ESTABLISHED", 15: "Incomplete, DATA",
                 31: "Complete, WITH_DATA", 47: "Complete, WITH_DATA", 63: "Complete, WITH_DATA",
                 23: "Complete, NO_DATA", 39: "Complete, NO_DATA", 55: "Complete, NO_DATA"}


def _completeness_label(comp: int) -> str:
    return f"Conversation completeness: {_COMPLETENESS.get(comp, 'Incomplete')} ({comp})"


# Labels of small header values, made once (values every segment repeats).
_COMPLETENESS_LABELS: Final = tuple(_completeness_label(c) for c in range(64))


def dissect_tcp(tvb: Tvb, pkt: Packet, session: Session) -> None:
    in_error = pkt.in_error_pkt
    if not in_error:
        _dissect_tcp(tvb, pkt, session, False)
        return
    try:
        _dissect_tcp(tvb, pkt, session, True)
    except ReportedBoundsError:
        pass  # a header quoted by ICMP: tshark shows what fits and marks nothing
    # (cut by the capture instead, BoundsError goes on: "Packet size limited", as tshark)


def _dissect_tcp(tvb: Tvb, pkt: Packet, session: Session, in_error: bool) -> None:
    session.current_proto = "tcp"
    off = tvb.start
    if off + 4 > tvb.end:  # (tvb.need inlined: a call a packet saved)
        tvb.need(off, 4)
    b = tvb.buf
    if isinstance(b, bytes):  # (native indexing compiled: see Tvb)
        sport = (b[off] << 8) | b[off + 1]
        dport = (b[off + 2] << 8) | b[off + 3]
    else:
        sport = (b[off] << 8) | b[off + 1]
        dport = (b[off + 2] << 8) | b[off + 3]
    pkt.proto_col = "TCP"
    pkt.set_info(f"{sport} \u2192 {dport}")
    tree_on = pkt.tree_on  # labels only for a tree someone reads
    # (a protocol item's value is its label: made whenever the protocol is asked for)
    # (to the end, as tshark's item before it knows the header's length: a header cut
    # short keeps what was captured of it, -T pdml)
    tree = pkt.add_proto(TCP, off, tvb.rend - off,
                         f"Transmission Control Protocol, Src Port: {sport}, Dst Port: {dport}"
                         if tree_on or "tcp" in pkt.wanted else None)  # type: ignore[operator]
    pkt.srcport, pkt.dstport = sport, dport  # (Wireshark's pinfo ports, for the layers above)
    # (a tree-less dissection nobody reads TCP's items from skips making them)
    layers = pkt.layers
    items = layers is None or "tcp" in layers
    if pkt.wanted is None:  # (ports repeat: their four items built once)
        pkt.add_block(tree, port_block(sport, dport, off))
    elif items:
        port_items(pkt.add, tree, PORT_FIELDS, sport, dport, off)
    # Inside an ICMPv4 error the raw sequence number goes in first (it may be all
    # that was quoted) and is not repeated later: tshark checks that the layers below
    # are ICMP then IP (not, e.g., a header an sFlow sample carries).
    icmp_ip = in_error and len(pkt.net_src) == 4 and pkt.protocols[-3:-1] == ["icmp", "ip"]
    if icmp_ip and items:
        pkt.add(tree, SEQ, tvb.u32(off + 4), off + 4, 4)
    raw_seq: int  # (typed: mypyc then unboxes struct's values once, not at each use)
    raw_ack: int
    th_flags: int
    raw_win: int
    if off + 16 <= tvb.end:  # (one read for the four words; a cut header reads each)
        raw_seq, raw_ack, th_flags, raw_win = _SEQ_TO_WIN.unpack_from(b, off + 4)
        th_flags &= 0x0FFF
    else:
        raw_seq = tvb.u32(off + 4)
        raw_ack = tvb.u32(off + 8)
        th_flags = tvb.u16(off + 12) & 0x0FFF
        raw_win = tvb.u16(off + 14)
    hlen = (tvb.u8(off + 12) >> 4) * 4
    ts = pkt.frame.ts_ns
    num = pkt.frame.number

    conv, is_new = find_conversation(session, pkt, sport, dport, raw_seq, th_flags, ts)
    conv.fwd.sack = ()
    pkt.tcp_tree = tree
    pkt.proto_data[STREAM_KEY] = conv.stream  # (the layers above: tcp_stream.stream_of)
    if items:
        pkt.add(tree, STREAM, conv.stream, off, 0, generated=True)
    # tshark's second pass shows what the first pass ended with for the stream.
    final: dict[int, tuple[int, int]] = session.state("pass1:tcp.final", dict)
    later = final.get(conv.stream) if session.pass_no == 2 else None
    comp = later[0] if later is not None else conv.completeness
    if items:
        pkt.add(tree, COMPLETENESS, comp, 0, 0, (_COMPLETENESS_LABELS[comp] if 0 <= comp < 64
                else _completeness_label(comp)) if tree_on else None,
                generated=True, source=NO_SOURCE)
    ts_delta = ts - conv.ts_prev
    conv.ts_prev = ts

    reported = tvb.reported_length
    have_seglen = False
    seglen = 0
    seq, ack, win = raw_seq, raw_ack, raw_win
    nxtseq = 0
    if in_error:
        pass  # no segment length, so no sequence analysis
    elif reported < hlen:
        pkt.add_expert(tree, "warning", "malformed",
                       "Short segment. Segment/fragment does not contain a full TCP header "
                       "(might be NMAP or someone else deliberately sending unusual packets)",
                       "tcp", field=SHORT_SEGMENT)
    else:
        have_seglen = True
        seglen = reported - hlen
        if items:
            pkt.add(tree, LEN, seglen, off, 0, generated=True)  # (tshark's place, -T pdml)
        analyze_sequence(conv, num, ts, raw_seq, raw_ack, seglen, th_flags, raw_win)
        seq = (raw_seq - conv.fwd.base_seq) & SEQ_MASK
        if th_flags & TH_ACK:
            ack = (raw_ack - conv.rev.base_seq) & SEQ_MASK
        if not th_flags & TH_SYN and conv.fwd.win_scale >= 0:
            win = raw_win << conv.fwd.win_scale
        nxtseq = (seq + seglen) & SEQ_MASK
    ace = -1
    if (th_flags & 0x1C0 or conv.acc_ecn) and not in_error:
        ace = _acc_ecn(conv, th_flags)
    flags_col = flags_text(th_flags) if ace < 0 else _ace_text(th_flags, ace)
    pkt.info += (f" [{flags_col}] Seq={seq} Ack={ack} Win={win}" if th_flags & TH_ACK
                 else f" [{flags_col}] Seq={seq} Win={win}")  # (one append: col_append_str's)
    if tree_on:
        tree.text += f", Seq: {seq}"  # type: ignore[operator]
    if not icmp_ip and items:
        pkt.add(tree, SEQ, seq, off + 4, 4,
                f"Sequence Number: {seq}    (relative sequence number)" if tree_on else None)
        pkt.add(tree, SEQ_RAW, raw_seq, off + 4, 4)
    if hlen < 20:
        pkt.append_info(f", bogus TCP header length ({hlen}, must be at least 20)")
        hi = pkt.add(tree, HDR_LEN, hlen, off + 12, 1,
                     f"{hlen >> 2:04b} .... = Header Length: {hlen} bytes ({hlen >> 2})")
        pkt.add_expert(hi, "error", "protocol",
                       f"Bogus TCP header length ({hlen}, must be at least 20)", "tcp",
                       field=BOGUS_HDR_LEN)
        tree.length = 12
        return
    update_completeness(conv, is_new, th_flags, seglen)
    if tree_on and th_flags & TH_ACK:
        tree.text += f", Ack: {ack}"  # type: ignore[operator]
    if tree_on and have_seglen:
        tree.text += f", Len: {seglen}"  # type: ignore[operator]
    tree.length = hlen
    if have_seglen and items:
        nv = (nxtseq + 1) & SEQ_MASK if th_flags & (TH_SYN | TH_FIN) else nxtseq
        pkt.add(tree, NXTSEQ, nv, off, 0, f"Next Sequence Number: {nv}    (relative sequence "
                "number)" if tree_on else None, generated=True)
    if items:
        ack_item = pkt.add(tree, ACK, ack, off + 8, 4,
                           f"Acknowledgment Number: {ack}" +
                           ("    (relative ack number)" if th_flags & TH_ACK else "")
                           if tree_on else None)
        pkt.add(tree, ACK_RAW, raw_ack, off + 8, 4)
    else:
        ack_item = NULL_ITEM
    if th_flags & TH_ACK and th_flags & TH_SYN:
        if ack > 1:
            sequence_note(pkt, ack_item, "note", "TCP SYN-ACK accepting TFO data", A_TFO_ACK)
        elif conv.tfo_syn_data:
            sequence_note(pkt, ack_item, "note", "TCP SYN-ACK ignoring TFO data", A_TFO_IGNORED)
    if not th_flags & TH_ACK and raw_ack:
        pkt.add_expert(ack_item, "note", "protocol", "The acknowledgment number field is "
                       "nonzero while the ACK flag is not set", "tcp", field=ACK_NONZERO)
    note = sequence_note
    if items and ace < 0 and pkt.wanted is None:
        # (the header length line and the flags' subtree, with the notes SYN, FIN and RST
        # put under it, are the same for every segment with this length and these bits
        # at this offset, SYN's server port and FIN's side: built once; the notes still
        # go to pkt.expert below, without items)
        noted = bool(th_flags & (TH_RST | TH_SYN | TH_FIN))
        pkt.add_block(tree, flag_block(
            hlen, th_flags, off, (sport if th_flags & TH_ACK else dport)
            if th_flags & TH_SYN else 0,
            bool(th_flags & TH_FIN) and not conv.rev.closing_initiator, noted))
        if noted:
            note = _tapped_note
        rst_i = syn_i = fin_i = str_i = NULL_ITEM
    elif items and pkt.wants(FLAG_BLOCK):
        pkt.add(tree, HDR_LEN, hlen, off + 12, 1, HDR_LEN_LABELS[hlen >> 2] if tree_on else None)
        if ace < 0:
            fi = pkt.add(tree, FLAGS, th_flags, off + 12, 2,
                         f"Flags: 0x{th_flags:03x} ({flags_text(th_flags)})" if tree_on else None)
            rst_i, syn_i, fin_i = flags_tree(pkt.add, fi, th_flags, off)[7:]
            letters = flags_letters(th_flags)
        else:
            fi = pkt.add(tree, FLAGS, th_flags, off + 12, 2,
                         f"Flags: 0x{th_flags:03x} ({_ace_text(th_flags, ace)})"
                         if tree_on else None)
            rst_i, syn_i, fin_i = _ace_tree(pkt, fi, th_flags, ace, off)
            letters = flags_letters(th_flags & ~0x1C0)
            letters = f"{letters[:3]}-{ace}-{letters[6:]}"
        str_i = pkt.add(fi, FLAGS_STR, letters, off + 12, 2, generated=True)
    else:  # (the notes below still go to pkt.expert, and their own items if wanted)
        if items:
            pkt.add(tree, HDR_LEN, hlen, off + 12, 1,
                    HDR_LEN_LABELS[hlen >> 2] if tree_on else None)
        rst_i = syn_i = fin_i = str_i = NULL_ITEM
    if pkt.wanted is None:  # (the window's lines, built once per value)
        pkt.add_block(tree, window_block(raw_win, win, conv.fwd.win_scale,
                                         not th_flags & TH_SYN, off))
    elif items:
        pkt.add(tree, WINDOW_VALUE, raw_win, off + 14, 2)
        pkt.add(tree, WINDOW_SIZE, win, off + 14, 2, generated=True)
    if items and not th_flags & TH_SYN and pkt.wanted is not None:
        ws = conv.fwd.win_scale
        val = ws if ws < 0 else 1 << ws
        text = WINDOW_SCALE_LABELS.get(val)
        if text is None:  # (a shift beyond 14: not made once)
            text = f"Window size scaling factor: {val}"
        pkt.add(tree, WINDOW_SCALE, val, off + 14, 2, text, generated=True)
    if th_flags & TH_RST:
        note(pkt, rst_i, "warning", "Connection reset (RST)", CONN_RST)
    if th_flags & TH_SYN:
        if th_flags & TH_ACK:
            note(pkt, syn_i, "chat", "Connection establish acknowledge (SYN+ACK): server "
                    f"port {sport}", CONN_SYNACK)
        else:
            note(pkt, syn_i, "chat", "Connection establish request (SYN): server port "
                    f"{dport}", CONN_SYN)
            conv.ts_mru_syn = ts
        conv.fwd.is_first_ack = True
    if th_flags & TH_FIN:
        note(pkt, fin_i, "chat", "Connection finish (FIN)", CONN_FIN)
        if not conv.rev.closing_initiator:
            conv.fwd.closing_initiator = True
            note(pkt, str_i, "note", "This frame initiates the connection closing",
                    CONN_FIN_ACTIVE)
        else:
            note(pkt, str_i, "note", "This frame undergoes the connection closing",
                    CONN_FIN_PASSIVE)
    if (th_flags & (TH_SYN | TH_ACK)) == TH_ACK:
        if conv.ts_mru_syn and not conv.ts_first_rtt:
            conv.ts_first_rtt = ts - conv.ts_mru_syn
        conv.fwd.is_first_ack = False

    csum = tvb.u16(off + 16)
    full = tvb.end >= tvb.rend
    if items:  # (in the order they are read: a cut header shows what it holds)
        pkt.add(tree, CHECKSUM, csum, off + 16, 2,
                f"Checksum: 0x{hex_pad(csum, 4)} [unverified]" if tree_on else None)
        urp = tvb.u16(off + 18) if off + 20 <= tvb.end else -1  # (-1: cut short)
        if pkt.wanted is None and (not urp or urp > 0 and th_flags & TH_URG):
            # (no note under it, nor a cut header's status line without the pointer's)
            pkt.add_block(tree, tail_block(urp, off))
            ui = NULL_ITEM
        else:
            tail_items(pkt.add, tree, -1, off)
            urp = tvb.u16(off + 18)
            ui = pkt.add(tree, URGENT_POINTER, urp, off + 18, 2)
    else:
        urp = tvb.u16(off + 18)
        ui = NULL_ITEM
    if th_flags & TH_URG:
        pkt.append_info(f" Urg={urp}")
    elif urp:
        pkt.add_expert(ui, "note", "protocol", "The urgent pointer field is nonzero while the "
                       "URG flag is not set", "tcp", field=URGENT_NONZERO)
    if have_seglen:
        pkt.info += f" Len={seglen}"
    optlen = hlen - 20
    opt_item = None
    if optlen:
        bc = max(0, min(optlen, tvb.end - (off + 20)))
        opt_item = pkt.add(tree, OPTIONS, bytes(b[off + 20: off + 20 + bc]), off + 20, bc,
                           f"Options: ({optlen} bytes)")
    if items:
        times = pkt.add_text(tree, "[Timestamps]", off, 0)
        pkt.add(times, TIME_RELATIVE, ts - conv.ts_first, off, 0, generated=True)
        pkt.add(times, TIME_DELTA, ts_delta, off, 0, generated=True)
    conv.seglen = seglen if have_seglen else 0
    if opt_item is not None:
        dissect_options(tvb, pkt, opt_item, conv, off + 20, optlen, th_flags, raw_ack)
    if session.pass_no == 1 and session.two_pass:
        final[conv.stream] = (conv.completeness, conv.ts_first_rtt)
    elif later is not None:
        conv.ts_first_rtt = later[1]
    if not (in_error and session.pass_no == 2):
        # (tshark's second pass looks a quoted header's analysis up under a shifted
        # sequence number and finds none)
        print_analysis(pkt, tree, conv)
    if th_flags & TH_SYN:
        verify_window_scaling(conv, bool(th_flags & TH_ACK))

    data_off = off + hlen
    pkt.tcp_fin = bool(th_flags & TH_FIN)
    if th_flags & TH_FIN and full and not in_error and not th_flags & TH_RST and \
            complete_until_fin(tvb, pkt, session, tree, conv, data_off, seq, sport, dport):
        return
    if tvb.end - data_off > 0:
        if th_flags & TH_RST:
            text = bytes(b[data_off: tvb.end]).decode("ascii", "replace")
            item = pkt.add(tree, RESET_CAUSE, text, data_off, tvb.end - data_off)
            raw = bytes(b[data_off: tvb.end])
            if raw.partition(b"\0")[2].strip(b"\0"):  # (proto.c: bytes after its NUL)
                from dissectors.frame import TRAILING_STRAY  # (frame imports the dissectors)

                pkt.add_expert(item, "warning", "undecoded", "Trailing stray characters", "tcp",
                               field=TRAILING_STRAY, tapped=pkt.tree_visible)
            return
        if items:
            n = tvb.rend - data_off
            pkt.add(tree, PAYLOAD, bytes(b[data_off: tvb.end]), data_off, tvb.end - data_off,
                    f"TCP payload ({n} byte{'' if n == 1 else 's'})")
        s = (seq + 1) & SEQ_MASK if th_flags & TH_SYN else seq
        nx = (nxtseq + 1) & SEQ_MASK if th_flags & TH_SYN else nxtseq
        if full and not in_error:
            pkt.proto_data[SEGMENT_KEY] = (conv, data_off, s, nx)
            desegment_tcp(tvb, pkt, session, tree, conv, data_off, s, nx, sport, dport)
        else:
            pkt.can_desegment = False
            pkt.desegment = None
            decode_ports(tvb.sub(data_off), pkt, session, conv, sport, dport)


def _tapped_note(pkt: Packet, item: Item | None, sev: str, text: str, fld: Field) -> None:
    """sequence_note for a note whose items a block already holds: only pkt.expert's."""
    pkt.add_expert(item, sev, "sequence", text, "tcp", field=fld, itemless=True)


def _acc_ecn(conv: Conversation, flags: int) -> int:
    """The ACE counter of a segment once the handshake agreed on Accurate ECN (-1 before):
    a SYN with AE, CWR and ECE asks for it, a SYN-ACK with AE,CWR,ECE one of 010, 011,
    100, 110 agrees (the codepoints of the AccECN draft; probed on tshark 4.0)."""
    if flags & TH_SYN:
        if not flags & TH_ACK:
            conv.acc_ecn = 1 if flags & 0x1C0 == 0x1C0 else 0
        elif conv.acc_ecn == 1 and flags & 0x1C0 in (0x080, 0x0C0, 0x100, 0x180):
            conv.acc_ecn = 2
        return -1
    return (flags & 0x1C0) >> 6 if conv.acc_ecn == 2 else -1


def _ace_text(flags: int, ace: int) -> str:
    """`PSH, ACK, ACE=5`: the three bits as one counter, last."""
    rest = flags & ~0x1C0
    return f"{flags_text(rest)}, ACE={ace}" if rest else f"ACE={ace}"


def _ace_tree(pkt: Packet, parent: Item, flags: int, ace: int, off: int) -> list[Item]:
    """The flags subtree with AE, CWR and ECE drawn as one ACE field."""
    bits = "".join(("1" if flags & (1 << i) else "0") if 0x1C0 & (1 << i) else "."
                   for i in range(11, -1, -1))
    pattern = " ".join(bits[i: i + 4] for i in range(0, 12, 4))
    out = []
    for f in FLAG_FIELDS:
        if f is FLAGS_AE:
            pkt.add(parent, FLAGS_ACE, ace, off + 12, 2, f"{pattern} = ACE: {ace}")
        elif f is not FLAGS_CWR and f is not FLAGS_ECE:
            out.append(pkt.add(parent, f, bool(flags & f.bitmask), off + 12, 2,
                               flag_text(f, flags)))
    return out[-3:]


IP_PROTO.register(6, dissect_tcp, "tcp")
register_dissector("tcp", dissect_tcp)
register_follow(FollowSpec("tcp", "tcp", TcpFollower, byte_stream=True))
register_conversation(ConversationSpec("tcp", "TCP", "tcp", "tcp.srcport", "tcp.dstport",
                                       over=("ip", "ipv6"), stream="tcp.stream"))
register_learner_layer("tcp", "TCP", "transport")
register_learner_unclaimed("tcp.segment_data", "TCP segment data", "application")
register_learner_unclaimed("tcp.payload", "TCP payload", "application")
