"""TCP (RFC 9293) with Wireshark's default sequence analysis and desegmentation.

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

Streams are keyed by address/port pair; a SYN with a new ISN on a known pair starts a
new stream ("port numbers reused"). Sequence analysis follows Wireshark's
tcp_analyze_sequence_number, run once per frame in capture order.

Desegmentation interface for application dissectors: TCP sets
`pkt.desegment = None` and `pkt.can_desegment` before dispatch. A
dissector that needs more bytes sets `pkt.desegment = (pdu_start, more)` —
`pdu_start` an absolute offset in the tvb it got, `more` the extra bytes needed or -1
for "at least one more segment" — and returns normally. TCP keeps the bytes and calls
the same port dispatch again on a Tvb over the reassembled data (a new data source)
in the frame that completes it. `more` = DESEGMENT_UNTIL_FIN (-2) collects every later
byte of that direction until its FIN (Wireshark's DESEGMENT_UNTIL_FIN); the FIN's frame
then hands the whole PDU over with `pkt.tcp_fin` true, which TCP always sets
so a dissector knows no more bytes follow (Wireshark's end_of_stream).
"""

from __future__ import annotations

from bisect import bisect_right, insort
from collections.abc import Callable
from dataclasses import dataclass, field

from dissectors.dispatch import IP_PROTO, TCP_HEUR, TCP_PORT, register_dissector
from dissectors.ip import CHECKSUM_STATUS
from dissectors.packet import Item, Packet
from dissectors.ports import dispatch_ports
from dissectors.registry import FT, Base, Field, Protocol, protocol
from dissectors.session import Session
from dissectors.tvb import BoundsError, ReportedBoundsError, Tvb

_SET = ("Set", "Not set")
_OPTION_KINDS = {
    0: "End of Option List", 1: "No-Operation", 2: "Maximum Segment Size", 3: "Window Scale",
    4: "SACK Permitted", 5: "SACK", 6: "Echo", 7: "Echo Reply", 8: "Time Stamp Option",
    9: "Partial Order Connection Permitted", 10: "Partial Order Service Profile",
    11: "CC", 12: "CC.NEW", 13: "CC.ECHO", 14: "TCP Alternate Checksum Request",
    15: "TCP Alternate Checksum Data", 16: "Skeeter", 17: "Bubba", 18: "Trailer Checksum Option",
    19: "MD5 Signature Option", 20: "SCPS Capabilities", 21: "Selective Negative Acknowledgements",
    22: "Record Boundaries", 23: "Corruption experienced", 24: "SNAP", 25: "Unassigned",
    26: "TCP Compression Filter", 27: "Quick-Start Response", 28: "User Timeout Option",
    29: "TCP Authentication Option", 30: "Multipath TCP", 34: "TCP Fast Open Cookie",
    69: "Encryption Negotiation", 253: "RFC3692-style Experiment 1",
    254: "RFC3692-style Experiment 2",
}
_COMPLETENESS = {1: "Incomplete, SYN_SENT", 3: "Incomplete, CLIENT_ESTABLISHED",
                 7: "Incomplete, ESTABLISHED", 15: "Incomplete, DATA",
                 31: "Complete, WITH_DATA", 47: "Complete, WITH_DATA", 63: "Complete, WITH_DATA",
                 23: "Complete, NO_DATA", 39: "Complete, NO_DATA", 55: "Complete, NO_DATA"}

TCP = protocol("tcp", "Transmission Control Protocol", "TCP")
SRCPORT = TCP.field("tcp.srcport", "Source Port", FT.UINT16, Base.PT_TCP, offset=0)
DSTPORT = TCP.field("tcp.dstport", "Destination Port", FT.UINT16, Base.PT_TCP, offset=2)
PORT = TCP.field("tcp.port", "Source or Destination Port", FT.UINT16, Base.PT_TCP)
STREAM = TCP.field("tcp.stream", "Stream index", FT.UINT32, Base.DEC)
COMPLETENESS = TCP.field("tcp.completeness", "Conversation completeness", FT.UINT8,
                         Base.CUSTOM, blurb="The completeness of the conversation capture")
LEN = TCP.field("tcp.len", "TCP Segment Len", FT.UINT32, Base.DEC)
SEQ = TCP.field("tcp.seq", "Sequence Number", FT.UINT32, Base.DEC)
SEQ_RAW = TCP.field("tcp.seq_raw", "Sequence Number (raw)", FT.UINT32, Base.DEC, offset=4,
                    blurb="This shows the raw value of the sequence number")
NXTSEQ = TCP.field("tcp.nxtseq", "Next Sequence Number", FT.UINT32, Base.DEC)
ACK = TCP.field("tcp.ack", "Acknowledgment Number", FT.UINT32, Base.DEC)
ACK_RAW = TCP.field("tcp.ack_raw", "Acknowledgment number (raw)", FT.UINT32, Base.DEC,
                    offset=8, blurb="This shows the raw value of the acknowledgment number")
HDR_LEN = TCP.field("tcp.hdr_len", "Header Length", FT.UINT8, Base.DEC,
                    blurb="Data offset in 32-bit words")
FLAGS = TCP.field("tcp.flags", "Flags", FT.UINT16, Base.HEX, bitmask=0x0FFF, offset=12,
                  blurb="Flags (12 bits)")
FLAGS_RES = TCP.field("tcp.flags.res", "Reserved", FT.BOOLEAN, bitmask=0xE00, strings=_SET,
                      offset=12, width=2, blurb="Three reserved bits (must be zero)")
FLAGS_AE = TCP.field("tcp.flags.ae", "Accurate ECN", FT.BOOLEAN, bitmask=0x100, strings=_SET,
                     offset=12, width=2)
FLAGS_CWR = TCP.field("tcp.flags.cwr", "Congestion Window Reduced", FT.BOOLEAN, bitmask=0x80,
                      strings=_SET, offset=12, width=2)
FLAGS_ECE = TCP.field("tcp.flags.ece", "ECN-Echo", FT.BOOLEAN, bitmask=0x40, strings=_SET,
                      offset=12, width=2)
FLAGS_URG = TCP.field("tcp.flags.urg", "Urgent", FT.BOOLEAN, bitmask=0x20, strings=_SET,
                      offset=12, width=2)
FLAGS_ACK = TCP.field("tcp.flags.ack", "Acknowledgment", FT.BOOLEAN, bitmask=0x10,
                      strings=_SET, offset=12, width=2)
FLAGS_PUSH = TCP.field("tcp.flags.push", "Push", FT.BOOLEAN, bitmask=0x08, strings=_SET,
                       offset=12, width=2)
FLAGS_RESET = TCP.field("tcp.flags.reset", "Reset", FT.BOOLEAN, bitmask=0x04, strings=_SET,
                        offset=12, width=2)
FLAGS_SYN = TCP.field("tcp.flags.syn", "Syn", FT.BOOLEAN, bitmask=0x02, strings=_SET,
                      offset=12, width=2)
FLAGS_FIN = TCP.field("tcp.flags.fin", "Fin", FT.BOOLEAN, bitmask=0x01, strings=_SET,
                      offset=12, width=2)
FLAGS_STR = TCP.field("tcp.flags.str", "TCP Flags", FT.STRING)
WINDOW_VALUE = TCP.field("tcp.window_size_value", "Window", FT.UINT16, Base.DEC, offset=14,
                         blurb="The window size value from the TCP header")
WINDOW_SIZE = TCP.field("tcp.window_size", "Calculated window size", FT.UINT32, Base.DEC,
                        blurb="The scaled window size (if scaling has been used)")
WINDOW_SCALE = TCP.field("tcp.window_size_scalefactor", "Window size scaling factor",
                         FT.INT32, Base.DEC)
CHECKSUM = TCP.field("tcp.checksum", "Checksum", FT.UINT16, Base.HEX, offset=16)
CHECKSUM_STATUS_F = TCP.field("tcp.checksum.status", "Checksum Status", FT.UINT8, Base.NONE,
                              strings=CHECKSUM_STATUS)
