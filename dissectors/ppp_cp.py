"""The PPP control-protocol packet (RFC 1661 section 5) that LCP, IPCP and their kin
share: Code, Identifier, Length (tshark's ppp.code etc.), then by code a list of
options, terminate data or a rejected packet. Each protocol declares its options and
adds its own codes (LCP's echo and protocol reject).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dissectors.packet import Item, Packet
from dissectors.ppp import CODE, DATA, IDENTIFIER, LENGTH
from dissectors.registry import Field, Protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

CODES = {
    1: "Configuration Request", 2: "Configuration Ack", 3: "Configuration Nak",
    4: "Configuration Reject", 5: "Termination Request", 6: "Termination Ack",
    7: "Code Reject", 8: "Protocol Reject", 9: "Echo Request", 10: "Echo Reply",
    11: "Discard Request", 12: "Identification", 13: "Time Remaining",
}
_MAX_OPTIONS = 64  # (bounded work per packet)

#: (tvb, packet, the option's item, value offset, value length) -> None
OptionValue = Callable[[Tvb, Packet, Item, int, int], None]


@dataclass(frozen=True)
class Option:
    """One configuration option: its name, the name-only protocol Wireshark registers
    for it (its item holds the option's bytes), the label from its value, and its
    value's items."""

    name: str
    proto: Protocol | None = None
    label: Callable[[Tvb, int, int], str] | None = None
    value: OptionValue | None = None
    #: Another protocol's (type, length) fields, for an option borrowed whole from it
    #: (tshark 4.0 shows IPV6CP's compression option as IPCP's); None: the protocol's own.
    fields: tuple[object, object] | None = None
    listed: str | None = None  # its name in the "Options:" line, when that differs


@dataclass(frozen=True)
class ControlProtocol:
    proto: Protocol
    column: str
    codes: frozenset[int]
    options: dict[int, Option]
    opt_type: object  # the protocol's `*.opt.type` field
    opt_len: object  # ... and `*.opt.length`
    #: The protocol's own codes beyond 1-7: (tvb, pkt, session, top, code, at, end).
    extra: Callable[[Tvb, Packet, Session, Item, int, int, int], None] | None = None


def dissect_cp(cp: ControlProtocol, tvb: Tvb, pkt: Packet, session: Session) -> None:
    session.current_proto = cp.proto.abbrev
    off = tvb.start
    pkt.proto_col = cp.column
    pkt.clear_info()
    tvb.need(off, 1)
    code = tvb.u8(off)
    name = CODES.get(code, "Unknown") if code in cp.codes else "Unknown"
    pkt.set_info(name)
    tvb.need(off, 4)
    length = tvb.u16(off + 2)
    top = pkt.add_proto(cp.proto, off, min(max(length, 4), tvb.end - off), cp.proto.name)
    pkt.add(top, CODE, code, off, 1, f"Code: {name} ({code})" if pkt.tree_on else None)
    pkt.add(top, IDENTIFIER, tvb.u8(off + 1), off + 1, 1)
    pkt.add(top, LENGTH, length, off + 2, 2)
    at, end = off + 4, off + max(length, 4)
    if code in (1, 2, 3, 4):
        if end > at:
            _options(cp, tvb, pkt, top, at, end)
    elif code in (5, 6):
        if end > at:
            tvb.need(at, end - at)
            pkt.add(top, DATA, tvb.bytes(at, end - at), at, end - at)
    elif code == 7 and end > at:
        tvb.need(at, end - at)
        raw = tvb.bytes(at, end - at)
        pkt.add(top, DATA, raw, at, end - at,
                f"Rejected Packet ({end - at} byte{'s' if end - at != 1 else ''}): {raw.hex()}"
                if pkt.tree_on else None)
    elif cp.extra is not None and code in cp.codes:
        cp.extra(tvb, pkt, session, top, code, at, end)


def _options(cp: ControlProtocol, tvb: Tvb, pkt: Packet, top: Item, at: int, end: int) -> None:
    tvb.need(at, end - at)
    spans = []
    pos = at
    for _ in range(_MAX_OPTIONS):
        if pos + 2 > end:
            break
        otype, olen = tvb.u8(pos), tvb.u8(pos + 1)
        if olen < 2:
            break
        spans.append((pos, otype, olen))
        pos += olen
    names = ", ".join((cp.options[t].listed or cp.options[t].name) if t in cp.options
                      else "Unknown" for _, t, _ in spans)
    tree = pkt.add_text(top, f"Options: ({end - at} bytes), {names}", at, end - at)
    for pos, otype, olen in spans:
        opt = cp.options.get(otype)
        name = opt.name if opt else "Unknown"
        text = name
        if opt is not None and opt.label is not None and pos + olen <= end:
            text = opt.label(tvb, pos + 2, olen - 2) or name
        if opt is not None and opt.proto is not None and opt.proto.proto_field is not None:
            item = pkt.add(tree, opt.proto.proto_field, tvb.bytes(pos, olen), pos, olen, text)
        else:
            item = pkt.add_text(tree, text, pos, olen)
        type_f, len_f = opt.fields if opt is not None and opt.fields else (cp.opt_type, cp.opt_len)
        pkt.add(item, type_f, otype, pos, 1,  # type: ignore[arg-type]
                f"Type: {name} ({otype})" if pkt.tree_on else None)
        pkt.add(item, len_f, olen, pos + 1, 1)  # type: ignore[arg-type]
        if opt is not None and opt.value is not None and olen > 2:
            opt.value(tvb, pkt, item, pos + 2, olen - 2)


def auth_header(tvb: Tvb, pkt: Packet, session: Session, proto: Protocol, column: str,
                codes: dict[int, str], fields: tuple[Field, Field, Field]) -> tuple[Item, int, int]:
    """The Code, Identifier, Length header PAP and CHAP share (RFC 1334, RFC 1994), with
    the Protocol column and the code's Info: (the protocol's tree, code, length)."""
    session.current_proto = proto.abbrev
    off = tvb.start
    pkt.proto_col = column
    pkt.clear_info()
    tvb.need(off, 1)
    code = tvb.u8(off)
    pkt.set_info(codes.get(code, "Unknown"))
    tvb.need(off, 4)
    length = tvb.u16(off + 2)
    top = pkt.add_proto(proto, off, min(max(length, 4), tvb.end - off), proto.name)
    code_f, ident_f, len_f = fields
    pkt.add(top, code_f, code, off, 1)
    pkt.add(top, ident_f, tvb.u8(off + 1), off + 1, 1)
    pkt.add(top, len_f, length, off + 2, 2)
    return top, code, length
