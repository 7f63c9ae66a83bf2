"""PPP (RFC 1661) framing as PPPoE, L2TP and other tunnels carry it: an optional HDLC
address/control pair (0xff 0x03), then the protocol number, which the `ppp.protocol`
table dispatches (IPv4, IPv6, LCP, ...), as packet-ppp.c does.

    +----------+----------+----------+----------------
    | Address  | Control  | Protocol |  Information
    |  (0xff)  |  (0x03)  | 8/16 bits|
The control-protocol header (Code, Identifier, Length) is declared here, as tshark's
`ppp.*` fields, for LCP and its kin.
"""

from __future__ import annotations

from dissectors.dispatch import BY_NAME, register_dissector, table
from dissectors.gre import GRE_PROTO
from dissectors.offers import register_learner_layer
from dissectors.packet import Packet
from dissectors.ppp_names import PPP_PROTOCOLS
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

PPP = protocol("ppp", "Point-to-Point Protocol", "PPP")
ADDRESS = PPP.field("ppp.address", "Address", FT.UINT8, Base.HEX)
CONTROL = PPP.field("ppp.control", "Control", FT.UINT8, Base.HEX)
PROTOCOL = PPP.field("ppp.protocol", "Protocol", FT.UINT16, Base.HEX, strings=PPP_PROTOCOLS)
# The header of LCP, IPCP and the other control protocols (tshark's ppp.code etc.).
CODE = PPP.field("ppp.code", "Code", FT.UINT8, Base.DEC)
IDENTIFIER = PPP.field("ppp.identifier", "Identifier", FT.UINT8, Base.DEC_HEX)
LENGTH = PPP.field("ppp.length", "Length", FT.UINT16, Base.DEC)
DATA = PPP.field("ppp.data", "Data", FT.BYTES)

#: What a PPP frame carries, by its protocol number (Wireshark's "ppp.protocol" table).
PPP_PROTO = table("ppp.protocol", "PPP protocol")


def dissect_ppp(tvb: Tvb, pkt: Packet, session: Session) -> None:
    """A PPP frame without the HDLC address and control bytes (PPPoE)."""
    _dissect(tvb, pkt, session, False)


def dissect_ppp_hdlc(tvb: Tvb, pkt: Packet, session: Session) -> None:
    """A PPP frame that may start with the HDLC address and control bytes (L2TP)."""
    _dissect(tvb, pkt, session, True)


def _dissect(tvb: Tvb, pkt: Packet, session: Session, hdlc: bool) -> None:
    off = tvb.start
    at = off
    has_ac = hdlc and tvb.end - off >= 2 and tvb.u8(off) == 0xFF and tvb.u8(off + 1) == 0x03
    if has_ac:
        at += 2
    tvb.need(at, 1)
    # Protocol-field compression: an odd first byte is a one-byte protocol number.
    plen = 1 if tvb.u8(at) & 1 else 2
    tvb.need(at, plen)  # (cut short: the columns stay the layer's below, as tshark's)
    session.current_proto = "ppp"
    pkt.proto_col = "PPP"
    pkt.clear_info()
    top = pkt.add_proto(PPP, off, min(at + plen, tvb.end) - off, "Point-to-Point Protocol")
    if has_ac:
        pkt.add(top, ADDRESS, 0xFF, off, 1)
        pkt.add(top, CONTROL, 0x03, off + 1, 1)
    proto = tvb.u8(at) if plen == 1 else tvb.u16(at)
    name = PPP_PROTOCOLS.get(proto)
    pkt.add(top, PROTOCOL, proto, at, plen,
            f"Protocol: {name or 'Unknown'} (0x{proto:04x})" if pkt.tree_on else None)
    sub = tvb.sub(at + plen)
    fn = PPP_PROTO.get(proto)
    if fn is None:
        pkt.proto_col = f"0x{proto:04x}"
        pkt.set_info(f"PPP {name or 'Unknown'} (0x{proto:04x})")
        BY_NAME["data"](sub, pkt, session)
        return
    fn(sub, pkt, session)


PPP_PROTO.register(0x0021, BY_NAME["ip"], "ip")
PPP_PROTO.register(0x0057, BY_NAME["ipv6"], "ipv6")
GRE_PROTO.register(0x880B, dissect_ppp_hdlc, "ppp")  # (PPTP's enhanced GRE)
register_dissector("ppp", dissect_ppp)
register_dissector("ppp_hdlc", dissect_ppp_hdlc)
register_learner_layer("ppp", "PPP", "link")
