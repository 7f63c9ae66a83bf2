"""Payload dispatch by port, shared by UDP and TCP (Wireshark's decode_*_ports order).

Order: a conversation's own dissector, Decode-As, the lower port's table entry, the
higher port's, heuristics, then `data`.
"""

from __future__ import annotations

from typing import Final

from dissectors.dispatch import BY_NAME, Dissector, DissectorTable, HeuristicList
from dissectors.packet import Packet
from dissectors.session import Session
from dissectors.tvb import Tvb


class Conversations:
    """Dissectors bound to an address/port pair by an earlier packet (TFTP transfers)."""

    def __init__(self) -> None:
        # (addr, port, addr, port) with either port possibly None = wildcard.
        self.exact: dict[tuple, str] = {}
        self.wild: dict[tuple, str] = {}
        # Pairs whose packets matched no conversation: Wireshark gives each its own exact
        # conversation (no dissector), which TFTP's lookup then finds before a wildcard.
        # One packed key per pair (`_pair`): a busy capture has hundreds of thousands.
        self.plain: set[bytes] = set()

    def bind(self, a: bytes, pa: int, b: bytes, pb: int | None, proto: str) -> None:
        if pb is None:
            self.wild[(a, pa, b)] = proto
        else:
            self.exact[(a, pa, b, pb)] = proto
            self.exact[(b, pb, a, pa)] = proto

    def find(self, src: bytes, sp: int, dst: bytes, dp: int, bind: bool = False) -> str | None:
        """The protocol bound to this pair; `bind` (TCP) turns a matching wildcard into
        an exact binding to this pair, as Wireshark's find_conversation sets port2 for
        a connection-oriented conversation (a later connection no longer matches)."""
        if self.exact:  # (empty tables: no key tuples made)
            p = self.exact.get((src, sp, dst, dp))
            if p is not None:
                return p
        if not self.wild:
            return None
        # A wildcard binding: the client's (addr, port) talking to any port of the server.
        key, other = (src, sp, dst), dp
        p = self.wild.get(key)
        if p is None:
            key, other = (dst, dp, src), sp
            p = self.wild.get(key)
        if p is not None and bind:
            del self.wild[key]
            self.bind(key[0], key[1], key[2], other, p)
        return p

    def note_plain(self, src: bytes, sp: int, dst: bytes, dp: int) -> None:
        self.plain.add(pair_key(src, sp, dst, dp))

    def is_plain(self, src: bytes, sp: int, dst: bytes, dp: int) -> bool:
        return pair_key(src, sp, dst, dp) in self.plain


#: Each port's two big-endian bytes, made on first use: compiled, int.to_bytes is a
#: generic call (~340 instructions) and the conversation keys take two a table a packet.
_PORT_BYTES: Final[list[bytes | None]] = [None] * 65536


def port_bytes(port: int) -> bytes:
    """`port.to_bytes(2, "big")` (the same error for a value outside 0..65535)."""
    if 0 <= port < 65536:
        b = _PORT_BYTES[port]
        if b is None:
            b = _PORT_BYTES[port] = port.to_bytes(2, "big")
        return b
    return port.to_bytes(2, "big")


def pair_key(a: bytes, pa: int, b: bytes, pb: int) -> bytes:
    """Both directions of an address/port pair as one packed key (the UDP and TCP
    streams', the plain pairs', HTTP's conversations': one small object per pair)."""
    x, y = a + port_bytes(pa), b + port_bytes(pb)
    return x + y if x <= y else y + x


_CONVERSATIONS: Final = {"udp": "udp.conversations", "tcp": "tcp.conversations"}


def candidates(kind: str, table: DissectorTable, heur: HeuristicList, session: Session,
               src: bytes, sport: int, dst: bytes, dport: int) -> list[Dissector]:
    """The dissectors to try on a payload, in Wireshark's order (`data` not included).

    Shared by the full dissection and the fast path's claims, so both pick the same one.
    """
    convs = session.state(_CONVERSATIONS.get(kind) or f"{kind}.conversations", Conversations)
    out: list[Dissector] = []
    conv = convs.find(src, sport, dst, dport, kind == "tcp")
    if conv is None:
        convs.note_plain(src, sport, dst, dport)
    else:
        fn = BY_NAME.get(conv)
        if fn is not None:
            out.append(fn)
    decode_as = session.decode_as
    # (the lower port first; the two written out, not a loop over a tuple of them:
    # compiled, that is a tuple, an iterator and two boxed ints a payload)
    lo, hi = (dport, sport) if sport > dport else (sport, dport)
    if lo != 0:
        name = decode_as.get((table.name, lo)) if decode_as else None
        fn = BY_NAME.get(name) if name else table.entries.get(lo)
        if fn is not None:
            out.append(fn)
    if hi != 0:
        name = decode_as.get((table.name, hi)) if decode_as else None
        fn = BY_NAME.get(name) if name else table.entries.get(hi)
        if fn is not None:
            out.append(fn)
    out += heur.fns
    return out


def dispatch_ports(kind: str, table: DissectorTable, heur: HeuristicList, tvb: Tvb,
                   pkt: Packet, session: Session, sport: int, dport: int) -> None:
    """Hand a UDP/TCP payload to the right dissector."""
    for fn in candidates(kind, table, heur, session, pkt.net_src, sport, pkt.net_dst, dport):
        if fn(tvb, pkt, session) is not False:
            return
    BY_NAME["data"](tvb, pkt, session)
