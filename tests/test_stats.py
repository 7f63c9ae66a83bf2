"""`-z io,phs`, `-z conv,...`, `-z endpoints,...` and `-z io,stat,...` against tshark 4.0,
byte for byte, on the mixed capture, the lab sample and a 5000-packet cut of the benchmark
capture.

Expected differences, asserted as such: labshark decodes IPMSG/FeiQ on udp 2425 where
tshark shows `data`, so the protocol hierarchy of a capture with IPMSG differs there; the
benchmark capture also has tshark-only heuristics (`adwin_config`, TFTP inside ICMP
errors), so its full hierarchy is compared through a tap filter that leaves those out.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from diffutil import run_analyze, run_tshark

ROOT = Path(__file__).resolve().parent.parent
LAB = ROOT / "captures" / "samples" / "lab.pcap"
CONV = [f"conv,{t}" for t in ("eth", "ip", "ipv6", "tcp", "udp")]
ENDS = [f"endpoints,{t}" for t in ("eth", "ip", "ipv6", "tcp", "udp")]
IOSTAT = ["io,stat,1", "io,stat,0.5,udp,tcp", "io,stat,0", "io,stat,0.01,arp",
          "io,stat,2,,ip.src==10.1.0.80"]
FILTERED = ["conv,ip,udp", "endpoints,tcp,http", "conv,tcp,tcp.port==80"]
ALL = ["io,phs", "io,phs,udp", *CONV, *ENDS, *IOSTAT, *FILTERED]
NON_PHS = [z for z in ALL if not z.startswith("io,phs")]


@pytest.fixture(scope="module")
def bench_cut(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench") / "bench5000.pcap"
    subprocess.run([sys.executable, str(ROOT / "bench" / "gen_capture.py"), str(out),
                    "--packets", "5000"], check=True, capture_output=True, timeout=300)
    return out


def ours(args: list[str]) -> str:
    rc, out, err = run_analyze(args)
    assert rc == 0, err
    return out


def same(args: list[str]) -> None:
    assert ours(args) == run_tshark(args)


def phs_rows(text: str) -> dict[str, tuple[int, int]]:
    """Hierarchy path ("eth/ip/udp/data") -> (frames, bytes)."""
    rows, path = {}, []
    for m in re.finditer(r"^( *)(\S+) +frames:(\d+) bytes:(\d+)$", text, re.M):
        depth = len(m.group(1)) // 2
        path = path[:depth] + [m.group(2)]
        rows["/".join(path)] = (int(m.group(3)), int(m.group(4)))
    return rows


@pytest.mark.tshark
@pytest.mark.parametrize("z", ALL)
def test_mixed_equals_tshark(mixed_pcap: Path, z: str) -> None:
    """The mixed capture has no IPMSG: every statistic is tshark's, byte for byte."""
    same(["-q", "-z", z, "-r", str(mixed_pcap)])


@pytest.mark.tshark
@pytest.mark.parametrize("z", [*NON_PHS, "io,phs,tcp", "io,phs,!udp.port==2425"])
def test_lab_equals_tshark(z: str) -> None:
    same(["-q", "-z", z, "-r", str(LAB)])


@pytest.mark.tshark
@pytest.mark.parametrize("z", [*NON_PHS, "io,phs,tcp", "io,phs,ipv6"])
def test_bench_equals_tshark(bench_cut: Path, z: str) -> None:
    same(["-q", "-z", z, "-r", str(bench_cut)])


@pytest.mark.tshark
def test_lab_phs_differs_only_by_ipmsg() -> None:
    """tshark counts the FeiQ packets as udp/data; we count them as udp/ipmsg/feiq."""
    args = ["-q", "-z", "io,phs", "-r", str(LAB)]
    theirs, mine = phs_rows(run_tshark(args)), phs_rows(ours(args))
    ipmsg = mine.pop("eth/ip/udp/ipmsg")
    assert mine.pop("eth/ip/udp/ipmsg/feiq") == ipmsg
    data_t, data_o = theirs.pop("eth/ip/udp/data"), mine.pop("eth/ip/udp/data")
    assert (data_o[0] + ipmsg[0], data_o[1] + ipmsg[1]) == data_t
    assert mine == theirs


@pytest.mark.tshark
def test_bench_phs_expected_differences(bench_cut: Path) -> None:
    """Beyond IPMSG, only tshark's own heuristics (adwin_config; TFTP it finds in the
    packet an ICMP error quotes) differ; every other row is tshark's."""
    args = ["-q", "-z", "io,phs", "-r", str(bench_cut)]
    theirs, mine = phs_rows(run_tshark(args)), phs_rows(ours(args))
    assert "eth/ip/udp/ipmsg" in mine and "eth/ip/udp/ipmsg" not in theirs
    diff = {k for k in theirs.keys() | mine.keys() if theirs.get(k) != mine.get(k)}
    allowed = re.compile(r".*/udp/(data|ipmsg|ipmsg/feiq|adwin_config)$|.*/icmp/tftp$")
    assert diff and all(allowed.match(k) for k in diff), sorted(diff)


@pytest.mark.tshark
def test_stats_follow_packet_list_and_ignore_display_filter(mixed_pcap: Path) -> None:
    """Without -q the statistics come after the list; -Y does not limit the taps."""
    same(["-Y", "dns", "-z", "io,phs", "-z", "conv,udp", "-z", "io,stat,1,dns",
          "-r", str(mixed_pcap)])


@pytest.mark.tshark
def test_several_kinds_last_first(mixed_pcap: Path) -> None:
    same(["-q", "-z", "endpoints,ip", "-z", "io,phs,tcp", "-z", "io,stat,2",
          "-r", str(mixed_pcap)])


def test_bad_conv_type_is_an_error(mixed_pcap: Path) -> None:
    rc, out, err = run_analyze(["-q", "-z", "conv,nope", "-r", str(mixed_pcap)])
    assert rc != 0 and out == "" and "conv" in err  # on stderr, as tshark's refusal


@pytest.mark.tshark
@pytest.mark.parametrize("args", [
    ["-z", "io,phs,frame"], ["-z", "io,phs,frame.len > 100"], ["-Y", "frame.len", "-z", "io,phs"],
    ["-z", "io,phs", "-z", "conv,ip,frame.number < 50"], ["-z", "io,phs,eth.src"],
    ["-z", "io,phs", "-z", "io,stat,1,frame.len>0"],
], ids=lambda a: " ".join(a))
def test_phs_frame_root_when_a_filter_names_frame(mixed_pcap: Path, args: list[str]) -> None:
    """tshark roots the hierarchy at `frame` when any filter of the run names frame or
    a frame.* field (its item is only built then); not otherwise."""
    run = ["-q", "-r", str(mixed_pcap), *args]
    same(run)
    named = any("frame" in a for a in args[1:])
    assert ("\nframe " in ours(run)) == named
