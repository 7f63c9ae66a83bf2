"""TCP options (RFC 9293 3.2, RFC 7323, RFC 2018, RFC 7413): tcp_dissect_options.

Each option is a name-only protocol item (`tcp.options.mss`) with its fields, and adds
its part of the Info column (`MSS=1460 WS=128 SACK_PERM`).
"""

from __future__ import annotations

from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, Protocol, protocol
from dissectors.tcp_stream import (
    SEQ_MASK,
    TCP,
    TH_ACK,
    TH_SYN,
    Conversation,
    seq_le,
    seq_lt,
    sequence_note,
)
from dissectors.tvb import Tvb

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
EXP_EXID = TCP.field("tcp.options.experimental.exid", "Experiment Identifier", FT.UINT16,
                     Base.HEX, strings={
                         0x00AC: "TCP ACK Rate Request", 0x0348: "Host ID",
                         0x0A0D: "Autonomous System Compensation", 0x0CA0: "Capability Option",
                         0x0ED0: "Extended Data Offset", 0x454E: "Encryption Negotiation",
                         0x5323: "Service Number", 0x75EC: "Timestamp Interval",
                         0xACC0: "Accurate ECN - Order 0", 0xACC1: "Accurate ECN - Order 1",
                         0xACCE: "Accurate ECN",
                         0xE2D4: "Shared Memory communications over RMDA protocol",
                         0xF989: "Fast Open", 0xF990: "Low Latency"})
EXP_DATA = TCP.field("tcp.options.experimental.data", "Data", FT.BYTES)
TARR_RATE = TCP.field("tcp.options.tarr.rate", "TARR Rate", FT.UINT8, Base.DEC, bitmask=0xFE)
TARR_RESERVED = TCP.field("tcp.options.tar.reserved", "TARR Reserved", FT.UINT8, Base.DEC,
                          bitmask=0x01)
_ACC_COUNTERS = {
    "EE0B": TCP.field("tcp.options.acc_ecn.ee0b", "Accurate ECN Echo ECT(0) Byte Counter",
                      FT.UINT24, Base.DEC),
    "ECEB": TCP.field("tcp.options.acc_ecn.eceb", "Accurate ECN Echo CE Byte Counter",
                      FT.UINT24, Base.DEC),
    "EE1B": TCP.field("tcp.options.acc_ecn.ee1b", "Accurate ECN Echo ECT(1) Byte Counter",
                      FT.UINT24, Base.DEC),
}
_QS_RATES = {0: "0 bit/s", 1: "80 Kbit/s", 2: "160 Kbit/s", 3: "320 Kbit/s", 4: "640 Kbit/s",
             5: "1.28 Mbit/s", 6: "2.56 Mbit/s", 7: "5.12 Mbit/s", 8: "10.24 Mbit/s",
             9: "20.48 Mbit/s", 10: "40.96 Mbit/s", 11: "81.92 Mbit/s", 12: "163.84 Mbit/s",
             13: "327.68 Mbit/s", 14: "655.36 Mbit/s", 15: "1.31072 Gbit/s"}
QS_RATE = TCP.field("tcp.options.qs.rate", "QS Rate", FT.UINT8, Base.DEC, bitmask=0x0F,
                    strings=_QS_RATES)
# (Wireshark 4.0 names the TTL difference "QS Rate" too)
QS_TTL_DIFF = TCP.field("tcp.options.qs.ttl_diff", "QS Rate", FT.UINT8, Base.DEC)
NOP4 = TCP.field("tcp.nop", "4 NOP in a row - a router may have removed some options", FT.NONE)
A_TFO_SYN = TCP.field("tcp.analysis.tfo_syn", "TCP SYN with TFO Cookie", FT.NONE)


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
OPT_QS = _option_proto("tcp.options.qs", "TCP Option - Quick-Start")
OPT_TFO = _option_proto("tcp.options.tfo", "TCP Option - TCP Fast Open")
OPT_UNKNOWN = _option_proto("tcp.options.unknown", "TCP Option - Unknown")
OPT_EXP = _option_proto("tcp.options.experimental", "TCP Option - Experimental")
_OPT_PROTOS = {0: OPT_EOL, 1: OPT_NOP, 2: OPT_MSS, 3: OPT_WSCALE, 4: OPT_SACK_PERM, 5: OPT_SACK,
               8: OPT_TIMESTAMP, 27: OPT_QS, 28: OPT_USER_TO, 34: OPT_TFO, 253: OPT_EXP, 254: OPT_EXP}


