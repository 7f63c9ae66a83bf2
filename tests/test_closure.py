"""Dissecting only what shown packets depend on (analyzer/closure.py, dissectors/skipping.py)
prints exactly what dissecting every frame prints.

Each case runs `analyze` in-process twice on the same capture: as is (planned, asserted
to leave frames out where it should), and with LABSHARK_DISSECT_ALL=1 (every frame
dissected). The outputs must be byte-identical: the packet list, and fields whose values
come from capture-wide state (stream indices, frame times, TCP analysis).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from diffutil import run_planned

import dissectors.skipping as skipping
from analyzer.closure import plan_for
from analyzer.options import build_parser
from dissectors import Session
from filters import compile_filter

ROOT = Path(__file__).resolve().parent.parent
SMALL = sorted((ROOT / "captures" / "samples").glob("*.pcap*")) + \
    sorted((ROOT / "tests" / "data" / "wireshark").glob("*.pcap*"))

#: Filters the fast path decides: planned.
PLANNED = [
    "udp.port == 69", "tcp.flags.syn == 1", "ip.addr == 10.0.0.0/8", "tftp", "arp", "icmp",
    "frame.number > 100", "udp.port == 53", "tcp.port == 80", "ipmsg", "icmpv6",
    "ip.src == 10.1.0.53", 'frame contains "GET"', "ip.flags.mf == 1 or ip.frag_offset > 0",
    "vlan", "eth.addr == ff:ff:ff:ff:ff:ff",
]
#: Filters it does not: every frame is dissected (no plan).
UNPLANNED = ["dns", "tcp.stream == 3", "udp.stream == 2", "http", "tcp.analysis.flags"]

FIELDS = ["-T", "fields", "-E", "occurrence=a"] + [
    x for f in ("frame.number", "frame.time_relative", "frame.time_delta",
                "frame.time_delta_displayed", "tcp.stream", "udp.stream", "tcp.seq", "tcp.ack",
                "tcp.len", "tcp.analysis.flags", "tcp.completeness", "tcp.time_relative",
                "udp.time_delta", "ip.reassembled_in", "tftp.opcode", "dns.response_in",
                "icmp.resp_in", "_ws.col.Info") for x in ("-e", f)]


def _run(args: list[str], planned: bool, monkeypatch: pytest.MonkeyPatch) -> str:
    return run_planned(args, planned, monkeypatch)


def _same(cap: Path, flt: str, extra: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    args = ["-r", str(cap), "-Y", flt, *extra]
    assert _run(args, True, monkeypatch) == _run(args, False, monkeypatch), \
        f"{flt} {' '.join(extra[:2])} on {cap.name}"


def _plan(cap: Path, flt: str):  # noqa: ANN202
    opts = build_parser().parse_args(["-r", str(cap), "-Y", flt])
    return plan_for(opts, str(cap), compile_filter(flt))


@pytest.fixture(scope="module")
def bench_cut(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench") / "bench5000.pcap"
    subprocess.run([sys.executable, str(ROOT / "bench" / "gen_capture.py"), str(out),
                    "--packets", "5000"], check=True, capture_output=True, timeout=300)
    return out


@pytest.mark.parametrize("flt", PLANNED)
def test_planned_list_and_fields_equal_full(flt: str, mixed_pcap: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    for extra in ([], FIELDS):
        _same(mixed_pcap, flt, extra, monkeypatch)


@pytest.mark.parametrize("flt", ["udp.port == 69", "tcp.flags.syn == 1", "arp", "icmp"])
def test_planned_pcapng_equal_full(flt: str, mixed_pcapng: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    _same(mixed_pcapng, flt, FIELDS, monkeypatch)


@pytest.mark.parametrize("flt", ["udp.port == 69", "tcp.flags.syn == 1", "icmp",
                                 "ip.addr == 10.1.0.80"])
def test_planned_detail_and_json_equal_full(flt: str, mixed_pcap: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    for extra in (["-V"], ["-T", "json"]):
        _same(mixed_pcap, flt, extra, monkeypatch)


@pytest.mark.parametrize("flt", ["udp.port == 69", "tcp.flags.syn == 1", "tftp", "ipmsg",
                                 "ip.addr == 10.0.0.0/8"])
def test_planned_bench_capture_equal_full(flt: str, bench_cut: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    for extra in ([], FIELDS):
        _same(bench_cut, flt, extra, monkeypatch)


def test_planned_small_captures_equal_full(monkeypatch: pytest.MonkeyPatch) -> None:
    for cap in SMALL:
        for flt in PLANNED:
            _same(cap, flt, FIELDS, monkeypatch)


def test_plans_leave_frames_out(mixed_pcap: Path, bench_cut: Path) -> None:
    """The comparisons above are not vacuous: plans skip frames, and the skip runs."""
    for cap, flt in ((mixed_pcap, "arp"), (mixed_pcap, "tcp.flags.syn == 1"),
                     (bench_cut, "udp.port == 69"), (bench_cut, "tcp.flags.syn == 1")):
        plan = _plan(cap, flt)
        assert plan is not None
        total = len(plan.needed) - 1
        assert 0 < len(plan) < total / 2, (cap.name, flt, len(plan), total)


def test_skip_is_used(mixed_pcap: Path, monkeypatch: pytest.MonkeyPatch,
                      run_sessions: list[Session]) -> None:
    """A run that reads capture-wide numbers (tcp.stream) passes over unplanned frames
    with `skip`; the packet list, which reads none, by their time alone (`pass_over`);
    a full run does neither. (Counted by the session: compiled, the loop calls no spy
    patched onto its module.)"""
    sessions = run_sessions

    def counts(args: list[str], planned: bool) -> tuple[int, int]:
        sessions.clear()
        _run(["-r", str(mixed_pcap), "-Y", "arp", *args], planned, monkeypatch)
        assert sessions
        return (sum(s.skipped for s in sessions), sum(s.passed_over for s in sessions))

    skipped, passed = counts(["-T", "fields", "-e", "tcp.stream"], True)
    assert skipped > 1000 and not passed
    skipped, passed = counts([], True)
    assert not skipped and passed > 1000
    assert counts([], False) == (0, 0)


def test_light_only_without_numbered_fields(mixed_pcap: Path) -> None:
    def light(*extra: str) -> bool:
        opts = build_parser().parse_args(["-r", str(mixed_pcap), "-Y", "arp", *extra])
        flt = compile_filter("arp")
        from analyzer.setup import wanted_fields

        job = __import__("analyzer.job", fromlist=["Job"]).Job.from_options(opts)
        wanted = wanted_fields(job, flt, None, None, io.StringIO())
        return plan_for(opts, str(mixed_pcap), flt, None, wanted).light

    assert light()
    assert not light("-V")  # the tree shows the stream indices


def test_reader_makes_only_selected_frames(mixed_pcap: Path, mixed_pcapng: Path) -> None:
    from captures import open_capture

    for cap in (mixed_pcap, mixed_pcapng):
        reader = open_capture(str(cap))
        got = list(reader)
        reader.close()
        reader = open_capture(str(cap))
        needed = bytearray(11)
        needed[3] = needed[7] = 1  # frames 3 and 7, and every frame past 10
        reader.only(needed)
        sel = list(reader)
        reader.close()
        assert len(sel) == len(got) > 100
        for n, (a, b) in enumerate(zip(got, sel, strict=True), 1):
            if type(b) is int:
                assert b == a.ts_ns and n < 11 and not needed[n]
            else:  # (pcapng reads its first frame on opening: a Frame, as it may be)
                assert b.number == n and bytes(b.data) == bytes(a.data)
                assert n >= 11 or needed[n] or n == 1
        assert sum(type(b) is int for b in sel) >= 7


@pytest.mark.parametrize("flt", UNPLANNED)
def test_slow_filters_are_not_planned(flt: str, mixed_pcap: Path) -> None:
    assert _plan(mixed_pcap, flt) is None


@pytest.mark.parametrize("opts", [["-c", "50"], ["-2"], ["-z", "conv,ip"]])
def test_no_plan_for_counts_two_passes_taps(opts: list[str], mixed_pcap: Path) -> None:
    o = build_parser().parse_args(["-r", str(mixed_pcap), "-Y", "arp", *opts])
    assert plan_for(o, str(mixed_pcap), compile_filter("arp"), taps=["tap"] if "-z" in opts
                    else None) is None


def test_state_key_groups() -> None:
    """Conversations of one address pair share a key whatever the direction; ARP frames
    share one; IPMSG ports join the pair to IPMSG's group; a tunnel may touch anything."""
    from scapy.layers.inet import IP, TCP, UDP
    from scapy.layers.l2 import ARP, Ether

    def key(p) -> object:  # noqa: ANN001
        b = bytes(p)
        return skipping.state_key(b, 0, len(b))

    a = key(Ether() / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1, dport=2))
    b = key(Ether() / IP(src="10.0.0.2", dst="10.0.0.1") / UDP(sport=9, dport=8))
    assert a == b and a is not skipping.ANY
    assert key(Ether() / IP(src="10.0.0.3", dst="10.0.0.1") / UDP()) != a
    # TCP: per connection, both directions alike, within the pair
    t = key(Ether() / IP(src="10.0.0.1", dst="10.0.0.2") / TCP(sport=1, dport=2))
    assert t == key(Ether() / IP(src="10.0.0.2", dst="10.0.0.1") / TCP(sport=2, dport=1))
    assert t != key(Ether() / IP(src="10.0.0.2", dst="10.0.0.1") / TCP(sport=1, dport=2))
    assert t[0] == a
    # (the general path, with IP options, agrees with the one-read common case)
    assert t == key(Ether() / IP(src="10.0.0.1", dst="10.0.0.2", options=b"\x01\x01\x01\x00")
                    / TCP(sport=1, dport=2))
    assert key(Ether() / ARP(psrc="10.0.0.1")) is skipping.ARP
    assert key(Ether() / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=2425, dport=2425)) \
        == (a, skipping.IPMSG)
    frag = key(Ether() / IP(src="10.0.0.1", dst="10.0.0.2", flags="MF") / TCP())
    assert frag == (a, skipping.IPMSG, skipping.TCP_ALL)
    assert key(Ether() / IP(src="10.0.0.1", dst="10.0.0.2") / IP() / TCP()) is skipping.ANY


