"""PPP CHAP (RFC 1994, protocol 0xc223): challenge and response (value, name) and the
success / failure message, with tshark 4.0's Info (`Challenge (NAME='x', VALUE=0x..)`).

    | Code | Identifier | Length (2) | Value-Size | Value | Name ...  (Challenge, Response)
    | Code | Identifier | Length (2) | Message ...                   (Success, Failure)
"""

from __future__ import annotations

from dissectors.escape import format_text
from dissectors.offers import register_learner_layer
from dissectors.packet import Packet
from dissectors.ppp import PPP_PROTO
from dissectors.ppp_cp import auth_header
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

CODES = {1: "Challenge", 2: "Response", 3: "Success", 4: "Failure"}

CHAP = protocol("chap", "PPP Challenge Handshake Authentication Protocol", "PPP CHAP")
CODE = CHAP.field("chap.code", "Code", FT.UINT8, Base.DEC, strings=CODES, offset=0)
IDENTIFIER = CHAP.field("chap.identifier", "Identifier", FT.UINT8, Base.DEC, offset=1)
LENGTH = CHAP.field("chap.length", "Length", FT.UINT16, Base.DEC, offset=2)
DATA = CHAP.field("chap.data", "Data", FT.NONE)
VALUE_SIZE = CHAP.field("chap.value_size", "Value Size", FT.UINT8, Base.DEC)
VALUE = CHAP.field("chap.value", "Value", FT.BYTES)
NAME = CHAP.field("chap.name", "Name", FT.STRING)
MESSAGE = CHAP.field("chap.message", "Message", FT.STRING)


def dissect_chap(tvb: Tvb, pkt: Packet, session: Session) -> None:
    off = tvb.start
    top, code, length = auth_header(tvb, pkt, session, CHAP, "PPP CHAP", CODES,
                                    (CODE, IDENTIFIER, LENGTH))
    at, end = off + 4, off + max(length, 4)
    if code in (1, 2) and end > at:
        data = pkt.add(top, DATA, None, at, end - at)
        size = tvb.u8(at)
        pkt.add(data, VALUE_SIZE, size, at, 1)
        tvb.need(at + 1, size)
        value = tvb.bytes(at + 1, size)
        pkt.add(data, VALUE, value, at + 1, size)
        name_at = at + 1 + size
        tvb.need(name_at, max(end - name_at, 0))
        name = tvb.bytes(name_at, max(end - name_at, 0))
        if name:
            pkt.add(data, NAME, name.decode("utf-8", "replace"), name_at, len(name),
                    f"Name: {format_text(name)}" if pkt.tree_on else None)
        pkt.append_info(f" (NAME='{format_text(name)}', VALUE=0x{value.hex()})")
    elif code in (3, 4):
        tvb.need(at, end - at)
        message = tvb.bytes(at, end - at)
        if message:
            pkt.add(top, MESSAGE, message.decode("utf-8", "replace"), at, len(message),
                    f"Message: {format_text(message)}" if pkt.tree_on else None)
        pkt.append_info(f" (MESSAGE='{format_text(message)}')")


PPP_PROTO.register(0xC223, dissect_chap, "chap")
register_learner_layer("chap", "CHAP", "link")
