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
(tcp_stream.py), options (tcp_options.py), sequence analysis (tcp_analysis.py) and
desegmentation for the protocols on top (tcp_reassembly.py).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Final

from dissectors.dispatch import IP_PROTO, register_dissector
from dissectors.format import hex_pad
from dissectors.ip import CHECKSUM_STATUS
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
    Block,
    Item,
    Packet,
    add_expert_items,
    cached_block,
    fit_summary,
)
from dissectors.registry import FT, Base, Field
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
    TH_RES,
    TH_RST,
    TH_SYN,
    TH_URG,
    Conversation,
    find_conversation,
    sequence_note,
    update_completeness,
    verify_window_scaling,
)
from dissectors.tvb import BoundsError, ReportedBoundsError, Tvb

_SET: Final = ("Set", "Not set")
#: The header's sequence number, acknowledgment number, offset/flags and window.
_SEQ_TO_WIN: Final = struct.Struct(">IIHH")
_COMPLETENESS: Final = {1: "Incomplete, SYN_SENT", 3: "Incomplete, CLIENT_ESTABLISHED",
                 7: "Incomplete, ESTABLISHED", 15: "Incomplete, DATA",
                 31: "Complete, WITH_DATA", 47: "Complete, WITH_DATA", 63: "Complete, WITH_DATA",
                 23: "Complete, NO_DATA", 39: "Complete, NO_DATA", 55: "Complete, NO_DATA"}
SRCPORT: Final = TCP.field("tcp.srcport", "Source Port", FT.UINT16, Base.PT_TCP, offset=0)
DSTPORT: Final = TCP.field("tcp.dstport", "Destination Port", FT.UINT16, Base.PT_TCP, offset=2)
PORT: Final = TCP.field("tcp.port", "Source or Destination Port", FT.UINT16, Base.PT_TCP)
STREAM: Final = TCP.field("tcp.stream", "Stream index", FT.UINT32, Base.DEC)
COMPLETENESS: Final = TCP.field("tcp.completeness", "Conversation completeness", FT.UINT8,
                         Base.CUSTOM, blurb="The completeness of the conversation capture")
LEN: Final = TCP.field("tcp.len", "TCP Segment Len", FT.UINT32, Base.DEC)
SEQ: Final = TCP.field("tcp.seq", "Sequence Number", FT.UINT32, Base.DEC)
SEQ_RAW: Final = TCP.field("tcp.seq_raw", "Sequence Number (raw)", FT.UINT32, Base.DEC, offset=4,
                    blurb="This shows the raw value of the sequence number")
NXTSEQ: Final = TCP.field("tcp.nxtseq", "Next Sequence Number", FT.UINT32, Base.DEC)
ACK: Final = TCP.field("tcp.ack", "Acknowledgment Number", FT.UINT32, Base.DEC)
ACK_RAW: Final = TCP.field("tcp.ack_raw", "Acknowledgment number (raw)", FT.UINT32, Base.DEC,
                    offset=8, blurb="This shows the raw value of the acknowledgment number")
HDR_LEN: Final = TCP.field("tcp.hdr_len", "Header Length", FT.UINT8, Base.DEC,
                    blurb="Data offset in 32-bit words")
FLAGS: Final = TCP.field("tcp.flags", "Flags", FT.UINT16, Base.HEX, bitmask=0x0FFF, offset=12,
                  blurb="Flags (12 bits)")
FLAGS_RES: Final = TCP.field("tcp.flags.res", "Reserved", FT.BOOLEAN, bitmask=0xE00, strings=_SET,
                      offset=12, width=2, blurb="Three reserved bits (must be zero)")
FLAGS_AE: Final = TCP.field("tcp.flags.ae", "Accurate ECN", FT.BOOLEAN, bitmask=0x100, strings=_SET,
                     offset=12, width=2)
FLAGS_CWR: Final = TCP.field("tcp.flags.cwr", "Congestion Window Reduced", FT.BOOLEAN, bitmask=0x80,
                      strings=_SET, offset=12, width=2)
FLAGS_ECE: Final = TCP.field("tcp.flags.ece", "ECN-Echo", FT.BOOLEAN, bitmask=0x40, strings=_SET,
                      offset=12, width=2)
FLAGS_URG: Final = TCP.field("tcp.flags.urg", "Urgent", FT.BOOLEAN, bitmask=0x20, strings=_SET,
                      offset=12, width=2)
FLAGS_ACK: Final = TCP.field("tcp.flags.ack", "Acknowledgment", FT.BOOLEAN, bitmask=0x10,
                      strings=_SET, offset=12, width=2)