def test_state_key_common_case_is_the_layered_walk(mixed_pcap: Path, bench_cut: Path) -> None:
    """state_key's one-read case (untagged IPv4 without options: TCP, UDP, IPMSG's port,
    tunnels) gives every frame the key the general IPv4 walk (`_ip4_key`) gives it."""
    from analyzer.fast_run import mapped_records

    kinds: set[object] = set()
    for cap in (mixed_pcap, bench_cut):
        with mapped_records(str(cap)) as records:
            assert records is not None
            mm = records.mm
            for s, caplen, _o, _e in records:
                e = s + caplen
                if caplen >= 38 and mm[s + 12: s + 14] == b"\x08\x00":
                    key = skipping.state_key(mm, s, e)
                    assert key == skipping._ip4_key(mm, s + 14, e), (cap.name, s)
                    kinds.add(type(key) if type(key) is not tuple else key[1]
                              if type(key[1]) is str else tuple)
    assert {int, tuple, skipping.IPMSG} <= kinds, kinds


@pytest.mark.parametrize("flt", ["udp.port == 69", "tcp.flags.syn == 1", "ip.addr == 10.0.0.0/8",
                                 "ipmsg", "arp or icmp"])
def test_plan_is_its_definition(flt: str, mixed_pcap: Path, bench_cut: Path) -> None:
    """A frame is planned when shown, at or before the floor, or at or before its group's
    last shown frame: nothing else (closure._plan computes it over whole arrays)."""
    partial = []
    for cap in (mixed_pcap, bench_cut):
        plan = _plan(cap, flt)
        assert plan is not None
        shown = set(plan.shown)
        last: dict[int, int] = {}
        for n in shown:
            g = plan.groups[n]
            if g >= 0:
                last[g] = max(last.get(g, 0), n)
        want = bytearray(len(plan.needed))
        for n in range(1, len(want)):
            g = plan.groups[n]
            want[n] = n in shown or n <= plan.floor or (g >= 0 and n <= last.get(g, 0))
        assert plan.needed == want, (cap.name, flt)
        partial.append(0 < len(plan) < len(want) - 1)
    assert any(partial), flt  # (some frames planned, some passed over)


