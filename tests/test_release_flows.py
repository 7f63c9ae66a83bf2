"""UDP streams released before their pair ends: IPv6 streams and IPv4 fragmented
datagrams (analyzer/release.py's `udp_flow`, placed by the planning walk).

Each built capture has pairs that live to its end, so their streams can only go by
their own last frame: DNS over IPv6 (tagged, with hop-by-hop options too), UDP datagrams
fragmented over IPv4 (in order, out of order, a first fragment lost, an id reused), and
IPMSG beside them. Each runs with the release forced (a sweep after every dead key) and
off; the outputs must be equal, and equal to tshark's; the streams the walk can place
must be dropped right after their last frame, the others kept.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from diffutil import run_released, run_tshark, tshark_available
from scapy.all import (
    DNS,
    DNSQR,
    DNSRR,
    IP,
    UDP,
    Dot1Q,
    Ether,
    IPv6,
    IPv6ExtHdrHopByHop,
    Raw,
    fragment,
    wrpcap,
)

import analyzer.release as rel
import dissectors.releasing as releasing

Frames = list
#: stream key -> the frame after which it may go (None: it must stay to its pair's end)
Due = dict[bytes, int | None]


def _add(frames: Frames, p: object, vlan: int = 0) -> None:
    """Frame k at 1000 + k/100 s (the sweeps read the frame back from its time)."""
    e = (Ether() / Dot1Q(vlan=vlan) / p) if vlan else Ether() / p  # type: ignore[operator]
    e.time = 1000 + (len(frames) + 1) / 100
    frames.append(e)


def _end(addr: str, port: int) -> bytes:
    import ipaddress

    return ipaddress.ip_address(addr).packed + port.to_bytes(2, "big")


def flow(a: str, ap: int, b: str, bp: int) -> bytes:
    """udp.stream_key: both ends, the lower first."""
    x, y = _end(a, ap), _end(b, bp)
    return x + y if x <= y else y + x


def _dns(frames: Frames, due: Due, c: str, s: str, vlan: int = 0, hop: bool = False) -> None:
    """Ten DNS transactions from `c`, each on its own port, answered in turn."""
    for i in range(10):
        port = 20000 + i
        q, r = IPv6(src=c, dst=s), IPv6(src=s, dst=c)
        if hop:
            q, r = q / IPv6ExtHdrHopByHop(), r / IPv6ExtHdrHopByHop()
        qd = DNSQR(qname=f"h{i}.lab")
        _add(frames, q / UDP(sport=port, dport=53) / DNS(id=i, qd=qd), vlan)
        _add(frames, r / UDP(sport=53, dport=port) /
             DNS(id=i, qr=1, qd=qd, an=DNSRR(rrname=f"h{i}.lab", rdata="10.9.9.9")), vlan)
        due[flow(c, port, s, 53)] = len(frames)


def ipv6_dns(frames: Frames) -> Due:
    """Plain, 802.1Q-tagged and hop-by-hop IPv6 DNS; each pair's last frame a late
    query on a port of its own."""
    due: Due = {}
    pairs = [("2001:db8::1:1", "2001:db8::2:53", 0, False),
             ("2001:db8::1:2", "2001:db8::2:53", 7, False),
             ("2001:db8::1:3", "2001:db8::2:53", 0, True)]
    for c, s, vlan, hop in pairs:
        _dns(frames, due, c, s, vlan, hop)
    for c, s, vlan, _hop in pairs:  # (the pairs live on: their streams go alone)
        _add(frames, IPv6(src=c, dst=s) / UDP(sport=40000, dport=53) /
             DNS(id=99, qd=DNSQR(qname="late.lab")), vlan)
        due[flow(c, 40000, s, 53)] = None
    return due


def _datagram(frames: Frames, src: str, dst: str, sp: int, dp: int, ident: int,
              order: Callable[[list], list] = list) -> None:
    pkt = IP(src=src, dst=dst, id=ident) / UDP(sport=sp, dport=dp) / Raw(b"x" * 3000)
    for f in order(fragment(pkt, fragsize=1000)):
        _add(frames, f)


def fragments(frames: Frames) -> Due:
    """UDP datagrams of 3 kB fragmented over IPv4 between 10.0.0.20 and two peers, a
    datagram each way a stream; one pair's fragments all in order (its streams go
    after their last fragments), the other's with one datagram's last fragment first
    and one's first fragment lost (the walk cannot place them: that pair's streams
    stay with the pair)."""
    due: Due = {}
    srv, a, b = "10.0.0.20", "10.0.1.5", "10.0.1.6"
    for i in range(6):
        _datagram(frames, a, srv, 33000 + i, 5005, 100 + i)
        _datagram(frames, srv, a, 5005, 33000 + i, 200 + i)
        due[flow(a, 33000 + i, srv, 5005)] = len(frames)
    for i in range(3):
        _datagram(frames, b, srv, 34000 + i, 5005, 300 + i,
                  (lambda fs: fs[-1:] + fs[:-1]) if i == 1 else list)
        due[flow(b, 34000 + i, srv, 5005)] = None
    # a first fragment lost (only its later ones: the walk cannot tell it from one
    # coming later, the pair's streams stay), then its id reused
    _datagram(frames, b, srv, 34100, 5005, 400, lambda fs: fs[1:])
    _datagram(frames, b, srv, 34101, 5005, 400)
    due[flow(b, 34101, srv, 5005)] = None
    # an id reused after its datagram was whole
    _datagram(frames, a, srv, 33100, 5005, 100)
    due[flow(a, 33100, srv, 5005)] = len(frames)
    # each pair's last frame: its stream goes with its pair, not alone: a's pair, whose
    # fragments the walk all places (skipping._udp_fragment_key), is a group of its own
    # and goes as a whole after this frame; b's, with fragments the walk cannot place,
    # joins IPMSG's group, which lives on to the capture's end
    for peer in (a, b):
        _add(frames, IP(src=peer, dst=srv) / UDP(sport=39999, dport=5005) / Raw(b"end"))
        due[flow(peer, 39999, srv, 5005)] = None
    return due


CASES: list[Callable[[Frames], Due]] = [ipv6_dns, fragments]
FIELDS = ["frame.number", "udp.stream", "ip.reassembled_in", "dns.response_in",
          "dns.response_to", "dns.time", "_ws.col.Info"]


_ours = run_released


@pytest.fixture(params=CASES, ids=[c.__name__ for c in CASES])
def built(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, Due]:
    frames: Frames = []
    due = request.param(frames)
    path = tmp_path / f"{request.param.__name__}.pcap"
    wrpcap(str(path), frames)
    return path, due


@pytest.mark.parametrize("extra", [[], ["-V"], "fields"], ids=["list", "V", "fields"])
def test_released_equals_unreleased_and_tshark(built: tuple[Path, Due], extra: object,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    path, _due = built
    args = ["-r", str(path)] + (["-T", "fields", "-E", "occurrence=a"]
                                + [x for f in FIELDS for x in ("-e", f)]
                                if extra == "fields" else extra)  # type: ignore[operator]
    monkeypatch.setattr(rel, "SWEEP_AT", 1)
    monkeypatch.setattr(releasing, "DNS_SWEEP_AT", 1)
    released = _ours(args, "1", monkeypatch)
    assert released == _ours(args, "0", monkeypatch)
    if tshark_available() and extra != ["-V"]:  # (-V: the differential suites')
        assert released == run_tshark(args)


def test_streams_go_after_their_own_last_frame(built: tuple[Path, Due],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Each stream the walk can place is swept right after its last frame, and its
    entries (stream index, DNS transactions) are gone; the others stay."""
    path, due = built
    swept: dict[bytes, int] = {}
    left: list[set[bytes]] = []
    real = releasing.release

    def watch(session, dead) -> None:  # noqa: ANN001
        frame = round((session.prev_ts / 1e9 - 1000) * 100)
        for k in dead.flows:
            swept[k] = frame
        real(session, dead)
        udp = session._state.get("udp.streams")
        dns = session._state.get("pass1:dns.tracker")
        left.append(set(udp.index) | {k[-36:] for k in dns.latest} if dns else set(udp.index))

    monkeypatch.setattr(rel, "release", watch)
    monkeypatch.setattr(rel, "SWEEP_AT", 1)
    monkeypatch.setattr(releasing, "DNS_SWEEP_AT", 1)
    _ours(["-r", str(path)], "1", monkeypatch)
    assert {k: f for k, f in due.items() if f is not None} == swept
    assert not any(k in kept for kept in left[-1:] for k in swept)


