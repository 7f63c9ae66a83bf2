"""Simple Service Discovery Protocol (UPnP) on UDP port 1900, as tshark 4.0 shows it:
HTTP's request/response lines and headers over UDP (M-SEARCH, NOTIFY, "HTTP/1.1 200
OK"), parsed by dissectors/http.py under SSDP's own protocol item; requests and
responses are paired per UDP conversation as HTTP pairs them per TCP one."""

from __future__ import annotations

from dissectors.dispatch import UDP_PORT, register_dissector
from dissectors.http import dissect_http
from dissectors.offers import register_learner_layer
from dissectors.packet import Packet
from dissectors.registry import protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

SSDP = protocol("ssdp", "Simple Service Discovery Protocol", "SSDP")


def dissect_ssdp(tvb: Tvb, pkt: Packet, session: Session) -> None:
    dissect_http(tvb, pkt, session, SSDP)


UDP_PORT.register(1900, dissect_ssdp, "ssdp")
register_dissector("ssdp", dissect_ssdp)
register_learner_layer("ssdp", "SSDP")
