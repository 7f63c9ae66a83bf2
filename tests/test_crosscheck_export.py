"""--cross-check (against tshark via pyshark), --plot of the io,stat table, --export parquet."""

from __future__ import annotations

import io
import re
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from analyzer import crosscheck
from analyzer.app import run
from analyzer.stats.io_stat import PLOT_DPI, PLOT_SIZE_IN

SAMPLES = Path(__file__).resolve().parent.parent / "captures" / "samples"
HAVE_TSHARK = shutil.which("tshark") is not None
needs_tshark = pytest.mark.skipif(not HAVE_TSHARK, reason="tshark not installed")


def analyze(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def tshark_frames(path: Path, flt: str) -> set[int]:
    res = subprocess.run(["tshark", "-n", "-r", str(path), "-Y", flt, "-T", "fields",
                          "-e", "frame.number"], capture_output=True, text=True, timeout=60,
                         check=True)
    return {int(x) for x in res.stdout.split()}


@pytest.fixture
def mixed_pcap(tmp_path: Path) -> Path:
    """UDP, TCP and ICMP spread over ~3 seconds."""
    from scapy.all import ICMP, IP, TCP, UDP, Ether, Raw, wrpcap

    base = 1_700_000_000.0
    pkts = []
    for i in range(12):
        if i % 3 == 0:
            p = Ether() / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=4000 + i, dport=53) \
                / Raw(b"x" * i)
        elif i % 3 == 1:
            p = Ether() / IP(src="10.0.0.2", dst="10.0.0.1") / TCP(sport=80, dport=5000,
                                                                  flags="PA", seq=i)
        else:
            p = Ether() / IP(src="10.0.0.1", dst="10.0.0.3") / ICMP()
        p.time = base + i * 0.27
        pkts.append(p)
    out = tmp_path / "mixed.pcap"
    wrpcap(str(out), pkts)
    return out


# --- cross-check --------------------------------------------------------------------

_COMPARED = re.compile(r"compared: the Protocol and Info columns and (\d+) fields both decode")


@pytest.mark.tshark
@needs_tshark
def test_cross_check_agrees_on_tftp_rrq() -> None:
    code, out, err = analyze("--cross-check", str(SAMPLES / "tftp_rrq.pcap"))
    n = len(tshark_frames(SAMPLES / "tftp_rrq.pcap", "frame"))
    assert (code, err) == (0, "")
    first, second = out.splitlines()
    assert first == f"{n} packets, 0 differ"
    m = _COMPARED.fullmatch(second)
    assert m and int(m.group(1)) > 60  # frame, eth, ip, udp, tftp: every field, not a list


@pytest.mark.tshark
@needs_tshark
def test_cross_check_every_field_of_the_mixed_capture(tmp_path: Path) -> None:
    """2645 packets of Ethernet/VLAN/ARP/IPv4/IPv6/ICMP/TCP/UDP/DNS/DHCP/HTTP/TFTP: every
    field both tools decode agrees, hidden and generated ones included."""
    from gen_mixed import write_mixed

    path = write_mixed(tmp_path / "mixed.pcap")
    code, out, err = analyze("--cross-check", str(path))
    assert (code, err) == (0, "")
    first, second = out.splitlines()
    assert first == "2645 packets, 0 differ"
    m = _COMPARED.fullmatch(second)
    assert m and int(m.group(1)) > 250


@pytest.mark.tshark
@needs_tshark
def test_cross_check_reports_what_only_tshark_decodes(tmp_path: Path) -> None:
    """RIP is decoded by tshark and left as data by us: a real difference, exit 1, and
    the RIP fields are named as not compared."""
    from scapy.layers.inet import IP, UDP
    from scapy.layers.l2 import Ether
    from scapy.layers.rip import RIP, RIPEntry
    from scapy.utils import wrpcap

    path = tmp_path / "rip.pcap"
    wrpcap(str(path), [Ether() / IP(src=f"10.0.0.{n}", dst="224.0.0.9") /
                       UDP(sport=520, dport=520) / RIP() / RIPEntry(addr=f"10.{n}.0.0")
                       for n in (1, 2)])
    code, out, _ = analyze("--cross-check", str(path))
    lines = out.splitlines()
    assert code == 1 and lines[0] == "2 packets, 2 differ"
    assert re.search(r"; not compared: \d+ only tshark decodes \(rip, ", lines[1])
    assert "frame 1: _ws.col.Protocol: labshark=UDP tshark=RIPv1" in lines


