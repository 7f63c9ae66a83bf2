"""`-z io,stat` calculated columns (COUNT/SUM/MIN/MAX/AVG/LOAD/FRAMES/BYTES) against
tshark 4.0, byte for byte, on the mixed capture, the lab sample and public captures.

tshark's quirks are part of what is compared: a field's values count only when some
filter of the run names the field (`SUM(frame.len)` alone is 0), MIN starts from the
first frame of an interval, relative times print as seconds with 6 decimals, rows after
a column's last frame print zeros, a capture of no duration has no rows. Errors compare
tshark's exit status and wording (`tshark: X` there, `analyze: X` here, on stderr).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from diffutil import run_analyze, run_tshark, run_tshark_full

ROOT = Path(__file__).resolve().parent.parent
LAB = ROOT / "captures" / "samples" / "lab.pcap"
WS = ROOT / "tests" / "data" / "wireshark"

#: One column per function, each with the filter that lets tshark see the field.
FILTERED = ("COUNT(tcp.analysis.retransmission)tcp.analysis.retransmission,"
            "SUM(frame.len)frame.len,MIN(frame.len)frame.len,MAX(tcp.len)tcp.len,"
            "AVG(ip.ttl)ip.ttl,MIN(udp.length)udp.length||arp,SUM(tcp.port)tcp.port,"
            "AVG(tcp.port)tcp.port,COUNT(ip)ip,,udp")
#: The same functions with no filter part (values unseen unless another filter names
#: the field) or a filter that names another field.
UNFILTERED = ("SUM(frame.len),COUNT(tcp.len),MAX(ip.ttl),AVG(ip.ttl)ip,MIN(tcp.len),"
              "FRAMES,BYTES()ip,FRAMES()tcp,LOAD(ip.ttl),MAX(udp.length)udp")
#: Relative-time fields: seconds with 6 decimals, LOAD spread over the intervals.
TIMES = ("SUM(frame.time_delta)frame.time_delta,AVG(frame.time_delta)frame.time_delta,"
         "MAX(tcp.time_delta)tcp.time_delta,MIN(tcp.time_delta)tcp.time_delta,"
         "LOAD(tcp.time_delta)tcp.time_delta,LOAD(frame.time_delta)frame.time_delta,"
         "AVG(tcp.analysis.ack_rtt)tcp.analysis.ack_rtt,"
         "SUM(frame.time_relative)frame.time_relative>1,MAX(frame.time_delta)")
#: Columns whose frames stop early: later rows print zeros (0.000000 for times).
EARLY = ("MAX(frame.time_delta)frame.number<300,SUM(frame.len)frame.number<300,"
         "LOAD(ip.ttl)frame.number<300,AVG(tcp.time_delta)tcp.time_delta&&frame.number<300,"
         "MIN(tcp.len)tcp.len&&frame.number<300")
#: FT_DOUBLE (icmp.resptime) and integers of other widths/signs.
OTHER = ("SUM(icmp.resptime)icmp.resptime,AVG(icmp.resptime)icmp.resptime,"
         "MAX(icmp.resptime)icmp.resptime,MIN(icmp.resptime)icmp.resptime,"
         "MAX(tcp.window_size_scalefactor)tcp.window_size_scalefactor,"
         "COUNT(tcp.analysis.acks_frame)tcp.analysis.acks_frame,MAX(dns.time)dns.time,"
         "AVG(ip.len)ip.len>500")
COLUMN_SETS = {"filtered": FILTERED, "unfiltered": UNFILTERED, "times": TIMES,
               "early": EARLY, "other": OTHER}


def same(args: list[str]) -> None:
    rc, out, err = run_analyze(args)
    assert rc == 0, err
    assert out == run_tshark(args)


@pytest.mark.tshark
@pytest.mark.parametrize("interval", ["0", "1", "10", "0.1"])
@pytest.mark.parametrize("cols", list(COLUMN_SETS), ids=list(COLUMN_SETS))
def test_mixed(mixed_pcap: Path, interval: str, cols: str) -> None:
    same(["-q", "-r", str(mixed_pcap), "-z", f"io,stat,{interval},{COLUMN_SETS[cols]}"])


@pytest.mark.tshark
@pytest.mark.parametrize("interval", ["0", "1", "10", "2.5"])
@pytest.mark.parametrize("cols", list(COLUMN_SETS), ids=list(COLUMN_SETS))
def test_lab(interval: str, cols: str) -> None:
    same(["-q", "-r", str(LAB), "-z", f"io,stat,{interval},{COLUMN_SETS[cols]}"])


@pytest.mark.tshark
@pytest.mark.parametrize("name", ["dns+icmp.pcapng.gz", "dhcp.pcap", "dhcp-nanosecond.pcap",
                                  "nfs.pcap", "http.pcap", "ntp.pcap"])
@pytest.mark.parametrize("interval", ["0", "1", "0.01"])
def test_public(name: str, interval: str) -> None:
    """Durations of 18 s (two-digit rows), 0.07 s, and 0 (one frame: no rows at all).

    No LOAD here: tshark divides by the duration and dies on a one-frame capture."""
    cols = ",".join(c for c in f"{FILTERED},{TIMES},{OTHER}".split(",") if "LOAD" not in c)
    same(["-q", "-r", str(WS / name), "-z", f"io,stat,{interval},{cols}"])


@pytest.mark.tshark
def test_filters_of_other_taps_prime_fields(mixed_pcap: Path) -> None:
    """A field named by another io,stat tap's filter is seen by this one (tshark primes
    fields globally), and every tap is drawn, the last first."""
    same(["-q", "-r", str(mixed_pcap), "-z", "io,stat,1,SUM(frame.len),AVG(ip.ttl)ip",
          "-z", "io,stat,2,frame.len>100,ip.ttl<64"])
    rc, out, _ = run_analyze(["-q", "-r", str(mixed_pcap), "-z", "io,stat,0,SUM(frame.len)"])
    assert rc == 0 and "|   0 |" in out  # alone, frame.len is not seen: tshark prints 0


@pytest.mark.tshark
@pytest.mark.parametrize("flt", ["frame.len", "udp.length > 0 || tcp"])
def test_display_filter_primes_fields(flt: str) -> None:
    """-Y's fields are primed too: SUM(frame.len) alone sums once -Y names frame.len."""
    args = ["-q", "-r", str(LAB), "-Y", flt, "-z",
            "io,stat,1,SUM(frame.len),MAX(udp.length),COUNT(tcp.len)"]
    same(args)
    rc, out, _ = run_analyze(args)
    assert rc == 0 and ("| 3554 |" in out) == (flt == "frame.len")


