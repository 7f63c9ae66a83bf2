"""IPv4, IPv6 and ARP headers cut by the snapshot length or by their own length fields,
compared with tshark 4.0 (tests/data/made/cut_headers.pcap, one case a frame; the cases
are make_captures.CUT_CASES). Before session 15, four of them differed:
- an IPv6 payload length past the frame was noted as an Error (tshark: a Warning);
- an IPv6 or IPv4 header with no payload bytes captured left the next layer out of
  frame.protocols (tshark names it: it is called, then finds nothing to read);
- an IPv6 payload length 0 took the frame's trailer as the payload (tshark: the payload
  is empty, what follows the header is the link layer's trailer);
- an ARP packet cut inside its 8-byte header showed no ARP at all (tshark: ARP in the
  column and stack, and the fields it holds whole).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from diffutil import assert_like_tshark, run_analyze, run_tshark, tshark_available

MADE = Path(__file__).resolve().parent / "data" / "made"
CAPTURE = str(MADE / "cut_headers.pcap")
sys.path.insert(0, str(MADE))

from make_captures import CUT_CASES  # noqa: E402

pytestmark = pytest.mark.skipif(not tshark_available(), reason="tshark is not installed")

#: Each output of every case: the list, the tree, JSON, and the fields that differed.
ARGS = [
    [],
    ["-V"],
    ["-T", "json"],
    ["-T", "fields", "-e", "frame.number", "-e", "frame.protocols", "-e", "ipv6.plen",
     "-e", "ipv6.plen_exceeds_framing", "-e", "ipv6.plen_zero", "-e", "arp.hw.type",
     "-e", "arp.proto.size", "-e", "udp.srcport", "-e", "data.data", "-e", "eth.trailer"],
]


@pytest.mark.parametrize("args", ARGS, ids=["list", "V", "json", "fields"])
def test_cut_headers_like_tshark(args: list[str]) -> None:
    assert_like_tshark(["-r", CAPTURE, *args], nonempty=True)


def test_capture_holds_every_case() -> None:
    """One frame a case (the table and the capture were written together)."""
    rc, out, err = run_analyze(["-r", CAPTURE, "-T", "fields", "-e", "frame.number"])
    assert rc == 0, err
    assert out.split() == [str(n) for n in range(1, len(CUT_CASES) + 1)]


@pytest.mark.parametrize("frame, want", [
    (1, "Warning"),  # the payload length past the frame
    (2, "eth:ethertype:ipv6:udp"),  # no payload bytes captured: udp named
    (4, "eth:ethertype:ipv6:udp"),  # payload length 0: UDP finds nothing (not data)
    (16, "eth:ethertype:arp"),  # ARP cut at 1 byte
])
def test_the_four_differences(frame: int, want: str) -> None:
    """Each of the four past differences, on the frame that showed it (not only equal to
    tshark, but what tshark says)."""
    args = ["-r", CAPTURE, "-Y", f"frame.number == {frame}", "-V"]
    rc, out, err = run_analyze(args)
    assert rc == 0, err
    assert want in out
    assert out == run_tshark(args)