URGENT_POINTER = TCP.field("tcp.urgent_pointer", "Urgent Pointer", FT.UINT16, Base.DEC,
                           offset=18)
OPTIONS = TCP.field("tcp.options", "TCP Options", FT.BYTES)
OPTION_KIND = TCP.field("tcp.option_kind", "Kind", FT.UINT8, Base.DEC, strings=_OPTION_KINDS)
OPTION_LEN = TCP.field("tcp.option_len", "Length", FT.UINT8, Base.DEC)
MSS_VAL = TCP.field("tcp.options.mss_val", "MSS Value", FT.UINT16, Base.DEC)
WSCALE_SHIFT = TCP.field("tcp.options.wscale.shift", "Shift count", FT.UINT8, Base.DEC)
WSCALE_MULT = TCP.field("tcp.options.wscale.multiplier", "Multiplier", FT.UINT16, Base.DEC)
SACK_LE = TCP.field("tcp.options.sack_le", "TCP SACK Left Edge", FT.UINT32, Base.DEC)
SACK_RE = TCP.field("tcp.options.sack_re", "TCP SACK Right Edge", FT.UINT32, Base.DEC)
SACK_COUNT = TCP.field("tcp.options.sack.count", "TCP SACK Count", FT.UINT8, Base.DEC)
DSACK_LE = TCP.field("tcp.options.sack.dsack_le", "TCP D-SACK Left Edge", FT.UINT32, Base.DEC)
DSACK_RE = TCP.field("tcp.options.sack.dsack_re", "TCP D-SACK Right Edge", FT.UINT32, Base.DEC)
DSACK = TCP.field("tcp.options.sack.dsack", "D-SACK Sequence", FT.NONE)
TSVAL = TCP.field("tcp.options.timestamp.tsval", "Timestamp value", FT.UINT32, Base.DEC)
TSECR = TCP.field("tcp.options.timestamp.tsecr", "Timestamp echo reply", FT.UINT32, Base.DEC)
UNKNOWN_PAYLOAD = TCP.field("tcp.options.unknown.payload", "Payload", FT.BYTES)
OPT_LEN_INVALID = TCP.field("tcp.option.len.invalid", "Invalid length for option", FT.NONE)
WSCALE_INVALID = TCP.field("tcp.options.wscale.shift.invalid", "Window scale shift exceeds 14",
                           FT.NONE)
MSS_ABSENT = TCP.field("tcp.options.mss.absent", "The SYN packet does not contain a MSS option",
                       FT.NONE)
USER_TO_GRAN = TCP.field("tcp.options.user_to_granularity", "Granularity", FT.BOOLEAN,
                         bitmask=0x8000, strings=("Minutes", "Seconds"))
USER_TO_VAL = TCP.field("tcp.options.user_to_val", "User Timeout", FT.UINT16, Base.DEC,
                        bitmask=0x7FFF)
TFO_REQUEST = TCP.field("tcp.options.tfo.request", "Fast Open Cookie Request", FT.NONE)
TFO_COOKIE = TCP.field("tcp.options.tfo.cookie", "Fast Open Cookie", FT.BYTES)
MSS_PRESENT = TCP.field("tcp.options.mss.present",
                        "The non-SYN packet does contain a MSS option", FT.NONE)
NOP4 = TCP.field("tcp.nop", "4 NOP in a row - a router may have removed some options", FT.NONE)
BOGUS_HDR_LEN = TCP.field("tcp.bogus_header_length", "Bogus TCP Header length", FT.NONE)
SHORT_SEGMENT = TCP.field("tcp.short_segment", "Short segment", FT.NONE)
ANALYSIS = TCP.field("tcp.analysis", "SEQ/ACK analysis", FT.NONE,
                     blurb="This frame has some of the TCP analysis shown")
A_FLAGS = TCP.field("tcp.analysis.flags", "TCP Analysis Flags", FT.NONE)
A_ACKS_FRAME = TCP.field("tcp.analysis.acks_frame", "This is an ACK to the segment in frame",
                         FT.FRAMENUM)
A_ACK_RTT = TCP.field("tcp.analysis.ack_rtt", "The RTT to ACK the segment was",
                      FT.RELATIVE_TIME)
A_INITIAL_RTT = TCP.field("tcp.analysis.initial_rtt", "iRTT", FT.RELATIVE_TIME)
A_BIF = TCP.field("tcp.analysis.bytes_in_flight", "Bytes in flight", FT.UINT32, Base.DEC)
A_PUSH_BYTES = TCP.field("tcp.analysis.push_bytes_sent", "Bytes sent since last PSH flag",
                         FT.UINT32, Base.DEC)
A_RTO = TCP.field("tcp.analysis.rto", "The RTO for this segment was", FT.RELATIVE_TIME)
A_RTO_FRAME = TCP.field("tcp.analysis.rto_frame", "RTO based on delta from frame",
                        FT.FRAMENUM)
A_DUP_ACK = TCP.field("tcp.analysis.duplicate_ack", "Duplicate ACK", FT.NONE)
A_DUP_ACK_NUM = TCP.field("tcp.analysis.duplicate_ack_num", "Duplicate ACK #", FT.UINT32,
                          Base.DEC)
A_DUP_ACK_FRAME = TCP.field("tcp.analysis.duplicate_ack_frame",
                            "Duplicate to the ACK in frame", FT.FRAMENUM)
A_RETRANS = TCP.field("tcp.analysis.retransmission",
                      "This frame is a (suspected) retransmission", FT.NONE)
A_FAST_RETRANS = TCP.field("tcp.analysis.fast_retransmission",
                           "This frame is a (suspected) fast retransmission", FT.NONE)
A_SPURIOUS = TCP.field("tcp.analysis.spurious_retransmission",
                       "This frame is a (suspected) spurious retransmission", FT.NONE)
A_OOO = TCP.field("tcp.analysis.out_of_order",
                  "This frame is a (suspected) out-of-order segment", FT.NONE)
A_REUSED = TCP.field("tcp.analysis.reused_ports", "A new tcp session is started with the same "
                     "ports as an earlier session in this trace", FT.NONE)
A_LOST = TCP.field("tcp.analysis.lost_segment",
                   "Previous segment(s) not captured (common at capture start)", FT.NONE)
A_ACK_LOST = TCP.field("tcp.analysis.ack_lost_segment",
                       "ACKed segment that wasn't captured (common at capture start)", FT.NONE)
A_WIN_UPDATE = TCP.field("tcp.analysis.window_update", "TCP window update", FT.NONE)
A_WIN_FULL = TCP.field("tcp.analysis.window_full",
                       "TCP window specified by the receiver is now completely full", FT.NONE)
A_KEEP_ALIVE = TCP.field("tcp.analysis.keep_alive", "TCP keep-alive segment", FT.NONE)
A_KEEP_ALIVE_ACK = TCP.field("tcp.analysis.keep_alive_ack", "ACK to a TCP keep-alive segment",
                             FT.NONE)
A_ZWP = TCP.field("tcp.analysis.zero_window_probe", "TCP Zero Window Probe", FT.NONE)
A_ZW = TCP.field("tcp.analysis.zero_window", "TCP Zero Window segment", FT.NONE)
A_ZWP_ACK = TCP.field("tcp.analysis.zero_window_probe_ack", "ACK to a TCP Zero Window Probe",
                      FT.NONE)
TIME_RELATIVE = TCP.field("tcp.time_relative", "Time since first frame in this TCP stream",
                          FT.RELATIVE_TIME)
TIME_DELTA = TCP.field("tcp.time_delta", "Time since previous frame in this TCP stream",
                       FT.RELATIVE_TIME)
