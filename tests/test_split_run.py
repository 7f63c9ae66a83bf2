"""Both cores (analyzer/split_run.py): a run split between two processes by conversation
prints byte for byte what one process prints, for every output it splits.

Each case runs `analyze` in-process twice: with LABSHARK_SPLIT=0 (one process), and with
LABSHARK_SPLIT=1 and no size threshold (the plan's groups in this process and a forked
child, merged in frame order), asserting that the second one did fork.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from array import array
from pathlib import Path

import pytest

import analyzer.split_run as split_run
from analyzer.app import run
from analyzer.closure import Plan, plan_all
from analyzer.options import build_parser

ROOT = Path(__file__).resolve().parent.parent

#: (capture, arguments): "bench" is a 3000-frame cut of the benchmark's generated capture.
CASES = [
    ("bench", []),
    ("bench", ["-V"]),
    ("bench", ["-T", "json"]),
    ("bench", ["-x"]),
    ("bench", ["-P", "-V"]),
    ("bench", ["-t", "dd"]),
    ("bench", ["-T", "tabs"]),
    ("bench", ["-Y", "tcp.flags.syn == 1", "-V"]),
    ("bench", ["-Y", "udp.port == 69", "-T", "json"]),
    ("bench", ["-Y", "ip.addr == 10.0.0.0/8", "-t", "dd"]),
    ("bench", ["-Y", "arp or icmp", "-V", "-x"]),
    ("mixed", []),
    ("mixed", ["-V"]),
    ("mixed", ["-T", "json"]),
    ("mixed", ["-Y", "tcp.flags.syn == 1", "-T", "json"]),
    ("quic", ["-V"]),
    ("quic", ["-T", "json"]),
    ("captures/samples/lab.pcap", ["-V"]),
    ("captures/samples/lab.pcapng", ["-T", "json"]),
    ("captures/samples/lab.pcap", ["-T", "json", "--no-duplicate-keys"]),
    ("tests/data/corpus/ndpi-smtp.pcap", ["-V"]),
    ("tests/data/corpus/dpkt-http.pcap", ["-T", "json"]),
    ("tests/data/corpus/ndpi-webdav.pcap", ["-Y", "tcp.port == 80", "-t", "dd"]),
    ("tests/data/wireshark/dhcp.pcapng", ["-V", "-x"]),
    # light plans: each half reads only its own records (split_run.HalfSource), the frame
    # times (-t d: the previous frame's, -t r: the first's, -t dd: the previous shown
    # one's, either half's) set as passing over the others would have
    ("bench", ["-t", "d"]),
    ("bench", ["-t", "r"]),
    ("bench", ["-Y", "udp.port == 69", "-t", "dd"]),
    ("bench", ["-Y", "tcp.flags.syn == 1", "-t", "d"]),
    ("bench", ["-Y", "ip.addr == 10.0.0.0/8"]),
    ("bench", ["-Y", "udp", "-t", "ad"]),
    ("mixed", ["-t", "d"]),
    ("mixed_ng", ["-t", "dd", "-Y", "tcp or udp"]),
    ("captures/samples/lab.pcapng", ["-t", "d"]),
    ("captures/samples/lab.pcap", ["-Y", "ip", "-t", "dd"]),
]

#: Cases whose plan is light: the parent's half must be read by its records' places.
LIGHT = {i for i, (_n, extra) in enumerate(CASES) if not {"-V", "-x", "-P", "json"} & set(extra)
         and "tabs" not in extra}


@pytest.fixture(scope="module")
def bench_cut(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench") / "bench3000.pcap"
    subprocess.run([sys.executable, str(ROOT / "bench" / "gen_capture.py"), str(out),
                    "--packets", "3000"], check=True, capture_output=True, timeout=300)
    return out


@pytest.fixture(scope="module")
def quic_pcap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six QUIC connections (an Initial each, three times): their numbers count across
    the capture, so a process passing over the others' Initials must still count them."""
    from scapy.all import IP, UDP, Ether, Raw, wrpcap

    frames = []
    for i in range(6):
        initial = bytes([0xC3, 0, 0, 0, 1, 8]) + bytes([i]) * 8 + b"\0\0" + \
            (0x4000 | 1200).to_bytes(2, "big") + bytes(range(256)) * 4 + bytes(176)
        for j in range(3):
            p = Ether() / IP(src=f"10.9.{i}.1", dst=f"10.8.{i}.2") / \
                UDP(sport=50000 + i, dport=443) / Raw(initial)
            p.time = 1000 + i * 0.1 + j * 0.01
            frames.append(p)
    out = tmp_path_factory.mktemp("quic") / "quic.pcap"
    wrpcap(str(out), frames)
    return out