FLAGS_PUSH: Final = TCP.field("tcp.flags.push", "Push", FT.BOOLEAN, bitmask=0x08, strings=_SET,
                       offset=12, width=2)
FLAGS_RESET: Final = TCP.field("tcp.flags.reset", "Reset", FT.BOOLEAN, bitmask=0x04, strings=_SET,
                        offset=12, width=2)
FLAGS_SYN: Final = TCP.field("tcp.flags.syn", "Syn", FT.BOOLEAN, bitmask=0x02, strings=_SET,
                      offset=12, width=2)
FLAGS_FIN: Final = TCP.field("tcp.flags.fin", "Fin", FT.BOOLEAN, bitmask=0x01, strings=_SET,
                      offset=12, width=2)
FLAGS_STR: Final = TCP.field("tcp.flags.str", "TCP Flags", FT.STRING)
FLAGS_ACE: Final = TCP.field("tcp.flags.ace", "ACE", FT.UINT8, Base.DEC)
WINDOW_VALUE: Final = TCP.field("tcp.window_size_value", "Window", FT.UINT16, Base.DEC, offset=14,
                         blurb="The window size value from the TCP header")
WINDOW_SIZE: Final = TCP.field("tcp.window_size", "Calculated window size", FT.UINT32, Base.DEC,
                        blurb="The scaled window size (if scaling has been used)")
WINDOW_SCALE: Final = TCP.field("tcp.window_size_scalefactor", "Window size scaling factor",
                         FT.INT32, Base.DEC)
CHECKSUM: Final = TCP.field("tcp.checksum", "Checksum", FT.UINT16, Base.HEX, offset=16)
CHECKSUM_STATUS_F: Final = TCP.field("tcp.checksum.status", "Checksum Status", FT.UINT8, Base.NONE,
                              strings=CHECKSUM_STATUS)
URGENT_POINTER: Final = TCP.field("tcp.urgent_pointer", "Urgent Pointer", FT.UINT16, Base.DEC,
                           offset=18)
BOGUS_HDR_LEN: Final = TCP.field("tcp.bogus_header_length", "Bogus TCP Header length", FT.NONE)
SHORT_SEGMENT: Final = TCP.field("tcp.short_segment", "Short segment", FT.NONE)
TIME_RELATIVE: Final = TCP.field("tcp.time_relative", "Time since first frame in this TCP stream",
                          FT.RELATIVE_TIME)
TIME_DELTA: Final = TCP.field("tcp.time_delta", "Time since previous frame in this TCP stream",
                       FT.RELATIVE_TIME)
PAYLOAD: Final = TCP.field("tcp.payload", "TCP payload", FT.BYTES)
RESET_CAUSE: Final = TCP.field("tcp.reset_cause", "Reset cause", FT.STRING)
ACK_NONZERO: Final = TCP.field("tcp.ack.nonzero", "The acknowledgment number field is nonzero while "
                        "the ACK flag is not set", FT.NONE)
URGENT_NONZERO: Final = TCP.field("tcp.urgent_pointer.non_zero", "The urgent pointer field is nonzero "
                           "while the URG flag is not set", FT.NONE)
CONN_SYN: Final = TCP.field("tcp.connection.syn", "Connection establish request (SYN)", FT.NONE)
CONN_SYNACK: Final = TCP.field("tcp.connection.synack",
                        "Connection establish acknowledge (SYN+ACK)", FT.NONE)
CONN_FIN: Final = TCP.field("tcp.connection.fin", "Connection finish (FIN)", FT.NONE)
CONN_FIN_ACTIVE: Final = TCP.field("tcp.connection.fin_active",
                            "This frame initiates the connection closing", FT.NONE)
CONN_FIN_PASSIVE: Final = TCP.field("tcp.connection.fin_passive",
                             "This frame undergoes the connection closing", FT.NONE)
A_TFO_ACK: Final = TCP.field("tcp.analysis.tfo_ack", "TCP SYN-ACK accepting TFO data", FT.NONE)
A_TFO_IGNORED: Final = TCP.field("tcp.analysis.tfo_ignored", "TCP SYN-ACK ignoring TFO data", FT.NONE)
CONN_RST: Final = TCP.field("tcp.connection.rst", "Connection reset (RST)", FT.NONE)



def _completeness_label(comp: int) -> str:
    return f"Conversation completeness: {_COMPLETENESS.get(comp, 'Incomplete')} ({comp})"


