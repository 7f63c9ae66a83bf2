"""Filter matching on real dissections of Ethernet/IPv4/UDP/data packets built with scapy.

Short tables of (filter, expected frame numbers), as Wireshark's suite_dfilter does;
the packets exercise multi-occurrence fields (udp.port, ip.addr have two values).
"""

from __future__ import annotations

import pytest

from captures.frame import Frame
from dissectors import Session, dissect
from filters import compile_filter


def _packets() -> list:
    from scapy.layers.inet import IP, UDP
    from scapy.layers.l2 import Ether
    from scapy.packet import Raw

    raw = [
        # 1: 10.0.0.1:1234 -> 10.0.0.2:7777 "hello world"
        Ether(src="00:00:83:11:22:33", dst="02:00:00:00:00:02") / IP(
            src="10.0.0.1", dst="10.0.0.2", ttl=64, id=0x1234) / UDP(sport=1234, dport=7777)
        / Raw(b"hello world"),
        # 2: reply, DF set, TTL 128, payload with bytes and mixed case
        Ether(src="02:00:00:00:00:02", dst="00:00:83:11:22:33") / IP(
            src="10.0.0.2", dst="10.0.0.1", ttl=128, flags="DF") / UDP(sport=7777, dport=1234)
        / Raw(b"HELLO\x00\xff\x01 World"),
        # 3: same port both ways, broadcast
        Ether(src="02:00:00:00:00:03", dst="ff:ff:ff:ff:ff:ff") / IP(
            src="192.168.1.7", dst="255.255.255.255", ttl=1) / UDP(sport=5000, dport=5000)
        / Raw(b"GET /x"),
    ]
    session = Session()
    out = []
    for i, p in enumerate(raw, 1):
        b = bytes(p)
        out.append(dissect(Frame(i, 1_600_000_000_000_000_000 + i * 500_000_000, 6, len(b),
                                 len(b), 1, 0, b), session))
    return out


PACKETS = _packets()

