"""PPP PAP (RFC 1334, protocol 0xc023): the authenticate request's peer id and password
and the ack / nak message, with tshark 4.0's Info (`Authenticate-Request (Peer-ID='x',
Password='y')`).

    | Code | Identifier | Length (2) | Peer-ID-Len | Peer-ID | Passwd-Len | Password |
    | Code | Identifier | Length (2) | Msg-Length  | Message |              (Ack, Nak)
"""

from __future__ import annotations

from dissectors.escape import format_text
from dissectors.offers import register_learner_layer
from dissectors.packet import Item, Packet
from dissectors.ppp import PPP_PROTO
from dissectors.ppp_cp import auth_header
from dissectors.registry import FT, Base, Field, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

CODES = {1: "Authenticate-Request", 2: "Authenticate-Ack", 3: "Authenticate-Nak"}

PAP = protocol("pap", "PPP Password Authentication Protocol", "PPP PAP")
CODE = PAP.field("pap.code", "Code", FT.UINT8, Base.DEC, strings=CODES, offset=0)
IDENTIFIER = PAP.field("pap.identifier", "Identifier", FT.UINT8, Base.DEC, offset=1)
LENGTH = PAP.field("pap.length", "Length", FT.UINT16, Base.DEC, offset=2)
DATA = PAP.field("pap.data", "Data", FT.NONE)
PEER_ID_LEN = PAP.field("pap.peer_id.length", "Peer-ID-Length", FT.UINT8, Base.DEC)
PEER_ID = PAP.field("pap.peer_id", "Peer-ID", FT.STRING)
PASSWORD_LEN = PAP.field("pap.password.length", "Password-Length", FT.UINT8, Base.DEC)
PASSWORD = PAP.field("pap.password", "Password", FT.STRING)
MESSAGE_LEN = PAP.field("pap.message.length", "Message-Length", FT.UINT8, Base.DEC)
MESSAGE = PAP.field("pap.message", "Message", FT.STRING)


def _counted(tvb: Tvb, pkt: Packet, data: Item, at: int, len_field: Field,
             field: Field) -> tuple[int, bytes]:
    """A length byte and the text it counts; returns (next offset, raw text)."""
    n = tvb.u8(at)
    pkt.add(data, len_field, n, at, 1)
    tvb.need(at + 1, n)
    raw = tvb.bytes(at + 1, n)
    pkt.add(data, field, raw.decode("utf-8", "replace"), at + 1, n,
            f"{field.name}: {format_text(raw)}" if pkt.tree_on else None)
    return at + 1 + n, raw


def dissect_pap(tvb: Tvb, pkt: Packet, session: Session) -> None:
    off = tvb.start
    top, code, length = auth_header(tvb, pkt, session, PAP, "PPP PAP", CODES,
                                    (CODE, IDENTIFIER, LENGTH))
    at = off + 4
    if length <= 4 or code not in CODES:
        return
    data = pkt.add(top, DATA, None, at, length - 4)
    if code == 1:
        at, peer = _counted(tvb, pkt, data, at, PEER_ID_LEN, PEER_ID)
        _at, password = _counted(tvb, pkt, data, at, PASSWORD_LEN, PASSWORD)
        pkt.append_info(f" (Peer-ID='{format_text(peer)}', "
                        f"Password='{format_text(password)}')")
    else:
        _at, message = _counted(tvb, pkt, data, at, MESSAGE_LEN, MESSAGE)
        pkt.append_info(f" (Message='{format_text(message)}')")


PPP_PROTO.register(0xC023, dissect_pap, "pap")
register_learner_layer("pap", "PAP", "link")