def _opt_name(kind: int) -> str:
    """The option's short name, as tshark uses it in labels and expert texts."""
    return _OPT_PROTOS.get(kind, OPT_UNKNOWN).name.removeprefix("TCP Option - ")


def _opt_item(pkt: Packet, parent: Item, proto: Protocol, data: bytes, off: int,
              text: str) -> Item:
    assert proto.proto_field is not None
    return pkt.add(parent, proto.proto_field, data, off, len(data), text)


def dissect_options(tvb: Tvb, pkt: Packet, parent: Item, conv: Conversation, off: int,
                    optlen: int, th_flags: int, raw_ack: int) -> None:
    """tcp_dissect_options: one name-only protocol item per option; info as tshark."""
    b = tvb.buf
    start = off  # (the options start on a 32-bit boundary of the header)
    end = off + optlen
    nops = 0
    saw_mss = False
    try:
        while off < end:
            kind = tvb.u8(off)
            name = _opt_name(kind)
            if kind in (0, 1):
                proto = OPT_EOL if kind == 0 else OPT_NOP
                if kind == 1:
                    # packet-tcp.c counts NOPs within one 32-bit word: an aligned NOP
                    # after others starts again from none.
                    if nops == 0 or (off - start) & 3:
                        nops += 1
                        if nops == 4:
                            pkt.add_expert(parent, "warning", "protocol",
                                           "4 NOP in a row - a router may have removed some "
                                           "options", "tcp", field=NOP4)
                    else:
                        nops = 0
                it = _opt_item(pkt, parent, proto, bytes(b[off: off + 1]), off, proto.name)
                parent.text = f"{parent.text or ''}, {name}"
                pkt.add(it, OPTION_KIND, kind, off, 1)
                off += 1
                continue
            if not _option(tvb, pkt, parent, conv, off, end, kind, name, th_flags, raw_ack):
                return
            saw_mss |= kind == 2
            off += tvb.u8(off + 1)
    finally:
        text = parent.text
        if pkt.tree_on and text is not None and len(text) >= 240:
            # (appended text stops at Wireshark's label buffer, with no marker)
            parent.text = text[:239]
    if th_flags & TH_SYN and not saw_mss:
        pkt.add_expert(parent, "note", "protocol", "The SYN packet does not contain a MSS option",
                       "tcp", field=MSS_ABSENT)


def _option(tvb: Tvb, pkt: Packet, parent: Item, conv: Conversation, off: int, end: int,
            kind: int, name: str, th_flags: int, raw_ack: int) -> bool:
    """One option with a length byte; False when its length is bad (the rest is skipped)."""
    if off + 1 >= end:
        _bad_option(pkt, parent, f"{name} (length byte past end of options)")
        return False
    olen = tvb.u8(off + 1)
    if olen < 2:
        _bad_option(pkt, parent, f"{name} (with too-short option length = {olen} "
                    f"byte{'' if olen == 1 else 's'})")
        return False
    if off + olen > end:
        _bad_option(pkt, parent, f"{name} (option length = {olen} byte"
                    f"{'' if olen == 1 else 's'} says option goes past end of options)")
        return False
    if off + olen > tvb.end:
        # cut by the capture: tshark's option item holds what was captured, its kind and
        # length are read, then reading the value fails (packet-tcp.c adds the item with
        # length -1 before any read)
        proto = _OPT_PROTOS.get(kind, OPT_UNKNOWN)
        it = _opt_item(pkt, parent, proto, bytes(tvb.buf[off: tvb.end]), off, proto.name)
        pkt.add(it, OPTION_KIND, kind, off, 1)
        pkt.add(it, OPTION_LEN, olen, off + 1, 1)
        if kind == 8 and olen == 10 and off + 6 <= tvb.end:  # (read before TSecr)
            pkt.add(it, TSVAL, tvb.u32(off + 2), off + 2, 4)
        elif kind == 5:
            _cut_sack(tvb, pkt, it, conv, off, olen)
    tvb.need(off, olen)
    parent.text = f"{parent.text or ''}, {name}"
    _one_option(pkt, parent, conv, kind, olen, bytes(tvb.buf[off: off + olen]), off,
                th_flags, raw_ack)
    return True


