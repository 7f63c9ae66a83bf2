"""Multicast DNS (RFC 6762) on UDP port 5353, as Wireshark 4.0 shows it.

DNS's message format and DNS's `dns.*` fields under its own protocol item; the top bit
of a question's class asks for a unicast reply ("QU" question), of a record's class
tells caches to flush the name's other records. (DNS over TCP 5353 stays `dns`.)
"""

from __future__ import annotations

from dissectors.dispatch import UDP_PORT, register_dissector
from dissectors.dns import QRY_CLASS, RESP_CLASS, dissect_variant_udp
from dissectors.dns_header import DNS, Variant
from dissectors.packet import Packet
from dissectors.registry import FT, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

MDNS = protocol("mdns", "Multicast Domain Name System", "mDNS")
QU = DNS.field("dns.qry.qu", '"QU" question', FT.BOOLEAN, bitmask=0x8000)
CACHE_FLUSH = DNS.field("dns.resp.cache_flush", "Cache flush", FT.BOOLEAN, bitmask=0x8000)
# Wireshark's hf_dns_qry_class_mdns / hf_dns_resp_class_mdns: the class without its flag.
QRY_CLASS_15 = DNS.twin(QRY_CLASS, bitmask=0x7FFF)
RESP_CLASS_15 = DNS.twin(RESP_CLASS, bitmask=0x7FFF)

VARIANT = Variant(MDNS, class_bit=(QRY_CLASS_15, QU, RESP_CLASS_15, CACHE_FLUSH),
                  column="MDNS")


def dissect_mdns(tvb: Tvb, pkt: Packet, session: Session) -> None:
    dissect_variant_udp(VARIANT, tvb, pkt, session)


UDP_PORT.register(5353, dissect_mdns, "mdns")
register_dissector("mdns", dissect_mdns)