# Labels of small header values, made once (values every segment repeats).
_COMPLETENESS_LABELS: Final = tuple(_completeness_label(c) for c in range(64))
_HDR_LEN_LABELS: Final = tuple(f"{w:04b} .... = Header Length: {w * 4} bytes ({w})" for w in range(16))
_WINDOW_SCALE_LABELS: Final = {-1: "Window size scaling factor: -1 (unknown)",
                        -2: "Window size scaling factor: -2 (no window scaling used)",
                        **{1 << ws: f"Window size scaling factor: {1 << ws}"
                           for ws in range(15)}}

_FLAG_NAMES: Final = ((0x001, "FIN"), (0x002, "SYN"), (0x004, "RST"), (0x008, "PSH"), (0x010, "ACK"),
               (0x020, "URG"), (0x040, "ECE"), (0x080, "CWR"), (0x100, "AE"))
_FLAG_LETTERS: Final = "RRRACEUAPRSF"


def flags_text(flags: int) -> str:
    """`SYN, ACK` as in the Info column (made once per 12-bit value)."""
    text = _FLAGS_TEXT.get(flags)
    if text is None:
        names = [n for bit, n in _FLAG_NAMES if flags & bit]
        if flags & TH_RES:
            names.append("Reserved")
        text = ", ".join(names) if names else "<None>"
        if 0 <= flags <= 0xFFF:  # (bounded: 4096 values at most)
            _FLAGS_TEXT[flags] = text
    return text


_FLAGS_TEXT: Final[dict[int, str]] = {}


def flags_letters(flags: int) -> str:
    return "".join(ch if flags & (0x800 >> i) else "\u00b7"
                   for i, ch in enumerate(_FLAG_LETTERS))


def dissect_tcp(tvb: Tvb, pkt: Packet, session: Session) -> None:
    in_error = pkt.in_error_pkt
    if not in_error:
        _dissect_tcp(tvb, pkt, session, False)
        return
    try:
        _dissect_tcp(tvb, pkt, session, True)
    except (BoundsError, ReportedBoundsError):
        pass  # a header quoted by ICMP: tshark shows what fits and marks nothing


def _dissect_tcp(tvb: Tvb, pkt: Packet, session: Session, in_error: bool) -> None:
    session.current_proto = "tcp"
    off = tvb.start
    if off + 4 > tvb.end:  # (tvb.need inlined: a call a packet saved)
        tvb.need(off, 4)
    b = tvb.buf
    sport = (b[off] << 8) | b[off + 1]
    dport = (b[off + 2] << 8) | b[off + 3]
    pkt.proto_col = "TCP"
    pkt.set_info(f"{sport} \u2192 {dport}")
    tree_on = pkt.tree_on  # labels only for a tree someone reads
    # (a protocol item's value is its label: made whenever the protocol is asked for)
    tree = pkt.add_proto(TCP, off, 0,
                         f"Transmission Control Protocol, Src Port: {sport}, Dst Port: {dport}"
                         if tree_on or "tcp" in pkt.wanted else None)  # type: ignore[operator]
    pkt.srcport, pkt.dstport = sport, dport  # (Wireshark's pinfo ports, for the layers above)
    # (a tree-less dissection nobody reads TCP's items from skips making them)
    layers = pkt.layers
    items = layers is None or "tcp" in layers
    if pkt.wanted is None:  # (ports repeat: their four items built once)
        pkt.add_block(tree, cached_block(_PORT_BLOCKS, (sport, dport, off), _port_items))
    elif items:
        pkt.add(tree, SRCPORT, sport, off, 2)
        pkt.add(tree, DSTPORT, dport, off + 2, 2)
        pkt.add(tree, PORT, sport, off, 2, hidden=True)
        pkt.add(tree, PORT, dport, off + 2, 2, hidden=True)
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
    hlen = (b[off + 12] >> 4) * 4
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
        pkt.add_block(tree, cached_block(_FLAG_BLOCKS, (
            hlen, th_flags, off, (sport if th_flags & TH_ACK else dport)
            if th_flags & TH_SYN else 0,
            bool(th_flags & TH_FIN) and not conv.rev.closing_initiator, noted), _flag_items))
        if noted:
            note = _tapped_note
        rst_i = syn_i = fin_i = str_i = NULL_ITEM
    elif items and pkt.wants(_FLAG_BLOCK):
        pkt.add(tree, HDR_LEN, hlen, off + 12, 1, _HDR_LEN_LABELS[hlen >> 2] if tree_on else None)
        if ace < 0:
            fi = pkt.add(tree, FLAGS, th_flags, off + 12, 2,
                         f"Flags: 0x{th_flags:03x} ({flags_text(th_flags)})" if tree_on else None)
            rst_i, syn_i, fin_i = _flags_tree(pkt.add, fi, th_flags, off)[7:]
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
                    _HDR_LEN_LABELS[hlen >> 2] if tree_on else None)
        rst_i = syn_i = fin_i = str_i = NULL_ITEM
    if pkt.wanted is None:  # (the window's lines, built once per value)
        pkt.add_block(tree, cached_block(_WINDOW_BLOCKS, (
            raw_win, win, conv.fwd.win_scale, not th_flags & TH_SYN, off),
            _window_items))
    elif items:
        pkt.add(tree, WINDOW_VALUE, raw_win, off + 14, 2)
        pkt.add(tree, WINDOW_SIZE, win, off + 14, 2, generated=True)
    if items and not th_flags & TH_SYN and pkt.wanted is not None:
        ws = conv.fwd.win_scale
        val = ws if ws < 0 else 1 << ws
        text = _WINDOW_SCALE_LABELS.get(val)
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
            pkt.add_block(tree, cached_block(_TAIL_BLOCKS, (urp, off), _tail_items))
            ui = NULL_ITEM
        else:
            _tail_items(pkt.add, tree, -1, off)
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


