"""Apache Etch (packet-etch.c): only its TCP heuristic's wish for more data.

An Etch message starts with the magic 0xdeadbeef and a 4-byte length. tshark's heuristic
takes a TCP payload that starts with the magic and, given fewer than the 8 header bytes,
asks TCP for one more segment, so such a payload (e.g. TCP Fast Open SYN data) shows as
"TCP segment data" with "[TCP segment of a reassembled PDU]". Etch messages themselves
are not dissected: a payload of 8 bytes or more is declined and stays data.
"""

from __future__ import annotations

from dissectors.dispatch import TCP_HEUR
from dissectors.packet import Packet
from dissectors.session import Session
from dissectors.tvb import Tvb

_MAGIC = b"\xde\xad\xbe\xef"
_HEADER_LEN = 8


def heur_etch(tvb: Tvb, pkt: Packet, session: Session) -> bool:
    """The magic with fewer than 8 bytes: ask TCP for one more segment (tcp_dissect_pdus)."""
    s = tvb.start
    n = tvb.end - s
    if n < 4 or n >= _HEADER_LEN or tvb.buf[s: s + 4] != _MAGIC or not pkt.can_desegment:
        return False
    pkt.desegment = (s, -1)
    return True


TCP_HEUR.register("etch", heur_etch)
