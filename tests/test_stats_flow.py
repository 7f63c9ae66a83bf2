"""`-z flow,...` (tshark's ASCII sequence diagram) against tshark 4.0, byte for byte:
every kind and address mode, with and without a tap filter, on the mixed capture and
every capture in the repository whose packets labshark dissects as tshark does."""

from __future__ import annotations

from pathlib import Path

import pytest
from diffutil import run_analyze, run_tshark

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "captures" / "samples"
WS = ROOT / "tests" / "data" / "wireshark"
MODES = ["any,standard", "any,network", "tcp,standard", "tcp,network", "icmp,standard",
         "icmp,network", "icmpv6,standard", "icmpv6,network"]
# FeiQ (IPMSG) is labshark's own dissector: tshark's Info for it is plain UDP, so the
# `any` diagrams (whose labels are the Info column) leave its port out by a filter.
NO_FEIQ = "!(udp.port==2425)"
# Protocols labshark does not dissect (NTP, NFS, SIP, IPX): their Info differs, so only
# the TCP and ICMP diagrams (labelled from the headers) are compared there.
LOWER_ONLY = {"nfs.pcap", "ntp.pcap", "sip.pcapng", "ipx_rip.pcap"}
CAPTURES = sorted([*SAMPLES.glob("*.pcap*"), *WS.glob("*.pcap*")])


def same(args: list[str]) -> None:
    rc, out, err = run_analyze(args)
    assert rc == 0, err
    assert out == run_tshark(args)


def _cases() -> list[tuple[Path, str]]:
    out = []
    for cap in CAPTURES:
        feiq = "feiq" in cap.name or cap.name.startswith("lab.")
        for mode in MODES:
            if mode.startswith("any") and cap.name in LOWER_ONLY:
                continue
            out.append((cap, f"{mode},{NO_FEIQ}" if feiq and mode.startswith("any") else mode))
    return out


@pytest.mark.tshark
@pytest.mark.parametrize(("cap", "z"), _cases(), ids=lambda v: getattr(v, "name", v))
def test_samples_equal_tshark(cap: Path, z: str) -> None:
    same(["-q", "-z", f"flow,{z}", "-r", str(cap)])


@pytest.mark.tshark
@pytest.mark.parametrize("z", [*MODES, "any,standard,udp", "any,network,arp or vlan",
                               "tcp,standard,tcp.len>0", "tcp,network,ipv6",
                               "icmp,standard,icmp.type==0", "icmpv6,network,frame.number>99999",
                               "tcp,standardx"])
def test_mixed_equals_tshark(mixed_pcap: Path, z: str) -> None:
    """More than 40 addresses (tshark's overflow column), several TCP streams (the
    Conv. column and separators), IPv6, ARP (only `network` has MAC nodes), VLANs."""
    same(["-q", "-z", f"flow,{z}", "-r", str(mixed_pcap)])


@pytest.mark.tshark
def test_several_flows_last_first_with_time_format(mixed_pcap: Path) -> None:
    """Without -q the diagrams follow the packet list, the last one first; -t sets
    their time column as it sets the packet list's."""
    same(["-t", "ad", "-Y", "icmp", "-z", "flow,icmp,network", "-z", "flow,tcp,standard,tcp.stream==1",
          "-r", str(mixed_pcap)])


def test_bad_arguments(mixed_pcap: Path) -> None:
    """tshark's messages and exit status 1 (its own `tshark: flow - ...`)."""
    rc, out, err = run_analyze(["-q", "-z", "flow,tcp", "-r", str(mixed_pcap)])
    assert (rc, out, err) == (1, "", "analyze: flow - Invalid address type.\n")
    rc, out, err = run_analyze(["-q", "-z", "flow,tcp,standard,foo==", "-r", str(mixed_pcap)])
    assert (rc, out, err) == (1, "", "analyze: flow - Error registering tap listener.\n")
    rc, _, err = run_analyze(["-q", "-z", "flow,udp,standard", "-r", str(mixed_pcap)])
    assert rc == 1 and err.startswith('analyze: Invalid -z argument "flow,udp,standard"')


def test_help_lists_flows() -> None:
    rc, _, err = run_analyze(["-z", "help"])
    assert rc == 0
    for z in ("flow,any", "flow,tcp", "flow,icmp", "flow,icmpv6"):
        assert f"     {z}\n" in err


@pytest.fixture(scope="module")
def tunnel_pcap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Pings and a TCP exchange inside VXLAN and Geneve, beside a plain ping: the flow
    taps take pinfo's ports, the last transport layer's (the tunnel's outer UDP for the
    ICMP inside), and ICMP's type*256+code only where no layer set a port type."""
    from scapy.contrib.geneve import GENEVE
    from scapy.layers.inet import ICMP, IP, TCP, UDP
    from scapy.layers.l2 import Ether
    from scapy.layers.vxlan import VXLAN
    from scapy.utils import wrpcap

    def outer(sport: int, dport: int, a: str = "192.0.2.1", b: str = "192.0.2.2"):  # noqa: ANN202
        return Ether() / IP(src=a, dst=b) / UDP(sport=sport, dport=dport)

    inner_a, inner_b = IP(src="10.1.0.1", dst="10.1.0.2"), IP(src="10.1.0.2", dst="10.1.0.1")
    pkts = [
        Ether() / IP(src="10.9.0.1", dst="10.9.0.2") / ICMP(type=8, id=1, seq=1),
        Ether() / IP(src="10.9.0.2", dst="10.9.0.1") / ICMP(type=0, id=1, seq=1),
        outer(45149, 4789) / VXLAN(vni=7) / Ether() / inner_a / ICMP(type=8, id=2, seq=1),
        outer(32894, 4789, "192.0.2.2", "192.0.2.1") / VXLAN(vni=7) / Ether() / inner_b
        / ICMP(type=0, id=2, seq=1),
        outer(12618, 6081) / GENEVE(proto=0x6558) / Ether() / inner_a / ICMP(type=8, id=3),
        outer(45150, 4789) / VXLAN(vni=7) / Ether() / inner_a / TCP(sport=5000, dport=80,
                                                                  flags="S"),
        outer(45151, 4789) / VXLAN(vni=7) / Ether() / inner_b / TCP(sport=80, dport=5000,
                                                                  flags="SA", ack=1),
    ]
    for i, p in enumerate(pkts):
        p.time = 1_700_000_000 + i * 0.5
    path = tmp_path_factory.mktemp("flowtun") / "tunnels.pcap"
    wrpcap(str(path), pkts)
    return path


@pytest.mark.tshark
@pytest.mark.parametrize("z", MODES)
def test_tunnelled_ports_equal_tshark(tunnel_pcap: Path, z: str) -> None:
    same(["-q", "-z", f"flow,{z}", "-r", str(tunnel_pcap)])
    if z == "icmp,network":  # not vacuous: the outer ports and the type/code ones
        out = run_analyze(["-q", "-z", f"flow,{z}", "-r", str(tunnel_pcap)])[1]
        assert "(45149)" in out and "(4789)" in out and "(2048)" in out
