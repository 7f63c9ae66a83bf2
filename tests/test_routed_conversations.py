"""IPv6 with a routing header, and echo replies to no request, in the statistics, as
tshark 4.0 counts them (found on tcpdump's ipv6-routing-header.pcap, session 16's corpus):

- a routing header with segments left makes the final destination pinfo->dst: the TCP
  and UDP conversations and endpoints take it, while conv,ipv6 and the flow graph's
  `standard` addresses (pinfo->net_dst) keep the header's own destination;
- ICMPv6 echo requests and replies pair by the header's addresses;
- a Type 0 header with more segments left than addresses, a Type 2 header with segments
  left other than 1: a warning under Segments Left;
- flow,icmp / flow,icmpv6 leave out an echo reply that answers no request seen
  (packet-icmp.c and packet-icmpv6.c tap a transaction, and such a reply has none).

Each case a built capture compared whole with `tshark -n`. Every "routed" row and the
lone replies' flow rows failed before; the lone replies' conv/endpoints/-V/JSON rows
(equal before) keep the pairing those flows depend on checked.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from diffutil import assert_like_tshark, tshark_available

pytestmark = pytest.mark.skipif(not tshark_available(), reason="tshark is not installed")

scapy_all = pytest.importorskip("scapy.all")
Ether, IP, IPv6, UDP, TCP, Raw = (scapy_all.Ether, scapy_all.IP, scapy_all.IPv6, scapy_all.UDP,
                                  scapy_all.TCP, scapy_all.Raw)
Routing = scapy_all.IPv6ExtHdrRouting
A, B, C, HOME = "2001:db8::a", "2001:db8::b", "2001:db8::c", "2001:db8::99"
ME = "2001:db8::1"


def _eth() -> object:
    return Ether(src="00:11:22:33:44:55", dst="00:66:77:88:99:aa")


def _type2(home: str, nh: int, segleft: int) -> object:
    """A Type 2 (Mobile IPv6) routing header: its one address is the home address."""
    addr = scapy_all.inet_pton(scapy_all.socket.AF_INET6, home)
    return Raw(bytes([nh, 2, 2, segleft, 0, 0, 0, 0]) + addr)


def _routed() -> list:
    return [
        _eth() / IPv6(src=ME, dst=A) / Routing(addresses=[B], segleft=1)
        / TCP(sport=1000, dport=80, flags="S"),
        _eth() / IPv6(src=B, dst=ME) / TCP(sport=80, dport=1000, flags="SA"),
        _eth() / IPv6(src=ME, dst=A) / Routing(addresses=[B], segleft=1)
        / TCP(sport=1000, dport=80, flags="A"),
        _eth() / IPv6(src=ME, dst=A) / Routing(addresses=[B, C], segleft=0) / UDP(sport=5, dport=6),
        _eth() / IPv6(src=ME, dst=A) / Routing(addresses=[B, C], segleft=2) / UDP(sport=5, dport=6),
        _eth() / IPv6(src=ME, dst=A) / Routing(addresses=[B], segleft=3) / UDP(sport=5, dport=6),
        _eth() / IPv6(src=ME, dst=A, nh=43) / _type2(HOME, 17, 1) / UDP(sport=7, dport=8),
        _eth() / IPv6(src=ME, dst=A, nh=43) / _type2(HOME, 17, 0) / UDP(sport=7, dport=8),
        _eth() / IPv6(src=ME, dst=A, nh=43) / _type2(HOME, 17, 2) / UDP(sport=7, dport=8),
        _eth() / IPv6(src=ME, dst=A, nh=43) / _type2(HOME, 58, 0) / scapy_all.ICMPv6EchoRequest(),
        _eth() / IPv6(src=ME, dst=A, nh=43) / _type2(HOME, 58, 1) / scapy_all.ICMPv6EchoRequest(),
        _eth() / IPv6(src=HOME, dst=ME) / scapy_all.ICMPv6EchoReply(),
    ]


def _lone_replies() -> list:
    icmp = scapy_all.ICMP
    return [
        _eth() / IP(src="10.0.0.1", dst="10.0.0.2") / icmp(type=0, id=5, seq=1),
        _eth() / IPv6(src=HOME, dst=ME) / scapy_all.ICMPv6EchoReply(id=5, seq=1),
        _eth() / IP(src="10.0.0.1", dst="10.0.0.2") / icmp(type=8, id=6, seq=1),
        _eth() / IP(src="10.0.0.2", dst="10.0.0.1") / icmp(type=0, id=6, seq=1),
        _eth() / IPv6(src=ME, dst=HOME) / scapy_all.ICMPv6EchoRequest(id=7, seq=2),
        _eth() / IPv6(src=HOME, dst=ME) / scapy_all.ICMPv6EchoReply(id=7, seq=2),
    ]


CASES: dict[str, Callable[[], list]] = {"routed": _routed, "lone_replies": _lone_replies}
ARGS = {
    "conv": ["-q", "-z", "conv,tcp", "-z", "conv,udp", "-z", "conv,ipv6"],
    "endpoints": ["-q", "-z", "endpoints,tcp", "-z", "endpoints,udp", "-z", "endpoints,ipv6"],
    "flow_standard": ["-q", "-z", "flow,any,standard", "-z", "flow,icmpv6,standard",
                      "-z", "flow,icmp,standard"],
    "flow_network": ["-q", "-z", "flow,any,network", "-z", "flow,icmpv6,network",
                     "-z", "flow,icmp,network"],
    "V": ["-V"],
    "json": ["-T", "json"],
}


@pytest.mark.parametrize("args", sorted(ARGS))
@pytest.mark.parametrize("case", sorted(CASES))
def test_case_like_tshark(case: str, args: str, tmp_path: Path) -> None:
    path = tmp_path / f"{case}.pcap"
    scapy_all.wrpcap(str(path), CASES[case]())
    assert_like_tshark(["-r", str(path), *ARGS[args]], nonempty=True)
