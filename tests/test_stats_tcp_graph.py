"""`-z tcp,graph,KIND[,STREAM[,DIRECTION]]` (labshark's TCP stream graphs): the data rows
equal tshark's per-segment fields (tcp.seq, tcp.nxtseq, tcp.ack, tcp.window_size,
tcp.analysis.ack_rtt / acks_frame) on the timed capture of test_stats_tcp_rtt.py and
on streams of the mixed capture; the direction is Wireshark 4.0's (the reverse of the
stream's first segment, as tshark numbers the stream), `switch` and ADDR:PORT choose the
other; throughput is checked by hand; `--plot` writes valid PNG/SVG images of the
stated size (800x450 px; 8x4.5 in = 576x324 pt)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from diffutil import run_analyze, run_tshark
from test_stats_tcp_rtt import build

FIELDS = ["frame.number", "tcp.stream", "tcp.srcport", "tcp.len", "tcp.seq", "tcp.nxtseq",
          "tcp.ack", "tcp.window_size", "tcp.analysis.acks_frame", "tcp.analysis.ack_rtt",
          "tcp.flags.ack", "tcp.options.sack_le", "tcp.options.sack_re",
          "tcp.analysis.zero_window"]


@pytest.fixture(scope="module")
def rtt_pcap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("graph") / "rtt.pcap"
    build(path)
    return path


def graph(cap: Path, kind: str, stream: int, direction: str = "") -> tuple[str, list[list[str]]]:
    z = f"tcp,graph,{kind},{stream}" + (f",{direction}" if direction else "")
    rc, out, err = run_analyze(["-q", "-z", z, "-r", str(cap)])
    assert rc == 0, err
    lines = out.splitlines()
    return lines[1], [ln.split() for ln in lines[3:-1]]


def tshark_rows(cap: Path, stream: int) -> list[dict[str, str]]:
    out = run_tshark(["-r", str(cap), "-Y", f"tcp.stream=={stream}", "-T", "fields",
                      *[a for f in FIELDS for a in ("-e", f)]])
    return [dict(zip(FIELDS, ln.split("\t"), strict=True)) for ln in out.splitlines()]


def sender_port(title: str) -> str:
    """The sending port from the title's `(ADDR:PORT -> ADDR:PORT)`."""
    return title.rsplit("(", 1)[1].split(" -> ")[0].rsplit(":", 1)[1]


CORPUS = Path(__file__).parent / "data" / "corpus"


# Corpus streams with SACK blocks (ndpi-soap, tcpdump-ssh), both directions.
@pytest.mark.tshark
@pytest.mark.parametrize("which", ["timed", "mixed0", "mixed1", "mixed95", "ndpi-soap.pcap",
                                   "ndpi-soap.pcap/switch", "tcpdump-ssh.pcap",
                                   "tcpdump-ssh.pcap/switch"])