PAYLOAD = TCP.field("tcp.payload", "TCP payload", FT.BYTES)
SEGMENT_DATA = TCP.field("tcp.segment_data", "TCP segment data", FT.BYTES)
RESET_CAUSE = TCP.field("tcp.reset_cause", "Reset cause", FT.STRING)
SEGMENT = TCP.field("tcp.segment", "TCP Segment", FT.FRAMENUM)
SEGMENTS = TCP.field("tcp.segments", "Reassembled TCP Segments", FT.NONE)
SEGMENT_COUNT = TCP.field("tcp.segment.count", "Segment count", FT.UINT32, Base.DEC)
REASSEMBLED_IN = TCP.field("tcp.reassembled_in", "Reassembled PDU in frame", FT.FRAMENUM)
REASSEMBLED_LENGTH = TCP.field("tcp.reassembled.length", "Reassembled TCP length", FT.UINT32,
                               Base.DEC)
REASSEMBLED_DATA = TCP.field("tcp.reassembled.data", "Reassembled TCP Data", FT.BYTES)
PDU_SIZE = TCP.field("tcp.pdu.size", "PDU Size", FT.UINT32, Base.DEC)
ACK_NONZERO = TCP.field("tcp.ack.nonzero", "The acknowledgment number field is nonzero while "
                        "the ACK flag is not set", FT.NONE)
URGENT_NONZERO = TCP.field("tcp.urgent_pointer.non_zero", "The urgent pointer field is nonzero "
                           "while the URG flag is not set", FT.NONE)
CONN_SYN = TCP.field("tcp.connection.syn", "Connection establish request (SYN)", FT.NONE)
CONN_SYNACK = TCP.field("tcp.connection.synack",
                        "Connection establish acknowledge (SYN+ACK)", FT.NONE)
CONN_FIN = TCP.field("tcp.connection.fin", "Connection finish (FIN)", FT.NONE)
CONN_FIN_ACTIVE = TCP.field("tcp.connection.fin_active",
                            "This frame initiates the connection closing", FT.NONE)
CONN_FIN_PASSIVE = TCP.field("tcp.connection.fin_passive",
                             "This frame undergoes the connection closing", FT.NONE)
A_TFO_SYN = TCP.field("tcp.analysis.tfo_syn", "TCP SYN with TFO Cookie", FT.NONE)
A_TFO_ACK = TCP.field("tcp.analysis.tfo_ack", "TCP SYN-ACK accepting TFO data", FT.NONE)
A_TFO_IGNORED = TCP.field("tcp.analysis.tfo_ignored", "TCP SYN-ACK ignoring TFO data", FT.NONE)
CONN_RST = TCP.field("tcp.connection.rst", "Connection reset (RST)", FT.NONE)


def _option_proto(abbrev: str, name: str) -> Protocol:
    """Wireshark registers each option as a name-only protocol (`tcp.options.mss`)."""
    return protocol(abbrev, name, name)


OPT_EOL = _option_proto("tcp.options.eol", "TCP Option - End of Option List (EOL)")
OPT_NOP = _option_proto("tcp.options.nop", "TCP Option - No-Operation (NOP)")
OPT_MSS = _option_proto("tcp.options.mss", "TCP Option - Maximum segment size")
OPT_WSCALE = _option_proto("tcp.options.wscale", "TCP Option - Window scale")
OPT_SACK_PERM = _option_proto("tcp.options.sack_perm", "TCP Option - SACK permitted")
OPT_SACK = _option_proto("tcp.options.sack", "TCP Option - SACK")
OPT_TIMESTAMP = _option_proto("tcp.options.timestamp", "TCP Option - Timestamps")
OPT_USER_TO = _option_proto("tcp.options.user_to", "TCP Option - User Timeout")
OPT_TFO = _option_proto("tcp.options.tfo", "TCP Option - TCP Fast Open")
OPT_UNKNOWN = _option_proto("tcp.options.unknown", "TCP Option - Unknown")
_OPT_PROTOS = {0: OPT_EOL, 1: OPT_NOP, 2: OPT_MSS, 3: OPT_WSCALE, 4: OPT_SACK_PERM, 5: OPT_SACK,
               8: OPT_TIMESTAMP, 28: OPT_USER_TO, 34: OPT_TFO}


def _opt_name(kind: int) -> str:
    """The option's short name, as tshark uses it in labels and expert texts."""
    return _OPT_PROTOS.get(kind, OPT_UNKNOWN).name.removeprefix("TCP Option - ")

# Flags (TH_*) and analysis flags (TCP_A_*), as in packet-tcp.c.
TH_FIN, TH_SYN, TH_RST, TH_PUSH, TH_ACK, TH_URG = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
TH_RES = 0xE00
_FLAG_NAMES = ((0x001, "FIN"), (0x002, "SYN"), (0x004, "RST"), (0x008, "PSH"), (0x010, "ACK"),
               (0x020, "URG"), (0x040, "ECE"), (0x080, "CWR"), (0x100, "AE"))
_FLAG_LETTERS = "RRRACEUAPRSF"
A_RETRANSMISSION, A_LOST_PACKET, A_ACK_LOST_PACKET, A_KEEPALIVE = 0x1, 0x2, 0x4, 0x8
A_DUPLICATE_ACK, A_ZERO_WINDOW, A_ZERO_WINDOW_PROBE, A_ZERO_WINDOW_PROBE_ACK = (
    0x10, 0x20, 0x40, 0x80)
A_KEEPALIVE_ACK, A_OUT_OF_ORDER, A_FAST_RETRANSMISSION, A_WINDOW_UPDATE = (
    0x100, 0x200, 0x400, 0x800)
A_WINDOW_FULL, A_REUSED_PORTS, A_SPURIOUS_RETRANSMISSION = 0x1000, 0x2000, 0x4000
MAX_UNACKED = 10000
_M = 0xFFFFFFFF
DESEGMENT_UNTIL_FIN = -2  # `more` asking for every byte up to the flow's FIN
UNTIL_FIN_SPAN = 0x40000000  # how far such a PDU reaches until its FIN arrives


def _gt(a: int, b: int) -> bool:
    """GT_SEQ: a after b in 32-bit sequence space."""
    d = (a - b) & _M
    return d != 0 and d < 0x80000000


def _lt(a: int, b: int) -> bool:
    return _gt(b, a)


def _le(a: int, b: int) -> bool:
    return not _gt(a, b)


@dataclass(slots=True)
class Ta:
    """What the analysis learnt about one frame (Wireshark's tcp_acked)."""

    flags: int = 0
    frame_acked: int = 0
    ts: int = 0
    dupack_num: int = 0
    dupack_frame: int = 0
    bytes_in_flight: int = 0
    push_bytes_sent: int = 0
    rto_ts: int = 0
    rto_frame: int = 0


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
    parts: dict[int, tuple[int, bytes]] = field(default_factory=dict)  # offset -> (frame, data)
    reassembled_in: int = 0

    def add(self, frame: int, off: int, data: bytes) -> None:
        if off not in self.parts or len(data) > len(self.parts[off][1]):
            self.parts[off] = (frame, data)

    def whole(self, total: int) -> bytes | None:
        """The PDU's first `total` bytes if contiguous, else None."""
        buf = bytearray()
        for off in sorted(self.parts):
            if off > len(buf):
                return None
            data = self.parts[off][1]
            buf[off: off + len(data)] = data
        return bytes(buf[:total]) if len(buf) >= total else None


@dataclass(slots=True)
class Flow:
    """One direction of a TCP conversation (Wireshark's tcp_flow_t)."""

    base_seq: int = 0
    base_set: bool = False
    win_scale: int = -1
    window: int = 0xFFFFFFFF
    is_first_ack: bool = False
    closing_initiator: bool = False
    valid_bif: bool = True
    push_bytes_sent: int = 0
    push_set_last: bool = False
    lastsegmentflags: int = 0
    nextseq: int = 0
    nextseqframe: int = 0
    nextseqtime: int = 0
    lastack: int = 0
    lastacktime: int = 0
    lastnondupack: int = 0
    dupacknum: int = 0
    maxseqtobeacked: int = 0
    # unacked segments, newest first: [frame, seq, nextseq, ts]
    segments: list[list[int]] = field(default_factory=list)
    sack: list[tuple[int, int]] = field(default_factory=list)
    msps: dict[int, Msp] = field(default_factory=dict)
    msp_starts: list[int] = field(default_factory=list)  # sorted keys of msps


