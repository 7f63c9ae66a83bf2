"""TCP's fields and the lines of its header in a full tree: the labels made once per
value (flags, header length, window scale) and the runs of sibling lines a full tree
repeats for every segment with the same values, prebuilt as packet.Block (bounded
caches). tcp.py dissects; this module holds what its items are made of.

(Its fields are declared here, in tcp.py's old order, so that `-G fields` lists TCP's
fields as before: this module is imported after tcp_stream, tcp_options and
tcp_reassembly.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from dissectors.ip_fields import CHECKSUM_STATUS
from dissectors.packet import (
    Block,
    Item,
    add_expert_items,
    cached_block,
    fit_summary,
    port_items_block,
)
from dissectors.registry import FT, Base, Field
from dissectors.tcp_stream import TCP, TH_ACK, TH_FIN, TH_RES, TH_RST, TH_SYN

_SET: Final = ("Set", "Not set")

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

# Labels of small header values, made once (values every segment repeats).
HDR_LEN_LABELS: Final = tuple(f"{w:04b} .... = Header Length: {w * 4} bytes ({w})" for w in range(16))
WINDOW_SCALE_LABELS: Final = {-1: "Window size scaling factor: -1 (unknown)",
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



_FLAG_TEXT: Final[dict[tuple[str, int], str]] = {}
#: packet.port_items' fields: source, destination, either.
PORT_FIELDS: Final = (SRCPORT, DSTPORT, PORT)
FLAG_FIELDS: Final = (FLAGS_RES, FLAGS_AE, FLAGS_CWR, FLAGS_ECE, FLAGS_URG, FLAGS_ACK, FLAGS_PUSH,
                FLAGS_RESET, FLAGS_SYN, FLAGS_FIN)
#: The flags item and everything under it (skipped together when none is wanted).
FLAG_BLOCK: Final = frozenset(f.abbrev for f in (FLAGS, FLAGS_STR, FLAGS_ACE, *FLAG_FIELDS))
# 12-bit flags value -> the ten (field, value, label) rows of its flags subtree.
_FLAG_ROWS: Final[dict[int, tuple[tuple[Field, bool, str], ...]]] = {}


def _window_items(add: Callable[..., Item], tree: Item | None, raw_win: int, win: int,
                   scale: int, shown: bool, off: int) -> None:
    """The window lines: its value, its size and (`shown`: not in a SYN) its scaling
    factor (`scale` the shift; -1 unknown, -2 none)."""
    add(tree, WINDOW_VALUE, raw_win, off + 14, 2)
    add(tree, WINDOW_SIZE, win, off + 14, 2, generated=True)
    if shown:
        val = scale if scale < 0 else 1 << scale
        text = WINDOW_SCALE_LABELS.get(val)
        if text is None:  # (a shift beyond 14: not made once)
            text = f"Window size scaling factor: {val}"
        add(tree, WINDOW_SCALE, val, off + 14, 2, text, generated=True)


def tail_items(add: Callable[..., Item], tree: Item | None, urp: int, off: int) -> None:
    """The checksum status and (`urp` >= 0) the urgent pointer's line."""
    add(tree, CHECKSUM_STATUS_F, 2, off + 16, 0, "Checksum Status: Unverified", generated=True)
    if urp >= 0:
        add(tree, URGENT_POINTER, urp, off + 18, 2)


#: Full trees' runs of sibling lines that depend only on the key's values, built once
#: (packet.Block; bounded): (source port, destination port, header offset) -> the port
#: items; (header length, flags, header offset, SYN's server port, FIN initiates the
#: closing, are there notes) -> the header length line and the flags' subtree with the
#: notes SYN, FIN and RST put under it; (window value, size, scale shift, is the scale
#: shown, header offset) -> the window's lines; (urgent pointer, header offset) -> the
#: checksum status and the urgent pointer's line.
_PORT_BLOCKS: Final[dict[tuple[int, int, int], Block]] = {}
_FLAG_BLOCKS: Final[dict[tuple[int, int, int, int, bool, bool], Block]] = {}
_WINDOW_BLOCKS: Final[dict[tuple[int, int, int, bool, int], Block]] = {}
_TAIL_BLOCKS: Final[dict[tuple[int, int], Block]] = {}


def port_block(sport: int, dport: int, off: int) -> Block:
    """The port lines of a header at `off`."""
    return port_items_block(_PORT_BLOCKS, PORT_FIELDS, sport, dport, off)


def flag_block(hlen: int, flags: int, off: int, port: int, fin_active: bool,
               noted: bool) -> Block:
    """The header length line and the flags' subtree (with the notes under it when
    `noted`; `port` SYN's server port, `fin_active` whether a FIN initiates the closing)."""
    return cached_block(_FLAG_BLOCKS, (hlen, flags, off, port, fin_active, noted), _flag_items)


def window_block(raw_win: int, win: int, scale: int, shown: bool, off: int) -> Block:
    """The window's lines (see _window_items)."""
    return cached_block(_WINDOW_BLOCKS, (raw_win, win, scale, shown, off), _window_items)


def tail_block(urp: int, off: int) -> Block:
    """The checksum status and the urgent pointer's line (see tail_items)."""
    return cached_block(_TAIL_BLOCKS, (urp, off), tail_items)


def _flag_items(add: Callable[..., Item], tree: Item | None, hlen: int, flags: int,
                 off: int, port: int, fin_active: bool, noted: bool) -> None:
    """The header length line, the Flags item, its subtree and (`noted`) the notes under
    it, as the general case adds them, in the same order: the notes' texts depend on
    nothing else."""
    add(tree, HDR_LEN, hlen, off + 12, 1, HDR_LEN_LABELS[hlen >> 2])
    fi = add(tree, FLAGS, flags, off + 12, 2, f"Flags: 0x{flags:03x} ({flags_text(flags)})")
    rst_i, syn_i, fin_i = flags_tree(add, fi, flags, off)[7:]
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


def flags_tree(add: Callable[..., Item], parent: Item, flags: int, off: int) -> list[Item]:
    """The ten flag bits under `parent`, as tshark adds them; rows made once per value."""
    rows = _FLAG_ROWS.get(flags)
    if rows is None:
        rows = _FLAG_ROWS[flags] = tuple(
            (f, bool(flags & f.bitmask), flag_text(f, flags)) for f in FLAG_FIELDS)
    # each on the one byte that holds its bits, as tshark adds them (seen in -T pdml)
    return [add(parent, f, val, off + 12 if f.bitmask >= 0x100 else off + 13, 1, text)
            for f, val, text in rows]


def flag_text(f: Field, flags: int) -> str:
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
