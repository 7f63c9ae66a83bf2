"""The list's hot path (packet_list.line_writer) writes exactly packet_line's line.

line_writer formats the relative time inline and the clock text once a second; these
tests hold it to packet_line (the reference, itself compared with tshark by the
differential tests) on the samples, for every `-t` format and both separators, and on
the edges: negative and huge relative times, every time precision, an Info column with
control characters or past tshark's 4095 bytes. The same for the lines it writes as UTF-8
bytes (`write_utf8`: a split half's buffer, a buffered stdout), and which streams take them.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from analyzer.output.formats import TIME_FORMATS
from analyzer.output.packet_list import line_writer, packet_line
from analyzer.output.text import utf8_writer
from analyzer.split_stream import Marked
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


def _written_utf8(pkts: list[Packet], fmt: str, sep: str) -> list[bytes]:
    """Each packet's output as bytes, the writer given a UTF-8 byte sink too (lines it
    still writes as text are encoded as the streams do)."""
    out: list[bytes] = []
    write = line_writer(lambda s: out.append(s.encode("utf-8", "surrogateescape")), fmt, sep,
                        out.append)
    for pkt in pkts:
        write(pkt)
    return out


def _utf8(lines: list[str]) -> list[bytes]:
    return [line.encode("utf-8", "surrogateescape") for line in lines]


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_line_writer_equals_packet_line_on_samples(sample: Path) -> None:
    session = Session(revisit=False)
    pkts = [dissect(f, session, frozenset()) for f in open_capture(str(sample))]
    assert pkts
    for fmt in TIME_FORMATS:
        for sep in (" ", "\t"):
            want = [packet_line(p, fmt, sep) + "\n" for p in pkts]
            assert _written(pkts, fmt, sep) == want
            assert _written_utf8(pkts, fmt, sep) == _utf8(want)


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
            for info in INFOS]
    for fmt in TIME_FORMATS:
        want = [packet_line(p, fmt) + "\n" for p in pkts]
        assert _written(pkts, fmt, " ") == want
        assert _written_utf8(pkts, fmt, " ") == _utf8(want)


#: Info texts: clean, with controls (ASCII, C1, after arrows), non-ASCII printable and not
#: (a no-break space, a format character, a lone surrogate), long past 4095 bytes.
INFOS = ("Len=0", "bell\x07 tab\t", "\u00e9t\u00e9", "x" * 1500, "\u20ac" * 1400,
         "5000 \u2192 6000 Len=9", "1 \u2192 2\x1b[31m", "1 \u2192 2\x7f", "1 \u2192 2\u0085",
         "\u2192\u00a0\u2192", "a\u200bb \u2192", "\udcff \u2192", "\u2192" * 1400,
         "1 \u2192 2 " + "y" * 1100, "")


def test_utf8_writer_streams(tmp_path: Path) -> None:
    """Bytes go to a split half's buffer and to a buffered UTF-8 stream that escapes
    surrogates (app.py's stdout), after the text written before; nowhere else."""
    marked = Marked()
    assert utf8_writer(marked) == marked.write_utf8
    with open(tmp_path / "out", "wb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape", newline="\n")
        text.write("before\n")
        write = utf8_writer(text)
        assert write is not None
        write(b"line\n")
        text.write("after\n")
        text.flush()
    assert (tmp_path / "out").read_bytes() == b"before\nline\nafter\n"
    for other in (io.StringIO(),
                  io.TextIOWrapper(io.BytesIO(), encoding="utf-8"),
                  io.TextIOWrapper(io.BytesIO(), encoding="latin-1", errors="surrogateescape"),
                  io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="surrogateescape",
                                   write_through=True),
                  io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="surrogateescape",
                                   line_buffering=True)):
        assert utf8_writer(other) is None
