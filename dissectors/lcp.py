"""PPP LCP (RFC 1661, protocol 0xc021): the control header (tshark's ppp.code,
ppp.identifier, ppp.length), then by code the configuration options, echo / discard
magic numbers, terminate data or the rejected protocol, as packet-ppp.c shows them.

    +---------------+---------------+-------------------------------+
    |     Code      |  Identifier   |            Length             |
    +---------------+---------------+-------------------------------+
    |  Options (Configure-*) / Magic-Number + Data (Echo, Discard) ...
"""

from __future__ import annotations

from dissectors.format import masked_label
from dissectors.offers import register_learner_layer
from dissectors.packet import Item, Packet
from dissectors.ppp import CODE, IDENTIFIER, LENGTH, PPP_PROTO
from dissectors.ppp import DATA as PPP_DATA
from dissectors.ppp_names import PPP_PROTOCOLS
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

CODES = {
    1: "Configuration Request", 2: "Configuration Ack", 3: "Configuration Nak",
    4: "Configuration Reject", 5: "Termination Request", 6: "Termination Ack",
    7: "Code Reject", 8: "Protocol Reject", 9: "Echo Request", 10: "Echo Reply",
    11: "Discard Request", 12: "Identification", 13: "Time Remaining",
}
OPTIONS = {
    1: "Maximum Receive Unit", 2: "Async Control Character Map",
    3: "Authentication Protocol", 4: "Quality Protocol", 5: "Magic Number",
    7: "Protocol Field Compression", 8: "Address and Control Field Compression",
}

LCP = protocol("lcp", "PPP Link Control Protocol", "PPP LCP")
MAGIC = LCP.field("lcp.magic_number", "Magic Number", FT.UINT32, Base.HEX)
DATA = LCP.field("lcp.data", "Data", FT.BYTES)
MESSAGE = LCP.field("lcp.message", "Message", FT.STRING)
SECS = LCP.field("lcp.secs_remaining", "Seconds Remaining", FT.UINT32, Base.DEC)
REJ_PROTO = LCP.field("lcp.rej_proto", "Rejected Protocol", FT.UINT16, Base.HEX,
                      strings=PPP_PROTOCOLS)
OPT_TYPE = LCP.field("lcp.opt.type", "Type", FT.UINT8, Base.DEC, strings=OPTIONS)
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
_MAX_OPTIONS = 64  # (bounded work per packet)
# Wireshark registers each LCP option as a name-only protocol (its item holds the bytes).
_OPT_PROTOS = {t: protocol(f"lcp.opt.{abbrev}", OPTIONS[t], OPTIONS[t])
               for t, abbrev in ((1, "mtu_bytes"), (2, "asyncmap_bytes"),
                                 (3, "auth_protocol_bytes"), (4, "quality_protocol_bytes"),
                                 (5, "magic_number_bytes"), (7, "field_compress"),
                                 (8, "addr_field_compress"))}


def dissect_lcp(tvb: Tvb, pkt: Packet, session: Session) -> None:
    session.current_proto = "lcp"
    off = tvb.start
    pkt.proto_col = "PPP LCP"
    pkt.clear_info()
    tvb.need(off, 1)
    code = tvb.u8(off)
    pkt.set_info(CODES.get(code, "Unknown"))
    tvb.need(off, 4)
    length = tvb.u16(off + 2)
    top = pkt.add_proto(LCP, off, min(max(length, 4), tvb.end - off),
                        "PPP Link Control Protocol")
    pkt.add(top, CODE, code, off, 1,
            f"Code: {CODES.get(code, 'Unknown')} ({code})" if pkt.tree_on else None)
    pkt.add(top, IDENTIFIER, tvb.u8(off + 1), off + 1, 1)
    pkt.add(top, LENGTH, length, off + 2, 2)
    at, end = off + 4, off + max(length, 4)
    if code in (1, 2, 3, 4):
        if end > at:
            _options(tvb, pkt, top, at, end)
    elif code in (9, 10, 11, 12, 13):
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
    elif code in (5, 6):
        if end > at:
            tvb.need(at, end - at)
            pkt.add(top, PPP_DATA, tvb.bytes(at, end - at), at, end - at)
    elif code == 7 and end > at:
        tvb.need(at, end - at)
        raw = tvb.bytes(at, end - at)
        pkt.add(top, PPP_DATA, raw, at, end - at,
                f"Rejected Packet ({end - at} byte{'s' if end - at != 1 else ''}): {raw.hex()}"
                if pkt.tree_on else None)
    elif code == 8:
        proto = tvb.u16(at)
        pkt.add(top, REJ_PROTO, proto, at, 2,
                f"Rejected Protocol: {PPP_PROTOCOLS.get(proto, 'Unknown')} (0x{proto:04x})"
                if pkt.tree_on else None)