def test_rows_equal_tshark_fields(which: str, rtt_pcap: Path, mixed_pcap: Path) -> None:
    name, _, way = which.partition("/")
    if which == "timed":
        # The timed capture's client sends the data: the other way from Wireshark's default.
        cap, stream, way = rtt_pcap, 0, "switch"
    elif which.startswith("mixed"):
        cap, stream = mixed_pcap, int(which[5:])
    else:
        cap, stream = CORPUS / name, 0
    ts = tshark_rows(cap, stream)
    title, stevens = graph(cap, "stevens", stream, way)
    port = sender_port(title)
    data = [r for r in ts if r["tcp.srcport"] == port and int(r["tcp.len"]) > 0]
    back = [r for r in ts if r["tcp.srcport"] != port]
    assert data, "the stream has data"
    assert [(r[0], r[2]) for r in stevens] == [(d["frame.number"], d["tcp.seq"]) for d in data]
    _, trace = graph(cap, "tcptrace", stream, way)
    want = []
    for r in ts:
        if r["tcp.srcport"] == port and int(r["tcp.len"]) > 0:
            want.append([r["frame.number"], "data", r["tcp.seq"], r["tcp.nxtseq"]])
        elif r["tcp.srcport"] != port and r["tcp.flags.ack"] in ("1", "True"):
            want.append([r["frame.number"], "ack", r["tcp.ack"],
                         str(int(r["tcp.ack"]) + int(r["tcp.window_size"]))])
    assert [[r[0], r[2], r[3], r[4]] for r in trace if r[2] in ("data", "ack")] == want
    # the SACK blocks of the receiver's ACKs and the sender's zero windows, as tshark's
    want_marks = []
    for r in ts:
        if r["tcp.srcport"] == port and r["tcp.analysis.zero_window"]:
            want_marks.append([r["frame.number"], "zerowin", r["tcp.seq"],
                               str(int(r["tcp.seq"]) + int(r["tcp.len"]))])
        elif r["tcp.srcport"] != port and r["tcp.flags.ack"] in ("1", "True"):
            edges = zip(r["tcp.options.sack_le"].split(",") if r["tcp.options.sack_le"] else [],
                        r["tcp.options.sack_re"].split(",") if r["tcp.options.sack_re"] else [],
                        strict=True)
            for i, (lo, hi) in enumerate(edges):
                want_marks.append([r["frame.number"], "sack" if i == 0 else "sack2", lo, hi])
    assert [[r[0], r[2], r[3], r[4]] for r in trace
            if r[2] in ("sack", "sack2", "zerowin")] == want_marks
    _, rtt = graph(cap, "rtt", stream, way)
    want_rtt = [(r["frame.number"], float(r["tcp.analysis.ack_rtt"])) for r in back
                if r["tcp.analysis.ack_rtt"]
                and any(d["frame.number"] == r["tcp.analysis.acks_frame"] for d in data)]
    assert [(r[0], round(float(r[3]), 6)) for r in rtt] == \
        [(n, round(v, 6)) for n, v in want_rtt]
    _, ws = graph(cap, "wscale", stream, way)
    assert [(r[0], r[-1]) for r in ws if r[2] == "window"] == \
        [(r["frame.number"], r["tcp.window_size"]) for r in back]


ENDS = ["frame.number", "ip.src", "tcp.srcport", "ip.dst", "tcp.dstport", "ipv6.src",
        "ipv6.dst"]


def _ends(cap: Path, stream: int) -> tuple[str, str]:
    """tshark's first segment of the stream: (its source, its destination) ADDR:PORT."""
    out = run_tshark(["-r", str(cap), "-Y", f"tcp.stream=={stream}", "-c", "100000",
                      "-T", "fields", *[a for f in ENDS for a in ("-e", f)]])
    r = dict(zip(ENDS, out.splitlines()[0].split("\t"), strict=True))
    return (f"{r['ip.src'] or r['ipv6.src']}:{r['tcp.srcport']}",
            f"{r['ip.dst'] or r['ipv6.dst']}:{r['tcp.dstport']}")


@pytest.mark.tshark
@pytest.mark.parametrize("stream", [0, 1, 7, 95])
def test_direction_is_wiresharks(stream: int, mixed_pcap: Path) -> None:
    """Default: from the first segment's destination to its source (Wireshark's "the
    server response is more interesting"); `switch` and ADDR:PORT give the other way."""
    first_src, first_dst = _ends(mixed_pcap, stream)
    title, _ = graph(mixed_pcap, "stevens", stream)
    assert title.endswith(f"({first_dst} -> {first_src})")
    title, _ = graph(mixed_pcap, "tcptrace", stream, "switch")
    assert title.endswith(f"({first_src} -> {first_dst})")
    endpoint = first_src if ":" not in first_src.rpartition(":")[0] else \
        "[{}]:{}".format(*first_src.rsplit(":", 1))
    assert graph(mixed_pcap, "tcptrace", stream, endpoint) == \
        graph(mixed_pcap, "tcptrace", stream, "switch")


