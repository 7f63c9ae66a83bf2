"""Dropping the state of conversations no later frame can touch.

A frame's dissection shares state with other frames only through its `state_key`
(dissectors/skipping.py): an address pair, within which every UDP stream, TFTP transfer
and DNS transaction is keyed, or a TCP connection (pair, ports). Once the last frame of
such a group has been dissected (analyzer/release.py knows which frame that is), nothing
later reads what the group wrote, so its entries are dropped here, and the answer stays
exactly tshark's. What counts across the whole capture stays: the TCP and UDP stream
counters (and UDP's per-stream times, 16 bytes a stream).

Dead keys are collected in `Dead` and the tables swept once enough have gathered, so a
table keyed by ports (UDP streams, TFTP transfers) costs one pass per sweep, not one per
conversation.
"""

from __future__ import annotations

import marshal
from typing import Any

from dissectors.session import Session

#: dead keys gathered between two sweeps of the tables
SWEEP_AT = 512
#: dead UDP streams gathered between two scans of the DNS transactions (at most
#: bounded.PENDING_MAX of them)
DNS_SWEEP_AT = 1024


class Dead:
    """The groups whose last frame is done: TCP connections (as TCP's packed conversation
    key: address and port of the lower address, then the other's) and address pairs
    (lower address, higher address), not yet swept from the tables."""

    __slots__ = ("conns", "pairs", "flows", "sides", "dns")

    def __init__(self) -> None:
        self.conns: list[bytes] = []
        self.pairs: set[bytes] = set()
        self.flows: set[bytes] = set()  # UDP streams (udp.stream_key) of live pairs
        # sides of UDP streams of live pairs whose last stream is done: IPv4 address,
        # port, the other address (10 bytes; TFTP's wildcard key, release.SIDE_LOW)
        self.sides: set[bytes] = set()
        self.dns: set[bytes] = set()  # dead flows whose DNS transactions remain

    def add(self, key: object) -> None:
        """A `state_key` group key: an IPv4 pair (int), an IPv6 pair (bytes), or a TCP
        connection (pair, ports of the lower address << 16 | the other's); or a UDP
        stream key (12 bytes: IPv4 address and port, twice; release.Schedule adds
        IPv6 ones, 36 bytes, to `flows` itself)."""
        t = type(key)
        if t is int:
            self.pairs.add(key.to_bytes(8, "big"))  # type: ignore[attr-defined]
        elif t is bytes:
            (self.flows if len(key) == 12 else self.pairs).add(key)  # type: ignore
        else:
            pair, ports = key  # type: ignore[misc]
            raw = pair.to_bytes(8, "big") if type(pair) is int else pair
            half = len(raw) // 2
            self.conns.append(raw[:half] + (ports >> 16).to_bytes(2, "big")
                              + raw[half:] + (ports & 0xFFFF).to_bytes(2, "big"))

    def __len__(self) -> int:
        return len(self.conns) + len(self.pairs) + len(self.flows) + len(self.sides)


def _pair_of(key: bytes) -> bytes:
    """The address pair of a packed address/port pair key (udp.stream_key, ports._pair):
    both sides are sorted by address first, so the pair is (lower, higher)."""
    half = len(key) // 2
    return key[:half - 2] + key[half:-2]


def release(session: Session, dead: Dead) -> None:
    """Drop every entry of the dead groups from the session's tables, then forget them."""
    state = session._state
    if dead.conns:
        _release_conns(state, dead.conns)
    if dead.pairs:
        _release_pairs(state, dead.pairs)
    if dead.flows:
        _release_flows(state, dead.flows)
        dead.dns |= dead.flows
    if dead.sides:
        _release_sides(state, dead.sides)
    if len(dead.dns) >= DNS_SWEEP_AT:
        _release_dns(state, dead.dns)
        dead.dns.clear()
    dead.conns.clear()
    dead.pairs.clear()
    dead.flows.clear()
    dead.sides.clear()


def _release_conns(state: dict[str, Any], conns: list[bytes]) -> None:
    streams = state.get("tcp.streams")
    pdus = state.get("tcp.pdus")
    plain = getattr(state.get("tcp.conversations"), "plain", None)
    http = state.get("http.conversations")
    http1 = getattr(state.get("pass1:http"), "convs", None)
    for key in conns:
        if streams is not None:
            conv = streams.convs.pop(key, None)
            if conv is not None and pdus:
                stream = marshal.loads(conv)[0] if type(conv) is bytes else conv.stream
                pdus.pop((stream, True), None)
                pdus.pop((stream, False), None)
        if plain is not None:
            plain.discard(key)
        if http is not None:
            http.pop(key, None)
        if http1 is not None:
            http1.pop(key, None)


