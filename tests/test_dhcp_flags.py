"""DHCP's Bootp flags line and option 116 (Auto-Configure) as tshark 4.0 prints them
(issue 18; tcpdump-eapon1 differed in both), compared live with tshark."""

from __future__ import annotations

from pathlib import Path

import pytest
from diffutil import run_analyze, run_tshark, tshark_available

scapy = pytest.importorskip("scapy.all")
pytestmark = pytest.mark.skipif(not tshark_available(), reason="tshark not installed")

#: (Bootp flags, option 116's value bytes, other options: wrong lengths of fixed sizes)
ROWS = [(0x8000, b"\x01", []), (0x0000, b"\x00", []), (0x8001, b"\x02", []),
        (0x0001, b"", [(57, b"\x05"), (51, b"\x00\x00\x01")]),
        (0x8000, b"\x01\x00", [(57, b"\x05\xdc"), (58, b"\x00\x00\x01\x00\x01")])]


def _frame(flags: int, auto: bytes, extra: list) -> bytes:
    s = scapy
    opts = [("message-type", "discover"), (116, auto), *extra, "end"]
    return bytes(s.Ether(src="00:11:22:33:44:55") / s.IP(src="0.0.0.0", dst="255.255.255.255")
                 / s.UDP(sport=68, dport=67)
                 / s.BOOTP(chaddr=b"\x00\x11\x22\x33\x44\x55", flags=flags)
                 / s.DHCP(options=opts))


@pytest.fixture(scope="module")
def capture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dhcpflags") / "flags.pcap"
    scapy.wrpcap(str(path), [scapy.Ether(_frame(*row)) for row in ROWS])
    return path


@pytest.mark.parametrize("args", [["-V"], ["-T", "fields", "-e", "dhcp.flags",
                                           "-e", "dhcp.flags.bc", "-e", "dhcp.flags.reserved",
                                           "-e", "dhcp.option.dhcp_auto_configuration"]],
                         ids=["V", "fields"])
def test_dhcp_flags_and_autoconf_as_tshark(capture: Path, args: list[str]) -> None:
    full = ["-r", str(capture), *args]
    code, ours, err = run_analyze(full)
    assert code == 0, err
    assert ours == run_tshark(full)
