"""ICMP (RFC 792): echo pairing, timestamps in echo data, quoted packets of errors.

     0                   1                   2                   3
    +---------------+---------------+-------------------------------+
    |     Type      |     Code      |          Checksum             |
    +---------------+---------------+-------------------------------+
    |  Identifier / unused / gateway|      Sequence Number          |
    +---------------------------------------------------------------+
Errors (unreachable, time exceeded, redirect, ...) quote the offending IP header and
the first bytes of its payload; those are dissected with the IP dissector while the
columns stay ICMP's, as Wireshark does (its in_error_pkt). Echo requests and replies
are paired on (addresses, identifier, sequence, payload); `-2` adds "reply in".
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from dissectors.bounded import remember
from dissectors.dispatch import BY_NAME, IP_PROTO, register_dissector
from dissectors.ip import ip_ttl
from dissectors.ip_fields import CHECKSUM_STATUS
from dissectors.offers import register_learner_layer
from dissectors.packet import NO_SOURCE, Item, Packet
from dissectors.registry import FT, Base, Field, protocol
from dissectors.session import Session
from dissectors.tvb import BoundsError, ReportedBoundsError, Tvb

if TYPE_CHECKING:
    from dissectors.registry import Protocol

TYPE_NAMES: Final = {
    0: "Echo (ping) reply", 3: "Destination unreachable", 4: "Source quench (flow control)",
    5: "Redirect", 8: "Echo (ping) request", 9: "Router advertisement",
    10: "Router solicitation", 11: "Time-to-live exceeded", 12: "Parameter problem",
    13: "Timestamp request", 14: "Timestamp reply", 15: "Information request",
    16: "Information reply", 17: "Address mask request", 18: "Address mask reply",
    40: "Photuris", 42: "Extended Echo request", 43: "Extended Echo reply",
}
UNREACH_CODES: Final = {
    0: "Network unreachable", 1: "Host unreachable", 2: "Protocol unreachable",
    3: "Port unreachable", 4: "Fragmentation needed", 5: "Source route failed",
    6: "Destination network unknown", 7: "Destination host unknown",
    8: "Source host isolated", 9: "Network administratively prohibited",
    10: "Host administratively prohibited", 11: "Network unreachable for TOS",
    12: "Host unreachable for TOS", 13: "Communication administratively filtered",
    14: "Host precedence violation", 15: "Precedence cutoff in effect",
}
REDIRECT_CODES: Final = {0: "Redirect for network", 1: "Redirect for host",
                  2: "Redirect for TOS and network", 3: "Redirect for TOS and host"}
TIMEX_CODES: Final = {0: "Time to live exceeded in transit", 1: "Fragment reassembly time exceeded"}
PARAM_CODES: Final = {0: "Pointer indicates the error", 1: "Required option missing",
               2: "Bad length"}
PHOTURIS_CODES: Final = {0: "Bad SPI", 1: "Authentication Failed", 2: "Decompression Failed",
                  3: "Decryption Failed", 4: "Need Authentication", 5: "Need Authorization"}
#: Extended Echo (RFC 8335) codes; ICMPv6 uses them too.
EXT_ECHO_REQ_CODES: Final = {0: "No error"}
EXT_ECHO_RSP_CODES: Final = {0: "No error", 1: "Malformed Query", 2: "No Such Interface",
                      3: "No Such Table Entry", 4: "Multiple Interfaces Satisfy Query"}
CODE_NAMES: Final = {3: UNREACH_CODES, 5: REDIRECT_CODES, 11: TIMEX_CODES, 12: PARAM_CODES,
              40: PHOTURIS_CODES, 42: EXT_ECHO_REQ_CODES, 43: EXT_ECHO_RSP_CODES}
_SET: Final = ("Set", "Not set")
EXT_ECHO_STATES: Final = {0: "Reserved", 1: "Incomplete", 2: "Reachable", 3: "Stale", 4: "Delay",
                   5: "Probe", 6: "Failed"}
EXT_CLASSES: Final = {1: "MPLS Label Stack Class", 2: "Interface Information Object",
               3: "Interface Identification Object"}
_DECODED_CLASSES: Final = (3,)
INT_IDENT_CTYPES: Final = {1: "Identifies Interface By Name", 2: "Identifies Interface By Index",
                    3: "Identifies Interface By Address"}
AFI_NAMES: Final = {0: "Reserved", 1: "IPv4", 2: "IPv6", 3: "NSAP", 6: "802 (includes all 802 media "
             "plus Ethernet)", 16389: "48-bit MAC Address", 65535: "Reserved"}
ERROR_TYPES: Final = (3, 4, 5, 11, 12)
#: The types whose body quotes an IP header (the cheap layering, the plan and the fast
#: path read this, so a quoted header is never taken for the packet's own).
QUOTING_TYPES: Final = frozenset(ERROR_TYPES)
ID_SEQ_TYPES: Final = (0, 8, 13, 14, 15, 16, 17, 18)

ICMP: Final = protocol("icmp", "Internet Control Message Protocol", "ICMP")
TYPE: Final = ICMP.field("icmp.type", "Type", FT.UINT8, Base.DEC, offset=0)
CODE: Final = ICMP.field("icmp.code", "Code", FT.UINT8, Base.DEC, offset=1)
CHECKSUM: Final = ICMP.field("icmp.checksum", "Checksum", FT.UINT16, Base.HEX, offset=2)
CHECKSUM_STATUS_F: Final = ICMP.field("icmp.checksum.status", "Checksum Status", FT.UINT8, Base.NONE,
                               strings=CHECKSUM_STATUS)
CHECKSUM_BAD: Final = ICMP.field("icmp.checksum_bad", "Bad checksum", FT.NONE)
IDENT: Final = ICMP.field("icmp.ident", "Identifier (BE)", FT.UINT16, Base.DEC_HEX)
IDENT_LE: Final = ICMP.field("icmp.ident_le", "Identifier (LE)", FT.UINT16, Base.DEC_HEX)
SEQ: Final = ICMP.field("icmp.seq", "Sequence Number (BE)", FT.UINT16, Base.DEC_HEX)
SEQ_LE: Final = ICMP.field("icmp.seq_le", "Sequence Number (LE)", FT.UINT16, Base.DEC_HEX)
REDIR_GW: Final = ICMP.field("icmp.redir_gw", "Gateway Address", FT.IPv4)
POINTER: Final = ICMP.field("icmp.pointer", "Pointer", FT.UINT32, Base.DEC)
MTU: Final = ICMP.field("icmp.mtu", "MTU of next hop", FT.UINT16, Base.DEC)
UNUSED: Final = ICMP.field("icmp.unused", "Unused", FT.BYTES)
RESP_IN: Final = ICMP.field("icmp.resp_in", "Response frame", FT.FRAMENUM)
NO_RESP: Final = ICMP.field("icmp.no_resp", "No response seen", FT.NONE)
RESP_TO: Final = ICMP.field("icmp.resp_to", "Request frame", FT.FRAMENUM)
RESPTIME: Final = ICMP.field("icmp.resptime", "Response time", FT.DOUBLE)
RESP_NOT_FOUND: Final = ICMP.field("icmp.resp_not_found", "Response not found", FT.NONE)
DATA_TIME: Final = ICMP.field("icmp.data_time", "Timestamp from icmp data", FT.ABSOLUTE_TIME)
DATA_TIME_REL: Final = ICMP.field("icmp.data_time_relative", "Timestamp from icmp data (relative)",
                           FT.RELATIVE_TIME)
ORIG_TS: Final = ICMP.field("icmp.originate_timestamp", "Originate Timestamp", FT.UINT32, Base.DEC)
RECV_TS: Final = ICMP.field("icmp.receive_timestamp", "Receive Timestamp", FT.UINT32, Base.DEC)
TRANS_TS: Final = ICMP.field("icmp.transmit_timestamp", "Transmit Timestamp", FT.UINT32, Base.DEC)
ADDRESS_MASK: Final = ICMP.field("icmp.address_mask", "Address Mask", FT.IPv4)
EXT_SEQ: Final = ICMP.field("icmp.ext.echo.seq", "Sequence Number", FT.UINT8, Base.DEC_HEX)
EXT: Final = ICMP.field("icmp.ext", "ICMP Extensions", FT.NONE)
EXT_VERSION: Final = ICMP.field("icmp.ext.version", "Version", FT.UINT8, Base.DEC)
EXT_RES: Final = ICMP.field("icmp.ext.res", "Reserved", FT.UINT16, Base.HEX, bitmask=0xFFF)
EXT_CHECKSUM: Final = ICMP.field("icmp.ext.checksum", "Checksum", FT.UINT16, Base.HEX)
EXT_CHECKSUM_STATUS: Final = ICMP.field("icmp.ext.checksum.status", "Checksum Status", FT.UINT8,
                                 Base.NONE, strings=CHECKSUM_STATUS)
EXT_CHECKSUM_BAD: Final = ICMP.field("icmp.ext.checksum_bad", "Bad checksum", FT.NONE)
EXT_LENGTH: Final = ICMP.field("icmp.ext.length", "Length", FT.UINT16, Base.DEC)
EXT_CLASS: Final = ICMP.field("icmp.ext.class", "Class", FT.UINT8, Base.DEC, strings=EXT_CLASSES)
EXT_CTYPE: Final = ICMP.field("icmp.ext.ctype", "C-Type", FT.UINT8, Base.DEC)
EXT_DATA: Final = ICMP.field("icmp.ext.data", "Data", FT.BYTES)
INT_IDENT_NAME: Final = ICMP.field("icmp.int_ident.name", "Name", FT.STRING)
INT_IDENT_INDEX: Final = ICMP.field("icmp.int_ident.index", "Interface Index", FT.UINT32, Base.DEC)
INT_IDENT_AFI: Final = ICMP.field("icmp.int_ident.afi", "Address Family Identifier", FT.UINT16,
                           Base.DEC, strings=AFI_NAMES)
INT_IDENT_ADDR_LEN: Final = ICMP.field("icmp.int_ident.addr_length", "Address Length", FT.UINT8,
                                Base.DEC)
INT_IDENT_RESERVED: Final = ICMP.field("icmp.int_ident.reserved", "Reserved", FT.BYTES)
INT_IDENT_IPV4: Final = ICMP.field("icmp.int_ident.ipv4", "Address", FT.IPv4)
INT_IDENT_IPV6: Final = ICMP.field("icmp.int_ident.ipv6", "Address", FT.IPv6)
INT_IDENT_ADDRESS: Final = ICMP.field("icmp.int_ident.address", "Address", FT.BYTES)

#: The layers of a quoted packet shown inside the ICMP item: its network and transport
#: headers (what the transport hands on, data or DNS, stays at the top level).
QUOTED_HEADERS: Final = frozenset(("ip", "ipv6", "ipv6.hopopts", "ipv6.dstopts", "ipv6.routing",
                            "ipv6.fraghdr", "udp", "tcp", "icmp", "icmpv6", "sctp", "gre",
                            "igmp", "udplite", "_ws.malformed", "_ws.short"))
_COLUMN_SLOTS: Final = ("src", "dst", "net_src", "net_dst", "proto_col", "info", "info_fence")


class EchoTracker:
    """Echo requests waiting for replies; (conversation, id, seq, payload) -> frames
    (the newest `bounded.PENDING_MAX`)."""

    def __init__(self) -> None:
        self.requests: dict[bytes, int] = {}  # echo_key -> echo_when(frame, ts_ns)

    def reply_to(self, key: bytes, num: int) -> int | None:
        """The waiting request (its `echo_when`) that reply frame `num` answers, marked
        answered by it; None when there is none or another frame answered it first."""
        req = self.requests.get(key)
        if req is None:
            return None
        reply = echo_reply(req)
        if not reply:
            self.requests[key] = echo_answered(req, num)
        elif reply != num:
            return None
        return req


def echo_when(frame: int, ts_ns: int) -> int:
    """A request's frame and time as one int (`echo_frame`, `echo_ts` read them back,
    `echo_reply` its reply's frame once answered: 0 before): up to 64k wait unanswered
    per table, and one int each is ~70 bytes less than a tuple. Frame numbers below
    2**48, a time any int."""
    return ts_ns << 96 | frame


def echo_frame(when: int) -> int:
    return when & _FRAME


def echo_reply(when: int) -> int:
    return when >> 48 & _FRAME


def echo_ts(when: int) -> int:
    return when >> 96


def echo_answered(when: int, reply: int) -> int:
    """`when` answered by frame `reply`: a later reply to the same request (a duplicate)
    is not matched, as tshark 4.0's transaction tracking leaves it."""
    return when | reply << 48


