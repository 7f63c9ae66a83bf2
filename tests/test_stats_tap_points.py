"""Where a protocol's tap is queued, and so what tshark 4.0's statistics count (issue 17),
compared live with tshark on the corpus captures that showed each cause and on captures
built here that isolate it:

- DNS queues its tap after the whole message: not for a message cut short (an exception
  first) nor for one quoted inside an ICMP error (`-z dns,tree`);
- without a protocol tree tshark skips a DNS record's subtree (and its length check), so
  a record of a type it has no case for, cut short, still gets its "not implemented"
  note: with `-q -z expert` or the stats trees alone, not with -V, -Y, -e, a tap filter
  or a tap that needs the tree (io,phs, io,stat, hosts, follow);
- IPv6 returns before its tap for a fragment it cannot reassemble yet (`-z ipv6_*`,
  `conv,ipv6`, `endpoints,ipv6`);
- a UDP conversation is keyed by udp.stream too (SNMP sets up its own conversations);
- SCTP's item reopened after a DATA chunk sets no port (`-z dests,tree`).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from diffutil import run_analyze, run_tshark, tshark_available

pytestmark = pytest.mark.skipif(not tshark_available(), reason="tshark not installed")

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
IPV6_KINDS = ["ipv6_hosts,tree", "ipv6_srcdst,tree", "ipv6_dests,tree", "ipv6_ptype,tree",
              "conv,ipv6", "endpoints,ipv6"]

ROWS = [
    ("dpkt-nb6-http.pcap", ["-q", "-z", "dns,tree"]),  # a response quoted in ICMP
    ("wireshark-communityid.pcap.gz", ["-q", "-z", "dns,tree"]),  # ... in ICMPv6
    ("tcpdump-dns_udp_2.pcap", ["-q", "-z", "dns,tree"]),  # a response cut by snaplen
    ("tcpdump-rtp-seg-fault-1.pcapng", ["-q", "-z", "dns,tree"]),  # malformed
    ("tcpdump-someip1.pcap", ["-q", "-z", "dns,tree"]),
    ("tcpdump-someip1.pcap", ["-q", "-z", "expert"]),  # type 2308 cut short, unprinted
    ("tcpdump-someip1.pcap", ["-V", "-z", "expert"]),  # ... printed: no note
    ("tcpdump-someip1.pcap", ["-q", "-z", "io,phs", "-z", "expert"]),  # a tree: no note
    ("tcpdump-someip1.pcap", ["-q", "-z", "dns,tree", "-z", "expert"]),  # no tree: noted
    ("tcpdump-someip1.pcap", ["-q", "-z", "expert,dns"]),  # a tap filter: a tree
    *[("ndpi-dns_fragmented.pcap", ["-q", "-z", k]) for k in IPV6_KINDS],
    ("ndpi-snmp.pcap", ["-q", "-z", "conv,udp"]),
    ("wireshark-communityid.pcap.gz", ["-q", "-z", "dests,tree"]),  # SCTP, 2 DATA chunks
]


def _same(args: list[str]) -> None:
    code, ours, err = run_analyze(args)
    assert code == 0, err
    assert ours == run_tshark(args)


@pytest.mark.parametrize(("cap", "args"), ROWS, ids=[f"{c}:{' '.join(a)}" for c, a in ROWS])
def test_corpus_equals_tshark(cap: str, args: list[str]) -> None:
    _same([*args, "-r", str(CORPUS / cap)])


def _dns_capture(path: Path) -> None:
    """A query and its answer, the same answer cut at 60 bytes, the answer quoted in an
    ICMP port unreachable, and a response whose record of type 2308 is cut short."""
    from scapy.all import DNS, DNSQR, DNSRR, ICMP, IP, UDP, Ether, Raw, wrpcap

    cli, srv = "10.9.0.1", "10.9.0.53"
    query = IP(src=cli, dst=srv) / UDP(sport=40001, dport=53) / DNS(
        id=7, rd=1, qd=DNSQR(qname="www.example.org"))
    answer = IP(src=srv, dst=cli) / UDP(sport=53, dport=40001) / DNS(
        id=7, qr=1, qd=DNSQR(qname="www.example.org"),
        an=DNSRR(rrname="www.example.org", rdata="192.0.2.7"))
    quoted = IP(src=cli, dst=srv) / ICMP(type=3, code=3) / answer
    odd = (IP(src=srv, dst=cli) / UDP(sport=53, dport=40002)
           / Raw(bytes.fromhex("0009 8100 0000 0001 0000 0000")  # 1 answer, no question
                 + b"\x00" + bytes.fromhex("0904 0001 00000e10 0040") + b"\x01" * 8))
    pkts = [Ether() / p for p in (query, answer, answer, quoted, odd)]
    for i, p in enumerate(pkts):
        p.time = 1_700_000_000 + i * 0.25
    wrpcap(str(path), pkts)
    # (the third packet, the repeated answer, cut by the capture's snaplen: 60 bytes)
    data = bytearray(path.read_bytes())
    off = 24
    for i in range(len(pkts)):
        incl = int.from_bytes(data[off + 8: off + 12], "little")
        if i == 2:
            data[off + 8: off + 12] = (60).to_bytes(4, "little")
            del data[off + 16 + 60: off + 16 + incl]
            incl = 60
        off += 16 + incl
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("args", [["-q", "-z", "dns,tree"], ["-q", "-z", "expert"],
                                  ["-V", "-z", "expert"], ["-q", "-z", "dns,tree,dns"],
                                  ["-q", "-z", "io,phs", "-z", "expert"],
                                  ["-q", "-z", "conv,udp", "-z", "expert"]])
def test_built_dns_taps_equal_tshark(tmp_path: Path, args: list[str]) -> None:
    cap = tmp_path / "dns.pcap"
    _dns_capture(cap)
    _same([*args, "-r", str(cap)])


def _ipv6_fragments(path: Path) -> None:
    """A UDP datagram in two IPv6 fragments, then a first fragment never completed."""
    from scapy.all import DNS, DNSQR, UDP, Ether, IPv6, IPv6ExtHdrFragment, Raw, wrpcap

    a, b = "2001:db8::1", "2001:db8::2"
    body = bytes(UDP(sport=53, dport=40003) / DNS(
        id=9, qr=1, qd=DNSQR(qname="frag.example.org"))) + b"\x00" * 40
    first, rest = body[:48], body[48:]
    pkts = [Ether() / IPv6(src=a, dst=b) / UDP(sport=40003, dport=53) / DNS(
                id=9, qd=DNSQR(qname="frag.example.org")),
            Ether() / IPv6(src=b, dst=a) / IPv6ExtHdrFragment(nh=17, id=0x55, offset=0, m=1)
            / Raw(first),
            Ether() / IPv6(src=b, dst=a) / IPv6ExtHdrFragment(nh=17, id=0x55, offset=6, m=0)
            / Raw(rest),
            Ether() / IPv6(src=b, dst="2001:db8::3")
            / IPv6ExtHdrFragment(nh=17, id=0x66, offset=0, m=1) / Raw(first)]
    for i, p in enumerate(pkts):
        p.time = 1_700_000_000 + i * 0.5
    wrpcap(str(path), pkts)


@pytest.mark.parametrize("z", [*IPV6_KINDS, "conv,udp", "endpoints,udp", "dns,tree"])
def test_built_ipv6_fragments_equal_tshark(tmp_path: Path, z: str) -> None:
    cap = tmp_path / "frag6.pcap"
    _ipv6_fragments(cap)
    _same(["-q", "-z", z, "-r", str(cap)])


def test_built_sctp_reopened_item_keeps_port(tmp_path: Path) -> None:
    """Two DATA chunks: tshark reopens the SCTP item after the first one's payload."""
    from scapy.all import IP, SCTP, Ether, SCTPChunkData, wrpcap

    cap = tmp_path / "sctp.pcap"
    wrpcap(str(cap), [Ether() / IP(src="10.8.0.1", dst="10.8.0.2") / SCTP(sport=7, dport=9)
                      / SCTPChunkData(tsn=1, data=b"a" * 16)
                      / SCTPChunkData(tsn=2, stream_id=1, data=b"b" * 16)])
    for z in ("dests,tree", "ptype,tree"):
        _same(["-q", "-z", z, "-r", str(cap)])
