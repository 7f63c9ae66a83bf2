"""TCP desegmentation meeting retransmitted bytes, against tshark 4.0 (issue 18): a
longer retransmission from a pending PDU's first byte continues it (Segment overlap),
one with other bytes marks it [Illegal Segments] (Conflicting data), and a segment that
falls into a PDU already reassembled is a ReassemblyError ("[Reassembly error, protocol
TCP: New fragment overlaps old data (retransmission?)]")."""

from __future__ import annotations

from pathlib import Path

import pytest
from diffutil import assert_like_tshark, tshark_available
from scapy.all import IP, TCP, Ether, Raw, wrpcap

pytestmark = pytest.mark.skipif(not tshark_available(), reason="tshark not installed")

C, S, CP = "10.9.0.1", "10.9.0.2", 41000
REQ = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"

#: name -> the client's data segments after the handshake: (offset from the first
#: data byte, bytes, seconds since the previous frame).
CASES: dict[str, list[tuple[int, bytes, float]]] = {
    "longer_retransmission": [(0, REQ[:16], 0.01), (0, REQ, 0.5)],
    "longer_retransmission_soon": [(0, REQ[:16], 0.01), (0, REQ, 0.001)],
    "conflicting_overlap": [(0, b"GET / HTTP/1.1\r\nX-A: 1", 0.01),
                            (0, b"GET / HTTP/1.1\r\nX-B: 22\r\nHost: y\r\n\r\n", 0.5)],
    "into_finished_pdu": [(0, REQ[:20], 0.01), (20, REQ[20:], 0.01), (10, REQ[10:] + b"G", 0.5)],
    "three_parts_then_tail": [(0, REQ[:8], 0.01), (8, REQ[8:16], 0.01), (0, REQ[:20], 0.5),
                              (20, REQ[20:], 0.01)],
}
RUNS = [[], ["-V"], ["-q", "-z", "expert"], ["-q", "-z", "io,phs"],
        ["-P", "-V", "-z", "io,phs", "-z", "expert"]]


def _capture(path: Path, segs: list[tuple[int, bytes, float]]) -> Path:
    t, out = 1_700_000_000.0, []

    def add(p, dt: float) -> None:  # noqa: ANN001
        nonlocal t
        t += dt
        e = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / p
        e.time = t
        out.append(e)

    cs, ss = 1000, 5000
    add(IP(src=C, dst=S) / TCP(sport=CP, dport=80, seq=cs, flags="S"), 0)
    add(IP(src=S, dst=C) / TCP(sport=80, dport=CP, seq=ss, ack=cs + 1, flags="SA"), 0.01)
    add(IP(src=C, dst=S) / TCP(sport=CP, dport=80, seq=cs + 1, ack=ss + 1, flags="A"), 0.01)
    for off, data, dt in segs:
        add(IP(src=C, dst=S) / TCP(sport=CP, dport=80, seq=cs + 1 + off, ack=ss + 1,
                                   flags="PA") / Raw(data), dt)
    wrpcap(str(path), out)
    return path


@pytest.mark.parametrize("args", RUNS, ids=["list", "verbose", "expert", "phs", "all"])
@pytest.mark.parametrize("name", list(CASES))
def test_overlapping_segments_like_tshark(tmp_path: Path, name: str, args: list[str]) -> None:
    path = _capture(tmp_path / f"{name}.pcap", CASES[name])
    assert_like_tshark(["-r", str(path), *args], nonempty=args != ["-q", "-z", "expert"])