_FRAME: Final = (1 << 48) - 1


def echo_key(addrs: bytes, ident: int, seq: int, payload: bytes) -> bytes:
    """(request's source and destination, id, seq, payload) as one bytes key: every
    request of the capture is kept, so one object each rather than four."""
    return b"%d:%d:%d:%s%s" % (len(addrs), ident, seq, addrs, payload)


def ones_sum(data: bytes | memoryview, start: int = 0) -> int:
    """The Internet checksum of `data` (plus an initial partial sum)."""
    b = bytes(data)
    if len(b) % 2:
        b += b"\x00"
    s = start + sum(struct.unpack(f">{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def add_checksum(pkt: Packet, top: Item, fields: tuple[Field, Field, Field], off: int,
                 csum: int, message: bytes | None, pseudo_sum: int, in_error: bool,
                 severity: str, proto: str) -> None:
    """Checksum item and status, verified when the whole message (`message`) is here.

    Fields are (checksum, status, bad-checksum expert); `pseudo_sum` is the partial sum
    of a pseudo-header (ICMPv6), 0 for ICMP.
    """
    csum_f, status_f, bad_f = fields
    if message is None:
        note = " [in ICMP error packet]" if in_error else " [fragmented datagram]"
        pkt.add(top, csum_f, csum, off, 2, f"Checksum: 0x{csum:04x} [unverified]{note}")
        pkt.add(top, status_f, 2, off, 0, "Checksum Status: Unverified", generated=True)
    elif ones_sum(message, pseudo_sum) == 0xFFFF:
        pkt.add(top, csum_f, csum, off, 2, f"Checksum: 0x{csum:04x} [correct]")
        pkt.add(top, status_f, 1, off, 0, "Checksum Status: Good", generated=True)
    else:
        should = (~ones_sum(message[:2] + b"\x00\x00" + message[4:], pseudo_sum)) & 0xFFFF
        ci = pkt.add(top, csum_f, csum, off, 2,
                     f"Checksum: 0x{csum:04x} incorrect, should be 0x{should:04x}")
        pkt.add_expert(ci, severity, "checksum", f"Bad checksum [should be 0x{should:04x}]",
                       proto, field=bad_f)
        pkt.add(top, status_f, 0, off, 0, "Checksum Status: Bad", generated=True)


def save_columns(pkt: Packet) -> tuple[Any, ...]:
    return tuple(getattr(pkt, k) for k in _COLUMN_SLOTS)


def restore_columns(pkt: Packet, saved: tuple[Any, ...]) -> None:
    for k, v in zip(_COLUMN_SLOTS, saved, strict=True):
        setattr(pkt, k, v)


def dissect_quoted(fn, tvb: Tvb, pkt: Packet, session: Session, parent: Item,  # noqa: ANN001
                   nest_data: bool = False) -> None:
    """Dissect a quoted packet without touching the columns; nest its headers under
    `parent` (a payload of the quoted transport stays at the top level, as in Wireshark)."""
    saved = save_columns(pkt)
    n_top = len(pkt.tree)
    was = pkt.in_error_pkt
    pkt.in_error_pkt = True
    before = len(pkt.protocols)
    try:
        fn(tvb, pkt, session)
    except (BoundsError, ReportedBoundsError) as e:
        IP_PROTO.name_called(fn, pkt.protocols, before)  # (a quoted header cut to nothing)
        if isinstance(e, BoundsError):
            # tshark names the quoted IP layer in its "Packet size limited" note, wherever
            # above it (UDP, TCP, ICMP) the capture ended
            session.current_proto = IP_PROTO.proto_of(fn) or session.current_proto
            raise
        # (past the message's own length: packet-icmp.c catches that, a quoted datagram
        # need not be whole)
    finally:
        pkt.in_error_pkt = was
        restore_columns(pkt, saved)
        # The quoted headers sit inside the ICMP item; their payload stays top level.
        moved = [i for i in pkt.tree[n_top:]
                 if nest_data or i.field.abbrev in QUOTED_HEADERS]
        if moved:
            pkt.tree[n_top:] = [i for i in pkt.tree[n_top:] if i not in moved]
            if parent.children is None:
                parent.children = []
            parent.children.extend(moved)




def dissect_icmp(tvb: Tvb, pkt: Packet, session: Session) -> None:
    session.current_proto = "icmp"
    off = tvb.start
    b = tvb.buf
    in_error = pkt.in_error_pkt
    pkt.proto_col = "ICMP"
    # In frame.protocols from the start, but Wireshark reads the RFC 4884 length
    # (byte 5) before it adds its tree item.
    pkt.protocols.append(ICMP.abbrev)
    tvb.need(off, 6)
    top = pkt.add_proto(ICMP, off, tvb.length, "Internet Control Message Protocol",
                        in_stack=False)
    itype, code = b[off], b[off + 1]
    type_str = TYPE_NAMES.get(itype, "Unknown ICMP (obsolete or malformed?)")
    codes = CODE_NAMES.get(itype)
    code_str = codes.get(code, f"Unknown code: {code}") if codes else ""
    pkt.set_info(f"{type_str:<20}")
    if code_str:
        pkt.append_info(f" ({code_str})")
    pkt.add(top, TYPE, itype, off, 1, f"Type: {itype} ({type_str})")
    pkt.add(top, CODE, code, off + 1, 1, f"Code: {code} ({code_str})" if code_str else None)
    csum = tvb.u16(off + 2)
    whole = bytes(b[off: tvb.end]) if tvb.end >= tvb.rend and not in_error else None
    add_checksum(pkt, top, (CHECKSUM, CHECKSUM_STATUS_F, CHECKSUM_BAD), off + 2, csum, whole,
                 0, in_error, "warning", "icmp")
    if itype in ID_SEQ_TYPES:
        ident = tvb.u16(off + 4)
        pkt.add(top, IDENT, ident, off + 4, 2)
        pkt.add(top, IDENT_LE, ((ident & 0xFF) << 8) | (ident >> 8), off + 4, 2)
        seq = tvb.u16(off + 6)
        seq_le = ((seq & 0xFF) << 8) | (seq >> 8)
        pkt.add(top, SEQ, seq, off + 6, 2)
        pkt.add(top, SEQ_LE, seq_le, off + 6, 2)
        pkt.append_info(f" id=0x{ident:04x}, seq={seq}/{seq_le}")
        ttl = ip_ttl(pkt)
        if ttl is not None:
            pkt.append_info(f", ttl={ttl}")
        if itype in (0, 8) and not in_error:
            _track(tvb, pkt, session, top, itype, ident, seq)
        if itype in (0, 8):
            _echo_data(tvb, pkt, session, top, off + 8)
        elif itype in (13, 14):
            for i, f in enumerate((ORIG_TS, RECV_TS, TRANS_TS)):
                v = tvb.u32(off + 8 + 4 * i)
                pkt.add(top, f, v, off + 8 + 4 * i, 4, f"{f.name}: {v} ({_after_midnight(v)})")
        elif itype in (17, 18):
            pkt.add(top, ADDRESS_MASK, tvb.u32(off + 8), off + 8, 4)
        return
    if itype in (42, 43):
        ident = tvb.u16(off + 4)
        pkt.add(top, IDENT, ident, off + 4, 2)
        pkt.add(top, IDENT_LE, ((ident & 0xFF) << 8) | (ident >> 8), off + 4, 2)
        pkt.add(top, EXT_SEQ, tvb.u8(off + 6), off + 6, 1)
        ext_echo_flags(tvb, pkt, top, off + 7, itype == 42, ICMP_EXT_ECHO)
        if itype == 42 and tvb.rend > off + 8:
            dissect_extensions(tvb, pkt, top, off + 8)
        return
    if itype in ERROR_TYPES:
        if itype == 5:
            pkt.add(top, REDIR_GW, tvb.u32(off + 4), off + 4, 4)
        elif itype == 12:
            tvb.need(off + 4, 4)
            pkt.add(top, POINTER, b[off + 4], off + 4, 1)
            pkt.add(top, UNUSED, bytes(b[off + 5: off + 8]), off + 5, 3)
        elif itype == 3 and code == 4:
            tvb.need(off + 4, 4)
            pkt.add(top, UNUSED, bytes(b[off + 4: off + 6]), off + 4, 2)
            pkt.add(top, MTU, tvb.u16(off + 6), off + 6, 2)
        elif itype in (3, 11):
            pkt.add(top, UNUSED, tvb.bytes(off + 4, 4), off + 4, 4)
        if tvb.end > off + 8 or tvb.rend > off + 8:
            dissect_quoted(BY_NAME["ip"], tvb.sub(off + 8), pkt, session, top)
        return
    # Other types: Wireshark shows the header only.


def _echo_data(tvb: Tvb, pkt: Packet, session: Session, top: Item, data_off: int) -> None:
    """A timestamp at the start of echo data (ping's struct timeval), then the rest."""
    b = tvb.buf
    if tvb.rend - data_off <= 0:
        return
    if tvb.rend - data_off >= 8 and tvb.end - data_off >= 8:
        now = pkt.frame.ts_ns // 1_000_000_000
        secs, usecs = struct.unpack_from(">II", b, data_off)
        if abs(secs - now) >= 86400 or usecs >= 1_000_000:
            secs, usecs = struct.unpack_from("<II", b, data_off)
        if abs(secs - now) < 86400 and usecs < 1_000_000:
            ts = secs * 1_000_000_000 + usecs * 1000
            pkt.add(top, DATA_TIME, ts, data_off, 8)
            pkt.add(top, DATA_TIME_REL, pkt.frame.ts_ns - ts, data_off, 8, generated=True)
            data_off += 8
            if tvb.rend - data_off <= 0:
                return
    nest_data(pkt, top, BY_NAME["data"], tvb.sub(data_off), session)


def _after_midnight(ms: int) -> str:
    """ICMP timestamps count milliseconds since midnight UTC (RFC 792); Wireshark's
    time_msecs_to_str wording."""
    if ms & 0x80000000:
        return "Not Standard"
    secs, msec = divmod(ms, 1000)
    mins, secs = divmod(secs, 60)
    hours, mins = divmod(mins, 60)
    days, hours = divmod(hours, 24)
    parts = [f"{v} {unit}{'' if v == 1 else 's'}"
             for v, unit in ((days, "day"), (hours, "hour"), (mins, "minute")) if v]
    if secs or msec or not parts:
        parts.append(f"{secs}.{msec:03d} seconds")
    return ", ".join(parts) + " after midnight UTC"


def nest_data(pkt: Packet, parent: Item, fn, tvb: Tvb, session: Session) -> None:  # noqa: ANN001
    """Run the data dissector and show its item inside `parent`, as Wireshark does for
    echo payloads (it stays in frame.protocols)."""
    n_top = len(pkt.tree)
    fn(tvb, pkt, session)
    moved = pkt.tree[n_top:]
    if moved:
        del pkt.tree[n_top:]
        if parent.children is None:
            parent.children = []
        parent.children.extend(moved)


def _track(tvb: Tvb, pkt: Packet, session: Session, top: Item, itype: int, ident: int,
           seq: int) -> None:
    """Pair echo requests and replies, as Wireshark's ICMP transaction tracking does."""
    payload = bytes(tvb.buf[tvb.start + 8: tvb.end])
    fwd = pkt.net_src + pkt.net_dst if itype == 8 else pkt.net_dst + pkt.net_src
    key = echo_key(fwd, ident, seq, payload)
    tracker = session.state("icmp.echo", EchoTracker)
    pairs: dict[tuple[str, int], int] = session.state("pass1:icmp.pairs", dict)  # request frame <-> reply frame
    num = pkt.frame.number
    if itype == 8:
        remember(tracker.requests, key, echo_when(num, pkt.frame.ts_ns))
        if session.pass_no == 2:
            reply = pairs.get(("req", num))
            if reply is not None:
                pkt.add(top, RESP_IN, reply, 0, 0, f"Response frame: {reply}", generated=True,
                        source=NO_SOURCE)
                pkt.append_info(f" (reply in {reply})")
            else:
                # (tshark adds it with no tvb, the note under it: -V indents it there)
                nr = pkt.add(top, NO_RESP, None, 0, 0, "No response seen", generated=True,
                             source=NO_SOURCE)
                pkt.add_expert(nr, "warning", "sequence", "No response seen to ICMP request",
                               "icmp", field=RESP_NOT_FOUND)
                pkt.append_info(" (no response found!)")
        return
    req = tracker.reply_to(key, num)
    if req is None:
        return
    req_num, req_ts = echo_frame(req), echo_ts(req)
    if session.recording:
        pairs[("req", req_num)] = num
    # (tshark adds these two with no tvb: -T jsonraw shows no bytes)
    pkt.add(top, RESP_TO, req_num, 0, 0, f"Request frame: {req_num}", generated=True,
            source=NO_SOURCE)
    ms = (pkt.frame.ts_ns - req_ts) / 1_000_000
    pkt.add(top, RESPTIME, ms, 0, 0, f"Response time: {ms:.3f} ms", generated=True,
            source=NO_SOURCE)
    pkt.append_info(f" (request in {req_num})")


class ExtEchoFields(NamedTuple):
    """The RFC 8335 flag-byte fields, declared by ICMP and ICMPv6 alike (`P.ext.echo.*`)."""

    req_res: Field
    req_local: Field
    rsp_state: Field
    rsp_res: Field
    rsp_active: Field
    rsp_ipv4: Field
    rsp_ipv6: Field


def ext_echo_fields(proto: Protocol) -> ExtEchoFields:
    p = proto.abbrev
    return ExtEchoFields(
        proto.field(f"{p}.ext.echo.req.res", "Reserved", FT.UINT8, Base.HEX, bitmask=0xFE),
        proto.field(f"{p}.ext.echo.req.local", "Local bit", FT.BOOLEAN, bitmask=0x01,
                    strings=_SET),
        proto.field(f"{p}.ext.echo.rsp.state", "State", FT.UINT8, Base.DEC, bitmask=0xE0,
                    strings=EXT_ECHO_STATES),
        proto.field(f"{p}.ext.echo.rsp.res", "Reserved", FT.UINT8, Base.HEX, bitmask=0x18),
        proto.field(f"{p}.ext.echo.rsp.active", "Active bit", FT.BOOLEAN, bitmask=0x04,
                    strings=_SET),
        proto.field(f"{p}.ext.echo.rsp.ipv4", "IPv4 bit", FT.BOOLEAN, bitmask=0x02,
                    strings=_SET),
        proto.field(f"{p}.ext.echo.rsp.ipv6", "IPv6 bit", FT.BOOLEAN, bitmask=0x01,
                    strings=_SET))


def ext_echo_flags(tvb: Tvb, pkt: Packet, top: Item, at: int, request: bool,
                   f: ExtEchoFields) -> None:
    """The Extended Echo flag byte: L in a request; State, A, 4, 6 in a reply."""
    v = tvb.u8(at)
    fields = (f.req_res, f.req_local) if request else (
        f.rsp_state, f.rsp_res, f.rsp_active, f.rsp_ipv4, f.rsp_ipv6)
    for fld in fields:
        x = (v & fld.bitmask) >> fld.shift
        pkt.add(top, fld, bool(x) if fld.type is FT.BOOLEAN else x, at, 1)


def dissect_extensions(tvb: Tvb, pkt: Packet, top: Item, off: int) -> None:
    """ICMP Multi-Part Extensions (RFC 4884): a header (version, checksum over all the
    extension bytes) and objects (length, class, C-Type); RFC 8335's Interface
    Identification Object decoded, any other object as data."""
    b = tvb.buf
    end = tvb.end
    tvb.need(off, 4)
    ext = pkt.add(top, EXT, None, off, tvb.rend - off, "ICMP Multi-Part Extensions")
    pkt.add(ext, EXT_VERSION, b[off] >> 4, off, 1)
    pkt.add(ext, EXT_RES, tvb.u16(off) & 0xFFF, off, 2)
    whole = bytes(b[off:end]) if end >= tvb.rend else None
    add_checksum(pkt, ext, (EXT_CHECKSUM, EXT_CHECKSUM_STATUS, EXT_CHECKSUM_BAD), off + 2,
                 tvb.u16(off + 2), whole, 0, pkt.in_error_pkt, "warning", "icmp")
    pos = off + 4
    while pos + 4 <= end:
        obj_len, cls, ctype = tvb.u16(pos), b[pos + 2], b[pos + 3]
        avail = min(obj_len, end - pos)
        label = (EXT_CLASSES[cls] if cls in _DECODED_CLASSES
                 else f"Unknown object ({cls}/{ctype})")
        if obj_len > end - pos:
            label += " (truncated)"
        obj = pkt.add_text(ext, label, pos, max(avail, 4), source=tvb.source)
        pkt.add(obj, EXT_LENGTH, obj_len, pos, 2)
        pkt.add(obj, EXT_CLASS, cls, pos + 2, 1,
                f"Class: {EXT_CLASSES.get(cls, 'Unknown')} ({cls})")
        names = INT_IDENT_CTYPES if cls == 3 else None
        pkt.add(obj, EXT_CTYPE, ctype, pos + 3, 1,
                f"C-Type: {ctype} ({names[ctype]})" if names and ctype in names else None)
        body, body_len = pos + 4, max(avail - 4, 0)
        if cls == 3 and ctype in INT_IDENT_CTYPES:
            _interface_ident(tvb, pkt, obj, ctype, body, body_len)
        elif body_len:
            pkt.add(obj, EXT_DATA, tvb.bytes(body, body_len), body, body_len)
        if obj_len < 4:
            break  # (a length that cannot hold its own header: nothing further to read)
        pos += obj_len


def _interface_ident(tvb: Tvb, pkt: Packet, obj: Item, ctype: int, at: int, n: int) -> None:
    if ctype == 1:
        raw = tvb.bytes(at, n)
        pkt.add(obj, INT_IDENT_NAME, raw.split(b"\0", 1)[0].decode("ascii", "replace"), at, n)
    elif ctype == 2:
        pkt.add(obj, INT_IDENT_INDEX, tvb.u32(at), at, 4)
    else:
        afi = tvb.u16(at)
        alen = tvb.u8(at + 2)
        pkt.add(obj, INT_IDENT_AFI, afi, at, 2)
        pkt.add(obj, INT_IDENT_ADDR_LEN, alen, at + 2, 1)
        pkt.add(obj, INT_IDENT_RESERVED, tvb.bytes(at + 3, 1), at + 3, 1)
        if afi == 1 and alen == 4:
            pkt.add(obj, INT_IDENT_IPV4, tvb.u32(at + 4), at + 4, 4)
        elif afi == 2 and alen == 16:
            pkt.add(obj, INT_IDENT_IPV6, tvb.bytes(at + 4, 16), at + 4, 16)
        elif alen:
            pkt.add(obj, INT_IDENT_ADDRESS, tvb.bytes(at + 4, alen), at + 4, alen)


ICMP_EXT_ECHO: Final = ext_echo_fields(ICMP)

IP_PROTO.register(1, dissect_icmp, "icmp")
register_dissector("icmp", dissect_icmp)
register_learner_layer("icmp", "ICMP", "network")