def _options(tvb: Tvb, pkt: Packet, top: Item, at: int, end: int) -> None:
    tvb.need(at, end - at)
    names = []
    spans = []
    pos = at
    for _ in range(_MAX_OPTIONS):
        if pos + 2 > end:
            break
        otype, olen = tvb.u8(pos), tvb.u8(pos + 1)
        if olen < 2:
            break
        names.append(OPTIONS.get(otype, "Unknown"))
        spans.append((pos, otype, olen))
        pos += olen
    tree = pkt.add_text(top, f"Options: ({end - at} bytes), " + ", ".join(names), at, end - at)
    for pos, otype, olen in spans:
        _option(tvb, pkt, tree, pos, otype, olen)


def _option(tvb: Tvb, pkt: Packet, tree: Item, at: int, otype: int, olen: int) -> None:
    name = OPTIONS.get(otype, "Unknown")
    v = at + 2
    n = olen - 2
    if otype == 1 and n == 2:
        mru = tvb.u16(v)
        item = _opt_item(tvb, pkt, tree, at, otype, olen, f"{name}: {mru}")
        _opt_head(pkt, item, at, otype, olen)
        pkt.add(item, OPT_MRU, mru, v, 2)
    elif otype == 2 and n == 4:
        accm = tvb.u32(v)
        # (tshark 4.0's labels, to the letter: the characters from the highest bit down,
        # the option's line without the opening parenthesis)
        chars = "".join(f", {c}" for i, c in reversed(list(enumerate(_ACCM_NAMES)))
                        if accm >> i & 1)
        hexed = f"{name}: 0x{accm:08x}"
        item = _opt_item(tvb, pkt, tree, at, otype, olen,
                         f"{hexed}{chars[2:]})" if chars else f"{hexed} (None)")
        _opt_head(pkt, item, at, otype, olen)
        ai = pkt.add(item, OPT_ACCM, accm, v, 4, hexed + chars if chars else f"{hexed} (None)")
        for f in reversed(ACCM_BITS):
            bit = bool(accm & f.bitmask)
            pkt.add(ai, f, bit, v, 4, masked_label(f, bit, 32) if pkt.tree_on else None)
    elif otype in (3, 4) and n >= 2:
        proto = tvb.u16(v)
        label = f"{name}: {PPP_PROTOCOLS.get(proto, 'Unknown')} (0x{proto:04x})"
        item = _opt_item(tvb, pkt, tree, at, otype, olen, label)
        _opt_head(pkt, item, at, otype, olen)
        pkt.add(item, OPT_AUTH if otype == 3 else OPT_QUALITY, proto, v, 2, label)
        if n > 2:
            pkt.add(item, OPT_DATA, tvb.bytes(v + 2, n - 2), v + 2, n - 2)
    elif otype == 5 and n == 4:
        magic = tvb.u32(v)
        item = _opt_item(tvb, pkt, tree, at, otype, olen, f"{name}: 0x{magic:08x}")
        _opt_head(pkt, item, at, otype, olen)
        pkt.add(item, OPT_MAGIC, magic, v, 4)
    else:
        item = _opt_item(tvb, pkt, tree, at, otype, olen, name)
        _opt_head(pkt, item, at, otype, olen)
        if n > 0:
            pkt.add(item, OPT_DATA, tvb.bytes(v, n), v, n)


def _opt_item(tvb: Tvb, pkt: Packet, tree: Item, at: int, otype: int, olen: int,
              text: str) -> Item:
    proto = _OPT_PROTOS.get(otype)
    if proto is None or proto.proto_field is None:
        return pkt.add_text(tree, text, at, olen)
    return pkt.add(tree, proto.proto_field, tvb.bytes(at, olen), at, olen, text)


def _opt_head(pkt: Packet, item: Item, at: int, otype: int, olen: int) -> None:
    pkt.add(item, OPT_TYPE, otype, at, 1,
            f"Type: {OPTIONS.get(otype, 'Unknown')} ({otype})" if pkt.tree_on else None)
    pkt.add(item, OPT_LEN, olen, at + 1, 1)


PPP_PROTO.register(0xC021, dissect_lcp, "lcp")
register_learner_layer("lcp", "LCP", "link")