@pytest.mark.tshark
@needs_tshark
def test_cross_check_lab_ipmsg_expected() -> None:
    path = SAMPLES / "lab.pcap"
    code, out, err = analyze("--cross-check", str(path))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    total = len(tshark_frames(path, "frame"))
    assert re.fullmatch(rf"{total} packets, 0 differ, \d+ expected differences", lines[0])
    assert "only labshark decodes (feiq, ipmsg, " in lines[1]
    expected = [ln for ln in lines[2:] if ln.endswith("(expected: labshark decodes IPMSG)")]
    more = int(lines[0].split(", ")[2].split()[0]) - crosscheck.MAX_LINES
    assert len(expected) == crosscheck.MAX_LINES and more > 0
    assert lines[2:] == [*expected, f"... and {more} more expected differences"]
    frames = {int(re.match(r"frame (\d+):", ln).group(1)) for ln in expected}  # type: ignore
    assert frames <= tshark_frames(path, "udp.port == 2425")
    assert any("_ws.col.Protocol: labshark=FeiQ tshark=UDP" in ln for ln in expected)


@pytest.mark.tshark
@needs_tshark
def test_cross_check_with_display_filter_agrees() -> None:
    code, out, _ = analyze("--cross-check", str(SAMPLES / "lab.pcap"), "-Y",
                           "tcp.flags.syn == 1 || dns")
    assert code == 0
    assert "match:" not in out


@pytest.mark.tshark
@needs_tshark
def test_cross_check_finds_a_difference(monkeypatch: pytest.MonkeyPatch) -> None:
    real = crosscheck.our_table

    def wrong(*args, **kw):  # noqa: ANN002, ANN003 - pass-through
        rows, matched, ipmsg = real(*args, **kw)
        rows[3]["ip.ttl"] = ["1"]
        rows[5]["_ws.col.Info"] = ["bogus"]
        del rows[6]["udp.checksum.status"]
        return rows, matched, ipmsg

    monkeypatch.setattr(crosscheck, "our_table", wrong)
    path = SAMPLES / "tftp_rrq.pcap"
    ttl = subprocess.run(["tshark", "-n", "-r", str(path), "-Y", "frame.number == 3",
                          "-T", "fields", "-e", "ip.ttl"], capture_output=True, text=True,
                         timeout=60, check=True).stdout.strip()
    code, out, _ = analyze("--cross-check", str(path))
    assert code == 1
    lines = out.splitlines()
    assert lines[0].endswith(" packets, 3 differ")
    assert f"frame 3: ip.ttl: labshark=1 tshark={ttl}" in lines
    assert any(ln.startswith("frame 5: _ws.col.Info: labshark=bogus tshark=") for ln in lines)
    assert any(re.fullmatch(r"frame 6: udp.checksum.status: labshark=\(absent\) tshark=\d",
                            ln) for ln in lines)


def test_compare_reports_match_and_missing_frames() -> None:
    shared = {"ip.ttl"}
    ours = {1: {"ip.ttl": ["64"]}, 2: {"ip.ttl": ["64"]}, 3: {"ip.ttl": ["64"]}}
    theirs = {1: {"ip.ttl": ["64"]}, 2: {"ip.ttl": ["64"]}}
    diffs, expected, differ = crosscheck.compare(ours, theirs, shared, {1, 2}, {1}, set())
    assert diffs == ["frame 2: match: labshark=yes tshark=no",
                     "frame 3: frame: labshark=present tshark=missing"]
    assert (expected, differ) == ([], {2, 3})
    # on an IPMSG frame a match/column difference is expected, a field difference is not
    diffs, expected, differ = crosscheck.compare(
        {1: {"ip.ttl": ["1"], "nfs.x": ["a"]}}, {1: {"ip.ttl": ["2", "3"]}}, shared,
        {1}, set(), {1})
    assert diffs == ["frame 1: ip.ttl: labshark=1 tshark=2,3"]
    assert expected == ["frame 1: match: labshark=yes tshark=no "
                        "(expected: labshark decodes IPMSG)"]