def _capture(name: str, bench_cut: Path, mixed_pcap: Path, quic_pcap: Path,
             mixed_ng: Path | None = None) -> Path:
    return {"bench": bench_cut, "mixed": mixed_pcap, "quic": quic_pcap,
            "mixed_ng": mixed_ng}.get(name) or ROOT / name


def _run(args: list[str]) -> str:
    out, err = io.StringIO(), io.StringIO()
    code = run(args, out, err)
    assert code == 0, err.getvalue()
    return out.getvalue()


@pytest.mark.parametrize(("case", "name", "extra"),
                         [(i, n, e) for i, (n, e) in enumerate(CASES)])
def test_two_processes_print_what_one_does(case: int, name: str, extra: list[str],
                                           bench_cut: Path, mixed_pcap: Path,
                                           mixed_pcapng: Path, quic_pcap: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    cap = _capture(name, bench_cut, mixed_pcap, quic_pcap, mixed_pcapng)
    if not cap.exists():
        pytest.fail(f"missing capture {cap}")
    args = ["-r", str(cap), *extra]
    monkeypatch.delenv("LABSHARK_DISSECT_ALL", raising=False)
    monkeypatch.setenv("LABSHARK_SPLIT", "0")
    one = _run(args)
    forks: list[int] = []
    real_fork = os.fork

    def fork() -> int:
        pid = real_fork()
        if pid:
            forks.append(pid)
        return pid

    monkeypatch.setenv("LABSHARK_SPLIT", "1")
    monkeypatch.setattr(split_run, "SPLIT_FROM", 1)
    monkeypatch.setattr(os, "fork", fork)
    by_place: list[Path] = []
    real_half = split_run.half_source

    def half_source(path: str, half: Plan) -> split_run.HalfSource | None:
        got = real_half(path, half)
        if got is not None:
            by_place.append(Path(path))
        return got

    monkeypatch.setattr(split_run, "half_source", half_source)
    two = _run(args)
    assert two == one, f"{' '.join(extra)} on {cap.name}"
    assert one, "nothing printed: the case tests nothing"
    if name in ("bench", "mixed", "quic", "mixed_ng"):  # (samples may have one group only)
        assert forks, f"not split: {' '.join(extra)} on {cap.name}"
    if forks:  # light: read by the records' places; else passing over every record
        assert bool(by_place) == (case in LIGHT), f"{' '.join(extra)} on {cap.name}"


#: (arguments, whether the manuf file's text is read before the fork): runs that make
#: whole trees name Ethernet vendors in both halves; a tree-less run never reads it.
WARM = [
    (["-V"], True),
    (["-T", "json"], True),
    (["-x"], True),
    ([], False),
    (["-Y", "udp", "-t", "dd"], False),
]


@pytest.mark.parametrize(("extra", "read"), WARM)
def test_what_both_halves_load_is_loaded_before_the_fork(
        extra: list[str], read: bool, bench_cut: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from dissectors import manuf

    for name, value in (("_READ", False), ("_TEXT", None), ("_TABLE", None), ("_FOUND", {})):
        monkeypatch.setattr(manuf, name, value)
    at_fork: list[bool] = []
    real_fork = os.fork

    def fork() -> int:
        at_fork.append(manuf._READ)
        return real_fork()

    monkeypatch.setenv("LABSHARK_SPLIT", "1")
    monkeypatch.setattr(split_run, "SPLIT_FROM", 1)
    monkeypatch.setattr(os, "fork", fork)
    two = _run(["-r", str(bench_cut), *extra])
    assert at_fork == [read], extra
    assert manuf._READ == read  # (this half: a tree-less run looked nothing up either)
    monkeypatch.setenv("LABSHARK_SPLIT", "0")
    assert _run(["-r", str(bench_cut), *extra]) == two


#: (arguments, whether each frame's group is still held at the fork): only halves that
#: read their own records by place (a light plan) take their release keys by group; for
#: the others the 4 bytes a frame are dropped before the fork, not held by both.
GROUPS_AT_FORK = [
    (["-V"], False),
    (["-T", "json"], False),
    (["-x"], False),
    (["-T", "tabs"], False),
    ([], True),
    (["-t", "d"], True),
    (["-Y", "udp", "-t", "dd"], True),
]


@pytest.mark.parametrize(("extra", "kept"), GROUPS_AT_FORK)
def test_groups_held_at_the_fork_only_when_read(extra: list[str], kept: bool,
                                                bench_cut: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    plans: list[Plan] = []
    at_fork: list[int] = []
    real_split, real_fork = split_run.run_split, os.fork

    def run_split(plan: Plan, *args: object, **kw: object) -> int | None:
        plans.append(plan)
        return real_split(plan, *args, **kw)  # type: ignore[arg-type]

    def fork() -> int:
        at_fork.append(len(plans[-1].groups))
        return real_fork()

    monkeypatch.setenv("LABSHARK_SPLIT", "1")
    monkeypatch.setattr(split_run, "SPLIT_FROM", 1)
    monkeypatch.setattr(split_run, "run_split", run_split)
    monkeypatch.setattr(os, "fork", fork)
    two = _run(["-r", str(bench_cut), *extra])
    assert len(at_fork) == 1, extra
    assert (at_fork[0] > 3000) == kept and (at_fork[0] == 0) == (not kept), (extra, at_fork)
    monkeypatch.setenv("LABSHARK_SPLIT", "0")
    assert _run(["-r", str(bench_cut), *extra]) == two


def test_a_warning_and_exit_code_as_one_process(bench_cut: Path, tmp_path: Path) -> None:
    """A capture cut short in its last record: the same stderr and exit status split or
    not (the packets before it are printed, the complaint once)."""
    cut = tmp_path / "cut.pcap"
    cut.write_bytes(bench_cut.read_bytes()[:-7])
    got = []
    for split in "01":
        env = {**os.environ, "LABSHARK_SPLIT": split}
        r = subprocess.run([sys.executable, "-m", "analyzer", "-r", str(cut)], env=env,
                           capture_output=True, timeout=300, cwd=ROOT)
        got.append((r.returncode, r.stderr, r.stdout))
    assert got[0] == got[1]
    assert got[0][0] == 2 and got[0][1].count(b"cut short") == 1, got[0][1]
    assert got[0][2].count(b"\n") == 2999


def test_notes_of_both_parts_printed_once(capfd: pytest.CaptureFixture[str]) -> None:
    """`matches` notes on stderr (filters/regex.py): both parts hit one pattern, the
    child a second one; each is printed once, by the parent, after both parts."""
    from filters import regex

    plan = Plan(bytearray(b"\0\1\1\1\1"), array("I", [1, 2, 3, 4]),
                array("i", [-1, 5, 6, 7, 8]))
    plan.whole = True
    parent = os.getpid()

    def part(half: Plan, mark: split_run.Marked) -> int:
        regex.Regex(b"(x+)+$").search(b"x" * 30 + b"y")
        if os.getpid() != parent:
            regex.Regex(b"(z+)+$").search(b"z" * 30 + b"y")
        for n in range(len(half.needed)):
            if half.needed[n]:
                mark.write(f"{n}\n")
                mark.packet(None)
        return 0

    out = io.StringIO()
    assert split_run.run_split(plan, part, out) == 0
    assert out.getvalue() == "1\n2\n3\n4\n"
    err = capfd.readouterr().err
    assert err.count('matching "(x+)+$" stopped') == 1, err
    assert err.count('matching "(z+)+$" stopped') == 1, err
    assert regex.held is None


def test_planned_quic_numbers_count_every_connection(quic_pcap: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A filter showing one QUIC connection: the Initials passed over still number."""
    args = ["-r", str(quic_pcap), "-Y", "ip.src == 10.9.3.1", "-T", "fields",
            "-e", "quic.connection.number", "-e", "udp.stream"]
    monkeypatch.setenv("LABSHARK_SPLIT", "0")
    planned = _run(args)
    monkeypatch.setenv("LABSHARK_DISSECT_ALL", "1")
    assert planned == _run(args) == "3\t3\n" * 3


def test_whole_plan_groups_every_frame(bench_cut: Path) -> None:
    o = build_parser().parse_args(["-r", str(bench_cut)])
    plan = plan_all(o, str(bench_cut))
    assert plan is not None and plan.whole and plan.floor == 0
    assert len(plan) == len(plan.shown) == 3000
    mine, theirs, side = split_run._halves(plan)
    assert len(mine) + len(theirs) == 3000 and min(len(mine), len(theirs)) > 1000
    assert mine.others is not None and sum(mine.others) == len(theirs)
    for opts in (["-2"], ["-c", "5"], ["-z", "conv,tcp"], ["-d", "udp.port==9,dns"]):
        o = build_parser().parse_args(["-r", str(bench_cut), *opts])
        assert plan_all(o, str(bench_cut), ["tap"] if "-z" in opts else None) is None, opts


def test_forced_off_and_outputs_it_cannot_merge(bench_cut: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    o = build_parser().parse_args(["-r", str(bench_cut)])
    plan = plan_all(o, str(bench_cut))
    monkeypatch.setattr(split_run, "SPLIT_FROM", 1)
    monkeypatch.setenv("LABSHARK_SPLIT", "1")
    assert split_run.can_split(o, plan, io.StringIO())
    for opts in (["-T", "fields", "-e", "frame.number"], ["--color", "always"], ["-T", "pdml"],
                 ["-T", "ek"], ["-q"], ["-T", "json", "-V"]):
        o = build_parser().parse_args(["-r", str(bench_cut), *opts])
        assert not split_run.can_split(o, plan, io.StringIO()), opts
    monkeypatch.setenv("LABSHARK_SPLIT", "0")
    o = build_parser().parse_args(["-r", str(bench_cut)])
    assert not split_run.can_split(o, plan, io.StringIO())


def test_by_default_only_with_an_idle_core_and_little_repeated(
        bench_cut: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    o = build_parser().parse_args(["-r", str(bench_cut), "-V"])
    plan = plan_all(o, str(bench_cut))
    assert plan is not None
    monkeypatch.delenv("LABSHARK_SPLIT", raising=False)
    monkeypatch.setattr(split_run, "SPLIT_FROM", 1)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(split_run, "_idle_core", lambda: False)
    assert not split_run.can_split(o, plan, io.StringIO())  # both cores busy
    monkeypatch.setattr(split_run, "_idle_core", lambda: True)
    assert split_run.can_split(o, plan, io.StringIO())

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert not split_run.can_split(o, plan, Terminal())  # (its reader wants lines now)
    # a few planned frames among many records: the passing over both repeat outweighs
    few = Plan(bytearray(b"\0" * 200_000 + b"\1" * 10), range(200_000, 200_010))
    few.whole = True
    assert not split_run.worth_it(o, few)


#: (/proc/loadavg readings, one 10 ms after the other; cores; another core idle?)
IDLE = [
    (["0.85 0.76 0.39 1/147 5681"], 2, True),  # only this process runnable
    (["3.90 2.10 0.90 1/147 5681"], 2, True),  # the run before ended: its minute average stays
    (["0.10 0.05 0.01 2/147 5681"], 2, False),  # another task runnable: both cores taken
    (["0.10 0.05 0.01 2/147 5681", "0.10 0.05 0.01 2/147 5681",
      "0.10 0.05 0.01 2/147 5681"], 2, False),  # ... at every reading
    (["0.10 0.05 0.01 2/147 5681", "0.10 0.05 0.01 1/147 5681"], 2, True),  # a moment's task
    (["7.83 3.15 1.28 14/182 7250"] * 3, 2, False),  # a busy machine
    (["2.00 2.00 2.00 3/200 100"], 4, True),  # 4 cores: two others, one core left idle
    (["2.00 2.00 2.00 4/200 100"] * 3, 4, False),
    (["garbage"], 2, False),
    ([], 2, False),
]


@pytest.mark.parametrize(("readings", "cpus", "idle"), IDLE)
def test_idle_core_is_read_now_not_averaged(readings: list[str], cpus: int, idle: bool) -> None:
    assert split_run.idle_from(iter(readings), cpus) is idle


def test_idle_core_reads_proc_loadavg(monkeypatch: pytest.MonkeyPatch) -> None:
    """The readings come from /proc/loadavg (a 1-minute average of 9 does not matter)."""
    if not os.path.exists("/proc/loadavg"):
        pytest.skip("no /proc/loadavg here")
    seen: list[int] = []
    monkeypatch.setattr(split_run, "idle_from",
                        lambda rs, cpus: seen.extend(int(r.split()[3].split("/")[0])
                                                     for r in rs) or False)
    monkeypatch.setattr(os, "getloadavg", lambda: (9.0, 9.0, 9.0))
    assert split_run._idle_core() is False
    assert len(seen) == 3 and all(n >= 1 for n in seen)  # (this process runs: >= 1)


@pytest.mark.parametrize("name", ["bench", "mixed_ng", "captures/samples/lab.pcapng"])
def test_records_read_by_place_are_the_readers_frames(name: str, bench_cut: Path,
                                                      mixed_pcap: Path, mixed_pcapng: Path,
                                                      quic_pcap: Path) -> None:
    """What a light half reads by a record's place (`Plan.starts`) is the Frame the
    reader makes of that record, time and all."""
    from analyzer.fast_run import map_file
    from captures import open_capture
    from captures.records import record_walker

    cap = _capture(name, bench_cut, mixed_pcap, quic_pcap, mixed_pcapng)
    o = build_parser().parse_args(["-r", str(cap)])
    plan = plan_all(o, str(cap), None, frozenset(), starts=True)
    assert plan is not None and plan.light and plan.starts is not None
    assert plan_all(o, str(cap), None, None, starts=True).starts is None  # (not light)
    mm = map_file(str(cap))
    walker = record_walker(mm)
    assert walker is not None
    walker.ifaces = plan.ifaces  # type: ignore[union-attr]
    reader = open_capture(str(cap))
    n = 0
    for n, frame in enumerate(reader, 1):
        at = plan.starts[n]
        assert walker.frame(n, walker.record_at(at)) == frame, n
        assert walker.time_at(at) == frame.ts_ns
    reader.close()
    assert n == len(plan.starts) - 1 > 10


def _halves_by_frame(plan: Plan) -> tuple[bytearray, bytearray, bytearray, list[bytearray]]:
    """The halves as their definition reads, a frame at a time: groups in order of their
    first planned frame, each to the side with fewer planned frames so far (ties: the
    first); a frame of no group alone, by its number's parity."""
    size: dict[int, int] = {}
    for n in range(1, len(plan.needed)):
        if plan.needed[n]:
            size[plan.groups[n]] = size.get(plan.groups[n], 0) + 1
    load, side_of = [0, 0], {}
    for g, k in size.items():
        if g >= 0:
            side_of[g] = s = 0 if load[0] <= load[1] else 1
            load[s] += k
    side, halves = bytearray(len(plan.needed)), [bytearray(len(plan.needed)) for _ in "ab"]
    for n in range(1, len(plan.needed)):
        if plan.needed[n]:
            g = plan.groups[n]
            side[n] = side_of[g] if g >= 0 else n & 1
            halves[side[n]][n] = 1
    shown = [bytearray(len(plan.needed)) for _ in "ab"]
    for n in plan.shown:
        shown[side[n]][n] = 1
    return side, halves[0], halves[1], shown


@pytest.mark.parametrize(("name", "flt"), [
    ("bench", None),
    ("bench", "udp.port == 69"),
    ("bench", "ip.addr == 10.0.0.0/8"),
    ("mixed", None),  # (frames of no group: split by parity)
    ("mixed", "tcp or udp"),
    ("captures/samples/lab.pcap", None),
])
def test_halves_split_every_planned_frame_by_group(name: str, flt: str | None,
                                                   bench_cut: Path, mixed_pcap: Path,
                                                   quic_pcap: Path) -> None:
    from analyzer.closure import plan_for

    cap = _capture(name, bench_cut, mixed_pcap, quic_pcap)
    o = build_parser().parse_args(["-r", str(cap), *(["-Y", flt] if flt else [])])
    if flt is None:
        plan = plan_all(o, str(cap))
    else:
        from filters import compile_filter

        plan = plan_for(o, str(cap), compile_filter(flt))
    assert plan is not None and len(plan) > 10
    mine, theirs, side = split_run._halves(plan)
    want_side, want_a, want_b, want_shown = _halves_by_frame(plan)
    assert side == want_side
    assert (mine.needed, theirs.needed) == (want_a, want_b)
    assert (theirs.others, mine.others) == tuple(want_shown)
    assert mine.shown is theirs.shown is plan.shown
    if name == "mixed" and flt is None:
        assert -1 in plan.groups  # (the parity rule was exercised)