@pytest.mark.tshark
@pytest.mark.parametrize("z", ["io,stat,1.00,SUM(frame.len)frame.len",
                               "io,stat,-1,MAX(frame.len)frame.len",
                               "io,stat,0.3,COUNT(udp)udp"])
def test_interval_forms(mixed_pcap: Path, z: str) -> None:
    same(["-q", "-r", str(mixed_pcap), "-z", z])


ERRORS = [
    ("MAX(ip.src)", "ip.src doesn't have integral values, so MAX(*) calculations are not "
                    "supported on it."),
    ("AVG(tcp.flags.syn)", "tcp.flags.syn doesn't have integral values, so AVG(*) "
                           "calculations are not supported on it."),
    ("SUM(frame.time)", "frame.time doesn't have integral values, so SUM(*) calculations are "
                        "not supported on it."),
    ("MAX(ip.foo)", "There is no field named 'ip.foo'."),
    ("MAX(ip.ttl", "Closing parenthesis missing from calculated expression."),
    ("SUM()", "You didn't specify a field name for SUM(*)."),
    ("BYTES(ip)", "BYTES does not require or allow a field name within the parens."),
    ("LOAD(icmp.resptime)", "icmp.resptime is a float field, so LOAD(*) calculations are not "
                            "supported on it."),
    # accepted, then refused at the first frame that has the field
    ("LOAD(ip.ttl)ip.ttl", "LOAD() is only supported for relative-time fields such as "
                           "smb.time"),
]


