"""What a protocol offers (dissectors/offers.py) reaches analyzer/ with no change there:
a follower or a conversation type registered from outside analyzer/ works as the
built-in ones do, and every built-in registration is reachable by its name."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from analyzer.export_objects import SUPPORTED, parse_spec
from analyzer.follow import FollowTap, parse_follow_arg
from analyzer.stats.conv import ConvTap, EndpointsTap
from analyzer.stats.taps import statistic_names
from captures import open_capture
from dissectors import Session, dissect
from dissectors.offers import (
    CONVERSATIONS,
    EXPORTERS,
    FOLLOW,
    ConversationSpec,
    FollowSpec,
    FollowStream,
    layer_fields,
    register_conversation,
    register_follow,
)
from dissectors.packet import Packet


@pytest.fixture(scope="module")
def pkts(mixed_pcap: Path) -> list[Packet]:
    session = Session()
    reader = open_capture(str(mixed_pcap))
    try:
        return [dissect(frame, session) for frame in reader]
    finally:
        reader.close()


def test_builtin_offers_are_registered_by_their_modules() -> None:
    assert set(FOLLOW) == {"tcp", "udp", "http", "tls", "tftp", "ipmsg"}
    assert set(CONVERSATIONS) == {"eth", "ip", "ipv6", "ipx", "tcp", "udp", "sll", "sctp"}
    assert set(EXPORTERS) == {"tftp"} == set(SUPPORTED)
    names = statistic_names()
    for conv in CONVERSATIONS:
        assert f"conv,{conv}" in names and f"endpoints,{conv}" in names
    for name in FOLLOW:
        assert parse_follow_arg(f"follow,{name},raw,0").proto == name
    assert parse_spec("tftp,/tmp/x")[0] == "tftp"


class _DnsFollower:
    """A follower a new protocol module would declare: each DNS message's bytes."""

    def __init__(self, stream: FollowStream) -> None:
        self.stream = stream

    def packet(self, pkt: Packet, top: set[int]) -> None:
        if "dns" not in pkt.index:
            return
        for layer in pkt.index.get("udp", ()):
            kids = layer_fields(layer)
            if id(layer) in top and "udp.payload" in kids and self.stream.selected(pkt, kids):
                server = self.stream.is_server(pkt, kids["udp.srcport"].value,
                                               kids["udp.dstport"].value)
                self.stream.emit(server, pkt.frame.number, pkt.frame.ts_ns,
                                 bytes(kids["udp.payload"].value))


@pytest.fixture
def dns_follow() -> Iterator[None]:
    register_follow(FollowSpec("dns", "udp", _DnsFollower, filter_prefix=True))
    try:
        yield
    finally:
        del FOLLOW["dns"]


def test_a_registered_follower_is_followed(dns_follow: None, pkts: list[Packet]) -> None:
    dns = [p for p in pkts if "dns" in p.index and "udp.stream" in p.index]
    assert dns
    stream = dns[0].index["udp.stream"][0].value
    want = [(p.frame.number, bytes(p.index["udp.payload"][0].value)) for p in dns
            if p.index["udp.stream"][0].value == stream]
    tap = FollowTap(f"follow,dns,raw,{stream}")
    for p in pkts:
        tap.packet(p)
    assert [(r.number, r.data) for r in tap.records] == want
    text = tap.text()
    assert f"Follow: dns,raw\nFilter: dns and (udp.stream eq {stream})\n" in text
    assert text.count("\n") == len(want) + 7  # blank, rule, 4 heading lines, rule
    # The unsupported-protocol message lists what is registered, the new one too.
    with pytest.raises(Exception, match=r"supported: tcp, udp, http, tls, .*dns"):
        parse_follow_arg("follow,quic,raw,0")


@pytest.fixture
def arp_conversations() -> Iterator[None]:
    register_conversation(ConversationSpec("arp", "ARP", "arp", "arp.src.proto_ipv4",
                                           "arp.dst.proto_ipv4"))
    try:
        yield
    finally:
        del CONVERSATIONS["arp"]


def test_a_registered_conversation_type_is_counted(arp_conversations: None,
                                                   pkts: list[Packet]) -> None:
    arp = [p for p in pkts if "arp.src.proto_ipv4" in p.index]
    assert arp
    conv, ends = ConvTap("conv,arp"), EndpointsTap("endpoints,arp")
    for p in pkts:
        conv.packet(p)
        ends.packet(p)
    pairs = {frozenset((p.index["arp.src.proto_ipv4"][0].value,
                        p.index["arp.dst.proto_ipv4"][0].value)) for p in arp}
    rows = conv.rows()
    assert len(rows) == len(pairs)
    assert sum(int(r[6]) for r in rows) == len(arp)  # total frames
    assert sum(int(r[1]) for r in ends.rows()) == 2 * len(arp)  # each frame at both ends
    assert conv.text().startswith("=" * 80 + "\nARP Conversations\nFilter:<No Filter>\n")
