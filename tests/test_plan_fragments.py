"""What a filtered run dissects, and how it shows what it dissected (analyzer/closure.py).

- A UDP datagram fragmented over IPv4 keeps its pair's group when the planning walk reads
  its ports from its first fragment and they are a plain pair's
  (skipping._udp_fragment_key); it used to join IPMSG's group, so a filter matching the
  fragments' pair (`ip.addr == 10.0.0.0/8` on the lab capture) dissected every IPMSG
  frame of the capture. Whenever the walk cannot be sure (a later fragment first, a copy
  of a first fragment, IPMSG's port) the pair still joins IPMSG.
- A plan whose fast path decided every frame shows its planned frames by that decision,
  without evaluating the filter again on each dissected packet (closure.Plan.decide).

Each built capture: IPMSG frames between two other hosts around a 10.0.0.0/8 pair's
fragmented datagrams. The planned frames are the table's; the planned list and fields
equal every frame dissected, and tshark's.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from diffutil import run_planned, run_tshark, tshark_available
from scapy.all import IP, UDP, Ether, Raw, fragment, wrpcap

from analyzer.closure import plan_for
from analyzer.job import Job
from analyzer.options import build_parser
from filters import compile_filter

Frames = list
A, B = "10.0.0.1", "10.0.0.2"


def _add(frames: Frames, p: object) -> None:
    e = Ether() / p  # type: ignore[operator]
    e.time = 1000 + len(frames) / 100
    frames.append(e)


def _ipmsg(frames: Frames, n: int) -> None:
    for i in range(n):
        _add(frames, IP(src="192.168.1.1", dst="192.168.1.2") / UDP(sport=2425, dport=2425)
             / Raw(f"1:{100 + len(frames) + i}:user:host:32:hello\0".encode()))


def _datagram(frames: Frames, ident: int, dport: int = 5005,
              order: Callable[[list], list] = list, src: str = A, dst: str = B) -> None:
    pkt = IP(src=src, dst=dst, id=ident) / UDP(sport=33000, dport=dport) / Raw(b"x" * 2500)
    for f in order(fragment(pkt, fragsize=1000)):
        _add(frames, f)


def _around(middle: Callable[[Frames], None]) -> Frames:
    """IPMSG frames 1-3, the middle's frames, one more IPMSG frame."""
    frames: Frames = []
    _ipmsg(frames, 3)
    middle(frames)
    _ipmsg(frames, 1)
    return frames


# (name, the capture, the frames a plan of `ip.addr == 10.0.0.0/8` dissects)
CASES: list[tuple[str, Frames, set[int]]] = [
    # a plain datagram in order: its fragments alone (before: IPMSG's 1-3 too)
    ("plain", _around(lambda f: _datagram(f, 7)), {4, 5, 6}),
    # two datagrams, the id reused after the first was whole: their fragments alone
    ("reused-id", _around(lambda f: (_datagram(f, 7), _datagram(f, 7))), set(range(4, 10))),
    # IPMSG's port in the datagram: the pair joins IPMSG's group
    ("ipmsg-datagram", _around(lambda f: _datagram(f, 7, 2425)), set(range(1, 7))),
    # the last fragment first: the walk cannot tell what it completes
    ("last-first", _around(lambda f: _datagram(f, 7, order=lambda fs: fs[-1:] + fs[:-1])),
     set(range(1, 7))),
    # a copy of the first fragment while its datagram waits: unsure from then on
    ("first-twice", _around(lambda f: _datagram(f, 7, order=lambda fs: fs[:1] + fs)),
     set(range(1, 8))),
    # the first fragment lost: the later ones cannot be placed
    ("first-lost", _around(lambda f: _datagram(f, 7, order=lambda fs: fs[1:])), {1, 2, 3, 4, 5}),
]

FIELDS = ["-T", "fields", "-E", "occurrence=a"] + [
    x for f in ("frame.number", "frame.time_delta_displayed", "udp.stream", "ip.reassembled_in",
                "ip.fragment.count", "_ws.col.Info") for x in ("-e", f)]


@pytest.fixture(params=CASES, ids=[c[0] for c in CASES])
def case(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, set[int]]:
    name, frames, needed = request.param
    path = tmp_path / f"{name}.pcap"
    wrpcap(str(path), frames)
    return path, needed


def _run(args: list[str], planned: bool, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("LABSHARK_SPLIT", "0")
    return run_planned(args, planned, monkeypatch)


def test_planned_frames(case: tuple[Path, set[int]]) -> None:
    path, needed = case
    flt = "ip.addr == 10.0.0.0/8"
    plan = plan_for(build_parser().parse_args(["-r", str(path), "-Y", flt]), str(path),
                    compile_filter(flt))
    assert plan is not None
    assert {n for n in range(1, len(plan.needed)) if plan.needed[n]} == needed


@pytest.mark.parametrize("extra", [[], FIELDS], ids=["list", "fields"])
def test_planned_equals_full_and_tshark(case: tuple[Path, set[int]], extra: list[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    path, _needed = case
    args = ["-r", str(path), "-Y", "ip.addr == 10.0.0.0/8", *extra]
    planned = _run(args, True, monkeypatch)
    assert planned == _run(args, False, monkeypatch)
    if tshark_available():
        assert planned == run_tshark(args)


@pytest.mark.parametrize(("flt", "extra", "decided"), [
    ("ip.addr == 10.0.0.0/8", [], True),
    ("udp.port == 2425", FIELDS, True),
    ("ip.flags.mf == 1", ["-V"], True),
    ("ip.addr == 10.0.0.0/8", ["-c", "5"], False),  # (-c: no plan)
    ("ip.reassembled_in", [], False),  # (not decided on raw records: no plan)
])
def test_decided_runs_evaluate_no_filter(flt: str, extra: list[str], decided: bool,
                                         tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A planned run shows the frames its plan decided: the display filter is evaluated
    on no dissected packet (it was, on every one, before); every frame dissected, it is."""
    path = tmp_path / "plain.pcap"
    wrpcap(str(path), CASES[0][1])
    calls: list[int] = []
    real = Job.match

    def counted(job: Job):  # noqa: ANN202
        match = real.fget(job)  # type: ignore[attr-defined]
        if match is None:
            return None

        def count(pkt: object) -> bool:
            calls.append(1)
            return match(pkt)
        return count

    monkeypatch.setattr(Job, "match", property(counted))
    args = ["-r", str(path), "-Y", flt, *extra]
    planned = _run(args, True, monkeypatch)
    assert bool(calls) != decided, calls
    calls.clear()
    assert planned == _run(args, False, monkeypatch)
    assert calls