class Conversation:
    """One TCP stream: both flows, timestamps and per-frame analysis."""

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

    def get_ta(self) -> Ta:
        if self.ta is None:
            self.ta = Ta()
        return self.ta


class TcpStreams:
    """Current conversation per address/port pair, and the stream counter."""

    def __init__(self) -> None:
        self.convs: dict[tuple, Conversation] = {}
        self.count = 0

    def new(self, key: tuple, ts: int) -> Conversation:
        conv = Conversation(self.count, ts)
        self.count += 1
        self.convs[key] = conv
        return conv


def _conv_key(src: bytes, sp: int, dst: bytes, dp: int) -> tuple:
    a, b = (src, sp), (dst, dp)
    return (a, b) if a <= b else (b, a)


def flags_text(flags: int) -> str:
    """`SYN, ACK` as in the Info column."""
    names = [n for bit, n in _FLAG_NAMES if flags & bit]
    if flags & TH_RES:
        names.append("Reserved")
    return ", ".join(names) if names else "<None>"


def flags_letters(flags: int) -> str:
    return "".join(ch if flags & (0x800 >> i) else "\u00b7"
                   for i, ch in enumerate(_FLAG_LETTERS))


def _prepend_info(pkt: Packet, text: str) -> None:
    """col_prepend_fence_fstr: the prefix survives upper layers' set_info."""
    pkt.info = text + pkt.info
    pkt.info_fence += len(text)


def _expert(pkt: Packet, item: Item | None, sev: str, text: str, fld) -> None:  # noqa: ANN001
    pkt.add_expert(item, sev, "sequence", text, "tcp", field=fld)


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
    tvb.need(off, 4)
    b = tvb.buf
    sport = (b[off] << 8) | b[off + 1]
    dport = (b[off + 2] << 8) | b[off + 3]
    pkt.proto_col = "TCP"
    pkt.set_info(f"{sport} \u2192 {dport}")
    tree = pkt.add_proto(TCP, off, 0,
                         f"Transmission Control Protocol, Src Port: {sport}, Dst Port: {dport}")
    pkt.add(tree, SRCPORT, sport, off, 2)
    pkt.add(tree, DSTPORT, dport, off + 2, 2)
    pkt.add(tree, PORT, sport, off, 2, hidden=True)
    pkt.add(tree, PORT, dport, off + 2, 2, hidden=True)
    # Inside an ICMPv4 error the raw sequence number goes in first (it may be all
    # that was quoted) and is not repeated later.
    icmp_ip = in_error and len(pkt.net_src) == 4
    if icmp_ip:
        pkt.add(tree, SEQ, tvb.u32(off + 4), off + 4, 4)
    raw_seq = tvb.u32(off + 4)
    raw_ack = tvb.u32(off + 8)
    th_flags = tvb.u16(off + 12) & 0x0FFF
    raw_win = tvb.u16(off + 14)
    hlen = (b[off + 12] >> 4) * 4
    ts = pkt.frame.ts_ns
    num = pkt.frame.number

    conv, is_new = _find_conversation(session, pkt, sport, dport, raw_seq, th_flags, ts)
    conv.fwd.sack = []
    pkt.tcp_tree = tree
    pkt.add(tree, STREAM, conv.stream, off, 0, generated=True)
    # tshark's second pass shows what the first pass ended with for the stream.
    final = session.state("pass1:tcp.final", dict)
    later = final.get(conv.stream) if session.pass_no == 2 else None
    comp = later[0] if later is not None else conv.completeness
    pkt.add(tree, COMPLETENESS, comp, 0, 0,
            f"Conversation completeness: {_COMPLETENESS.get(comp, 'Incomplete')} ({comp})",
            generated=True)
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
        pkt.add(tree, LEN, seglen, off + 12, 1, generated=True)
        _analyze(conv, num, ts, raw_seq, raw_ack, seglen, th_flags, raw_win)
        seq = (raw_seq - conv.fwd.base_seq) & _M
        if th_flags & TH_ACK:
            ack = (raw_ack - conv.rev.base_seq) & _M
        if not th_flags & TH_SYN and conv.fwd.win_scale >= 0:
            win = raw_win << conv.fwd.win_scale
        nxtseq = (seq + seglen) & _M
    pkt.append_info(f" [{flags_text(th_flags)}] Seq={seq}")
    if th_flags & TH_ACK:
        pkt.append_info(f" Ack={ack}")
    pkt.append_info(f" Win={win}")
    tree.text += f", Seq: {seq}"
    if not icmp_ip:
        pkt.add(tree, SEQ, seq, off + 4, 4,
                f"Sequence Number: {seq}    (relative sequence number)")
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
    _update_completeness(conv, is_new, th_flags, seglen)
    if th_flags & TH_ACK:
        tree.text += f", Ack: {ack}"
    if have_seglen:
        tree.text += f", Len: {seglen}"
    tree.length = hlen
    if have_seglen:
        nv = (nxtseq + 1) & _M if th_flags & (TH_SYN | TH_FIN) else nxtseq
        pkt.add(tree, NXTSEQ, nv, off, 0, f"Next Sequence Number: {nv}    (relative sequence "
                "number)", generated=True)
    ack_item = pkt.add(tree, ACK, ack, off + 8, 4,
                       f"Acknowledgment Number: {ack}" +
                       ("    (relative ack number)" if th_flags & TH_ACK else ""))
    pkt.add(tree, ACK_RAW, raw_ack, off + 8, 4)
    if th_flags & TH_ACK and th_flags & TH_SYN:
        if ack > 1:
            _expert(pkt, ack_item, "note", "TCP SYN-ACK accepting TFO data", A_TFO_ACK)
        elif conv.tfo_syn_data:
            _expert(pkt, ack_item, "note", "TCP SYN-ACK ignoring TFO data", A_TFO_IGNORED)
    if not th_flags & TH_ACK and raw_ack:
        pkt.add_expert(ack_item, "note", "protocol", "The acknowledgment number field is "
                       "nonzero while the ACK flag is not set", "tcp", field=ACK_NONZERO)
    pkt.add(tree, HDR_LEN, hlen, off + 12, 1,
            f"{hlen >> 2:04b} .... = Header Length: {hlen} bytes ({hlen >> 2})")
    fstr = flags_text(th_flags)
    fi = pkt.add(tree, FLAGS, th_flags, off + 12, 2, f"Flags: 0x{th_flags:03x} ({fstr})")
    rst_i, syn_i, fin_i = _flags_tree(pkt, fi, th_flags, off)[7:]
    str_i = pkt.add(fi, FLAGS_STR, flags_letters(th_flags), off + 12, 2, generated=True)
    pkt.add(tree, WINDOW_VALUE, raw_win, off + 14, 2)
    pkt.add(tree, WINDOW_SIZE, win, off + 14, 2, generated=True)
    if not th_flags & TH_SYN:
        ws = conv.fwd.win_scale
        if ws == -1:
            text = "Window size scaling factor: -1 (unknown)"
            val = -1
        elif ws == -2:
            text = "Window size scaling factor: -2 (no window scaling used)"
            val = -2
        else:
            val = 1 << ws
            text = f"Window size scaling factor: {val}"
        pkt.add(tree, WINDOW_SCALE, val, off + 14, 2, text, generated=True)
    if th_flags & TH_RST:
        _expert(pkt, rst_i, "warning", "Connection reset (RST)", CONN_RST)
    if th_flags & TH_SYN:
        if th_flags & TH_ACK:
            _expert(pkt, syn_i, "chat", "Connection establish acknowledge (SYN+ACK): server "
                    f"port {sport}", CONN_SYNACK)
        else:
            _expert(pkt, syn_i, "chat", "Connection establish request (SYN): server port "
                    f"{dport}", CONN_SYN)
            conv.ts_mru_syn = ts
        conv.fwd.is_first_ack = True
    if th_flags & TH_FIN:
        _expert(pkt, fin_i, "chat", "Connection finish (FIN)", CONN_FIN)
        if not conv.rev.closing_initiator:
            conv.fwd.closing_initiator = True
            _expert(pkt, str_i, "note", "This frame initiates the connection closing",
                    CONN_FIN_ACTIVE)
        else:
            _expert(pkt, str_i, "note", "This frame undergoes the connection closing",
                    CONN_FIN_PASSIVE)
    if (th_flags & (TH_SYN | TH_ACK)) == TH_ACK:
        if conv.ts_mru_syn and not conv.ts_first_rtt:
            conv.ts_first_rtt = ts - conv.ts_mru_syn
        conv.fwd.is_first_ack = False

    csum = tvb.u16(off + 16)
    pkt.add(tree, CHECKSUM, csum, off + 16, 2, f"Checksum: 0x{csum:04x} [unverified]")
    pkt.add(tree, CHECKSUM_STATUS_F, 2, off + 16, 0, "Checksum Status: Unverified",
            generated=True)
    full = tvb.end >= tvb.rend
    urp = tvb.u16(off + 18)
    ui = pkt.add(tree, URGENT_POINTER, urp, off + 18, 2)
    if th_flags & TH_URG:
        pkt.append_info(f" Urg={urp}")
    elif urp:
        pkt.add_expert(ui, "note", "protocol", "The urgent pointer field is nonzero while the "
                       "URG flag is not set", "tcp", field=URGENT_NONZERO)
    if have_seglen:
        pkt.append_info(f" Len={seglen}")
    optlen = hlen - 20
    opt_item = None
    if optlen:
        bc = max(0, min(optlen, tvb.end - (off + 20)))
        opt_item = pkt.add(tree, OPTIONS, bytes(b[off + 20: off + 20 + bc]), off + 20, bc,
                           f"Options: ({optlen} bytes)")
    times = pkt.add_text(tree, "[Timestamps]", 0, 0)
    pkt.add(times, TIME_RELATIVE, ts - conv.ts_first, 0, 0, generated=True)
    pkt.add(times, TIME_DELTA, ts_delta, 0, 0, generated=True)
    conv.seglen = seglen if have_seglen else 0
    if opt_item is not None:
        _options(tvb, pkt, opt_item, conv, off + 20, optlen, th_flags, raw_ack)
    if session.pass_no == 1 and session.two_pass:
        final[conv.stream] = (conv.completeness, conv.ts_first_rtt)
    elif later is not None:
        conv.ts_first_rtt = later[1]
    if not (in_error and session.pass_no == 2):
        # (tshark's second pass looks a quoted header's analysis up under a shifted
        # sequence number and finds none)
        _print_analysis(pkt, tree, conv)
    if th_flags & TH_SYN:
        _verify_window_scaling(conv, bool(th_flags & TH_ACK))

    data_off = off + hlen
    pkt.tcp_fin = bool(th_flags & TH_FIN)
    if th_flags & TH_FIN and full and not in_error and not th_flags & TH_RST and \
            _until_fin(tvb, pkt, session, tree, conv, data_off, seq, sport, dport):
        return
    if tvb.end - data_off > 0:
        if th_flags & TH_RST:
            text = bytes(b[data_off: tvb.end]).decode("ascii", "replace")
            pkt.add(tree, RESET_CAUSE, text, data_off, tvb.end - data_off)
            return
        n = tvb.rend - data_off
        pkt.add(tree, PAYLOAD, bytes(b[data_off: tvb.end]), data_off, tvb.end - data_off,
                f"TCP payload ({n} byte{'' if n == 1 else 's'})")
        s = (seq + 1) & _M if th_flags & TH_SYN else seq
        nx = (nxtseq + 1) & _M if th_flags & TH_SYN else nxtseq
        if full and not in_error:
            _desegment(tvb, pkt, session, tree, conv, data_off, s, nx, sport, dport)
        else:
            pkt.can_desegment = False
            pkt.desegment = None
            _decode_ports(tvb.sub(data_off), pkt, session, conv, sport, dport)