def _bad_option(pkt: Packet, parent: Item, text: str) -> None:
    pkt.add_expert(parent, "note", "sequence", text, "tcp", field=OPT_LEN_INVALID)


_FIXED_LEN = {2: 4, 3: 3, 4: 2, 8: 10, 27: 8}


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
    elif kind == 27:  # Quick-Start (RFC 4782): tshark shows its rate and TTL difference
        pkt.add(it, QS_RATE, data[2] & 0x0F, off + 2, 1)
        pkt.add(it, QS_TTL_DIFF, data[3], off + 3, 1)
        pkt.append_info(f" QSresp={_QS_RATES[data[2] & 0x0F]}")
    elif kind == 28 and olen == 4:
        v = (data[2] << 8) | data[3]
        pkt.add(it, USER_TO_GRAN, bool(v & 0x8000), off + 2, 2)
        pkt.add(it, USER_TO_VAL, v & 0x7FFF, off + 2, 2)
        pkt.append_info(f" USER_TO={v & 0x7FFF}")
    elif kind == 34:
        _tfo(pkt, it, conv, data, off, 2, th_flags)
    elif proto is OPT_EXP and olen >= 4:
        _experimental(pkt, it, li, conv, data, off, th_flags)
    elif olen > 2 and proto is OPT_UNKNOWN:
        pkt.add(it, UNKNOWN_PAYLOAD, data[2:], off + 2, olen - 2)


def _tfo(pkt: Packet, it: Item, conv: Conversation, data: bytes, off: int, at: int,
         th_flags: int) -> None:
    """TCP Fast Open (kind 34, or experiment 0xf989): a cookie request or a cookie."""
    olen = len(data)
    if olen == at:
        pkt.add(it, TFO_REQUEST, None, off, at, "Fast Open Cookie Request")
        pkt.append_info(" TFO=R")
    else:
        ci = pkt.add(it, TFO_COOKIE, data[at:], off + at, olen - at)
        pkt.append_info(" TFO=C")
        if th_flags & (TH_SYN | TH_ACK) == TH_SYN:
            sequence_note(pkt, ci, "note", "TCP SYN with TFO Cookie", A_TFO_SYN)
            if conv.seglen:
                conv.tfo_syn_data = True


