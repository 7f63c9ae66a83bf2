"""UDP's zero checksum against tshark 4.0: "none" over IPv4, illegal over IPv6 (an error
note, Info "[ILLEGAL CHECKSUM (0)]", status Illegal) unless ICMP quotes the header."""

from __future__ import annotations

from pathlib import Path

import pytest
from diffutil import run_analyze, run_tshark, tshark_available
from scapy.all import DNS, DNSQR, IP, UDP, Ether, ICMPv6DestUnreach, IPv6, Raw, wrpcap

pytestmark = pytest.mark.skipif(not tshark_available(), reason="needs tshark")

V6 = Ether() / IPv6(src="2001:db8::1", dst="2001:db8::2")
V4 = Ether() / IP(src="10.0.0.1", dst="10.0.0.2")

CASES = {
    "v4_zero": V4 / UDP(sport=1234, dport=5678, chksum=0) / Raw(b"hello"),
    "v6_zero": V6 / UDP(sport=1234, dport=5678, chksum=0) / Raw(b"hello"),
    "v6_zero_dns": V6 / UDP(sport=40000, dport=53, chksum=0) / DNS(qd=DNSQR(qname="a.lab")),
    "v6_zero_empty": V6 / UDP(sport=1234, dport=5678, chksum=0),
    "v6_set": V6 / UDP(sport=1234, dport=5678) / Raw(b"hello"),
    "v6_zero_quoted": Ether() / IPv6(src="2001:db8::2", dst="2001:db8::1") /
    ICMPv6DestUnreach(code=4) / IPv6(src="2001:db8::1", dst="2001:db8::2") /
    UDP(sport=1234, dport=5678, chksum=0) / Raw(b"hello"),
}
ARGS = [[], ["-V"], ["-T", "json"], ["-T", "fields", "-e", "udp.checksum.status",
                                      "-e", "_ws.expert.message", "-e", "_ws.col.Info"],
        ["-Y", "udp.checksum.zero"], ["-q", "-z", "expert"]]


@pytest.fixture(scope="module")
def capture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("udpsum") / "zero.pcap"
    wrpcap(str(path), list(CASES.values()))
    return path


@pytest.mark.parametrize("args", ARGS, ids=lambda a: " ".join(a) or "list")
def test_zero_checksum_as_tshark(capture: Path, args: list[str]) -> None:
    rc, out, _err = run_analyze(["-r", str(capture), *args])
    assert rc == 0
    assert out == run_tshark(["-r", str(capture), *args])


def test_the_illegal_zero_is_seen(capture: Path) -> None:
    """The table above would also pass if neither tool flagged anything: it does not."""
    rc, out, _err = run_analyze(["-r", str(capture), "-Y", "udp.checksum.zero",
                                 "-T", "fields", "-e", "frame.number"])
    assert rc == 0 and out.split() == ["2", "3", "4"]
