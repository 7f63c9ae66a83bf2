"""The list's hot path (packet_list.line_writer) writes exactly packet_line's line.

line_writer formats the relative time inline and the clock text once a second; these
tests hold it to packet_line (the reference, itself compared with tshark by the
differential tests) on the samples, for every `-t` format and both separators, and on
the edges: negative and huge relative times, every time precision, an Info column with
control characters or past tshark's 4095 bytes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.output.formats import TIME_FORMATS
from analyzer.output.packet_list import line_writer, packet_line
from captures import open_capture
from captures.frame import Frame
from dissectors.frame import dissect
from dissectors.packet import Packet
from dissectors.session import Session

SAMPLES = sorted(Path(__file__).resolve().parent.parent.glob("captures/samples/*.pcap*"))


def _written(pkts: list[Packet], fmt: str, sep: str) -> list[str]:
    out: list[str] = []
    write = line_writer(out.append, fmt, sep)
    for pkt in pkts:
        write(pkt)
    return out


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_line_writer_equals_packet_line_on_samples(sample: Path) -> None:
    session = Session(revisit=False)
    pkts = [dissect(f, session, frozenset()) for f in open_capture(str(sample))]
    assert pkts
    for fmt in TIME_FORMATS:
        for sep in (" ", "\t"):
            assert _written(pkts, fmt, sep) == [packet_line(p, fmt, sep) + "\n" for p in pkts]


def _packet(ts_ns: int, digits: int, rel_ns: int, info: str) -> Packet:
    frame = Frame(7, ts_ns, digits, 4, 4, 1, 0, b"\0\0\0\0")
    pkt = Packet(frame)
    pkt.src, pkt.dst, pkt.proto_col, pkt.info = "10.0.0.1", "10.0.0.2", "UDP", info
    pkt.rel_ns = pkt.delta_ns = pkt.delta_disp_ns = rel_ns
    return pkt


@pytest.mark.parametrize("digits", range(10))
def test_line_writer_equals_packet_line_on_edges(digits: int) -> None:
    pkts = [_packet(ts, digits, rel, info)
            for ts in (0, 1_700_000_000_123_456_789, 1_700_000_000_999_999_999, -1_500_000_000,
                       (1 << 63) - 1)
            for rel in (0, 1, -1_500_000_000, 123_456_789_012, (1 << 63) * 10 ** 9 + 5)
            for info in ("Len=0", "bell\x07 tab\t", "\u00e9t\u00e9", "x" * 1500, "\u20ac" * 1400)]
    for fmt in TIME_FORMATS:
        assert _written(pkts, fmt, " ") == [packet_line(p, fmt) + "\n" for p in pkts]