@pytest.mark.tshark
@pytest.mark.parametrize(("col", "message"), ERRORS, ids=[c for c, _ in ERRORS])
def test_errors(mixed_pcap: Path, col: str, message: str) -> None:
    args = ["-q", "-r", str(mixed_pcap), "-z", f"io,stat,1,{col}"]
    theirs = run_tshark_full(args)
    assert theirs.returncode == 10
    assert theirs.stdout == ""
    assert theirs.stderr.strip() == f"tshark: {message}"
    rc, out, err = run_analyze(args)
    assert (rc, out, err) == (10, "", f"analyze: {message}\n")


@pytest.mark.tshark
@pytest.mark.parametrize("z", ["io,stat,1,", "io,stat,abc", "io,stat,1x,tcp"])
def test_bad_argument(mixed_pcap: Path, z: str) -> None:
    message = 'invalid "-z io,stat,<interval>[,<filter>][,<filter>]..." argument'
    theirs = run_tshark_full(["-q", "-r", str(mixed_pcap), "-z", z])
    assert (theirs.returncode, theirs.stderr.strip()) == (1, f"tshark: {message}")
    assert run_analyze(["-q", "-r", str(mixed_pcap), "-z", z]) == (
        1, "", f"analyze: {message}\n")


def test_load_wraps_to_the_last_interval() -> None:
    """LOAD puts a time's whole intervals on the items before the frame's; from the first
    item tshark's `prev` is the last one, so the spread wraps around."""
    from analyzer.stats.io_calc import LOAD, Column, Item
    from dissectors.registry import REGISTRY

    col = Column("LOAD(tcp.time_delta)", None, LOAD, REGISTRY.get("tcp.time_delta"))
    col.items = [Item(), Item(), Item()]
    col._load(1, 3_500_000, 1_000_000)  # 3.5 s at item 1: 0.5 here, 1 each to 0, 2, 1
    assert [it.counter for it in col.items] == [1_000_000, 1_500_000, 1_000_000]
    col._load(0, 1_000_000 * 7, 1_000_000)  # 7 whole intervals from item 0: 2, 1, 0, ...
    assert [it.counter for it in col.items] == [3_000_000, 3_500_000, 4_000_000]


def test_plot_with_calculated_columns(mixed_pcap: Path, tmp_path: Path) -> None:
    """--plot draws a calculated column as the frames its filter keeps: the same numbers
    as a plain column with that filter."""
    out = tmp_path / "io.png"
    rc, _, err = run_analyze(["-q", "-r", str(mixed_pcap), "-z",
                              "io,stat,1,SUM(frame.len)frame.len>100,AVG(ip.ttl)ip.ttl>64",
                              "--plot", str(out)])
    assert (rc, err) == (0, "")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    from analyzer.stats.io_stat import build_taps
    from captures import open_capture
    from dissectors import Session, dissect

    tap = build_taps(["io,stat,1,SUM(frame.len)frame.len>100,frame.len>100"])[0]
    session = Session()
    reader = open_capture(str(mixed_pcap))
    try:
        for frame in reader:
            tap.packet(dissect(frame, session))
    finally:
        reader.close()
    spans, frames = tap.rows()
    assert len(spans) == 5 and frames[0] == frames[1] and sum(frames[0]) > 0


@pytest.mark.tshark
def test_bad_filter_part_and_tiny_interval(mixed_pcap: Path) -> None:
    """A bad filter after the calculation: exit 1 on stderr (the filter compiler's own
    words follow the prefix); an interval under 1 us: exit 10."""
    args = ["-q", "-r", str(mixed_pcap), "-z", "io,stat,1,SUM(frame.len)foo.bar"]
    theirs = run_tshark_full(args)
    rc, out, err = run_analyze(args)
    assert (theirs.returncode, theirs.stdout) == (rc, out) == (1, "")
    assert theirs.stderr.strip().startswith("tshark: Couldn't register io,stat tap: ")
    assert err.startswith("analyze: Couldn't register io,stat tap: ") and "foo.bar" in err
    args = ["-q", "-r", str(mixed_pcap), "-z", "io,stat,0.0000001,SUM(frame.len)frame.len"]
    message = '"-z" interval must be >=0.000001 seconds or "0" for the entire capture duration.'
    assert run_tshark_full(args).returncode == 10
    assert run_analyze(args) == (10, "", f"analyze: {message}\n")


