"""Top-level text items in -T json / -T ek, as tshark 4.0 writes them: ARP's
"[Duplicate IP address detected ...]" (a text item beside the protocols; netlink's
messages are tests/test_netlink.py's) is a JSON object keyed by its label, and EK's
`text` group; a childless top-level protocol keeps its brackets (`_ws.short`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from diffutil import run_analyze, run_tshark


@pytest.fixture(scope="module")
def arp_dup(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from scapy.all import ARP, Ether, wrpcap

    pkts = [Ether(src=f"02:00:00:00:00:0{i}", dst="ff:ff:ff:ff:ff:ff")
            / ARP(op=2, hwsrc=f"02:00:00:00:00:0{i}", psrc="10.0.0.5",
                  hwdst="02:00:00:00:00:09", pdst="10.0.0.9") for i in (1, 2)]
    for i, p in enumerate(pkts):
        p.time = 1000 + i
    path = tmp_path_factory.mktemp("arpdup") / "arpdup.pcap"
    wrpcap(str(path), pkts)
    return path


@pytest.mark.tshark
@pytest.mark.parametrize("opts", [["-T", "json"], ["-T", "ek"], ["-T", "json", "-j", "arp"],
                                  ["-T", "json", "--no-duplicate-keys"]])
def test_arp_duplicate_text_equals_tshark(arp_dup: Path, opts: list[str]) -> None:
    rc, ours, err = run_analyze(["-r", str(arp_dup), *opts])
    assert rc == 0, err
    assert ours == run_tshark(["-r", str(arp_dup), *opts])
    assert "Duplicate IP address detected for 10.0.0.5" in ours


@pytest.mark.tshark
def test_short_frame_label_keeps_brackets() -> None:
    cap = Path(__file__).parent / "data" / "corpus" / "tcpdump-nbns-valgrind.pcap"
    rc, ours, err = run_analyze(["-r", str(cap), "-Y", "_ws.short", "-T", "json"])
    assert rc == 0, err
    assert ours == run_tshark(["-r", str(cap), "-Y", "_ws.short", "-T", "json"])
    assert '"_ws.short": "[Packet size limited during capture' in ours
