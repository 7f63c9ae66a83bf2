"""Link-local Multicast Name Resolution (RFC 4795) on UDP port 5355, as Wireshark 4.0
shows it: DNS's message format with its own flags (Conflict, Tentative where DNS has
AA and RD) and DNS's `dns.*` fields under its own protocol item."""

from __future__ import annotations

from dissectors.dispatch import UDP_PORT, register_dissector
from dissectors.dns import dissect_variant_udp
from dissectors.dns_header import DNS, F_OPCODE, F_RCODE, F_RESPONSE, F_TRUNC, Variant
from dissectors.packet import Packet
from dissectors.registry import FT, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

LLMNR = protocol("llmnr", "Link-local Multicast Name Resolution", "LLMNR")
CONFLICT = DNS.field("dns.flags.conflict", "Conflict", FT.BOOLEAN, bitmask=0x0400,
                     strings=("The name is not considered unique",
                              "The name is considered unique"))
# The same field in a query: the sender saw several responses to an earlier one.
CONFLICT_QUERY = DNS.twin(CONFLICT, strings=("The sender received multiple responses", "None"))
TENTATIVE = DNS.field("dns.flags.tentative", "Tentative", FT.BOOLEAN, bitmask=0x0100,
                      strings=("Tentative", "Not tentative"))

VARIANT = Variant(
    LLMNR,
    query_flags=(F_RESPONSE, F_OPCODE, CONFLICT_QUERY, F_TRUNC, TENTATIVE),
    response_flags=(F_RESPONSE, F_OPCODE, CONFLICT, F_TRUNC, TENTATIVE, F_RCODE),
)


def dissect_llmnr(tvb: Tvb, pkt: Packet, session: Session) -> None:
    dissect_variant_udp(VARIANT, tvb, pkt, session)


UDP_PORT.register(5355, dissect_llmnr, "llmnr")
register_dissector("llmnr", dissect_llmnr)
