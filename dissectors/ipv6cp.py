"""PPP IPV6CP (RFC 5072, protocol 0x8057) on the shared control-protocol packet
(`ppp_cp.py`): the Interface Identifier and compression options, as packet-ppp.c
shows them (IPv6 over PPPoE links negotiate it beside IPCP).
"""

from __future__ import annotations

from dataclasses import replace

from dissectors.ipcp import OPT_LEN as IPCP_OPT_LEN
from dissectors.ipcp import OPT_TYPE as IPCP_OPT_TYPE
from dissectors.ipcp import OPTIONS as IPCP_OPTIONS
from dissectors.offers import register_learner_layer
from dissectors.packet import Item, Packet
from dissectors.ppp import PPP_PROTO
from dissectors.ppp_cp import ControlProtocol, Option, dissect_cp
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

IPV6CP = protocol("ipv6cp", "PPP IPv6 Control Protocol", "PPP IPV6CP")
OPT_TYPE = IPV6CP.field("ipv6cp.opt.type", "Type", FT.UINT8, Base.DEC)
OPT_LEN = IPV6CP.field("ipv6cp.opt.length", "Length", FT.UINT8, Base.DEC)
INTERFACE_ID = IPV6CP.field("ipv6cp.interface_identifier", "Interface Identifier", FT.BYTES,
                            bytes_sep=":")


def _interface_id(tvb: Tvb, pkt: Packet, item: Item, v: int, n: int) -> None:
    if n == 8:
        pkt.add(item, INTERFACE_ID, tvb.bytes(v, 8), v, 8)


def _option(abbrev: str, name: str, value) -> Option:  # noqa: ANN001
    return Option(name, protocol(f"ipv6cp.opt.{abbrev}", name, name), None, value)


OPTIONS = {
    1: _option("interface_identifier", "Interface Identifier", _interface_id),
    # (tshark 4.0 reads this one with IPCP's option: its name, fields and protocols)
    2: replace(IPCP_OPTIONS[2], fields=(IPCP_OPT_TYPE, IPCP_OPT_LEN),
               listed="IPv6 compression"),
}
OPT_TYPE.strings = {t: o.name for t, o in OPTIONS.items()}
CP = ControlProtocol(IPV6CP, "PPP IPV6CP", frozenset(range(1, 8)), OPTIONS, OPT_TYPE, OPT_LEN)


def dissect_ipv6cp(tvb: Tvb, pkt: Packet, session: Session) -> None:
    dissect_cp(CP, tvb, pkt, session)


PPP_PROTO.register(0x8057, dissect_ipv6cp, "ipv6cp")
register_learner_layer("ipv6cp", "IPV6CP", "link")