def test_a_split_half_keeps_its_own_streams(built: tuple[Path, Due],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The schedule holds each placed stream with its last frame, the 36-byte IPv6 keys
    beside the 12-byte IPv4 ones; `Schedule.mine`'s halves (the first pair's frames, the others') keep the
    streams of their own groups, together all of them."""
    from analyzer.closure import plan_all
    from analyzer.options import build_parser

    path, due = built
    monkeypatch.setenv("LABSHARK_RELEASE", "1")
    opts = build_parser().parse_args(["-r", str(path)])
    plan = plan_all(opts, str(path), None, frozenset(), True, True)
    assert plan is not None and plan.release is not None

    whole = _by_frame(plan.release)
    assert whole == {k: f for k, f in due.items() if f is not None}
    halves = []
    for first in (True, False):  # (the first pair's frames, then the others)
        own = bytearray((0 < n <= 20) == first for n in range(len(plan.groups)))
        halves.append(_by_frame(plan.release.mine(plan.groups, own)))
    assert {**halves[0], **halves[1]} == whole
    if path.stem == "ipv6_dns":  # (the fragments' pair b is in IPMSG's group)
        assert 0 < len(halves[0]) < len(whole)


def _by_frame(s: rel.Schedule) -> dict[bytes, int]:
    """Each UDP stream of a schedule and its frame, read as `done` reads them."""
    got, pos = {}, 0
    for i, f in enumerate(s.flow_frames):
        w = 36 if s.sides[i] & rel.WIDE else 12
        got[s.flows[pos: pos + w]] = f
        pos += w
    assert pos == len(s.flows)
    return got


@pytest.mark.parametrize("chunk", [1, 2])
def test_spilled_streams_are_scheduled_as_kept(chunk: int, built: tuple[Path, Due],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The walk's UDP streams moved out of its dict every few frames (release.spill;
    here after every frame or two), IPv6 ones and fragments' too, some seen again after:
    the schedule is the one of a walk that kept them all."""
    import analyzer.closure as closure
    from analyzer.closure import plan_all
    from analyzer.options import build_parser

    path, due = built
    monkeypatch.setenv("LABSHARK_RELEASE", "1")
    opts = build_parser().parse_args(["-r", str(path)])
    plan = plan_all(opts, str(path), None, None, False, True, False)
    assert plan is not None and plan.release is not None
    monkeypatch.setattr(closure, "_CHUNK", chunk)
    monkeypatch.setattr(closure, "_SPILL", 1)
    moved = plan_all(opts, str(path), None, None, False, True, False)
    assert moved is not None and moved.release is not None
    assert _by_frame(moved.release) == _by_frame(plan.release) \
        == {k: f for k, f in due.items() if f is not None}
    assert moved.release.flow_frames == plan.release.flow_frames
