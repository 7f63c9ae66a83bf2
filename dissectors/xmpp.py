"""XMPP on TCP port 5222: only what tshark 4.0 does before its XML parsing.

Wireshark's XMPP waits for a stanza's end: a payload whose last byte other than
whitespace is not '>' asks TCP for one more segment (DESEGMENT_ONE_MORE_SEGMENT), so
binary traffic on the port (Xiaomi's push service) shows as "[TCP segment of a
reassembled PDU]". XML itself is not decoded here: a complete payload is left to data.
"""

from __future__ import annotations

from dissectors.dispatch import TCP_PORT, register_dissector
from dissectors.packet import Packet
from dissectors.session import Session
from dissectors.tvb import Tvb

XMPP_PORT = 5222


def dissect_xmpp(tvb: Tvb, pkt: Packet, session: Session) -> bool | None:
    end = tvb.rend
    if end <= tvb.start:
        return False
    tvb.need(end - 1, 1)  # (the last byte: a cut segment is malformed, as tshark's)
    data = tvb.bytes(tvb.start, end - tvb.start)
    last = data.rstrip(bytes(range(0x21)))
    if last.endswith(b">"):
        return False  # a whole stanza: XML is not decoded here
    if pkt.can_desegment:
        pkt.desegment = (tvb.start, -1)
    return None


TCP_PORT.register(XMPP_PORT, dissect_xmpp, "xmpp")
register_dissector("xmpp", dissect_xmpp)
