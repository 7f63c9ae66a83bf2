"""PPP IPCP (RFC 1332, protocol 0x8021) on the shared control-protocol packet
(`ppp_cp.py`): the IP address, compression protocol and the DNS / NBNS server
options (RFC 1877), as packet-ppp.c shows them.
"""

from __future__ import annotations

from dissectors.offers import register_learner_layer
from dissectors.packet import Item, Packet
from dissectors.ppp import PPP_PROTO
from dissectors.ppp_cp import ControlProtocol, Option, dissect_cp
from dissectors.registry import FT, Base, Field, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

COMPRESSION = {0x0003: "Robust Header Compression (ROHC)", 0x002D: "VJ compression",
               0x0037: "VJ compression (RFC1172-typo)", 0x0061: "IP Header compression"}

IPCP = protocol("ipcp", "PPP IP Control Protocol", "PPP IPCP")
OPT_TYPE = IPCP.field("ipcp.opt.type", "Type", FT.UINT8, Base.DEC)
OPT_LEN = IPCP.field("ipcp.opt.length", "Length", FT.UINT8, Base.DEC)
IP_ADDRESS = IPCP.field("ipcp.opt.ip_address", "IP Address", FT.IPv4)
PRI_DNS = IPCP.field("ipcp.opt.pri_dns_address", "Primary DNS Address", FT.IPv4)
SEC_DNS = IPCP.field("ipcp.opt.sec_dns_address", "Secondary DNS Address", FT.IPv4)
PRI_NBNS = IPCP.field("ipcp.opt.pri_nbns_address", "Primary NBNS Address", FT.IPv4)
SEC_NBNS = IPCP.field("ipcp.opt.sec_nbns_address", "Secondary NBNS Address", FT.IPv4)
COMPRESS_PROTO = IPCP.field("ipcp.opt.compress_proto", "IP Compression Protocol", FT.UINT16,
                            Base.HEX, strings=COMPRESSION)
MAX_SLOT_ID = IPCP.field("ipcp.opt.max_slot_id", "Max Slot ID", FT.UINT8, Base.DEC)
COMP_SLOT_ID = IPCP.field("ipcp.opt.comp_slot_id", "Comp Slot ID", FT.BOOLEAN, bitmask=0x01,
                          strings=("The slot identifier may be compressed",
                                   "The slot identifier must not be compressed"))


def _address(field: Field):  # noqa: ANN202
    def value(tvb: Tvb, pkt: Packet, item: Item, v: int, n: int) -> None:
        if n == 4:
            pkt.add(item, field, tvb.u32(v), v, 4)
    return value


def _compression(tvb: Tvb, pkt: Packet, item: Item, v: int, n: int) -> None:
    if n < 2:
        return
    proto = tvb.u16(v)
    pkt.add(item, COMPRESS_PROTO, proto, v, 2, None if proto in COMPRESSION or not pkt.tree_on
            else f"IP Compression Protocol: Unknown (0x{proto:04x})")
    if proto == 0x002D and n >= 4:  # Van Jacobson: max slot id, compressed slot id flag
        pkt.add(item, MAX_SLOT_ID, tvb.u8(v + 2), v + 2, 1)
        pkt.add(item, COMP_SLOT_ID, bool(tvb.u8(v + 3) & 1), v + 3, 1)


def _option(abbrev: str, name: str, value) -> Option:  # noqa: ANN001
    return Option(name, protocol(f"ipcp.opt.{abbrev}", name, name), None, value)


OPTIONS = {
    2: _option("compress", "IP Compression Protocol", _compression),
    3: _option("addr", "IP Address", _address(IP_ADDRESS)),
    129: _option("pri_dns", "Primary DNS Server IP Address", _address(PRI_DNS)),
    130: _option("pri_nbns", "Primary NBNS Server IP Address", _address(PRI_NBNS)),
    131: _option("sec_dns", "Secondary DNS Server IP Address", _address(SEC_DNS)),
    132: _option("sec_nbns", "Secondary NBNS Server IP Address", _address(SEC_NBNS)),
}
OPT_TYPE.strings = {t: o.name for t, o in OPTIONS.items()}
CP = ControlProtocol(IPCP, "PPP IPCP", frozenset(range(1, 8)), OPTIONS, OPT_TYPE, OPT_LEN)


def dissect_ipcp(tvb: Tvb, pkt: Packet, session: Session) -> None:
    dissect_cp(CP, tvb, pkt, session)


PPP_PROTO.register(0x8021, dissect_ipcp, "ipcp")
register_learner_layer("ipcp", "IPCP", "link")