@pytest.mark.tshark
def test_damaged_timestamp_is_refused_not_hung(tmp_path: Path) -> None:
    """A timestamp years after the first frame would need millions of rows (tshark
    allocates them and dies): one line naming the frame, exit 2; a longer interval or
    the whole capture still works."""
    from scapy.all import IP, UDP, Ether, wrpcap

    pkts = [Ether() / IP() / UDP(), Ether() / IP() / UDP()]
    pkts[0].time, pkts[1].time = 1_700_000_000, 1_700_000_000 + 10**7
    path = tmp_path / "far.pcap"
    wrpcap(str(path), pkts)
    rc, out, err = run_analyze(["-q", "-r", str(path), "-z", "io,stat,1"])
    assert rc == 2 and out == ""
    assert err == ("analyze: io,stat: frame 2 is 10000000 s after the first frame: more "
                   "than 1000000 intervals of 1 s; use a longer interval (0: the whole "
                   "capture)\n")
    for z in ("io,stat,0", "io,stat,100000"):
        args = ["-q", "-r", str(path), "-z", z]
        rc, out, _ = run_analyze(args)
        assert rc == 0 and out == run_tshark(args) and " <> " in out


@pytest.mark.tshark
@pytest.mark.parametrize("exp", [4, 5, 7, 9])
@pytest.mark.parametrize("z", ["io,stat,0", "io,stat,0,frame", "io,stat,100000",
                               "io,stat,1000000,udp"])
def test_long_durations_layout(tmp_path: Path, exp: int, z: str) -> None:
    """Durations of 6+ digits overflow tshark's Duration/Interval lines: same bytes."""
    from scapy.all import IP, UDP, Ether, wrpcap

    pkts = [Ether() / IP() / UDP(), Ether() / IP() / UDP()]
    pkts[0].time, pkts[1].time = 1_700_000_000, 1_700_000_000 + 10**exp + 0.25
    path = tmp_path / "long.pcap"
    wrpcap(str(path), pkts)
    same(["-q", "-r", str(path), "-z", z])


@pytest.mark.tshark
@pytest.mark.parametrize("other", ["conv,ip,frame.len", "io,phs,frame.len", "expert,frame.len",
                                   "endpoints,udp,frame.len", "follow,udp,ascii,0"])
def test_other_taps_filters_prime_fields(other: str) -> None:
    """conv/phs/expert/endpoints filters prime fields for SUM(frame.len); follow's does
    not (it names no field)."""
    path = ROOT / "captures" / "samples" / "tftp_rrq.pcap"  # no FeiQ: io,phs equal too
    args = ["-q", "-r", str(path), "-z", other, "-z", "io,stat,0,SUM(frame.len)"]
    same(args)
    rc, out, _ = run_analyze(args)
    row = next(ln for ln in out.splitlines() if " <> " in ln)
    assert rc == 0 and (row.split("|")[2].strip() != "0") == (not other.startswith("follow"))


def _spaced(path: Path, count: int, gap: float) -> Path:
    """`count` UDP frames `gap` seconds apart: a capture of exactly (count-1)*gap s."""
    from scapy.layers.inet import IP, UDP
    from scapy.layers.l2 import Ether
    from scapy.utils import wrpcap

    frames = []
    for i in range(count):
        p = Ether() / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1000, dport=53) / b"x"
        p.time = 1000 + gap * i
        frames.append(p)
    wrpcap(str(path), frames)
    return path


@pytest.mark.tshark
@pytest.mark.parametrize(("count", "gap", "interval"), [
    (5, 0.25, "1"),    # interval equal to the duration: the whole capture's precision
    (5, 0.25, "0.5"),
    (3, 1.0, "2"),
    (3, 1.0, "1"),
    (11, 1.0, "10"),
    (5, 0.25, "0"),
])
def test_interval_of_the_capture_length(tmp_path: Path, count: int, gap: float,
                                        interval: str) -> None:
    cap = _spaced(tmp_path / "spaced.pcap", count, gap)
    same(["-q", "-z", f"io,stat,{interval}", "-r", str(cap)])
