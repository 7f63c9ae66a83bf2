"""PPPoE (RFC 2516): Discovery (ethertype 0x8863, `pppoed`) and Session (0x8864,
`pppoes`) share one 6-byte header, whose fields tshark names `pppoe.*`:

    +-------+-------+---------------+-------------------------------+
    |  VER  | TYPE  |     CODE      |          SESSION_ID           |
    +-------+-------+---------------+-------------------------------+
    |            LENGTH             |           payload ...
Discovery carries tags (type, length, value); a session carries one PPP frame.
"""

from __future__ import annotations

from dissectors.dispatch import BY_NAME, ETHERTYPE, register_dissector
from dissectors.escape import format_text
from dissectors.offers import register_learner_layer
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

CODES = {
    0x00: "Session Data", 0x07: "Active Discovery Offer (PADO)",
    0x09: "Active Discovery Initiation (PADI)", 0x0A: "Active Discovery Session-Grant (PADG)",
    0x0B: "Active Discovery Session-Credit Resp.(PADC)",
    0x0C: "Active Discovery Quality (PADQ)", 0x19: "Active Discovery Request (PADR)",
    0x65: "Active Discovery Session-confirmation (PADS)",
    0xA7: "Active Discovery Terminate (PADT)", 0xD3: "Active Discovery Message (PADM)",
    0xD4: "Active Discovery Network (PADN)",
}
TAGS = {
    0x0000: "End-Of-List", 0x0101: "Service-Name", 0x0102: "AC-Name", 0x0103: "Host-Uniq",
    0x0104: "AC-Cookie", 0x0105: "Vendor-Specific", 0x0106: "Credits", 0x0107: "Metrics",
    0x0108: "Sequence Number", 0x0109: "Credit Scale Factor", 0x0110: "Relay-Session-Id",
    0x0111: "HURL", 0x0112: "MOTM", 0x0120: "PPP-Max-Payload", 0x0121: "IP Route Add",
    0x0201: "Service-Name-Error", 0x0202: "AC-System-Error", 0x0203: "Generic-Error",
}

PPPOE = protocol("pppoe", "PPP-over-Ethernet", "PPPoE")
PPPOED = protocol("pppoed", "PPP-over-Ethernet Discovery", "PPPoED")
PPPOES = protocol("pppoes", "PPP-over-Ethernet Session", "PPPoES")
VERSION = PPPOE.field("pppoe.version", "Version", FT.UINT8, Base.DEC, bitmask=0xF0, offset=0)
TYPE = PPPOE.field("pppoe.type", "Type", FT.UINT8, Base.DEC, bitmask=0x0F, offset=0)
CODE = PPPOE.field("pppoe.code", "Code", FT.UINT8, Base.HEX, strings=CODES, offset=1)
SESSION_ID = PPPOE.field("pppoe.session_id", "Session ID", FT.UINT16, Base.HEX, offset=2)
PAYLOAD_LENGTH = PPPOE.field("pppoe.payload_length", "Payload Length", FT.UINT16, Base.DEC,
                             offset=4)
BAD_LENGTH = PPPOE.field("pppoe.payload_length.bad", "Possible bad payload length", FT.NONE)
TAGS_TREE = PPPOED.field("pppoed.tags", "PPPoE Tags", FT.NONE)
TAG = PPPOED.field("pppoed.tag", "Tag", FT.UINT16, Base.HEX, strings=TAGS)
TAG_LENGTH = PPPOED.field("pppoed.tag_length", "Tag Length", FT.UINT16, Base.DEC)
UNKNOWN = PPPOED.field("pppoed.tag.unknown_data", "Unknown Data", FT.BYTES)
SERVICE_NAME = PPPOED.field("pppoed.tags.service_name", "Service-Name", FT.STRING)
AC_NAME = PPPOED.field("pppoed.tags.ac_name", "AC-Name", FT.STRING)
HOST_UNIQ = PPPOED.field("pppoed.tags.host_uniq", "Host-Uniq", FT.BYTES)
AC_COOKIE = PPPOED.field("pppoed.tags.ac_cookie", "AC-Cookie", FT.BYTES)
RELAY_ID = PPPOED.field("pppoed.tags.relay_session_id", "Relay-Session-Id", FT.BYTES)
SERVICE_NAME_ERROR = PPPOED.field("pppoed.tags.service_name_error", "Service-Name-Error",
                                  FT.STRING)
AC_SYSTEM_ERROR = PPPOED.field("pppoed.tags.ac_system_error", "AC-System-Error", FT.STRING)
GENERIC_ERROR = PPPOED.field("pppoed.tags.generic_error", "Generic-Error", FT.STRING)
#: Tags shown as one field (string or bytes); the others as "Unknown Data".
_TAG_FIELDS = {0x0101: SERVICE_NAME, 0x0102: AC_NAME, 0x0103: HOST_UNIQ, 0x0104: AC_COOKIE,
               0x0110: RELAY_ID, 0x0201: SERVICE_NAME_ERROR, 0x0202: AC_SYSTEM_ERROR,
               0x0203: GENERIC_ERROR}
