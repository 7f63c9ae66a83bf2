"""IPv4, IPv6 and ARP headers cut by the snapshot length or by their own length fields,
compared with tshark 4.0 (tests/data/made/cut_headers.pcap, one case a frame; the cases
are make_captures.CUT_CASES). Before session 15, four of them differed:
- an IPv6 payload length past the frame was noted as an Error (tshark: a Warning);
- an IPv6 or IPv4 header with no payload bytes captured left the next layer out of
  frame.protocols (tshark names it: it is called, then finds nothing to read);
- an IPv6 payload length 0 took the frame's trailer as the payload (tshark: the payload
  is empty, what follows the header is the link layer's trailer);
- an ARP packet cut inside its 8-byte header showed no ARP at all (tshark: ARP in the
  column and stack, and the fields it holds whole);
- (found on the way) a UDP header cut after its ports showed no UDP (tshark: the ports,
  the length if captured, and the ports' Info).
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
     "-e", "arp.proto.size", "-e", "udp.srcport", "-e", "udp.length", "-e", "data.data", "-e", "eth.trailer"],
]


@pytest.mark.parametrize("args", ARGS, ids=["list", "V", "json", "fields"])
def test_cut_headers_like_tshark(args: list[str]) -> None:
    assert_like_tshark(["-r", CAPTURE, *args], nonempty=True)


def test_capture_holds_every_case() -> None:
    """One frame a case (the table and the capture were written together)."""
    rc, out, err = run_analyze(["-r", CAPTURE, "-T", "fields", "-e", "frame.number"])
    assert rc == 0, err
    assert out.split() == [str(n) for n in range(1, len(CUT_CASES) + 1)]


def _frame(what: str) -> int:
    """The frame number of the case described by `what` (CUT_CASES' order)."""
    return [w for w, _, _ in CUT_CASES].index(what) + 1


@pytest.mark.parametrize("what, want", [
    ("IPv6 payload length past the frame: a warning", "Warning"),
    ("IPv6 header, no payload bytes captured: udp named", "eth:ethertype:ipv6:udp"),
    ("IPv6 payload length 0 with a trailer: the payload is empty", "eth:ethertype:ipv6:udp"),
    ("ARP cut at 1 bytes", "eth:ethertype:arp"),
    ("IPv4 UDP header cut at 4 bytes: the ports", "Src Port: 40000, Dst Port: 9"),
])
def test_the_past_differences(what: str, want: str) -> None:
    """Each past difference, on the frame that showed it (not only equal to tshark, but
    what tshark says)."""
    args = ["-r", CAPTURE, "-Y", f"frame.number == {_frame(what)}", "-V"]
    rc, out, err = run_analyze(args)
    assert rc == 0, err
    assert want in out
    assert out == run_tshark(args)