def _release_pairs(state: dict[str, Any], pairs: set[bytes]) -> None:
    udp = state.get("udp.streams")
    if udp is not None:
        _sweep(udp.index, pairs)
    convs = state.get("udp.conversations")
    if convs is not None and convs.plain:
        dead = [k for k in convs.plain if _pair_of(k) in pairs]
        convs.plain.difference_update(dead)
    if udp is not None and udp.wild:  # (wildcards' streams: udp.UdpStreams.key_of)
        for k in [k for k in udp.wild if _tuple_pair(k) in pairs]:
            udp.index.pop(udp.wild.pop(k), None)
    tftp = state.get("tftp.transfers")
    for table in ((convs.wild, convs.exact) if convs is not None else ()) + \
            ((tftp.wild, tftp.exact) if tftp is not None else ()):
        if table:
            gone = [k for k in table if _tuple_pair(k) in pairs]
            for k in gone:
                del table[k]
    dns = state.get("pass1:dns.tracker")
    if dns is not None and dns.latest:
        gone = [k for k in dns.latest if k.startswith(b"udp:") and _dns_pair(k) in pairs]
        for k in gone:
            del dns.latest[k]
    for name in ("icmp.echo", "icmpv6.echo"):
        echo = state.get(name)
        if echo is not None and echo.requests:
            gone = [k for k in echo.requests if _echo_pair(k) in pairs]
            for k in gone:
                del echo.requests[k]


def _release_flows(state: dict[str, Any], flows: set[bytes]) -> None:
    """UDP streams that end before their pair: looked up by their own key only (UDP's
    stream table, the plain conversations TFTP asks about, DNS transactions)."""
    udp = state.get("udp.streams")
    if udp is not None:
        index = udp.index
        for key in flows:
            index.pop(key, None)
    plain = getattr(state.get("udp.conversations"), "plain", None)
    if plain:
        plain.difference_update(flows)


def _release_sides(state: dict[str, Any], sides: set[bytes]) -> None:
    """Wildcard entries (client address, port, server address: a TFTP transfer's and its
    conversation binding) whose last stream is done: every later stream of that client
    port and server could still have matched them, none comes."""
    tftp = state.get("tftp.transfers")
    convs = state.get("udp.conversations")
    udp = state.get("udp.streams")
    tables = [t for t in (getattr(tftp, "wild", None), getattr(convs, "wild", None)) if t]
    streams = udp.wild if udp is not None and udp.wild else None
    if not tables and streams is None:
        return
    for side in sides:
        key = (side[:4], int.from_bytes(side[4:6], "big"), side[6:])
        for table in tables:
            table.pop(key, None)
        if streams is not None:  # the wildcard's stream (udp.UdpStreams.key_of)
            w = streams.pop(key, None)
            if w is not None:
                udp.index.pop(w, None)


def _release_dns(state: dict[str, Any], flows: set[bytes]) -> None:
    """(a scan of the DNS transactions: less often than the flows' direct drops)"""
    dns = state.get("pass1:dns.tracker")
    if dns is not None and dns.latest:
        # (dns_track._trans_key: b"udp:6:" then an IPv4 stream's 12 bytes at the end,
        # b"udp:18:" an IPv6 one's 36)
        gone = [k for k in dns.latest
                if k.startswith(b"udp:6:") and k[-12:] in flows
                or k.startswith(b"udp:18:") and k[-36:] in flows]
        for k in gone:
            del dns.latest[k]


def _sweep(table: dict[bytes, Any], pairs: set[bytes]) -> None:
    gone = [k for k in table if _pair_of(k) in pairs]
    for k in gone:
        del table[k]


def _tuple_pair(key: tuple) -> bytes:
    """(src, port, dst[, port]) of TFTP's tables and the bound conversations (ports.
    Conversations): the addresses, lower first."""
    a, b = key[0], key[2]
    return a + b if a <= b else b + a


def _echo_pair(key: bytes) -> bytes:
    """icmp.echo_key: b"len:id:seq:" then the request's source and destination."""
    size, _i, _s, rest = key.split(b":", 3)
    half = int(size) // 2
    a, b = rest[:half], rest[half: 2 * half]
    return a + b if a <= b else b + a


def _dns_pair(key: bytes) -> bytes:
    """dns_track._trans_key: b"kind:len:id:" then the packed address/port pair."""
    size = int(key.split(b":", 2)[1])
    return _pair_of(key[-2 * size:])


__all__ = ["Dead", "release", "SWEEP_AT"]
