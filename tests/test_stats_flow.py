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