CASES = [
    # existence and implicit existence
    ("udp", [1, 2, 3]), ("tcp", []), ("not tcp", [1, 2, 3]), ("data.data", [1, 2, 3]),
    ("ip.flags.df", [1, 2, 3]), ("tcp.port != 80", []), ("!(tcp.port == 80)", [1, 2, 3]),
    # multi-occurrence semantics (udp.port = sport, dport)
    ("udp.port == 1234", [1, 2]), ("udp.port != 1234", [3]), ("udp.port !== 1234", [1, 2, 3]),
    ("udp.port ~= 1234", [1, 2, 3]), ("udp.port === 5000", [3]), ("udp.port === 1234", []),
    ("all udp.port == 5000", [3]), ("any udp.port != 5000", [1, 2]),
    ("all udp.port > 1000", [1, 2, 3]), ("all udp.port > 2000", [3]),
    ("ip.addr == 10.0.0.1", [1, 2]), ("ip.addr != 10.0.0.1", [3]),
    ("ip.addr == 10.0.0.0/24", [1, 2]), ("ip.addr != 10.0.0.0/8", [3]),
    ("ip.src == 192.168.0.0/16", [3]), ("ip.dst == 255.255.255.255", [3]),
    # ordering, field to field
    ("ip.ttl > 64", [2]), ("ip.ttl >= 64", [1, 2]), ("ip.ttl < 64", [3]), ("ip.ttl le 1", [3]),
    ("udp.srcport > udp.dstport", [2]), ("udp.srcport == udp.dstport", [3]),
    ("ip.src < ip.dst", [1, 3]), ("ip.src > 10.0.0.1", [2, 3]),
    # booleans and value names
    ("ip.flags.df == 1", [2]), ("ip.flags.df == true", [2]), ('ip.flags.df == "Set"', [2]),
    ('ip.flags.df == "not set"', [1, 3]), ('ip.proto == "UDP"', [1, 2, 3]),
    ("ip.proto == UDP", [1, 2, 3]),
    # numbers in other bases and char constants
    ("ip.ttl == 0x40", [1]), ("ip.ttl == 0100", [1]), ("ip.ttl == 0b1", [3]),
    ("ip.id == 0x1234", [1]), ("ip.ttl == '@'", [1]),
    # MAC and bytes
    ("eth.src == 00:00:83:11:22:33", [1]), ("eth.src == 00-00-83-11-22-33", [1]),
    ("eth.src == 0000.8311.2233", [1]), ("eth.addr == ff:ff:ff:ff:ff:ff", [3]),
    ("eth.src[0:3] == 00:00:83", [1]), ("eth.dst[0:3] == 00:00:83", [2]),
    ("eth.src[-1] == 33", [1]), ("eth.src[1-2] == 00:83", [1]), ("eth.src[:1] == 02", [2, 3]),
    ("eth.src[3:] == 11:22:33", [1]), ("eth.src[0:1,5] == 00:33", [1]),
    ("ip.src[0] == 0a", [1, 2]), ("frame[100:1] == 00", []),
    ("udp.payload[0:5] == \"hello\"", [1]), ("udp.payload[5:3] == 00:ff:01", [2]),
    # contains / matches on fields and protocols
    ('udp contains "hello"', [1]), ('udp contains "World"', [2]), ("udp contains 00:ff", [2]),
    ("frame contains 47:45:54", [3]), ("udp contains 'G'", [3]), (r'udp contains "\xff\x01"', [2]),
    ('ip contains "hello"', [1]), ('eth contains "GET"', [3]),
    ('frame matches "hello"', [1, 2]), ('frame matches "(?-i)hello"', [1]),
    ('udp matches "w.rld$"', [1, 2]), ('data.data matches "^get"', [3]),
    ('udp.payload matches "\\\\x00\\\\xff"', [2]),
    # membership
    ("udp.port in {1234, 80}", [1, 2]), ("udp.port in {4000..6000}", [3]),
    ("udp.port not in {1234}", [3]), ("ip.src in {10.0.0.0/24, 192.168.1.7}", [1, 2, 3]),
    ("ip.ttl in {1, 128}", [2, 3]), ("eth.src in {02:00:00:00:00:02, 00:00:83:11:22:33}", [1, 2]),
    ("udp.dstport in {udp.srcport}", [3]),
    # layers
    ("ip.src#1 == 10.0.0.1", [1]), ("ip.src#2 == 10.0.0.1", []), ("ip#1", [1, 2, 3]),
    ("ip.addr#[1-2] == 10.0.0.2", [1, 2]), ("udp.port#1 == 5000", [3]),
    # bitwise and arithmetic
    ("ip.ttl & 0x80", [2]), ("ip.ttl & 0x41 == 0x40", [1]), ("udp.srcport & 1 == 0", [1, 3]),
    ("udp.dstport == udp.srcport + 6543", [1]), ("udp.srcport - 1 == 1233", [1]),
    ("udp.srcport * 2 == 10000", [3]), ("udp.srcport / 1000 == 7", [2]),
    ("udp.srcport % 1000 == 234", [1]), ("{udp.srcport + 1} * 2 == 2470", [1]),
    ("-ip.ttl == -64", [1]), ("ip.ttl > -1", []), ("ip.ttl == 2 * {30 + 2}", [1]),
    # functions
    ("len(udp.payload) == 11", [1]), ("len(eth.src) == 6", [1, 2, 3]),
    ("count(udp.port) == 2", [1, 2, 3]), ("count(ip.addr) == 2", [1, 2, 3]),
    ("string(udp.srcport) == \"5000\"", [3]), ('string(ip.src) == "10.0.0.1"', [1]),
    ("max(udp.srcport, udp.dstport) == 7777", [1, 2]), ("min(udp.port) == 5000", [3]),
    ("abs(-udp.srcport) == 1234", [1]),
    # logic
    ("udp and ip.ttl == 64 or ip.ttl == 1", [1, 3]), ("udp and (ip.ttl == 64 or ip.ttl == 1)",
                                                      [1, 3]),
    ("ip.ttl == 1 or ip.ttl == 64 and ip.flags.df == 1", [3]),
    ("ip.ttl == 64 xor udp.port == 1234", [2]), ("ip.ttl == 64 ^^ udp", [2, 3]),
    ("ip.ttl == 64 or ip.ttl == 128 xor ip.ttl == 128", [1]),
    ("not not udp", [1, 2, 3]), ("!udp || ip.ttl == 1", [3]),
    ("1 < ip.ttl < 100", [1]), ("64 == ip.ttl", [1]), ("1 <= ip.ttl <= 64", [1, 3]),
    # times
    ("frame.time_relative == 0", [1]), ("frame.time_relative >= 0.5", [2, 3]),
    ("frame.time_delta == 0.5", [2, 3]), ("frame.time_relative > 0.75", [3]),
    # strings
    ('frame.protocols == "eth:ethertype:ip:udp:data"', [1, 2, 3]),
    ('frame.protocols contains "udp"', [1, 2, 3]), ('upper(frame.protocols) contains "UDP"',
                                                    [1, 2, 3]),
    ('lower(frame.protocols) == "ETH:ethertype:ip:udp:data"', []),
]


@pytest.mark.parametrize("text,expected", CASES)
def test_filter_matches(text: str, expected: list[int]) -> None:
    flt = compile_filter(text)
    assert [p.frame.number for p in PACKETS if flt.match(p)] == expected


def test_not_is_complement() -> None:
    for text, _ in CASES:
        a = compile_filter(text)
        b = compile_filter(f"not ({text})")
        for p in PACKETS:
            assert a.match(p) != b.match(p), text


def test_filter_reads_only_named_fields() -> None:
    """The compiled filter touches pkt.index only for the fields it names."""
    seen: list[str] = []

    class SpyIndex(dict):
        def get(self, key, default=None):  # noqa: ANN001, ANN202
            seen.append(key)
            return super().get(key, default)

        def __contains__(self, key: object) -> bool:
            seen.append(str(key))
            return super().__contains__(key)

    p = PACKETS[0]
    orig = p.index
    p.index = SpyIndex(orig)
    try:
        flt = compile_filter("udp.port == 7777 and ip.ttl > 1 or tcp")
        assert flt.match(p)
    finally:
        p.index = orig
    assert seen == ["udp.port", "ip.ttl"]  # `or tcp` short-circuited
