"""The frames of a decrypted QUIC Initial packet (RFC 9000 section 19) as tshark 4.0
shows them: one subtree per frame, a short name per frame in Info ("PING", "ACK",
"CRYPTO", "RS(0)"), runs of PADDING bytes as one frame.

CRYPTO data goes to the TLS handshake dissector (tls_handshake.py) in stream order:
a frame at the next expected offset is handed over at once; one past it is kept
(bounded) until the gap is filled, and then the pieces are shown as "Reassembled QUIC
CRYPTO Data Fragments" with the handshake dissected from the joined bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dissectors.packet import Item, Packet
from dissectors.quic_proto import QUIC
from dissectors.registry import FT, Base, Field
from dissectors.session import Session
from dissectors.tls_handshake import HANDSHAKE, dissect_handshake, dissect_message
from dissectors.tls_proto import TLS, TLS13, TlsConn
from dissectors.tls_tables import ALERT_DESCS, HANDSHAKE_TYPES
from dissectors.tvb import Tvb

U64, NONE, BYTES = FT.UINT64, FT.NONE, FT.BYTES
DEC = Base.DEC
FRAME_NAMES = {0: "PADDING", 1: "PING", 2: "ACK", 3: "ACK", 4: "RESET_STREAM", 5: "STOP_SENDING",
               6: "CRYPTO", 7: "NEW_TOKEN", **{t: "STREAM" for t in range(8, 16)},
               0x10: "MAX_DATA", 0x11: "MAX_STREAM_DATA", 0x12: "MAX_STREAMS (BIDI)",
               0x13: "MAX_STREAMS (UNI)", 0x14: "DATA_BLOCKED", 0x15: "STREAM_DATA_BLOCKED",
               0x16: "STREAMS_BLOCKED (BIDI)", 0x17: "STREAMS_BLOCKED (UNI)",
               0x18: "NEW_CONNECTION_ID", 0x19: "RETIRE_CONNECTION_ID",
               0x1A: "PATH_CHALLENGE", 0x1B: "PATH_RESPONSE",
               0x1C: "CONNECTION_CLOSE (Transport)", 0x1D: "CONNECTION_CLOSE (Application)",
               0x1E: "HANDSHAKE_DONE", 0x30: "DATAGRAM", 0x31: "DATAGRAM"}
ERROR_CODES = {0: "NO_ERROR", 1: "INTERNAL_ERROR", 2: "CONNECTION_REFUSED",
               3: "FLOW_CONTROL_ERROR", 4: "STREAM_ID_ERROR", 5: "STREAM_STATE_ERROR",
               6: "FINAL_SIZE_ERROR", 7: "FRAME_ENCODING_ERROR", 8: "TRANSPORT_PARAMETER_ERROR",
               9: "CONNECTION_ID_LIMIT_ERROR", 10: "PROTOCOL_VIOLATION", 11: "INVALID_TOKEN",
               12: "APPLICATION_ERROR", 13: "CRYPTO_BUFFER_EXCEEDED", 14: "KEY_UPDATE_ERROR",
               15: "AEAD_LIMIT_REACHED", 16: "NO_VIABLE_PATH", 17: "VERSION_NEGOTIATION_ERROR"}


def _f(abbrev: str, name: str, ft: FT = U64, base: Base = DEC) -> Field:
    return QUIC.field(abbrev, name, ft, base)


FRAME = _f("quic.frame", "Frame", NONE, Base.NONE)
FRAME_TYPE = QUIC.field("quic.frame_type", "Frame Type", U64, Base.HEX, strings=FRAME_NAMES)
PADDING_LENGTH = _f("quic.padding_length", "Padding Length", FT.UINT32)
ACK_LARGEST = _f("quic.ack.largest_acknowledged", "Largest Acknowledged")
ACK_DELAY = _f("quic.ack.ack_delay", "ACK Delay")
ACK_RANGE_COUNT = _f("quic.ack.ack_range_count", "ACK Range Count")
ACK_FIRST_RANGE = _f("quic.ack.first_ack_range", "First ACK Range")
ACK_GAP = _f("quic.ack.gap", "Gap")
ACK_RANGE = _f("quic.ack.ack_range", "ACK Range")
ACK_ECN = (_f("quic.ack.ect0_count", "ECT(0) Count"), _f("quic.ack.ect1_count", "ECT(1) Count"),
           _f("quic.ack.ecn_ce_count", "ECN-CE Count"))
CRYPTO_OFFSET = _f("quic.crypto.offset", "Offset")
CRYPTO_LENGTH = _f("quic.crypto.length", "Length")
CRYPTO_DATA = _f("quic.crypto.crypto_data", "Crypto Data", NONE, Base.NONE)
CRYPTO_FRAGMENTS = _f("quic.crypto.fragments", "Reassembled QUIC CRYPTO Data Fragments", NONE,
                      Base.NONE)
CRYPTO_FRAGMENT = _f("quic.crypto.fragment", "QUIC CRYPTO Data Fragment", FT.FRAMENUM,
                     Base.NONE)
CRYPTO_REASSEMBLED_IN = _f("quic.crypto.reassembled_in", "Reassembled PDU in frame",
                           FT.FRAMENUM, Base.NONE)
CRYPTO_FRAGMENT_COUNT = _f("quic.crypto.fragment.count", "Fragment count", FT.UINT32)
HS_FRAGMENTS = TLS.field("tls.handshake.fragments", "Reassembled Handshake Fragments", NONE)
HS_FRAGMENT = TLS.field("tls.handshake.fragment", "Handshake Fragment", FT.FRAMENUM)
HS_REASSEMBLED_IN = TLS.field("tls.handshake.reassembled_in",
                              "Reassembled Handshake Message in frame", FT.FRAMENUM)
HS_FRAGMENT_COUNT = TLS.field("tls.handshake.fragment.count", "Handshake Fragment count",
                              FT.UINT32, DEC)
RETRANSMISSION = _f("quic.retransmission",
                    "This QUIC frame has a reused stream offset (retransmission?)", NONE,
                    Base.NONE)
FT_UNKNOWN = _f("quic.ft.unknown", "Unknown Frame Type", NONE, Base.NONE)
CC_ERROR = _f("quic.cc.error_code", "Error code")
CC_ERROR_APP = _f("quic.cc.error_code.app", "Application Error code")
CC_TLS_ALERT = _f("quic.cc.error_code.tls_alert", "TLS Alert Description", FT.UINT8)
CC_FRAME_TYPE = _f("quic.cc.frame_type", "Frame Type")
CC_REASON_LENGTH = _f("quic.cc.reason_phrase.length", "Reason phrase Length")
CC_REASON = _f("quic.cc.reason_phrase", "Reason phrase", FT.STRING, Base.NONE)
NT_LENGTH = _f("quic.nt.length", "(Token) Length")
NT_TOKEN = _f("quic.nt.token", "Token", BYTES, Base.NONE)
PATH_DATA = {0x1A: _f("quic.path_challenge.data", "Data", BYTES, Base.NONE),
             0x1B: _f("quic.path_response.data", "Data", BYTES, Base.NONE)}
_STREAM_ID = "Stream ID"
STREAM_FIN = QUIC.field("quic.stream.fin", "Fin", FT.BOOLEAN, bitmask=0x01)
STREAM_LEN = QUIC.field("quic.stream.len", "Len(gth)", FT.BOOLEAN, bitmask=0x02)
STREAM_OFF = QUIC.field("quic.stream.off", "Off(set)", FT.BOOLEAN, bitmask=0x04)
STREAM_ID = _f("quic.stream.stream_id", "Stream ID")
STREAM_INITIATOR = QUIC.field("quic.stream.initiator", "Stream initiator", U64, DEC,
                              bitmask=0x1, strings={0: "Client-initiated",
                                                    1: "Server-initiated"})
STREAM_DIRECTION = QUIC.field("quic.stream.direction", "Stream direction", U64, DEC,
                              bitmask=0x2, strings={0: "Bidirectional", 1: "Unidirectional"})
STREAM_OFFSET = _f("quic.stream.offset", "Offset")
STREAM_LENGTH = _f("quic.stream.length", "Length")
STREAM_DATA = _f("quic.stream_data", "Stream Data", BYTES, Base.NONE)
NCI = (_f("quic.nci.sequence", "Sequence"), _f("quic.nci.retire_prior_to", "Retire Prior To"))
NCI_CID_LENGTH = _f("quic.nci.connection_id.length", "Connection ID Length", FT.UINT8)
NCI_CID = _f("quic.nci.connection_id", "Connection ID", BYTES, Base.NONE)
NCI_TOKEN = _f("quic.nci.stateless_reset_token", "Stateless Reset Token", BYTES, Base.NONE)
DG_LENGTH = _f("quic.dg.length", "Datagram Length")
DG = _f("quic.dg", "Datagram", BYTES, Base.NONE)
RSTS = (_f("quic.rsts.stream_id", _STREAM_ID),
        _f("quic.rsts.application_error_code", "Application Error code"),
        _f("quic.rsts.final_size", "Final Size"))
SS = (_f("quic.ss.stream_id", _STREAM_ID),
      _f("quic.ss.application_error_code", "Application Error code"))
MD = _f("quic.md.maximum_data", "Maximum Data")
MSD = (_f("quic.msd.stream_id", _STREAM_ID), _f("quic.msd.maximum_stream_data",
                                                 "Maximum Stream Data"))
MS = _f("quic.ms.max_streams", "Max Streams")
SB = _f("quic.sb.stream_data_limit", "Stream Data Limit")
SDB = (_f("quic.sdb.stream_id", _STREAM_ID), SB)
SIB = _f("quic.sib.stream_limit", "Stream Limit")
RCI = _f("quic.rci.sequence", "Sequence")
#: Frames of varints only: type -> (fields, Info text; a stream id follows in brackets).
SIMPLE: dict[int, tuple[tuple[Field, ...], str]] = {
    4: (RSTS, "RS"), 5: (SS, "SS"), 0x10: ((MD,), "MD"), 0x11: (MSD, "MSD"),
    0x12: ((MS,), "MS"), 0x13: ((MS,), "MS"), 0x14: ((SB,), "DB"), 0x15: (SDB, "SDB"),
    0x16: ((SIB,), "SB"), 0x17: ((SIB,), "SB"), 0x19: ((RCI,), "RC"),
}
#: The most CRYPTO bytes kept per direction waiting for a gap to close, and pieces.
MAX_PENDING_BYTES = 1 << 16
MAX_PENDING = 32


@dataclass(slots=True)
class CryptoStream:
    """One direction's Initial CRYPTO stream: the next offset expected and the pieces
    past it (offset -> (frame number, bytes))."""

    next: int = 0
    pending: dict[int, tuple[int, bytes]] = field(default_factory=dict)
    tls: TlsConn = field(default_factory=lambda: TlsConn(version=TLS13))
    # a handshake message begun but not ended in the stream: its pieces (frame, bytes)
    partial: list[tuple[int, bytes]] = field(default_factory=list)
    # -2: frame number -> the frame that completed the message it began (first pass)
    marks: dict[int, int] | None = None
    # -2: (frame number, offset) of a CRYPTO piece kept for a gap -> the frame that used it
    gap_marks: dict[tuple[int, int], int] | None = None


def varint(tvb: Tvb, off: int) -> tuple[int, int]:
    """A QUIC variable-length integer at `off`: (value, its size)."""
    first = tvb.u8(off)
    size = 1 << (first >> 6)
    tvb.need(off, size)
    return int.from_bytes(tvb.bytes(off, size), "big") & ((1 << (8 * size - 2)) - 1), size


def dissect_frames(tvb: Tvb, pkt: Packet, top: Item, stream: CryptoStream,
                   from_server: bool) -> None:
    """Every frame of the decrypted payload `tvb`; Info gets ", NAME" for each."""
    off, end = tvb.start, tvb.end
    count = 0
    while off < end and count < 4096:
        count += 1
        off = _frame(tvb, pkt, top, off, stream, from_server)


def _frame(tvb: Tvb, pkt: Packet, top: Item, off: int, stream: CryptoStream,
           from_server: bool) -> int:
    src = tvb.source
    ftype, tsize = varint(tvb, off)
    if ftype == 0:
        n = 1
        while off + n < tvb.end and tvb.u8(off + n) == 0:
            n += 1
        item = pkt.add(top, FRAME, None, off, n, f"PADDING Length: {n}", source=src)
        _type_item(pkt, item, ftype, off, tsize, src)
        pkt.add(item, PADDING_LENGTH, n, off + 1, 0, generated=True, source=src)
        pkt.append_info(", PADDING")
        return off + n
    name = FRAME_NAMES.get(ftype)
    item = pkt.add(top, FRAME, None, off, tsize, name or "Unknown", source=src)
    type_item = _type_item(pkt, item, ftype, off, tsize, src)
    at = off + tsize
    if name is None:
        pkt.add_expert(item, "note", "undecoded", f"Unknown Frame Type 0x{ftype:x}", "quic",
                       field=FT_UNKNOWN)
        return at
    if ftype == 1 or ftype == 0x1E:
        pkt.append_info(", PING" if ftype == 1 else ", DONE")
    elif ftype in (2, 3):
        at = _ack(tvb, pkt, item, at, ftype == 3)
    elif ftype == 6:
        at = _crypto(tvb, pkt, item, at, stream, from_server)
    elif ftype in (0x1C, 0x1D):
        at = _close(tvb, pkt, item, at, ftype == 0x1D)
    elif ftype in SIMPLE:
        fields, info = SIMPLE[ftype]
        pkt.append_info(", " + info)
        values = []
        for f in fields:
            v, n = varint(tvb, at)
            pkt.add(item, f, v, at, n, source=src)
            if not values and f.name == _STREAM_ID:
                pkt.append_info(f"({v})")
            values.append(v)
            at += n
        if fields[0].name == _STREAM_ID:
            item.text = f"{name} id={values[0]}" + (
                f" Error code: 0x{values[1]:x}" if ftype in (4, 5) else "")
    elif ftype == 7:
        n, size = varint(tvb, at)
        pkt.add(item, NT_LENGTH, n, at, size, source=src)
        tvb.need(at + size, n)
        pkt.add(item, NT_TOKEN, tvb.bytes(at + size, n), at + size, n, source=src)
        at += size + n
        pkt.append_info(", NT")
    elif ftype in PATH_DATA:
        tvb.need(at, 8)
        pkt.add(item, PATH_DATA[ftype], tvb.bytes(at, 8), at, 8, source=src)
        at += 8
        pkt.append_info(", PC" if ftype == 0x1A else ", PR")
    elif ftype in (0x30, 0x31):
        n = tvb.end - at
        if ftype == 0x31:
            n, size = varint(tvb, at)
            pkt.add(item, DG_LENGTH, n, at, size, source=src)
            at += size
        tvb.need(at, n)
        pkt.add(item, DG, tvb.bytes(at, n), at, n, source=src)
        at += n
        pkt.append_info(", DG")
    elif 8 <= ftype <= 15:
        at = _stream(tvb, pkt, item, type_item, at, ftype)
    else:  # NEW_CONNECTION_ID (the last type FRAME_NAMES holds)
        pkt.append_info(", NCI")
        for f in NCI:
            v, n = varint(tvb, at)
            pkt.add(item, f, v, at, n, source=src)
            at += n
        n = tvb.u8(at)
        pkt.add(item, NCI_CID_LENGTH, n, at, 1, source=src)
        tvb.need(at + 1, n + 16)
        pkt.add(item, NCI_CID, tvb.bytes(at + 1, n), at + 1, n, source=src)
        pkt.add(item, NCI_TOKEN, tvb.bytes(at + 1 + n, 16), at + 1 + n, 16, source=src)
        at += 1 + n + 16
    item.length = at - off
    return at


def _type_item(pkt: Packet, item: Item, ftype: int, off: int, size: int, src: int) -> Item:
    name = FRAME_NAMES.get(ftype, "Unknown")
    return pkt.add(item, FRAME_TYPE, ftype, off, size, f"Frame Type: {name} (0x{ftype:016x})",
                   source=src)


def _stream(tvb: Tvb, pkt: Packet, item: Item, type_item: Item, at: int, ftype: int) -> int:
    """STREAM (not in an Initial packet, but read as tshark reads it)."""
    src = tvb.source
    for f in (STREAM_FIN, STREAM_LEN, STREAM_OFF):
        pkt.add(type_item, f, bool(ftype & f.bitmask), at - 1, 1, source=src)
    sid, n = varint(tvb, at)
    sitem = pkt.add(item, STREAM_ID, sid, at, n, source=src)
    pkt.add(sitem, STREAM_INITIATOR, sid & 1, at, n, source=src)
    pkt.add(sitem, STREAM_DIRECTION, (sid >> 1) & 1, at, n, source=src)
    pkt.append_info(f", STREAM({sid})")
    at += n
    offset = 0
    if ftype & 4:
        offset, n = varint(tvb, at)
        pkt.add(item, STREAM_OFFSET, offset, at, n, source=src)
        at += n
    length = tvb.end - at
    if ftype & 2:
        length, n = varint(tvb, at)
        pkt.add(item, STREAM_LENGTH, length, at, n, source=src)
        at += n
    tvb.need(at, length)
    pkt.add(item, STREAM_DATA, tvb.bytes(at, length), at, length, source=src)
    item.text = (f"STREAM id={sid} fin={ftype & 1} off={offset} len={length} "
                 f"dir={STREAM_DIRECTION.strings[(sid >> 1) & 1]} "  # type: ignore[index]
                 f"origin={STREAM_INITIATOR.strings[sid & 1]}")  # type: ignore[index]
    return at + length


def _ack(tvb: Tvb, pkt: Packet, item: Item, at: int, ecn: bool) -> int:
    src = tvb.source
    values = []
    for f in (ACK_LARGEST, ACK_DELAY, ACK_RANGE_COUNT, ACK_FIRST_RANGE):
        v, n = varint(tvb, at)
        pkt.add(item, f, v, at, n, source=src)
        values.append(v)
        at += n
    for _ in range(min(values[2], 4096)):
        for f in (ACK_GAP, ACK_RANGE):
            v, n = varint(tvb, at)
            pkt.add(item, f, v, at, n, source=src)
            at += n
    if ecn:
        for f in ACK_ECN:
            v, n = varint(tvb, at)
            pkt.add(item, f, v, at, n, source=src)
            at += n
    pkt.append_info(", ACK_ECN" if ecn else ", ACK")
    return at


def _close(tvb: Tvb, pkt: Packet, item: Item, at: int, app: bool) -> int:
    src = tvb.source
    code, n = varint(tvb, at)
    if app:
        pkt.add(item, CC_ERROR_APP, code, at, n, source=src)
        item.text = f"CONNECTION_CLOSE (Application) Error code: 0x{code:x}"
    else:
        cname = "CRYPTO_ERROR" if 0x100 <= code <= 0x1FF else ERROR_CODES.get(code, "Unknown")
        pkt.add(item, CC_ERROR, code, at, n, f"Error code: {cname} ({code})", source=src)
        label = f"CONNECTION_CLOSE (Transport) Error code: {cname}"
        if cname == "CRYPTO_ERROR":
            alert = code & 0xFF
            aname = ALERT_DESCS.get(alert, "Unknown")
            pkt.add(item, CC_TLS_ALERT, alert, at + n - 1, 1,
                    f"TLS Alert Description: {aname} ({alert})", source=src)
            label += f" ({aname})"
        item.text = label
    at += n
    if not app:
        ftype, n = varint(tvb, at)
        pkt.add(item, CC_FRAME_TYPE, ftype, at, n, source=src)
        at += n
    rlen, n = varint(tvb, at)
    pkt.add(item, CC_REASON_LENGTH, rlen, at, n, source=src)
    at += n
    tvb.need(at, rlen)
    pkt.add(item, CC_REASON, tvb.bytes(at, rlen).decode("utf-8", "replace"), at, rlen,
            source=src)
    pkt.append_info(", CC")
    return at + rlen


def _crypto(tvb: Tvb, pkt: Packet, item: Item, at: int, stream: CryptoStream,
            from_server: bool) -> int:
    src = tvb.source
    coff, n = varint(tvb, at)
    pkt.add(item, CRYPTO_OFFSET, coff, at, n, source=src)
    at += n
    clen, n = varint(tvb, at)
    pkt.add(item, CRYPTO_LENGTH, clen, at, n, source=src)
    at += n
    pkt.append_info(", CRYPTO")
    pkt.add(item, CRYPTO_DATA, None, at, clen, source=src)
    if coff + clen <= stream.next and clen:
        note = pkt.add_text(item, RETRANSMISSION.name, at, clen, src)
        pkt.add_expert(note, "note", "sequence", RETRANSMISSION.name, "quic",
                       field=RETRANSMISSION)
    tvb.need(at, clen)
    data = tvb.bytes(at, clen)
    if coff > stream.next:
        pending = stream.pending
        if len(pending) < MAX_PENDING and \
                sum(len(d) for _, d in pending.values()) + clen <= MAX_PENDING_BYTES:
            pending.setdefault(coff, (pkt.frame.number, data))
        done = stream.gap_marks.get((pkt.frame.number, coff)) \
            if stream.gap_marks is not None else None
        if done is not None:
            pkt.add(item, CRYPTO_REASSEMBLED_IN, done, at, 0, generated=True, source=src)
        return at + clen
    if coff + clen <= stream.next:
        return at + clen
    skip = stream.next - coff  # (bytes of an overlapping frame already handed over)
    pieces = [(pkt.frame.number, coff, data)]
    reach = coff + clen
    while reach in stream.pending:
        number, more = stream.pending.pop(reach)
        pieces.append((number, reach, more))
        reach += len(more)
    stream.next = reach
    if stream.gap_marks is not None:
        for number, o, _d in pieces[1:]:
            if number != pkt.frame.number:
                stream.gap_marks.setdefault((number, o), pkt.frame.number)
    for o in [o for o in stream.pending if o < reach]:
        del stream.pending[o]
    if len(pieces) == 1:
        _tls(tvb, pkt, item, at + skip, at + clen, stream, from_server)
    else:
        _reassembled(pkt, item, pieces, stream, from_server)
    return at + clen


def _reassembled(pkt: Packet, item: Item, pieces: list, stream: CryptoStream,
                 from_server: bool) -> None:
    """The fragments tree of a CRYPTO gap filled in this frame, then the handshake of
    the joined bytes (data source "Reassembled QUIC CRYPTO")."""
    whole = b"".join(d for _, _, d in pieces)
    base = pieces[0][1]
    source = pkt.add_source(f"Reassembled QUIC CRYPTO ({len(whole)} bytes)", whole)
    parts = ", ".join(f"#{n}({len(d)})" for n, _, d in pieces)
    ft = pkt.add(item, CRYPTO_FRAGMENTS, None, 0, len(whole),
                 f"{len(pieces)} Reassembled QUIC CRYPTO Data Fragments ({len(whole)} bytes): "
                 f"{parts}", source=source, generated=True)
    for n, o, d in pieces:
        a, b = o - base, o - base + len(d) - 1
        pkt.add(ft, CRYPTO_FRAGMENT, n, a, len(d),
                f"Frame: {n}, payload: {a}-{b} ({len(d)} byte{'' if len(d) == 1 else 's'})",
                source=source, generated=True)
    pkt.add(ft, CRYPTO_FRAGMENT_COUNT, len(pieces), 0, 0, generated=True, source=source)
    _tls(Tvb(whole, source=source), pkt, item, 0, len(whole), stream, from_server)


def _tls(tvb: Tvb, pkt: Packet, item: Item, off: int, end: int, stream: CryptoStream,
         from_server: bool) -> None:
    """tls13-handshake under the CRYPTO frame: the TLS layer without records, whose
    Info and Protocol column QUIC keeps (tshark's QUIC makes the columns read-only). A
    message the stream's bytes end inside waits (bounded) for the rest, and is shown
    whole, from the joined fragments, in the frame that completes it."""
    info, proto_col = pkt.info, pkt.proto_col
    first = len(pkt.tree)
    top = pkt.add_proto(TLS, off, end - off, source=tvb.source)
    try:
        if stream.partial:
            off = _last_fragment(tvb, pkt, top, off, end, stream, from_server)
        if off < end:
            number = pkt.frame.number
            _tail(tvb, off, end, stream, number)
            dissect_handshake(tvb, pkt, top, off, end, stream.tls, from_server, TLS13)
            done = stream.marks.get(number) if stream.marks is not None else None
            if done is not None and stream.partial and stream.partial[0][0] == number:
                pkt.add(top, HS_REASSEMBLED_IN, done, off, 0, source=tvb.source)
    finally:
        pkt.info, pkt.proto_col = info, proto_col
        moved = pkt.tree[first:]
        del pkt.tree[first:]
        if moved:
            item.children = (item.children or []) + moved


def _tail(tvb: Tvb, off: int, end: int, stream: CryptoStream, number: int) -> None:
    """Keep the bytes of a message that runs past `end` (at most 64 KiB)."""
    while end - off >= 4 and off + 4 + tvb.u24(off + 1) <= end:
        off += 4 + tvb.u24(off + 1)
    if off < end and (end - off < 4 or tvb.u24(off + 1) < MAX_PENDING_BYTES):
        stream.partial = [(number, tvb.bytes(off, end - off))]


def _last_fragment(tvb: Tvb, pkt: Packet, top: Item, off: int, end: int,
                   stream: CryptoStream, from_server: bool) -> int:
    """The rest of a message begun in earlier frames; returns where this frame's bytes
    go on after it (`end` when the message is still not whole)."""
    src = tvb.source
    have = b"".join(d for _, d in stream.partial)
    more = tvb.bytes(off, end - off)
    joined = have + more
    if len(joined) < 4:
        stream.partial.append((pkt.frame.number, more))
        return end
    need = 4 + int.from_bytes(joined[1:4], "big")
    name = HANDSHAKE_TYPES.get(joined[0], "Encrypted Handshake Message")
    if len(joined) < need:
        if len(stream.partial) < MAX_PENDING:
            stream.partial.append((pkt.frame.number, more))
        else:
            stream.partial = []
        top.text = f"TLSv1.3 Record Layer: Handshake Protocol: {name} (fragment)"
        pkt.add(top, HANDSHAKE, None, off, end - off, f"Handshake Protocol: {name} (fragment)",
                source=src)
        return end
    used = need - len(have)
    pieces = stream.partial + [(pkt.frame.number, more[:used])]
    stream.partial = []
    if stream.marks is not None:
        for number, _ in pieces[:-1]:
            stream.marks.setdefault(number, pkt.frame.number)
    whole = joined[:need]
    pkt.add(top, HANDSHAKE, None, off, used, f"Handshake Protocol: {name} (last fragment)",
            source=src)
    source = pkt.add_source(f"Reassembled TLS Handshake ({need} bytes)", whole)
    parts = ", ".join(f"#{n}({len(d)})" for n, d in pieces)
    ft = pkt.add(top, HS_FRAGMENTS, None, 0, need,
                 f"{len(pieces)} Reassembled Handshake Fragments ({need} bytes): {parts}",
                 source=source, generated=True)
    at = 0
    for n, d in pieces:
        pkt.add(ft, HS_FRAGMENT, n, at, len(d), f"Frame: {n}, payload: {at}-{at + len(d) - 1} "
                f"({len(d)} byte{'' if len(d) == 1 else 's'})", source=source, generated=True)
        at += len(d)
    pkt.add(ft, HS_FRAGMENT_COUNT, len(pieces), 0, 0, generated=True, source=source)
    dissect_message(Tvb(whole, source=source), pkt, top, 0, stream.tls, from_server, TLS13)
    return off + used


def crypto_stream(session: Session, key: tuple) -> CryptoStream:
    """The CRYPTO stream of one connection's direction (key: connection, from server)."""
    streams = session.state("quic.crypto", dict)
    s = streams.get(key)
    if s is None:
        s = streams[key] = CryptoStream()
        if session.two_pass:
            s.marks = session.state("pass1:quic.hs_reassembled_in", dict).setdefault(key, {})
            s.gap_marks = session.state("pass1:quic.crypto_reassembled_in",
                                        dict).setdefault(key, {})
    return s