def _experimental(pkt: Packet, it: Item, li: Item, conv: Conversation, data: bytes, off: int,
                  th_flags: int) -> None:
    """RFC 6994 shared experimental options (kinds 253, 254), by Experiment Identifier."""
    olen = len(data)
    exid = (data[2] << 8) | data[3]
    ename = EXP_EXID.strings.get(exid) if isinstance(EXP_EXID.strings, dict) else None
    it.text = f"{it.text}: {ename or 'Unknown'}"
    if exid == 0x00AC and olen not in (4, 5):  # TCP ACK Rate Request
        pkt.add_expert(li, "note", "sequence",
                       f"option length should be 4 or 5 instead of {olen}", "tcp",
                       field=OPT_LEN_INVALID)
    pkt.add(it, EXP_EXID, exid, off + 2, 2,
            f"Experiment Identifier: Unknown (0x{exid:04x})" if ename is None else None)
    if exid == 0xF989:
        _tfo(pkt, it, conv, data, off, 4, th_flags)
    elif exid == 0x00AC:
        if olen == 5:
            pkt.add(it, TARR_RATE, data[4] >> 1, off + 4, 1)
            pkt.add(it, TARR_RESERVED, data[4] & 1, off + 4, 1)
            it.text += f" {data[4] >> 1}"
            pkt.append_info(f" TARR={data[4] >> 1}")
        elif olen == 4:
            pkt.append_info(" TARR")
    elif exid in (0xACC0, 0xACC1):
        order = ("EE0B", "ECEB", "EE1B") if exid == 0xACC0 else ("EE1B", "ECEB", "EE0B")
        parts = []
        for i, key in enumerate(order[:(olen - 4) // 3]):
            v = int.from_bytes(data[4 + 3 * i: 7 + 3 * i], "big")
            pkt.add(it, _ACC_COUNTERS[key], v, off + 4 + 3 * i, 3)
            parts.append(f"{key} {v}")
            pkt.append_info(f" {key}={v}")
        it.text += f": Accurate ECN (Order {exid & 1}): " + ", ".join(parts)
    else:
        pkt.append_info(f" ExID={exid:x}")
        if olen > 4:
            pkt.add(it, EXP_DATA, data[4:], off + 4, olen - 4)


def _cut_sack(tvb: Tvb, pkt: Packet, it: Item, conv: Conversation, off: int, olen: int) -> None:
    """The edges captured of a SACK option the capture cut: each edge is shown as it is
    read, a pair goes to Info and the label once its right edge is read."""
    base = conv.rev.base_seq
    p = off + 2
    while p + 8 <= off + olen and p + 4 <= tvb.end:
        le = (tvb.u32(p) - base) & SEQ_MASK
        pkt.add(it, SACK_LE, le, p, 4, f"left edge = {le} (relative)")
        if p + 8 > tvb.end:
            return
        re = (tvb.u32(p + 4) - base) & SEQ_MASK
        pkt.add(it, SACK_RE, re, p + 4, 4, f"right edge = {re} (relative)")
        pkt.append_info(f" SLE={le} SRE={re}")
        it.text = f"{it.text or ''} {le}-{re}"
        p += 8


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
        le = (int.from_bytes(data[p: p + 4], "big") - base) & SEQ_MASK
        re = (int.from_bytes(data[p + 4: p + 8], "big") - base) & SEQ_MASK
        pkt.add(it, SACK_LE, le, off + p, 4, f"left edge = {le} (relative)")
        pkt.add(it, SACK_RE, re, off + p + 4, 4, f"right edge = {re} (relative)")
        pkt.append_info(f" SLE={le} SRE={re}")
        edges.append((le, re))
        it.text = f"{it.text or ''} {le}-{re}"
        p += 8
    conv.fwd.sack = [(le, re) for le, re in edges[:3]]
    pkt.add(it, SACK_COUNT, len(edges), 0, 0, generated=True)
    ack_rel = (raw_ack - base) & SEQ_MASK
    if edges and (seq_le(edges[0][1], ack_rel) or (
            len(edges) > 1 and seq_lt(edges[1][0], edges[0][1])
            and not seq_lt(edges[1][1], edges[0][1]))):
        pkt.add(it, DSACK_LE, edges[0][0], off + 2, 4,
                f"D-SACK Left Edge = {edges[0][0]} (relative)", generated=True)
        pkt.add(it, DSACK_RE, edges[0][1], off + 6, 4,
                f"D-SACK Right Edge = {edges[0][1]} (relative)", generated=True)
        ds = pkt.add_text(it, "D-SACK Sequence", off + 2, 8)
        pkt.add_expert(ds, "warning", "sequence", "D-SACK Sequence", "tcp", field=DSACK)