_FLAG_TEXT: dict[tuple[str, int], str] = {}


_FLAG_FIELDS = (FLAGS_RES, FLAGS_AE, FLAGS_CWR, FLAGS_ECE, FLAGS_URG, FLAGS_ACK, FLAGS_PUSH,
                FLAGS_RESET, FLAGS_SYN, FLAGS_FIN)
# 12-bit flags value -> the ten (field, value, label) rows of its flags subtree.
_FLAG_ROWS: dict[int, tuple[tuple[Field, bool, str], ...]] = {}


def _flags_tree(pkt: Packet, parent: Item, flags: int, off: int) -> list[Item]:
    """The ten flag bits under `parent`, as _flag adds them; rows made once per value."""
    rows = _FLAG_ROWS.get(flags)
    if rows is None:
        rows = _FLAG_ROWS[flags] = tuple(
            (f, bool(flags & f.bitmask), _flag_text(f, flags)) for f in _FLAG_FIELDS)
    add = pkt.add
    return [add(parent, f, val, off + 12, 2, text) for f, val, text in rows]


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


def _find_conversation(session: Session, pkt: Packet, sport: int, dport: int, seq: int,
                       flags: int, ts: int) -> tuple[Conversation, bool]:
    """The stream of this segment; a SYN with a new ISN on a known pair starts a new one."""
    streams = session.state("tcp.streams", TcpStreams)
    key = _conv_key(pkt.net_src, sport, pkt.net_dst, dport)
    conv = streams.convs.get(key)
    is_new = conv is None
    if conv is None:
        conv = streams.new(key, ts)
    direction = (pkt.net_src > pkt.net_dst) - (pkt.net_src < pkt.net_dst)
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


def _set_direction(conv: Conversation, direction: int) -> None:
    conv.ta = None
    if direction >= 0:
        conv.fwd, conv.rev = conv.flow1, conv.flow2
    else:
        conv.fwd, conv.rev = conv.flow2, conv.flow1


def _update_completeness(conv: Conversation, is_new: bool, flags: int, seglen: int) -> None:
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


def _verify_window_scaling(conv: Conversation, is_synack: bool) -> None:
    if conv.fwd.win_scale == -1:
        conv.fwd.win_scale = -2
        conv.rev.win_scale = -2
    elif is_synack and conv.rev.win_scale == -2:
        conv.fwd.win_scale = -2


def _analyze(conv: Conversation, num: int, ts: int, seq: int, ack: int, seglen: int,
             flags: int, window: int) -> None:
    """Wireshark's tcp_analyze_sequence_number on absolute seq/ack numbers."""
    fwd, rev = conv.fwd, conv.rev
    if not fwd.base_set:
        fwd.base_seq = seq if flags & TH_SYN else (seq - 1) & _M
        fwd.base_set = True
    if not rev.base_set and flags & TH_ACK:
        rev.base_seq = (ack - 1) & _M
        rev.base_set = True
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
        if fwd.nextseq and _gt(seq, fwd.nextseq) and not flags & TH_RST:
            conv.get_ta().flags |= A_LOST_PACKET
            fwd.valid_bif = False
        if seglen in (0, 1) and seq == (fwd.nextseq - 1) & _M and no_sfr:
            conv.get_ta().flags |= A_KEEPALIVE
        if (seglen == 0 and window and window != fwd.window and seq == fwd.nextseq
                and ack == fwd.lastack and no_sfr):
            conv.get_ta().flags |= A_WINDOW_UPDATE
        if seglen > 0 and rev.win_scale != -1 and no_sfr:
            shift = 0 if rev.is_first_ack or rev.win_scale == -2 else rev.win_scale
            if (seq + seglen) & _M == (rev.lastack + ((rev.window << shift) & _M)) & _M:
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
    if rev.maxseqtobeacked and _gt(ack, rev.maxseqtobeacked) and flags & TH_ACK:
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
    nextseq = (seq + seglen) & _M
    if (seglen or flags & (TH_SYN | TH_FIN)) and len(fwd.segments) < MAX_UNACKED:
        if flags & (TH_SYN | TH_FIN):
            nextseq = (nextseq + 1) & _M
        fwd.segments.insert(0, [num, seq, nextseq, ts])
    zwp = conv.ta is not None and conv.ta.flags & A_ZERO_WINDOW_PROBE
    if (_gt(nextseq, fwd.nextseq) or not fwd.nextseq) and not zwp:
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
    not_advanced = bool(fwd.nextseq) and _lt(seq, fwd.nextseq)
    if seglen > 1 and (fwd.nextseq - 1) & _M == seq:
        not_advanced = False
    if seglen > 0 and rev.lastack and _le((seq + seglen) & _M, rev.lastack):
        conv.get_ta().flags |= A_SPURIOUS_RETRANSMISSION
        return
    t = ts - rev.lastacktime
    if not_advanced and rev.dupacknum >= 2 and rev.lastack == seq and t < 20_000_000:
        conv.get_ta().flags |= A_FAST_RETRANSMISSION
        return
    t = ts - fwd.nextseqtime
    thres = conv.ts_first_rtt if conv.ts_first_rtt else 3_000_000
    syn_fin = 1 if flags & (TH_SYN | TH_FIN) else 0
    if not_advanced and t < thres and fwd.nextseq != (seq + seglen + syn_fin) & _M:
        conv.get_ta().flags |= A_OUT_OF_ORDER
        return
    if not_advanced:
        ta = conv.get_ta()
        ta.flags |= A_RETRANSMISSION
        ta.rto_ts = ts - fwd.nextseqtime
        ta.rto_frame = fwd.nextseqframe
        for frame, _s, _n, sts in fwd.segments:
            ta.rto_ts = ts - sts
            ta.rto_frame = frame


