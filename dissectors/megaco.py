"""MEGACO (H.248 text) on UDP port 2944: only what tshark 4.0 does with a payload that is
not text MEGACO (no "MEGACO/" or "!/" start): the megaco layer is entered, finds nothing
and hands the bytes to data, so frame.protocols reads `udp:megaco:data`. Why: the
repository's sip.pcapng has such a binary H.248 packet. Text MEGACO itself is not decoded
(left to data, as before), nor are payloads under 11 bytes (tshark marks some malformed).
"""

from __future__ import annotations

from dissectors.dispatch import BY_NAME, UDP_PORT
from dissectors.packet import Packet
from dissectors.registry import protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

MEGACO = protocol("megaco", "MEGACO", "MEGACO")
_MIN = 11  # (shorter payloads: tshark's reads run past them; not modelled)


def dissect_megaco(tvb: Tvb, pkt: Packet, session: Session) -> bool | None:
    head = bytes(tvb.buf[tvb.start:min(tvb.end, tvb.start + 7)]).upper()
    if tvb.end - tvb.start < _MIN or head.startswith((b"MEGACO/", b"!/")):
        return False
    session.current_proto = "megaco"
    pkt.protocols.append(MEGACO.abbrev)
    BY_NAME["data"](tvb, pkt, session)
    return None


UDP_PORT.register(2944, dissect_megaco, "megaco")
