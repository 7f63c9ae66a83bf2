"""DNS on any UDP port: tshark 4.0's "dns_udp" heuristic, beside dns.py (which it hands
the payload to) so that module stays one concern.

Its bounds were found by probing tshark 4.0 (tests/test_routing.py keeps them): more
than a 12-byte header, opcode 0 (standard query), at most one question and at most 10
authority and 10 additional records; a query has exactly one question and no answers
or authorities, a response at most 100 answers.
"""

from __future__ import annotations

import struct

from dissectors.dispatch import UDP_HEUR, register_claim
from dissectors.dns import dissect_dns_udp
from dissectors.packet import Packet
from dissectors.session import Session
from dissectors.tvb import Tvb


def heur_dns_udp(tvb: Tvb, pkt: Packet, session: Session) -> bool | None:
    """Take a UDP payload that looks like a DNS message (see the module's docstring)."""
    off = tvb.start
    if tvb.reported_length <= 12 or not _looks_like_dns(bytes(tvb.buf[off: tvb.end])):
        return False
    dissect_dns_udp(tvb, pkt, session)
    return None


def _looks_like_dns(payload: bytes) -> bool:
    if len(payload) < 12:
        return False
    flags, quest, ans, auth, add = struct.unpack_from(">5H", payload, 2)
    if flags & 0x7800 or quest > 1 or auth > 10 or add > 10:
        return False
    return ans <= 100 if flags & 0x8000 else (quest == 1 and not ans and not auth)


def _heur_claim(session: Session, payload: bytes, src: bytes, sport: int, dst: bytes,
                dport: int) -> bool | None:
    """The fast path's view of the heuristic (its payload is the captured bytes)."""
    return True if len(payload) > 12 and _looks_like_dns(payload) else None


UDP_HEUR.register("dns", heur_dns_udp)
register_claim(heur_dns_udp, "dns", _heur_claim)
