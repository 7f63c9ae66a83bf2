"""Tree-less dissection (only the fields a run reads, no labels) prints exactly what the
full tree prints: the packet list, -T fields, the statistics and every filter's matches,
on every sample capture, with LABSHARK_FULL_TREE forcing the full tree for comparison."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from diffutil import DIFF_FIELDS, ROOT, run_analyze

from dissectors import Session
from dissectors.frame import FULL_TREE_ENV

CAPTURES = sorted(p for p in itertools.chain((ROOT / "captures" / "samples").iterdir(),
                                             (ROOT / "tests" / "data").rglob("*"))
                  if p.suffix in (".pcap", ".pcapng"))

RUNS: list[list[str]] = [
    [],
    ["-T", "fields", "-e", "frame.number", "-e", "ip.src", "-e", "tcp.srcport",
     "-e", "udp.dstport", "-e", "_ws.col.Info", "-e", "tcp.analysis.flags",
     "-e", "tftp.opcode", "-e", "dns.qry.name", "-e", "http.request.uri", "-e", "eth"],
    ["-q", "-z", "io,phs"],
    ["-q", "-z", "conv,tcp"],
    ["-q", "-z", "conv,udp", "-z", "endpoints,ip"],
    ["-q", "-z", "expert"],
    ["-q", "-z", "io,stat,0,COUNT(tcp.analysis.flags)tcp.analysis.flags,ip.len"],
    ["-q", "-z", "io,phs,udp", "-Y", "ip"],
    ["-q", "-z", "flow,any,network", "-z", "flow,tcp,standard", "-z", "flow,icmp,network"],
    ["-t", "ad", "-Y", "!tcp"],
]

FILTERS: list[str] = [
    *DIFF_FIELDS,
    "tcp.analysis.flags", "tcp.analysis.retransmission", "tcp.analysis.ack_rtt > 0",
    "_ws.expert", "_ws.expert.severity == error", "_ws.malformed", "_ws.short",
    "tftp", "tftp.opcode == 3", "tftp.block", "ipmsg", "dhcp", "arp", "icmp.type == 3",
    "icmpv6", "http.request", "http.response.code == 200", "http.time", "dns.time",
    "dns.flags.response == 1", 'dns.qry.name contains "a"', "ip.addr == 10.0.0.0/8",
    "udp.port == 69", "tcp.flags.syn == 1", "frame.len > 100", "eth.trailer",
    "eth.padding", "eth[0:2] == ff:ff", "ip.flags.mf == 1", "ip.reassembled_in",
    "tcp.options.mss_val", "frame contains 41:42", "ip contains 00:00", "udp[0:1] == 00",
    "tcp.reassembled.length", "tcp.pdu.size", "tcp.stream == 1", "udp.stream == 0",
    "tcp.time_delta > 0", "frame.time_delta_displayed > 0", "len(ip.src) == 4",
    "ip.ttl#1 > 1", "upper(http.host) contains \"A\"", "tcp.len > 0 && !tcp.analysis",
]


def _both(args: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[tuple, tuple]:
    monkeypatch.delenv(FULL_TREE_ENV, raising=False)
    treeless = run_analyze(args)
    monkeypatch.setenv(FULL_TREE_ENV, "1")
    full = run_analyze(args)
    monkeypatch.delenv(FULL_TREE_ENV)
    return treeless, full


@pytest.fixture(params=[*(str(p.relative_to(ROOT)) for p in CAPTURES), "mixed"])
def capture(request: pytest.FixtureRequest) -> Path:
    if request.param == "mixed":
        return request.getfixturevalue("mixed_pcap")
    return ROOT / request.param


def test_there_are_captures() -> None:
    assert len(CAPTURES) >= 10


@pytest.mark.parametrize("args", RUNS, ids=lambda a: " ".join(a) or "list")
def test_outputs_equal(capture: Path, args: list[str],
                       monkeypatch: pytest.MonkeyPatch) -> None:
    treeless, full = _both([*args, str(capture)], monkeypatch)
    assert treeless == full


def _matches(capture: Path, flts: list, wanted: frozenset[str] | None) -> list[list[int]]:
    """The numbers of the frames each filter matches, over one dissection."""
    from captures import open_capture
    from dissectors import Session, dissect

    out: list[list[int]] = [[] for _ in flts]
    reader = open_capture(str(capture))
    try:
        session = Session()
        for fr in reader:
            pkt = dissect(fr, session, wanted)
            for hits, flt in zip(out, flts, strict=True):
                if flt.match(pkt):
                    hits.append(fr.number)
    finally:
        reader.close()
    return out


def test_filters_equal(capture: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each filter, dissected tree-less with only its own fields, matches the frames
    it matches on the full tree."""
    from filters import compile_filter

    monkeypatch.delenv(FULL_TREE_ENV, raising=False)
    flts = [compile_filter(f) for f in FILTERS]
    full = _matches(capture, flts, None)
    assert any(full)
    for i, flt in enumerate(flts):
        if flt.fields is None:  # (a layer operator: always the full tree)
            continue
        assert _matches(capture, [flt], flt.fields)[0] == full[i], FILTERS[i]


def test_runs_are_treeless(monkeypatch: pytest.MonkeyPatch, mixed_pcap: Path,
                           run_sessions: list[Session]) -> None:
    """The comparison above is not vacuous: these runs really dissect tree-less, and
    the outputs that print the tree do not. (Counted by the session, as frame.dissect
    goes: compiled, the loop calls no spy patched onto its module.)"""
    sessions = run_sessions
    monkeypatch.delenv(FULL_TREE_ENV, raising=False)

    def trees(args: list[str]) -> tuple[int, int]:
        sessions.clear()
        run_analyze(args)
        return (sum(s.trees for s in sessions), sum(s.treeless for s in sessions))

    for args in RUNS:
        with_tree, treeless = trees([*args, str(mixed_pcap)])
        assert treeless and not with_tree, args
    for args in (["-V"], ["-x"], ["-T", "json"], ["-Y", "ip.ttl#1 > 1"]):
        with_tree, treeless = trees([*args, "-c", "5", str(mixed_pcap)])
        assert with_tree and not treeless, args


def test_treeless_packet_holds_only_wanted_items(mixed_pcap: Path) -> None:
    from captures import open_capture
    from dissectors import Session, dissect

    reader = open_capture(str(mixed_pcap))
    try:
        s1, s2 = Session(), Session()
        n = 0
        for fr in reader:
            full = dissect(fr, s1)
            lean = dissect(fr, s2, frozenset({"ip.src"}))
            assert not lean.tree_on and full.tree_on
            assert lean.values("ip.src") == full.values("ip.src")
            assert (lean.src, lean.dst, lean.proto_col, lean.info) == \
                (full.src, full.dst, full.proto_col, full.info)
            assert [e.text for e in lean.expert] == [e.text for e in full.expert]
            assert [i.field for i in lean.tree] == [i.field for i in full.tree]
            assert "frame.len" not in lean.index and "frame.len" in full.index
            assert len(lean.index) < len(full.index)
            n += 1
    finally:
        reader.close()
    assert n > 100