_FLAG_TEXT: Final[dict[tuple[str, int], str]] = {}
_FLAG_FIELDS: Final = (FLAGS_RES, FLAGS_AE, FLAGS_CWR, FLAGS_ECE, FLAGS_URG, FLAGS_ACK, FLAGS_PUSH,
                FLAGS_RESET, FLAGS_SYN, FLAGS_FIN)
#: The flags item and everything under it (skipped together when none is wanted).
_FLAG_BLOCK: Final = frozenset(f.abbrev for f in (FLAGS, FLAGS_STR, FLAGS_ACE, *_FLAG_FIELDS))
# 12-bit flags value -> the ten (field, value, label) rows of its flags subtree.
_FLAG_ROWS: Final[dict[int, tuple[tuple[Field, bool, str], ...]]] = {}


def _port_items(add: Callable[..., Item], tree: Item | None, sport: int, dport: int,
                off: int) -> None:
    """The two port lines and their hidden tcp.port items (a Block's)."""
    add(tree, SRCPORT, sport, off, 2)
    add(tree, DSTPORT, dport, off + 2, 2)
    add(tree, PORT, sport, off, 2, hidden=True)
    add(tree, PORT, dport, off + 2, 2, hidden=True)


def _window_items(add: Callable[..., Item], tree: Item | None, raw_win: int, win: int,
                  scale: int, shown: bool, off: int) -> None:
    """The window lines: its value, its size and (`shown`: not in a SYN) its scaling
    factor (`scale` the shift; -1 unknown, -2 none)."""
    add(tree, WINDOW_VALUE, raw_win, off + 14, 2)
    add(tree, WINDOW_SIZE, win, off + 14, 2, generated=True)
    if shown:
        val = scale if scale < 0 else 1 << scale
        text = _WINDOW_SCALE_LABELS.get(val)
        if text is None:  # (a shift beyond 14: not made once)
            text = f"Window size scaling factor: {val}"
        add(tree, WINDOW_SCALE, val, off + 14, 2, text, generated=True)


def _tail_items(add: Callable[..., Item], tree: Item | None, urp: int, off: int) -> None:
    """The checksum status and (`urp` >= 0) the urgent pointer's line."""
    add(tree, CHECKSUM_STATUS_F, 2, off + 16, 0, "Checksum Status: Unverified", generated=True)
    if urp >= 0:
        add(tree, URGENT_POINTER, urp, off + 18, 2)


def _tapped_note(pkt: Packet, item: Item | None, sev: str, text: str, fld: Field) -> None:
    """sequence_note for a note whose items a block already holds: only pkt.expert's."""
    pkt.add_expert(item, sev, "sequence", text, "tcp", field=fld, itemless=True)


#: Full trees' runs of sibling lines that depend only on the key's values, built once
#: (packet.Block; bounded): (source port, destination port, header offset) -> the port
#: items; (header length, flags, header offset, SYN's server port, FIN initiates the
#: closing, are there notes) -> the header length line and the flags' subtree with the
#: notes SYN, FIN and RST put under it; (window value, size, scale shift, is the scale
#: shown, header offset) -> the window's lines; (urgent pointer, header offset) -> the checksum status and the
#: urgent pointer's line.
_PORT_BLOCKS: Final[dict[tuple[int, int, int], Block]] = {}
_FLAG_BLOCKS: Final[dict[tuple[int, int, int, int, bool, bool], Block]] = {}
_WINDOW_BLOCKS: Final[dict[tuple[int, int, int, bool, int], Block]] = {}
_TAIL_BLOCKS: Final[dict[tuple[int, int], Block]] = {}