#: Tags whose text tshark appends to the Info column.
_INFO_TAGS = {0x0102: "AC-Name"}
_MAX_TAGS = 256  # (bounded work per packet)


def _header(tvb: Tvb, pkt: Packet, proto_item: Item) -> tuple[int, int, Item]:
    """The shared header; returns (code, payload length, its item)."""
    off = tvb.start
    tvb.need(off, 6)
    vt, code = tvb.u8(off), tvb.u8(off + 1)
    plen = tvb.u16(off + 4)
    pkt.add(proto_item, VERSION, vt >> 4, off, 1)
    pkt.add(proto_item, TYPE, vt & 0x0F, off, 1)
    pkt.add(proto_item, CODE, code, off + 1, 1)
    pkt.add(proto_item, SESSION_ID, tvb.u16(off + 2), off + 2, 2)
    return code, plen, pkt.add(proto_item, PAYLOAD_LENGTH, plen, off + 4, 2)


def dissect_pppoed(tvb: Tvb, pkt: Packet, session: Session) -> int:
    session.current_proto = "pppoed"
    off = tvb.start
    pkt.proto_col = "PPPoED"
    pkt.clear_info()
    if tvb.end - off >= 2:
        pkt.set_info(CODES.get(tvb.u8(off + 1), "Unknown"))
    top = pkt.add_proto(PPPOED, off, min(6, tvb.end - off), "PPP-over-Ethernet Discovery")
    _code, plen, _item = _header(tvb, pkt, top)
    end = min(off + 6 + plen, tvb.rend)
    top.length = max(0, min(end, tvb.end) - off)
    if plen:
        _tags(tvb, pkt, top, off + 6, end)
    return tvb.rend - off  # (packet-pppoe.c claims the rest: no Ethernet trailer after it)


def _tags(tvb: Tvb, pkt: Packet, top: Item, at: int, end: int) -> None:
    tree = pkt.add(top, TAGS_TREE, None, at, end - at)
    for _ in range(_MAX_TAGS):
        if at + 4 > end:
            break
        ttype, tlen = tvb.u16(at), tvb.u16(at + 2)
        if ttype == 0:
            break  # End-Of-List
        vat = at + 4
        tvb.need(vat, tlen)
        if tlen:  # (tshark shows no item for an empty tag)
            value = tvb.bytes(vat, tlen)
            field = _TAG_FIELDS.get(ttype)
            if field is None:
                pkt.add(tree, UNKNOWN, value, vat, tlen)
            elif field.type is FT.STRING:
                text = value.decode("utf-8", "replace")
                pkt.add(tree, field, text, vat, tlen,
                        f"{field.name}: {format_text(value)}" if pkt.tree_on else None)
            else:
                pkt.add(tree, field, value, vat, tlen)
            if ttype in _INFO_TAGS:
                pkt.append_info(f" {_INFO_TAGS[ttype]}='{format_text(value)}'")
        at = vat + tlen


def dissect_pppoes(tvb: Tvb, pkt: Packet, session: Session) -> int:
    session.current_proto = "pppoes"
    off = tvb.start
    pkt.proto_col = "PPPoES"
    pkt.clear_info()
    if tvb.end - off >= 2:
        pkt.set_info(CODES.get(tvb.u8(off + 1), "Unknown"))
    top = pkt.add_proto(PPPOES, off, min(6, tvb.end - off), "PPP-over-Ethernet Session")
    _code, plen, length = _header(tvb, pkt, top)
    actual = tvb.rend - off - 6
    BY_NAME["ppp"](tvb.sub(off + 6, min(plen, actual)), pkt, session)
    if plen not in (actual, actual - 4) and tvb.end - off >= 8 and tvb.u16(off + 6) in (0x21, 0x57):
        # (tshark 4.0 checks the length once the payload is dissected, of IP/IPv6 only:
        # probed; an FCS's 4 bytes more are fine)
        if pkt.tree_on:
            length.text = f"Payload Length: {plen} [incorrect, should be {actual}]"
        pkt.add_expert(length, "warning", "malformed",
                       f"Possible bad payload length {plen} != {actual}", "pppoe",
                       field=BAD_LENGTH)
    return tvb.rend - off  # (it claims the rest: no Ethernet trailer after it)


ETHERTYPE.register(0x8863, dissect_pppoed, "pppoed")
ETHERTYPE.register(0x8864, dissect_pppoes, "pppoes")
register_dissector("pppoed", dissect_pppoed)
register_dissector("pppoes", dissect_pppoes)
register_learner_layer("pppoes", "PPPoE", "link")
register_learner_layer("pppoed", "PPPoE Discovery", "link")
