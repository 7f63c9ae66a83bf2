"""PPP LCP (RFC 1661, protocol 0xc021) on the shared control-protocol packet
(`ppp_cp.py`): its configuration options, and its own codes: echo / discard magic
numbers, identification and time-remaining messages, and the rejected protocol's
packet, dissected by that protocol as packet-ppp.c does.

    +---------------+---------------+-------------------------------+
    |     Code      |  Identifier   |            Length             |
    +---------------+---------------+-------------------------------+
    |  Options (Configure-*) / Magic-Number + Data (Echo, Discard) ...
"""

from __future__ import annotations

from dissectors.format import masked_label
from dissectors.offers import register_learner_layer
from dissectors.packet import Item, Packet
from dissectors.ppp import PPP_PROTO
from dissectors.ppp_cp import ControlProtocol, Option, dissect_cp
from dissectors.ppp_names import PPP_PROTOCOLS
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

LCP = protocol("lcp", "PPP Link Control Protocol", "PPP LCP")
MAGIC = LCP.field("lcp.magic_number", "Magic Number", FT.UINT32, Base.HEX)
DATA = LCP.field("lcp.data", "Data", FT.BYTES)
MESSAGE = LCP.field("lcp.message", "Message", FT.STRING)
SECS = LCP.field("lcp.secs_remaining", "Seconds Remaining", FT.UINT32, Base.DEC)
REJ_PROTO = LCP.field("lcp.rej_proto", "Rejected Protocol", FT.UINT16, Base.HEX,
                      strings=PPP_PROTOCOLS)
OPT_TYPE = LCP.field("lcp.opt.type", "Type", FT.UINT8, Base.DEC)
OPT_LEN = LCP.field("lcp.opt.length", "Length", FT.UINT8, Base.DEC)
OPT_DATA = LCP.field("lcp.opt.data", "Data", FT.BYTES)
OPT_MRU = LCP.field("lcp.opt.mru", "Maximum Receive Unit", FT.UINT16, Base.DEC)
OPT_ACCM = LCP.field("lcp.opt.asyncmap", "Async Control Character Map", FT.UINT32, Base.HEX)
OPT_AUTH = LCP.field("lcp.opt.auth_protocol", "Authentication Protocol", FT.UINT16, Base.HEX,
                     strings=PPP_PROTOCOLS)
OPT_QUALITY = LCP.field("lcp.opt.quality_protocol", "Quality Protocol", FT.UINT16, Base.HEX,
                        strings=PPP_PROTOCOLS)
OPT_MAGIC = LCP.field("lcp.opt.magic_number", "Magic Number", FT.UINT32, Base.HEX)
_ACCM_NAMES = ("NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HT", "LF", "VT",
               "FF", "CR", "SO", "SI", "DLE", "DC1 (XON)", "DC2", "DC3 (XOFF)", "DC4", "NAK",
               "SYN", "ETB", "CAN", "EM", "SUB", "ESC", "FS", "GS", "RS", "US")
ACCM_BITS = [LCP.field(f"lcp.opt.asyncmap.{n.split()[0].lower()}", n, FT.BOOLEAN,
                       bitmask=1 << i) for i, n in enumerate(_ACCM_NAMES)]


def _name_only(abbrev: str, name: str):  # noqa: ANN202 (a Protocol)
    """Wireshark registers each LCP option as a name-only protocol."""
    return protocol(f"lcp.opt.{abbrev}", name, name)


def _accm_text(tvb: Tvb, v: int, n: int) -> tuple[str, str] | None:
    """tshark 4.0's two labels, to the letter: the characters from the highest bit down;
    the option's line lacks the opening parenthesis."""
    if n != 4:
        return None
    accm = tvb.u32(v)
    chars = "".join(f", {c}" for i, c in reversed(list(enumerate(_ACCM_NAMES)))
                    if accm >> i & 1)
    hexed = f"Async Control Character Map: 0x{accm:08x}"
    if not chars:
        return f"{hexed} (None)", f"{hexed} (None)"
    return f"{hexed}{chars[2:]})", hexed + chars


def _accm(tvb: Tvb, pkt: Packet, item: Item, v: int, n: int) -> None:
    texts = _accm_text(tvb, v, n)
    if texts is None:
        return
    accm = tvb.u32(v)
    ai = pkt.add(item, OPT_ACCM, accm, v, 4, texts[1])
    for f in reversed(ACCM_BITS):
        bit = bool(accm & f.bitmask)
        pkt.add(ai, f, bit, v, 4, masked_label(f, bit, 32) if pkt.tree_on else None)