def _remove_acked(conv: Conversation, ack: int, ts: int) -> None:
    segs = conv.rev.segments
    i = 0
    while i < len(segs):
        frame, sseq, snext, sts = segs[i]
        if ack == snext:
            ta = conv.get_ta()
            ta.frame_acked = frame
            ta.ts = ts - sts
        elif _gt(ack, sseq) and _le(ack, snext):
            segs[i][1] = ack
            continue
        elif _gt(snext, ack):
            i += 1
            continue
        del segs[i]


def _bytes_in_flight(conv: Conversation, seglen: int, flags: int) -> None:
    fwd = conv.fwd
    segs = fwd.segments
    if not (seglen and segs and fwd.valid_bif):
        return
    base = fwd.base_seq
    first = (segs[0][1] - base) & _M
    last = (segs[0][2] - base) & _M
    for _f, s, n, _t in segs:
        last = max(last, (n - base) & _M)
        first = min(first, (s - base) & _M)
    in_flight = (last - first) & _M
    for le, re in conv.rev.sack:
        in_flight = (in_flight - ((re - le) & _M)) & _M
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


_ANALYSIS_NOTES = (
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
_ZW_NOTES = (
    (A_ZERO_WINDOW_PROBE, "[TCP ZeroWindowProbe] ", [("note", A_ZWP)]),
    (A_ZERO_WINDOW, "[TCP ZeroWindow] ", [("warning", A_ZW)]),
    (A_ZERO_WINDOW_PROBE_ACK, "[TCP ZeroWindowProbeAck] ", [("note", A_ZWP_ACK)]),
)


def _print_analysis(pkt: Packet, tree: Item, conv: Conversation) -> None:
    ta = conv.ta
    if ta is None:
        return
    at = pkt.add(tree, ANALYSIS, None, 0, 0, "SEQ/ACK analysis", generated=True)
    if ta.frame_acked:
        pkt.add(at, A_ACKS_FRAME, ta.frame_acked, 0, 0, generated=True)
        if ta.ts:
            pkt.add(at, A_ACK_RTT, ta.ts, 0, 0, generated=True)
    if conv.ts_first_rtt:
        pkt.add(at, A_INITIAL_RTT, conv.ts_first_rtt, 0, 0, generated=True)
    if ta.bytes_in_flight:
        pkt.add(at, A_BIF, ta.bytes_in_flight, 0, 0, generated=True)
        pkt.add(at, A_PUSH_BYTES, ta.push_bytes_sent, 0, 0, generated=True)
    if not ta.flags:
        return
    fi = pkt.add(at, A_FLAGS, None, 0, 0, "TCP Analysis Flags", generated=True)
    for flag, prefix, notes in _ANALYSIS_NOTES:
        if ta.flags & flag:
            for sev, fld in notes:
                _expert(pkt, fi, sev, fld.name, fld)
            _prepend_info(pkt, prefix)
            if flag == A_RETRANSMISSION and ta.rto_ts:
                pkt.add(fi, A_RTO, ta.rto_ts, 0, 0, generated=True)
                pkt.add(fi, A_RTO_FRAME, ta.rto_frame, 0, 0, generated=True)
    if ta.dupack_num:
        if ta.flags & A_DUPLICATE_ACK:
            pkt.add(fi, A_DUP_ACK, None, 0, 0, "This is a TCP duplicate ack", generated=True)
            _prepend_info(pkt, f"[TCP Dup ACK {ta.dupack_frame}#{ta.dupack_num}] ")
        pkt.add(at, A_DUP_ACK_NUM, ta.dupack_num, 0, 0, generated=True)
        di = pkt.add(at, A_DUP_ACK_FRAME, ta.dupack_frame, 0, 0, generated=True)
        _expert(pkt, di, "note", f"Duplicate ACK (#{ta.dupack_num})", A_DUP_ACK)
    for flag, prefix, notes in _ZW_NOTES:
        if ta.flags & flag:
            for sev, fld in notes:
                _expert(pkt, fi, sev, fld.name, fld)
            _prepend_info(pkt, prefix)


def _opt_item(pkt: Packet, parent: Item, proto: Protocol, data: bytes, off: int,
              text: str) -> Item:
    assert proto.proto_field is not None
    return pkt.add(parent, proto.proto_field, data, off, len(data), text)


def _options(tvb: Tvb, pkt: Packet, parent: Item, conv: Conversation, off: int, optlen: int,
             th_flags: int, raw_ack: int) -> None:
    """tcp_dissect_options: one name-only protocol item per option; info as tshark."""
    b = tvb.buf
    end = off + optlen
    nops = 0
    saw_mss = False
    while off < end:
        kind = tvb.u8(off)
        name = _opt_name(kind)
        if kind in (0, 1):
            proto = OPT_EOL if kind == 0 else OPT_NOP
            it = _opt_item(pkt, parent, proto, bytes(b[off: off + 1]), off, proto.name)
            parent.text += f", {name}"
            pkt.add(it, OPTION_KIND, kind, off, 1)
            nops = nops + 1 if kind == 1 else 0
            if nops == 4:
                pkt.add_expert(it, "warning", "protocol",
                               "4 NOP in a row - a router may have removed some options",
                               "tcp", field=NOP4)
            off += 1
            continue
        nops = 0
        if off + 1 >= end:
            _bad_option(pkt, parent, f"{name} (length byte past end of options)")
            return
        olen = tvb.u8(off + 1)
        if olen < 2:
            _bad_option(pkt, parent, f"{name} (with too-short option length = {olen} "
                        f"byte{'' if olen == 1 else 's'})")
            return
        if off + olen > end:
            _bad_option(pkt, parent, f"{name} (option length = {olen} byte"
                        f"{'' if olen == 1 else 's'} says option goes past end of options)")
            return
        tvb.need(off, olen)
        parent.text += f", {name}"
        saw_mss |= kind == 2
        _one_option(pkt, parent, conv, kind, olen, bytes(b[off: off + olen]), off, th_flags,
                    raw_ack)
        off += olen
    if th_flags & TH_SYN and not saw_mss:
        pkt.add_expert(parent, "note", "protocol", "The SYN packet does not contain a MSS option",
                       "tcp", field=MSS_ABSENT)


def _bad_option(pkt: Packet, parent: Item, text: str) -> None:
    pkt.add_expert(parent, "note", "sequence", text, "tcp", field=OPT_LEN_INVALID)


_FIXED_LEN = {2: 4, 3: 3, 4: 2, 8: 10}


def _one_option(pkt: Packet, parent: Item, conv: Conversation, kind: int, olen: int,
                data: bytes, off: int, th_flags: int, raw_ack: int) -> None:
    proto = _OPT_PROTOS.get(kind, OPT_UNKNOWN)
    it = _opt_item(pkt, parent, proto, data, off, proto.name)
    pkt.add(it, OPTION_KIND, kind, off, 1)
    li = pkt.add(it, OPTION_LEN, olen, off + 1, 1)
    want = _FIXED_LEN.get(kind)
    if want is not None and olen != want:
        if kind == 4:
            pkt.append_info(" SACK_PERM")
        pkt.add_expert(li, "note", "sequence", f"option length should be {want}", "tcp",
                       field=OPT_LEN_INVALID)
        return
    if kind == 2:
        mss = (data[2] << 8) | data[3]
        if not th_flags & TH_SYN:
            pkt.add_expert(it, "warning", "protocol",
                           "The non-SYN packet does contain a MSS option", "tcp",
                           field=MSS_PRESENT)
        pkt.add(it, MSS_VAL, mss, off + 2, 2)
        it.text = f"{proto.name}: {mss} bytes"
        pkt.append_info(f" MSS={mss}")
    elif kind == 3:
        shift = data[2]
        si = pkt.add(it, WSCALE_SHIFT, shift, off + 2, 1)
        if shift > 14:
            shift = 14
            pkt.add_expert(si, "warning", "protocol", "Window scale shift exceeds 14", "tcp",
                           field=WSCALE_INVALID)
        pkt.add(it, WSCALE_MULT, 1 << shift, off + 2, 1, generated=True)
        it.text = f"{proto.name}: {data[2]} (multiply by {1 << shift})"
        pkt.append_info(f" WS={1 << shift}")
        conv.fwd.win_scale = shift
    elif kind == 4:
        pkt.append_info(" SACK_PERM")
    elif kind == 5:
        _sack(pkt, it, conv, data, off, raw_ack)
    elif kind == 8:
        tsval = int.from_bytes(data[2:6], "big")
        tsecr = int.from_bytes(data[6:10], "big")
        pkt.add(it, TSVAL, tsval, off + 2, 4)
        pkt.add(it, TSECR, tsecr, off + 6, 4)
        it.text = f"{proto.name}: TSval {tsval}, TSecr {tsecr}"
        pkt.append_info(f" TSval={tsval} TSecr={tsecr}")
    elif kind == 28 and olen == 4:
        v = (data[2] << 8) | data[3]
        pkt.add(it, USER_TO_GRAN, bool(v & 0x8000), off + 2, 2)
        pkt.add(it, USER_TO_VAL, v & 0x7FFF, off + 2, 2)
        pkt.append_info(f" USER_TO={v & 0x7FFF}")
    elif kind == 34:
        if olen == 2:
            pkt.add(it, TFO_REQUEST, None, off, 2, "Fast Open Cookie Request")
            pkt.append_info(" TFO=R")
        else:
            ci = pkt.add(it, TFO_COOKIE, data[2:], off + 2, olen - 2)
            pkt.append_info(" TFO=C")
            if th_flags & (TH_SYN | TH_ACK) == TH_SYN:
                _expert(pkt, ci, "note", "TCP SYN with TFO Cookie", A_TFO_SYN)
                if conv.seglen:
                    conv.tfo_syn_data = True
    elif olen > 2 and proto is OPT_UNKNOWN:
        pkt.add(it, UNKNOWN_PAYLOAD, data[2:], off + 2, olen - 2)


def _sack(pkt: Packet, it: Item, conv: Conversation, data: bytes, off: int,
          raw_ack: int) -> None:
    base = conv.rev.base_seq
    conv.fwd.sack = []
    edges: list[tuple[int, int]] = []
    p = 2
    n = len(data)
    while n - p > 0:
        if n - p < 8:
            pkt.add_expert(it, "warning", "malformed", "Malformed suboption", "tcp")
            break
        le = (int.from_bytes(data[p: p + 4], "big") - base) & _M
        re = (int.from_bytes(data[p + 4: p + 8], "big") - base) & _M
        pkt.add(it, SACK_LE, le, off + p, 4, f"left edge = {le} (relative)")
        pkt.add(it, SACK_RE, re, off + p + 4, 4, f"right edge = {re} (relative)")
        pkt.append_info(f" SLE={le} SRE={re}")
        edges.append((le, re))
        it.text += f" {le}-{re}"
        p += 8
    conv.fwd.sack = [(le, re) for le, re in edges[:3]]
    pkt.add(it, SACK_COUNT, len(edges), 0, 0, generated=True)
    ack_rel = (raw_ack - base) & _M
    if edges and (_le(edges[0][1], ack_rel) or (
            len(edges) > 1 and _lt(edges[1][0], edges[0][1])
            and not _lt(edges[1][1], edges[0][1]))):
        pkt.add(it, DSACK_LE, edges[0][0], off + 2, 4, generated=True)
        pkt.add(it, DSACK_RE, edges[0][1], off + 6, 4, generated=True)
        pkt.add_expert(it, "warning", "sequence", "D-SACK Sequence", "tcp", field=DSACK)


# -- payload handoff and desegmentation ----------------------------------------------

def _decode_ports(tvb: Tvb, pkt: Packet, session: Session, conv: Conversation, sport: int,
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
    _decode_ports(tvb, target, session, conv, sport, dport)
    session.current_proto = "tcp"
    req = target.desegment
    pkt.desegment = None
    if req is None:
        return None
    start, more = req
    return max(0, start - tvb.start), int(more)


def _segment_data(pkt: Packet, tree: Item, tvb: Tvb, off: int, n: int, prefix: str = "") -> None:
    pkt.add(tree, SEGMENT_DATA, bytes(tvb.buf[off: off + n]), off, n,
            f"{prefix}TCP segment data ({n} byte{'' if n == 1 else 's'})")


def _desegment(tvb: Tvb, pkt: Packet, session: Session, tree: Item, conv: Conversation,
               off: int, seq: int, nxtseq: int, sport: int, dport: int) -> None:
    """desegment_tcp with in-order reassembly only (tshark's default)."""
    fwd = conv.fwd
    num = pkt.frame.number
    key = (conv.stream, fwd is conv.flow1, num)
    marks = session.state("pass1:tcp.reassembled_in", dict)
    later = session.state("pass1:tcp.later_pdu", dict)
    quiet = session.pass_no == 2 and later.get(key, num) != num
    payload_off = off
    first_pdu = True
    while True:
        ta = conv.ta
        msp = fwd.msps.get(seq)
        if msp is not None and _le(nxtseq, msp.nxtpdu) and msp.last_frame != num:
            _segment_data(pkt, tree, tvb, off, tvb.rend - off, "Retransmitted ")
            return
        if ta is not None and ta.flags & A_SPURIOUS_RETRANSMISSION:
            return
        if ta is not None and ta.flags & A_RETRANSMISSION:
            _segment_data(pkt, tree, tvb, off, tvb.rend - off, "Retransmitted ")
            return
        msp = _lookup_le(fwd, (seq - 1) & _M)
        if msp is None or not (_le(msp.seq, seq) and _gt(msp.nxtpdu, seq)):
            # Not inside a pending PDU: the subdissector sees the bytes directly.
            req = _call_sub(tvb.sub(off), pkt, session, conv, sport, dport, quiet)
            if req is None:
                return
            req_off, more = req
            deseg_off = off + req_off
            deseg_seq = (seq + req_off) & _M
            if ((nxtseq - deseg_seq) & _M) <= 1024 * 1024:
                until_fin = more == DESEGMENT_UNTIL_FIN
                grow = UNTIL_FIN_SPAN if until_fin else 1 if more < 0 else more
                new = Msp(deseg_seq, (nxtseq + grow) & _M, num, num,
                          entire_segment=more < 0 and not until_fin, until_fin=until_fin,
                          starts_payload=first_pdu and deseg_off == payload_off)
                new.add(num, 0, bytes(tvb.buf[deseg_off: tvb.end]))
                _store_msp(fwd, new)
                if new.starts_payload and session.pass_no == 1 and session.two_pass:
                    # tshark's second pass finds this segment inside an MSP and calls
                    # no subdissector, even when the PDU never completes (0: nowhere).
                    later.setdefault(key, 0)
            _not_dissected(pkt, tree, tvb, marks, key, deseg_off, first_pdu,
                           tvb.rend - deseg_off, req_off == 0)
            return
        # The segment continues a pending PDU.
        msp.last_frame = num
        if msp.entire_segment:
            length = tvb.end - off
        else:
            length = min((nxtseq - seq) & _M, (msp.nxtpdu - seq) & _M)
        msp.add(num, (seq - msp.seq) & _M, bytes(tvb.buf[off: off + length]))
        if msp.entire_segment:
            msp.entire_segment = False
            if _lt(msp.nxtpdu, nxtseq):
                msp.nxtpdu = nxtseq
        done = None if _lt(nxtseq, msp.nxtpdu) else msp.whole((msp.nxtpdu - msp.seq) & _M)
        another = 0
        if _lt(msp.nxtpdu, nxtseq) and not _lt(msp.nxtpdu, seq) and length > 0:
            another = (msp.nxtpdu - seq) & _M
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
                msp.parts = {}  # only its boundaries matter from now on
            else:
                req_off, more = req
                if req_off == 0:
                    # Still not enough: the same PDU grows.
                    pkt.sources.pop()
                    _not_dissected(pkt, tree, tvb, marks, key, off, first_pdu, length, True)
                else:
                    # One PDU was dissected, the rest starts the next: split the MSP.
                    _remember(session, conv, msp, num, marks, later, upto=req_off)
                    _fragment_tree(pkt, tree, msp, done[:req_off], src)
                    old, msp = msp, _split(fwd, msp, req_off)
                    old.parts = {}
                if more == DESEGMENT_UNTIL_FIN:
                    msp.nxtpdu = (seq + length + UNTIL_FIN_SPAN) & _M
                    msp.until_fin = True
                elif more < 0:
                    msp.nxtpdu = (max(seq + tvb.rend - off, msp.nxtpdu) + 1) & _M
                    msp.entire_segment = True
                else:
                    msp.nxtpdu = (seq + length + more) & _M
                off += length
                seq = (seq + length) & _M
                if tvb.end - off > 0:
                    continue
                return
        if not another:
            return
        pkt.fence_info()
        first_pdu = False
        off += another
        seq = (seq + another) & _M


def _until_fin(tvb: Tvb, pkt: Packet, session: Session, tree: Item, conv: Conversation,
               off: int, seq: int, sport: int, dport: int) -> bool:
    """A FIN completes the PDU its dissector wanted up to the end of the stream.

    As tshark 4.0: the FIN segment's bytes (maybe none) end the PDU, which is dissected
    in this frame, and the frame shows no payload items of its own. False when no such
    PDU is pending here.
    """
    msp = _lookup_le(conv.fwd, (seq - 1) & _M)
    if msp is None or not msp.until_fin or not (_le(msp.seq, seq) and _gt(msp.nxtpdu, seq)):
        return False
    ta = conv.ta
    if ta is not None and ta.flags & (A_RETRANSMISSION | A_SPURIOUS_RETRANSMISSION):
        return False
    num = pkt.frame.number
    n = tvb.end - off
    msp.add(num, (seq - msp.seq) & _M, bytes(tvb.buf[off: tvb.end]))
    total = (seq - msp.seq + n) & _M
    done = msp.whole(total)
    if done is None:
        return False
    msp.last_frame = num
    msp.nxtpdu = (seq + n) & _M
    msp.until_fin = False
    src = pkt.add_source(f"Reassembled TCP ({total} bytes)", done)
    _call_sub(Tvb(done, 0, total, total, src), pkt, session, conv, sport, dport)
    marks = session.state("pass1:tcp.reassembled_in", dict)
    later = session.state("pass1:tcp.later_pdu", dict)
    _remember(session, conv, msp, num, marks, later)
    _fragment_tree(pkt, tree, msp, done, src)
    msp.parts = {}
    return True


def _remember(session: Session, conv: Conversation, msp: Msp, num: int, marks: dict,
              later: dict, upto: int | None = None) -> None:
    """First pass: which frames' bytes were reassembled in this one (for `-2`)."""
    if session.pass_no != 1 or not session.two_pass:
        return
    d = conv.fwd is conv.flow1
    for o, (frame, _data) in msp.parts.items():
        if frame == num or (upto is not None and o >= upto):
            continue
        marks[(conv.stream, d, frame)] = num
        if o > 0 or msp.starts_payload:
            later[(conv.stream, d, frame)] = num


def _split(flow: Flow, msp: Msp, at: int) -> Msp:
    """split_msp: bytes from `at` on become a new pending PDU."""
    new = Msp((msp.seq + at) & _M, msp.nxtpdu, msp.last_frame, msp.last_frame)
    for o, (frame, data) in sorted(msp.parts.items()):
        if o + len(data) <= at:
            continue
        cut = max(0, at - o)
        new.add(frame, o + cut - at, data[cut:])
    new.first_frame = min(f for f, _d in new.parts.values()) if new.parts else msp.last_frame
    msp.nxtpdu = (msp.seq + at) & _M
    _store_msp(flow, new)
    return new


def _not_dissected(pkt: Packet, tree: Item, tvb: Tvb, marks: dict, key: tuple, off: int,
                   first_pdu: bool, nbytes: int, nothing_dissected: bool) -> None:
    """Bytes only collected for a later PDU: TCP column and tshark's marking."""
    reas = marks.get(key)
    if reas is not None and reas != key[2]:
        pkt.add(tree, REASSEMBLED_IN, reas, 0, 0, f"Reassembled PDU in frame: {reas}",
                generated=True)
    if nothing_dissected:
        pkt.proto_col = "TCP"
        if first_pdu:
            pkt.append_info("[TCP segment of a reassembled PDU]", " ")
    _segment_data(pkt, tree, tvb, off, nbytes)


def _store_msp(flow: Flow, msp: Msp) -> None:
    if msp.seq not in flow.msps:
        insort(flow.msp_starts, msp.seq)
    flow.msps[msp.seq] = msp


def _lookup_le(flow: Flow, seq: int) -> Msp | None:
    """The MSP starting at the highest sequence number <= seq (wmem_tree_lookup32_le)."""
    i = bisect_right(flow.msp_starts, seq)
    return flow.msps[flow.msp_starts[i - 1]] if i else None


def _fragment_tree(pkt: Packet, tree: Item, msp: Msp, data: bytes, src: int) -> None:
    n = len(data)
    parts = sorted(msp.parts.items())
    frames = []
    for o, (frame, d) in parts:
        if o > n or (o == n and d):
            continue
        frames.append((frame, o, min(len(d), n - o)))  # a FIN without data: 0 bytes
    desc = ", ".join(f"#{f}({ln})" for f, _o, ln in frames)
    st = pkt.add(None, SEGMENTS, None, 0, n,
                 f"[{len(frames)} Reassembled TCP Segments ({n} bytes): {desc}]", source=src)
    for f, o, ln in frames:
        text = f"[Frame: {f}, payload: {o}-{o + ln - 1} ({ln} bytes)]" if ln else \
            f"[Frame: {f} (no data)]"
        pkt.add(st, SEGMENT, f, o, ln, text, source=src)
    pkt.add(st, SEGMENT_COUNT, len(frames), 0, 0, generated=True, source=src)
    pkt.add(st, REASSEMBLED_LENGTH, n, 0, 0, generated=True, source=src)
    shown = data[:36].hex() + ("\u2026" if n > 36 else "")
    pkt.add(st, REASSEMBLED_DATA, data, 0, n, f"Reassembled TCP Data: {shown}", generated=True,
            source=src)
    # Wireshark moves the segments tree right behind the TCP tree.
    pkt.tree.remove(st)
    pkt.tree.insert(pkt.tree.index(tree) + 1, st)


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


IP_PROTO.register(6, dissect_tcp, "tcp")
register_dissector("tcp", dissect_tcp)