@pytest.mark.parametrize("flt", ["udp.port == 69", "tcp.flags.syn == 1", "ip.addr == 10.0.0.0/8",
                                 "arp or icmp", "frame.number > 100"])
def test_two_processes_equal_one(flt: str, mixed_pcap: Path, bench_cut: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The packet list with the plan's groups split between two processes
    (analyzer/split_run.py) is the one-process list, line for line."""
    import analyzer.split_run as split_run

    forks: list[int] = []
    real_fork = os.fork

    def fork() -> int:
        pid = real_fork()
        if pid:
            forks.append(pid)
        return pid

    monkeypatch.setenv("LABSHARK_SPLIT", "1")
    for cap in (mixed_pcap, bench_cut):
        args = ["-r", str(cap), "-Y", flt]
        monkeypatch.setattr(split_run, "SPLIT_FROM", 10**9)
        one = _run(args, True, monkeypatch)
        monkeypatch.setattr(split_run, "SPLIT_FROM", 1)
        monkeypatch.setattr(os, "fork", fork)
        forks.clear()
        two = _run(args, True, monkeypatch)
        monkeypatch.setattr(os, "fork", real_fork)
        assert two == one, f"{flt} on {cap.name}"
        plan = _plan(cap, flt)
        if plan is not None and plan.floor == 0 and len(plan) > 0:
            assert forks, f"not split: {flt} on {cap.name}"


def test_split_which_outputs(mixed_pcap: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """LABSHARK_SPLIT=0 forbids; =1 splits the outputs it can merge (the text formats,
    -T json: tests/test_split_run.py compares them), not -T fields or colours."""
    import analyzer.split_run as split_run
    from analyzer.split_run import can_split

    plan = _plan(mixed_pcap, "tcp.flags.syn == 1")
    assert plan is not None
    monkeypatch.setattr(split_run, "SPLIT_FROM", 1)
    o = build_parser().parse_args(["-r", str(mixed_pcap)])
    monkeypatch.setenv("LABSHARK_SPLIT", "0")
    assert not can_split(o, plan, io.StringIO())
    monkeypatch.setenv("LABSHARK_SPLIT", "1")
    for opts in ([], ["-V"], ["-x"], ["-t", "dd"], ["-T", "json"]):
        o = build_parser().parse_args(["-r", str(mixed_pcap), *opts])
        assert can_split(o, plan, io.StringIO()), opts
    for opts in (["-T", "fields", "-e", "frame.number"], ["--color", "always"]):
        o = build_parser().parse_args(["-r", str(mixed_pcap), *opts])
        assert not can_split(o, plan, io.StringIO()), opts