def _flag_items(add: Callable[..., Item], tree: Item | None, hlen: int, flags: int,
                off: int, port: int, fin_active: bool, noted: bool) -> None:
    """The header length line, the Flags item, its subtree and (`noted`) the notes under
    it, as the general case adds them, in the same order: the notes' texts depend on
    nothing else."""
    add(tree, HDR_LEN, hlen, off + 12, 1, _HDR_LEN_LABELS[hlen >> 2])
    fi = add(tree, FLAGS, flags, off + 12, 2, f"Flags: 0x{flags:03x} ({flags_text(flags)})")
    rst_i, syn_i, fin_i = _flags_tree(add, fi, flags, off)[7:]
    str_i = add(fi, FLAGS_STR, flags_letters(flags), off + 12, 2, generated=True)
    if not noted:
        return
    notes: list[tuple[Item, str, str, Field]] = []
    if flags & TH_RST:
        notes.append((rst_i, "warning", "Connection reset (RST)", CONN_RST))
    if flags & TH_SYN:
        notes.append((syn_i, "chat", "Connection establish acknowledge (SYN+ACK): server "
                      f"port {port}", CONN_SYNACK) if flags & TH_ACK else
                     (syn_i, "chat", "Connection establish request (SYN): server port "
                      f"{port}", CONN_SYN))
    if flags & TH_FIN:
        notes.append((fin_i, "chat", "Connection finish (FIN)", CONN_FIN))
        notes.append((str_i, "note", "This frame initiates the connection closing",
                      CONN_FIN_ACTIVE) if fin_active else
                     (str_i, "note", "This frame undergoes the connection closing",
                      CONN_FIN_PASSIVE))
    for item, sev, text, fld in notes:  # (Packet.add_expert's items, as it adds them)
        add_expert_items(add, item, sev, "sequence", fit_summary(text), fld)


def _flags_tree(add: Callable[..., Item], parent: Item, flags: int, off: int) -> list[Item]:
    """The ten flag bits under `parent`, as _flag adds them; rows made once per value."""
    rows = _FLAG_ROWS.get(flags)
    if rows is None:
        rows = _FLAG_ROWS[flags] = tuple(
            (f, bool(flags & f.bitmask), _flag_text(f, flags)) for f in _FLAG_FIELDS)
    # each on the one byte that holds its bits, as tshark adds them (seen in -T pdml)
    return [add(parent, f, val, off + 12 if f.bitmask >= 0x100 else off + 13, 1, text)
            for f, val, text in rows]


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
    for f in _FLAG_FIELDS:
        if f is FLAGS_AE:
            pkt.add(parent, FLAGS_ACE, ace, off + 12, 2, f"{pattern} = ACE: {ace}")
        elif f is not FLAGS_CWR and f is not FLAGS_ECE:
            out.append(pkt.add(parent, f, bool(flags & f.bitmask), off + 12, 2,
                               _flag_text(f, flags)))
    return out[-3:]


def _flag_text(f: Field, flags: int) -> str:
    """A flag bit with Wireshark's 12-bit pattern (`.... ...1 .... = Acknowledgment: Set`)."""
    bits_set = flags & f.bitmask
    text = _FLAG_TEXT.get((f.abbrev, bits_set))
    if text is None:  # a handful of labels per flag: made once
        bits = "".join(("1" if flags & (1 << i) else "0") if f.bitmask & (1 << i) else "."
                       for i in range(11, -1, -1))
        pattern = " ".join(bits[i: i + 4] for i in range(0, 12, 4))
        text = _FLAG_TEXT[(f.abbrev, bits_set)] = (
            f"{pattern} = {f.name}: {_SET[0 if bits_set else 1]}")
    return text


IP_PROTO.register(6, dissect_tcp, "tcp")
register_dissector("tcp", dissect_tcp)
register_follow(FollowSpec("tcp", "tcp", TcpFollower, byte_stream=True))
register_conversation(ConversationSpec("tcp", "TCP", "tcp", "tcp.srcport", "tcp.dstport",
                                       over=("ip", "ipv6"), stream="tcp.stream"))
register_learner_layer("tcp", "TCP", "transport")
register_learner_unclaimed("tcp.segment_data", "TCP segment data", "application")
register_learner_unclaimed("tcp.payload", "TCP payload", "application")
