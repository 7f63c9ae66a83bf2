"""DNS request/response tracking (Wireshark's dns_transaction_t): the latest transaction
per (transport, address/port pair, id), kept packed once answered; per-frame answers
only when a second pass (-2) will read them."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from dissectors.bounded import remember
from dissectors.packet import Packet
from dissectors.ports import port_bytes
from dissectors.session import Session

RETRANSMISSION_TIMER_NS = 5_000_000_000  # Wireshark's dns.retransmission_timer (5 s)


@dataclass(slots=True, init=False)
class DnsTransaction:
    """One query and its response, as Wireshark's dns_transaction_t."""

    # (`__init__` written out, the defaults there: compiled, a dataclass's generated one
    # is interpreted Python setting each field generically, ~2-7k instructions a call)

    req_frame: int
    req_time: int
    rep_frame: int

    def __init__(self, req_frame: int, req_time: int, rep_frame: int = 0) -> None:
        self.req_frame = req_frame
        self.req_time = req_time
        self.rep_frame = rep_frame


_ANSWERED = struct.Struct("<QqQ")  # an answered transaction, packed (24 bytes)
_I64 = 1 << 63


class DnsTracker:
    """Latest transaction per (conversation, id), filled in on the first pass."""

    def __init__(self) -> None:
        # (one packed key per transaction: the newest `bounded.PENDING_MAX` are kept)
        self.latest: dict[bytes, DnsTransaction | bytes] = {}
        # frame -> (transaction or None, retransmission), for the second pass of -2
        self.per_frame: dict[int, tuple[DnsTransaction | None, bool]] = {}


def _trans_key(pkt: Packet, kind: str, tid: int) -> bytes:
    """The transport, both directions of the address/port pair and the id, packed."""
    x = bytes(pkt.net_src) + port_bytes(pkt.srcport & 0xFFFF)
    y = bytes(pkt.net_dst) + port_bytes(pkt.dstport & 0xFFFF)
    pair = x + y if x <= y else y + x
    return b"%s:%d:%d:%s" % (kind.encode(), len(x), tid, pair)


def track(pkt: Packet, session: Session, tid: int, response: bool,
           kind: str) -> tuple[DnsTransaction | None, bool]:
    if pkt.in_error_pkt:
        # A message quoted inside an ICMP error is not part of a transaction: tshark 4.0
        # neither matches nor records it (a response there shows as unsolicited).
        return None, False
    tracker = session.state("pass1:dns.tracker", DnsTracker)
    num = pkt.frame.number
    if session.pass_no > 1 and num in tracker.per_frame:
        return tracker.per_frame[num]
    key = _trans_key(pkt, kind, tid)
    ts = pkt.frame.ts_ns
    got = tracker.latest.get(key)
    # (an answered transaction is kept packed: bytes)
    trans = DnsTransaction(*_ANSWERED.unpack(got)) if isinstance(got, bytes) else got
    retrans = False
    if not response:
        if trans is None or trans.rep_frame > 0 or ts - trans.req_time >= RETRANSMISSION_TIMER_NS:
            trans = DnsTransaction(num, ts)
            remember(tracker.latest, key, trans)
        else:
            retrans = True
    elif trans is not None:
        if trans.rep_frame == 0:
            trans.rep_frame = num
            if -_I64 <= trans.req_time < _I64:  # answered: it never changes again
                tracker.latest[key] = _ANSWERED.pack(trans.req_frame,
                                                     trans.req_time, num)
        elif trans.rep_frame != num:
            retrans = True
    if session.recording:
        tracker.per_frame[num] = (trans, retrans)
    return trans, retrans