def test_flatten_opens_subtrees_and_arrays() -> None:
    row: crosscheck.Row = {}
    crosscheck.flatten({"ip": {"ip.flags": "0x02", "ip.flags_tree": {"ip.flags.df": "1"},
                               "ip.addr": ["1.1.1.1", "2.2.2.2"]},
                        "_ws.expert": {"_ws.expert.message": "x"}, "icmp": [{"a": None}, {}]},
                       row)
    assert row == {"ip": [""], "ip.flags": ["0x02"], "ip.flags.df": ["1"],
                   "ip.addr": ["1.1.1.1", "2.2.2.2"], "_ws.expert": [""],
                   "_ws.expert.message": ["x"], "icmp": ["", ""], "a": [""]}


def test_cross_check_without_pyshark(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyshark.tshark.tshark", None)
    code, out, err = analyze("--cross-check", str(SAMPLES / "tftp_rrq.pcap"))
    assert (code, out) == (2, "")
    assert err == "analyze: --cross-check needs pyshark (pip install pyshark)\n"


def test_cross_check_without_tshark(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("pyshark")
    from pyshark.tshark import tshark as pt

    def missing(*_a, **_k):  # noqa: ANN002, ANN003
        raise pt.TSharkNotFoundException("not found")

    monkeypatch.setattr(pt, "get_process_path", missing)
    code, out, err = analyze("--cross-check", str(SAMPLES / "tftp_rrq.pcap"))
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1 and "needs tshark" in err


# --- plot ---------------------------------------------------------------------------

def table_rows(text: str, ncols: int) -> list[list[int]]:
    """Frames per row and column, read from the printed io,stat table."""
    out = []
    for ln in text.splitlines():
        if "<>" in ln:
            nums = [int(x) for x in re.findall(r"\|\s*(\d+)\s", ln.split("<>", 1)[1])]
            out.append(nums[0::2][:ncols])
    return out


def test_plot_png_size_and_numbers(mixed_pcap: Path, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from analyzer.stats import io_stat

    seen = {}
    real = io_stat.IoStatTap.rows

    def spy(self):  # noqa: ANN001, ANN202
        seen["rows"] = real(self)
        return seen["rows"]

    monkeypatch.setattr(io_stat.IoStatTap, "rows", spy)
    png = tmp_path / "io.png"
    code, out, err = analyze(str(mixed_pcap), "-q", "-z", "io,stat,0.5,udp,tcp", "--plot",
                             str(png))
    assert (code, err) == (0, "")
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (round(PLOT_SIZE_IN[0] * PLOT_DPI),
                               round(PLOT_SIZE_IN[1] * PLOT_DPI))
    spans, frames = seen["rows"]
    assert [list(r) for r in zip(*frames, strict=True)] == table_rows(out, 2)
    assert sum(frames[0]) == 4 and sum(frames[1]) == 4  # the udp and the tcp packets
    assert spans[0] == (0.0, 0.5)


def test_plot_svg_without_io_stat(mixed_pcap: Path, tmp_path: Path) -> None:
    svg = tmp_path / "io.svg"
    code, out, err = analyze(str(mixed_pcap), "-q", "--plot", str(svg))
    assert (code, out, err) == (0, "", "")  # the hidden io,stat,1 prints no table
    root = ET.parse(svg).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "frames per 1 s" in svg.read_text()


def test_plot_bad_extension(mixed_pcap: Path, tmp_path: Path) -> None:
    code, out, err = analyze(str(mixed_pcap), "--plot", str(tmp_path / "io.gif"))
    assert (code, out) == (1, "")
    assert "must end in .png or .svg" in err
    assert not (tmp_path / "io.gif").exists()


# --- parquet ------------------------------------------------------------------------

def fields_output(path: Path, names: list[str], *extra: str) -> list[list[str]]:
    code, out, _ = analyze(str(path), "-T", "fields", *(a for n in names for a in ("-e", n)),
                           *extra)
    assert code == 0
    return [ln.split("\t") for ln in out.splitlines()]


def parquet_as_fields_text(path: Path) -> tuple[list[str], list[list[str]]]:
    """The parquet file's rows written back as `-T fields` text (ns read exactly)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from dissectors.format import field_text
    from dissectors.registry import REGISTRY

    table = pq.read_table(path)
    cols = []
    for name in table.column_names:
        col = table.column(name)
        t = col.type.value_type if pa.types.is_list(col.type) else col.type
        if pa.types.is_timestamp(t) or pa.types.is_duration(t):
            col = col.cast(pa.list_(pa.int64()) if pa.types.is_list(col.type) else pa.int64())
        f = REGISTRY.get(name)

        def text(v: object, f: object = f) -> str:
            if v is None:
                return ""
            if isinstance(v, list):
                return ",".join(text(x) for x in v)
            return v if f is None or isinstance(v, str) else field_text(f, v)  # type: ignore[arg-type]

        cols.append([text(v) for v in col.to_pylist()])
    return table.column_names, [list(r) for r in zip(*cols, strict=True)]


@pytest.mark.parametrize("extra", [(), ("-Y", "udp || icmp")])
def test_export_parquet_default_fields(mixed_pcap: Path, tmp_path: Path,
                                       extra: tuple[str, ...]) -> None:
    from analyzer.export_table import DEFAULT_FIELDS

    out_file = tmp_path / "p.parquet"
    code, out, err = analyze(str(mixed_pcap), *extra, "--export", "parquet", str(out_file))
    assert (code, out, err) == (0, "", "")
    names, rows = parquet_as_fields_text(out_file)
    assert names == list(DEFAULT_FIELDS)
    assert rows == fields_output(mixed_pcap, list(DEFAULT_FIELDS), *extra)
    assert len(rows) == (12 if not extra else 8)


def test_export_parquet_typed_columns(tmp_path: Path) -> None:
    """Numbers are numbers (a query compares them as such), times are ns timestamps and
    durations, a field seen twice in a packet is a list, a missing one null."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    path = SAMPLES / "lab.pcap"
    out_file = tmp_path / "t.parquet"
    names = ["frame.number", "frame.len", "frame.time_epoch", "frame.time_relative",
             "ip.addr", "ip.ttl", "tcp.flags.syn", "tcp.flags", "eth.src", "dns.qry.name"]
    code, _, _ = analyze(str(path), *(a for n in names for a in ("-e", n)),
                         "--export", "parquet", str(out_file))
    assert code == 0
    table = pq.read_table(out_file)
    assert [str(t) for t in table.schema.types] == [
        "int64", "int64", "timestamp[ns, tz=UTC]", "duration[ns]", "list<element: string>",
        "int64", "bool", "int64", "string", "string"]
    big = pc.sum(pc.greater(table.column("frame.len"), 100)).as_py()
    code, out, _ = analyze(str(path), "-Y", "frame.len > 100", "-T", "fields",
                           "-e", "frame.number")
    assert big == len(out.split()) > 0
    syn = table.filter(pc.fill_null(table.column("tcp.flags.syn"), False))
    code, out, _ = analyze(str(path), "-Y", "tcp.flags.syn == 1", "-T", "fields",
                           "-e", "frame.number")
    assert syn.column("frame.number").to_pylist() == [int(x) for x in out.split()] != []
    epoch = table.column("frame.time_epoch").cast(pa.int64()).to_pylist()
    rel = table.column("frame.time_relative").cast(pa.int64()).to_pylist()
    assert [e - epoch[0] for e in epoch] == rel
    first = table.to_pylist()[0]
    assert first["ip.addr"] is None and first["dns.qry.name"] is None


@pytest.mark.tshark
@needs_tshark
def test_export_parquet_chosen_fields_equal_tshark(tmp_path: Path) -> None:
    path = SAMPLES / "lab.pcap"
    names = ["frame.number", "ip.src", "udp.length", "tcp.flags", "dns.qry.name",
             "frame.time_relative", "ip.addr", "_ws.col.Protocol"]
    out_file = tmp_path / "p.parquet"
    args = ("-Y", "dns || tcp")
    code, _, _ = analyze(str(path), *args, *(a for n in names for a in ("-e", n)),
                         "--export", "parquet", str(out_file))
    assert code == 0
    _, rows = parquet_as_fields_text(out_file)
    res = subprocess.run(["tshark", "-n", "-r", str(path), *args, "-T", "fields",
                          *(a for n in names for a in ("-e", n))], capture_output=True,
                         text=True, timeout=60, check=True)
    assert rows == [ln.split("\t") for ln in res.stdout.splitlines()]


def test_export_unknown_format(mixed_pcap: Path, tmp_path: Path) -> None:
    code, _, err = analyze(str(mixed_pcap), "--export", "csv", str(tmp_path / "x"))
    assert code == 1 and "unknown format" in err
