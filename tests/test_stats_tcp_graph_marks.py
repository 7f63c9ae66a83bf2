"""The tcptrace graph's SACK blocks, duplicate-ACK ticks and zero-window crosses (Wireshark
4.0's ui/qt/tcp_stream_dialog.cpp fillTcptrace), and `--plot OUT.csv` (every graph's rows
as CSV). A download is built here with two lost segments: the receiver's duplicate ACKs
carry SACK blocks (two blocks in one of them), a window update that is no duplicate, and
the sender advertises a zero window. The marks are known answers worked out by hand and
agree with tshark's own tcp.options.sack_le/re, tcp.analysis.duplicate_ack and
tcp.analysis.zero_window on the same frames."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from diffutil import run_analyze, run_tshark

C, S = "10.0.0.1", "10.0.0.2"
CP, SP = 40000, 80
C_ISN, S_ISN = 5000, 1000  # relative n is S_ISN + n on the wire
T0 = 1000.0


def build(path: Path) -> None:
    """The download; `frame` in the comments is the frame number in the file."""
    from scapy.layers.inet import IP, TCP
    from scapy.layers.l2 import Ether
    from scapy.packet import Raw
    from scapy.utils import wrpcap

    eth = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
    pkts = []

    def add(t: float, src: str, flags: str, seq: int, ack: int, data: bytes = b"",
            window: int = 8192, sack: tuple[int, ...] = ()) -> None:
        sport, dport, dst = (CP, SP, S) if src == C else (SP, CP, C)
        opts = [("SAck", tuple(S_ISN + e for e in sack))] if sack else []
        p = eth / IP(src=src, dst=dst) / TCP(sport=sport, dport=dport, flags=flags, seq=seq,
                                             ack=ack, window=window, options=opts)
        p = p / Raw(data) if data else p
        p.time = T0 + t
        pkts.append(p)

    def data(t: float, rel: int, window: int = 8192) -> None:  # 100 bytes from rel
        add(t, S, "A", S_ISN + rel, C_ISN + 51, b"d" * 100, window)

    def ack(t: float, rel: int, window: int = 8192, sack: tuple[int, ...] = ()) -> None:
        add(t, C, "A", C_ISN + 51, S_ISN + rel, window=window, sack=sack)

    add(0.000, C, "S", C_ISN, 0)  # 1
    add(0.010, S, "SA", S_ISN, C_ISN + 1)  # 2
    add(0.020, C, "A", C_ISN + 1, S_ISN + 1)  # 3
    add(0.030, C, "PA", C_ISN + 1, S_ISN + 1, b"g" * 50)  # 4
    data(0.040, 1)  # 5
    data(0.041, 101)  # 6   (201..301 is lost)
    data(0.043, 301)  # 7
    data(0.044, 401)  # 8
    ack(0.050, 101)  # 9
    ack(0.051, 201)  # 10
    ack(0.053, 201, sack=(301, 401))  # 11 dup
    ack(0.054, 201, sack=(301, 501))  # 12 dup
    data(0.055, 201)  # 13 the retransmission
    ack(0.060, 501)  # 14
    data(0.061, 501)  # 15  (601..701 lost)
    data(0.062, 701)  # 16  (801..901 lost)
    data(0.063, 901)  # 17
    ack(0.070, 601)  # 18
    ack(0.071, 601, sack=(901, 1001, 701, 801))  # 19 dup, two blocks
    ack(0.072, 601, window=16384)  # 20 a window update: no duplicate
    add(0.080, S, "A", S_ISN + 1001, C_ISN + 51, window=0)  # 21 zero window, no data
    data(0.090, 601, window=0)  # 22 zero window with data
    data(0.091, 801)  # 23
    ack(0.100, 1001)  # 24
    wrpcap(str(path), pkts)


@pytest.fixture(scope="module")
def marks_pcap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("marks") / "marks.pcap"
    build(path)
    return path


def trace(cap: Path, extra: tuple[str, ...] = ()) -> list[list[str]]:
    rc, out, err = run_analyze(["-q", "-z", "tcp,graph,tcptrace,0", "-r", str(cap), *extra])
    assert rc == 0, err
    return [ln.split() for ln in out.splitlines()[3:-1]]


# (frame, kind, low, high) of the marks, by hand: the server sends (Wireshark's default
# direction, the reverse of the SYN), the client ACKs.
# Frame 4 (the request) repeats frame 3's ACK and window: Wireshark's graph ticks it
# though it carries data (tshark's analysis calls no data segment a duplicate ACK).
KNOWN_MARKS = [
    ("4", "dupack", "1", "8193"),
    ("11", "dupack", "201", "8393"), ("11", "sack", "301", "401"),
    ("12", "dupack", "201", "8393"), ("12", "sack", "301", "501"),
    ("19", "dupack", "601", "8793"), ("19", "sack", "901", "1001"),
    ("19", "sack2", "701", "801"),
    ("21", "zerowin", "1001", "1001"), ("22", "zerowin", "601", "701"),
]


def test_marks_known_answers(marks_pcap: Path) -> None:
    rows = trace(marks_pcap)
    marks = [(r[0], r[2], r[3], r[4]) for r in rows if r[2] not in ("data", "ack")]
    assert marks == KNOWN_MARKS
    # the window update (frame 20) moves the window edge and is no duplicate
    assert [r[4] for r in rows if r[0] == "20"] == [str(601 + 16384)]
    # a mark follows its frame's ack row (or data row): the rows stay in frame order
    assert [int(r[0]) for r in rows] == sorted(int(r[0]) for r in rows)


FIELDS = ["frame.number", "tcp.srcport", "tcp.options.sack_le", "tcp.options.sack_re",
          "tcp.analysis.duplicate_ack", "tcp.analysis.zero_window", "tcp.seq", "tcp.len",
          "tcp.ack"]


@pytest.mark.tshark
def test_marks_agree_with_tshark(marks_pcap: Path) -> None:
    """tshark's SACK edges (relative), duplicate-ACK and zero-window flags on the same
    frames (on this capture Wireshark's graph and tshark's analysis mean the same ones)."""
    out = run_tshark(["-r", str(marks_pcap), "-T", "fields", "-E", "occurrence=a",
                      "-E", "aggregator=,", *[a for f in FIELDS for a in ("-e", f)]])
    want = []
    for ln in out.splitlines():
        r = dict(zip(FIELDS, ln.split("\t"), strict=True))
        if r["tcp.srcport"] == str(CP):  # the client's ACKs
            if r["tcp.analysis.duplicate_ack"]:
                edge = next(x[4] for x in trace(marks_pcap)
                            if x[0] == r["frame.number"] and x[2] == "ack")
                want.append((r["frame.number"], "dupack", r["tcp.ack"], edge))
            lefts = [x for x in r["tcp.options.sack_le"].split(",") if x]
            rights = [x for x in r["tcp.options.sack_re"].split(",") if x]
            for i, (lo, hi) in enumerate(zip(lefts, rights, strict=True)):
                want.append((r["frame.number"], "sack" if i == 0 else "sack2", lo, hi))
        elif r["tcp.analysis.zero_window"]:
            seq = int(r["tcp.seq"])
            want.append((r["frame.number"], "zerowin", str(seq), str(seq + int(r["tcp.len"]))))
    marks = [(r[0], r[2], r[3], r[4]) for r in trace(marks_pcap)
             if r[2] not in ("data", "ack")]
    assert marks[0] == ("4", "dupack", "1", "8193")  # the request: see KNOWN_MARKS
    assert "\t".join(["4", str(CP)]) in out and marks[1:] == want


@pytest.mark.parametrize("kind", ["stevens", "tcptrace", "throughput", "rtt", "wscale"])
def test_csv_rows_equal_text_rows(kind: str, marks_pcap: Path, tmp_path: Path) -> None:
    """`--plot OUT.csv`: the text table's header and rows, a missing value an empty cell;
    the text report is printed as without it."""
    out_csv = tmp_path / f"{kind}.csv"
    args = ["-q", "-z", f"tcp,graph,{kind},0", "-r", str(marks_pcap)]
    rc, text, err = run_analyze(args)
    assert rc == 0, err
    rc, text2, err = run_analyze([*args, "--plot", str(out_csv)])
    assert rc == 0, err
    assert text2 == text
    with out_csv.open(newline="", encoding="utf-8") as f:
        table = list(csv.reader(f))
    lines = text.splitlines()[2:-1]
    cells = [re.split(r" {2,}", ln.strip()) for ln in lines]  # columns: 2+ spaces apart
    assert table[0] == cells[0]
    rows = [["-" if c == "" else c for c in r] for r in table[1:]]
    assert rows == cells[1:]
    assert len(rows) > 0


def test_csv_refused_for_other_statistics(marks_pcap: Path, tmp_path: Path) -> None:
    for z in ("io,stat,1", "flow,tcp,standard"):
        rc, out, err = run_analyze(["-q", "-z", z, "-r", str(marks_pcap),
                                    "--plot", str(tmp_path / "x.csv")])
        assert (rc, out) == (1, ""), z
        assert "must end in .png or .svg (or .csv: the rows of -z tcp,graph)" in err
        assert not (tmp_path / "x.csv").exists()


def test_plot_with_marks(marks_pcap: Path, tmp_path: Path) -> None:
    """The image with every mark kind draws (a valid PNG of --plot's size)."""
    from test_stats_tcp_graph import _png_size

    png = tmp_path / "marks.png"
    rc, _, err = run_analyze(["-q", "-z", "tcp,graph,tcptrace,0", "-r", str(marks_pcap),
                              "--plot", str(png)])
    assert rc == 0, err
    assert _png_size(png) == (800, 450)


def test_csv_unwritable_is_one_line(marks_pcap: Path, tmp_path: Path) -> None:
    bad = tmp_path / "no-such-dir" / "g.csv"
    rc, _, err = run_analyze(["-q", "-z", "tcp,graph,tcptrace,0", "-r", str(marks_pcap),
                              "--plot", str(bad)])
    assert rc == 1 and err == f'analyze: --plot "{bad}": No such file or directory\n'
