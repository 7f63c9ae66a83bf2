"""Configuration Test Protocol (loopback, ethertype 0x9000; Cisco's Ethernet keepalive).

    | skipCount (2, LE) | skipped bytes | function (2, LE) | reply: receipt number (2, LE) |
                                          forward: address (6), then the next function
All numbers are little-endian. The function the skip count points at is the relevant one.
"""

from __future__ import annotations

from dissectors.dispatch import BY_NAME, ETHERTYPE, register_dissector
from dissectors.offers import register_learner_layer
from dissectors.packet import Packet
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

FUNCTIONS = {1: "Reply", 2: "Forward Data"}

LOOP = protocol("loop", "Configuration Test Protocol (loopback)", "LOOP")
SKIPCOUNT = LOOP.field("loop.skipcount", "skipCount", FT.UINT16, Base.DEC)
FUNCTION = LOOP.field("loop.function", "Function", FT.UINT16, Base.DEC, strings=FUNCTIONS)
RELEVANT = LOOP.field("loop.relevant_function", "Relevant function", FT.UINT16, Base.DEC,
                      strings=FUNCTIONS)
RECEIPT = LOOP.field("loop.receipt_number", "Receipt number", FT.UINT16, Base.DEC)
FORWARD = LOOP.field("loop.forwarding_address", "Forwarding address", FT.ETHER)
_MAX_FUNCTIONS = 64  # (a forward chain is bounded by the frame anyway)


def _le16(tvb: Tvb, off: int) -> int:
    tvb.need(off, 2)
    return tvb.buf[off] | (tvb.buf[off + 1] << 8)


def dissect_loop(tvb: Tvb, pkt: Packet, session: Session) -> None:
    session.current_proto = "loop"
    off = tvb.start
    pkt.proto_col = "LOOP"
    pkt.clear_info()
    top = pkt.add_proto(LOOP, off, 0, "Configuration Test Protocol (loopback)")
    skip = _le16(tvb, off)
    pkt.add(top, SKIPCOUNT, skip, off, 2)
    at = off + 2
    relevant = None
    for _ in range(_MAX_FUNCTIONS):
        func = _le16(tvb, at)
        if at == off + 2 + skip:
            relevant = func
            pkt.add(top, RELEVANT, func, at, 2)
        pkt.add(top, FUNCTION, func, at, 2,
                None if func in FUNCTIONS else f"Function: Unknown ({func})")
        at += 2
        if func == 2:
            tvb.need(at, 6)
            pkt.add(top, FORWARD, bytes(tvb.buf[at: at + 6]), at, 6)
            at += 6
            continue
        if func == 1:
            pkt.add(top, RECEIPT, _le16(tvb, at), at, 2)
            at += 2
        break
    pkt.set_info(FUNCTIONS[relevant] if relevant in FUNCTIONS else "No valid function found")
    top.length = at - off
    if at < tvb.end:
        BY_NAME["data"](tvb.sub(at), pkt, session)


ETHERTYPE.register(0x9000, dissect_loop, "loop")
register_dissector("loop", dissect_loop)
register_learner_layer("loop", "LOOP", "link")