def _proto_label(name: str):  # noqa: ANN202
    def label(tvb: Tvb, v: int, n: int) -> str | None:
        if n < 2:
            return None
        p = tvb.u16(v)
        return f"{name}: {PPP_PROTOCOLS.get(p, 'Unknown')} (0x{p:04x})"
    return label


def _proto_value(field, name: str):  # noqa: ANN001, ANN202
    label = _proto_label(name)

    def value(tvb: Tvb, pkt: Packet, item: Item, v: int, n: int) -> None:
        if n < 2:
            return
        pkt.add(item, field, tvb.u16(v), v, 2, label(tvb, v, n))
        if n > 2:
            pkt.add(item, OPT_DATA, tvb.bytes(v + 2, n - 2), v + 2, n - 2)
    return value


def _u16(field):  # noqa: ANN001, ANN202
    def value(tvb: Tvb, pkt: Packet, item: Item, v: int, n: int) -> None:
        if n == 2:
            pkt.add(item, field, tvb.u16(v), v, 2)
    return value


def _u32(field):  # noqa: ANN001, ANN202
    def value(tvb: Tvb, pkt: Packet, item: Item, v: int, n: int) -> None:
        if n == 4:
            pkt.add(item, field, tvb.u32(v), v, 4)
    return value


OPTIONS = {
    1: Option("Maximum Receive Unit", _name_only("mtu_bytes", "Maximum Receive Unit"),
              lambda t, v, n: f"Maximum Receive Unit: {t.u16(v)}" if n == 2 else None,
              _u16(OPT_MRU)),
    2: Option("Async Control Character Map",
              _name_only("asyncmap_bytes", "Async Control Character Map"),
              lambda t, v, n: (_accm_text(t, v, n) or (None,))[0], _accm),
    3: Option("Authentication Protocol",
              _name_only("auth_protocol_bytes", "Authentication Protocol"),
              _proto_label("Authentication Protocol"),
              _proto_value(OPT_AUTH, "Authentication Protocol")),
    4: Option("Quality Protocol", _name_only("quality_protocol_bytes", "Quality Protocol"),
              _proto_label("Quality Protocol"), _proto_value(OPT_QUALITY, "Quality Protocol")),
    5: Option("Magic Number", _name_only("magic_number_bytes", "Magic Number"),
              lambda t, v, n: f"Magic Number: 0x{t.u32(v):08x}" if n == 4 else None,
              _u32(OPT_MAGIC)),
    7: Option("Protocol Field Compression",
              _name_only("field_compress", "Protocol Field Compression")),
    8: Option("Address and Control Field Compression",
              _name_only("addr_field_compress", "Address and Control Field Compression")),
}
OPT_TYPE.strings = {t: o.name for t, o in OPTIONS.items()}


def _lcp_codes(tvb: Tvb, pkt: Packet, session: Session, top: Item, code: int, at: int,
               end: int) -> None:
    if code == 8:
        proto = tvb.u16(at)
        pkt.add(top, REJ_PROTO, proto, at, 2,
                f"Rejected Protocol: {PPP_PROTOCOLS.get(proto, 'Unknown')} (0x{proto:04x})"
                if pkt.tree_on else None)
        fn = PPP_PROTO.get(proto)
        if fn is not None and at + 2 < end:
            # (the rejected packet, dissected by its protocol; LCP keeps the columns)
            col, info, shown = pkt.proto_col, pkt.info, len(pkt.tree)
            fn(tvb.sub(at + 2, end - at - 2), pkt, session)
            pkt.proto_col, pkt.info = col, info
            nested = pkt.tree[shown:]  # (its tree goes under LCP's, as in tshark)
            del pkt.tree[shown:]
            top.children = [*(top.children or []), *nested]
            session.current_proto = "lcp"
        return
    tvb.need(at, 4)
    pkt.add(top, MAGIC, tvb.u32(at), at, 4)
    at += 4
    if code == 13:
        pkt.add(top, SECS, tvb.u32(at), at, 4)
        at += 4
    if end > at:
        tvb.need(at, end - at)
        raw = tvb.bytes(at, end - at)
        if code in (12, 13):
            pkt.add(top, MESSAGE, raw.decode("ascii", "replace"), at, end - at)
        else:
            pkt.add(top, DATA, raw, at, end - at)


CP = ControlProtocol(LCP, "PPP LCP", frozenset(range(1, 14)), OPTIONS, OPT_TYPE, OPT_LEN,
                     _lcp_codes)


def dissect_lcp(tvb: Tvb, pkt: Packet, session: Session) -> None:
    dissect_cp(CP, tvb, pkt, session)


PPP_PROTO.register(0xC021, dissect_lcp, "lcp")
register_learner_layer("lcp", "LCP", "link")