def test_direction_on_the_timed_stream(rtt_pcap: Path) -> None:
    """The client (10.0.0.1:40000) opens and sends every byte: Wireshark's default graphs
    the server's empty direction (its ACKs are the client's, so stevens has no row and
    tcptrace only the client's ACKs); the client's own is `switch`."""
    title, rows = graph(rtt_pcap, "stevens", 0)
    assert title.endswith("(10.0.0.2:80 -> 10.0.0.1:40000)") and rows == []
    _, trace = graph(rtt_pcap, "tcptrace", 0)
    # (the client's data segments repeat its ACK and window: Wireshark ticks them dupack)
    assert {r[2] for r in trace} == {"ack", "dupack"}
    title, rows = graph(rtt_pcap, "stevens", 0, "switch")
    assert title.endswith("(10.0.0.1:40000 -> 10.0.0.2:80)") and len(rows) == 8
    assert graph(rtt_pcap, "stevens", 0, "10.0.0.1:40000") == (title, rows)
    rc, out, _ = run_analyze(["-q", "-z", "tcp,graph,stevens,0,10.9.9.9:1", "-r", str(rtt_pcap)])
    assert rc == 0 and "TCP stream 0 has no endpoint 10.9.9.9:1" in out


def test_throughput_by_hand(rtt_pcap: Path) -> None:
    """100-byte segments at 0.010, 0.200, 0.400, 0.600, 0.610, 0.900 s (+T0 - first
    frame at 0): over the segments of the last second, bits / their time span."""
    _, rows = graph(rtt_pcap, "throughput", 0, "switch")
    got = [(r[1], r[2], r[3]) for r in rows]
    assert got[:4] == [("0.010000", "100", "-"),
                       ("0.200000", "100", str(round(1600 / 0.19))),
                       ("0.400000", "100", str(round(2400 / 0.39))),
                       ("0.600000", "100", str(round(3200 / 0.59)))]
    # at 0.900 s all six segments since 0.010 s are within the second: 0.89 s
    assert ("0.900000", "100", str(round(6 * 800 / 0.89))) in got


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR"
    return struct.unpack(">II", head[16:24])


@pytest.mark.parametrize("kind", ["stevens", "tcptrace", "throughput", "rtt", "wscale"])
def test_plot_images(kind: str, rtt_pcap: Path, tmp_path: Path) -> None:
    png, svg = tmp_path / f"{kind}.png", tmp_path / f"{kind}.svg"
    for out in (png, svg):
        rc, _, err = run_analyze(["-q", "-z", f"tcp,graph,{kind},0,switch", "-r", str(rtt_pcap),
                                  "--plot", str(out)])
        assert rc == 0, err
    assert _png_size(png) == (800, 450)
    import xml.etree.ElementTree as ET

    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    assert (root.get("width"), root.get("height")) == ("576pt", "324pt")


def test_bad_arguments(rtt_pcap: Path) -> None:
    rc, out, err = run_analyze(["-q", "-z", "tcp,graph,pie", "-r", str(rtt_pcap)])
    assert (rc, out) == (1, "")
    assert err.startswith('analyze: invalid "-z tcp,graph,<stevens|')
    rc, out, _ = run_analyze(["-q", "-z", "tcp,graph,stevens,9", "-r", str(rtt_pcap)])
    assert rc == 0 and "no TCP stream 9" in out
    for bad in ("tcp,graph,stevens,0,left", "tcp,graph,stevens,0,10.0.0.1", "tcp,graph,stevens,x"):
        rc, out, err = run_analyze(["-q", "-z", bad, "-r", str(rtt_pcap)])
        assert (rc, out) == (1, ""), bad
        assert "[,<stream>[,switch|<addr>:<port>]]" in err


def test_help_lists_graphs() -> None:
    _, _, err = run_analyze(["-z", "help"])
    for k in ("stevens", "tcptrace", "throughput", "rtt", "wscale"):
        assert f"     tcp,graph,{k}\n" in err
