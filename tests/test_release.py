"""Dropping a conversation's state after its last frame (analyzer/release.py,
dissectors/releasing.py) changes no output, and does drop it.

A capture built here has conversations that end early (their state must be gone while
later frames are dissected), a TCP connection whose ports are reused by a later SYN
(the same group: kept until the reuse, a new stream as tshark numbers it), TFTP, DNS and
UDP between pairs that end. The outputs are compared with tshark and with a run that
keeps everything (LABSHARK_RELEASE=0); the samples must print the same both ways.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from diffutil import run_released, run_tshark, tshark_available
from scapy.all import DNS, DNSQR, IP, TCP, UDP, Ether, Raw, wrpcap

import analyzer.release as rel
import dissectors.releasing as releasing

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "captures" / "samples").glob("*.pcap*")) + \
    sorted((ROOT / "tests" / "data" / "wireshark").glob("*.pcap*"))[:40]

FIELDS = ["frame.number", "tcp.stream", "udp.stream", "tcp.seq", "tcp.ack",
          "tcp.analysis.flags", "tcp.completeness", "tftp.opcode", "dns.response_in",
          "http.request_number", "_ws.col.Info"]


def _tcp(frames: list, t: float, a: str, b: str, sp: int, dp: int, isn: int) -> float:
    """A whole connection a:sp -> b:dp: handshake, a request and its answer, FIN both ways."""
    def add(p, dt: float = 0.01) -> None:  # noqa: ANN001
        nonlocal t
        t += dt
        e = Ether() / p
        e.time = t
        frames.append(e)
    c, s = IP(src=a, dst=b), IP(src=b, dst=a)
    add(c / TCP(sport=sp, dport=dp, flags="S", seq=isn))
    add(s / TCP(sport=dp, dport=sp, flags="SA", seq=9000, ack=isn + 1))
    add(c / TCP(sport=sp, dport=dp, flags="A", seq=isn + 1, ack=9001))
    req = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    add(c / TCP(sport=sp, dport=dp, flags="PA", seq=isn + 1, ack=9001) / Raw(req))
    res = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    add(s / TCP(sport=dp, dport=sp, flags="PA", seq=9001, ack=isn + 1 + len(req)) / Raw(res))
    add(c / TCP(sport=sp, dport=dp, flags="FA", seq=isn + 1 + len(req), ack=9001 + len(res)))
    add(s / TCP(sport=dp, dport=sp, flags="FA", seq=9001 + len(res), ack=isn + 2 + len(req)))
    return t


def _udp(frames: list, t: float, a: str, b: str) -> float:
    """A DNS query and answer, a TFTP read request and its first block, between a and b."""
    for p in (IP(src=a, dst=b) / UDP(sport=3333, dport=53) / DNS(id=7, qd=DNSQR(qname="x.lab")),
              IP(src=b, dst=a) / UDP(sport=53, dport=3333) / DNS(id=7, qr=1, qd=DNSQR(qname="x.lab")),
              IP(src=a, dst=b) / UDP(sport=4444, dport=69) / Raw(b"\x00\x01f\x00octet\x00"),
              IP(src=b, dst=a) / UDP(sport=5555, dport=4444) / Raw(b"\x00\x03\x00\x01ab")):
        t += 0.01
        e = Ether() / p
        e.time = t
        frames.append(e)
    return t


@pytest.fixture(scope="module")
def capture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    frames: list = []
    t = 1000.0
    t = _tcp(frames, t, "10.0.0.1", "10.0.0.2", 40000, 80, 100)  # ports reused below
    t = _tcp(frames, t, "10.0.0.3", "10.0.0.4", 40001, 80, 200)  # ends: dropped
    t = _udp(frames, t, "10.0.0.5", "10.0.0.6")  # ends: dropped
    t = _tcp(frames, t, "10.0.0.1", "10.0.0.2", 40000, 80, 5000)  # new SYN, same ports
    t = _udp(frames, t, "10.0.0.7", "10.0.0.6")
    t = _tcp(frames, t, "10.0.0.3", "10.0.0.4", 40002, 80, 300)  # same pair, new ports
    path = tmp_path_factory.mktemp("release") / "release.pcap"
    wrpcap(str(path), frames)
    return path


def _fields(fields: list[str] = FIELDS) -> list[str]:
    return ["-T", "fields", "-E", "occurrence=a"] + [x for f in fields for x in ("-e", f)]


def dns_key(client: str) -> bytes:
    """The UDP stream key of `client`'s DNS query to 10.0.0.6 (udp.stream_key)."""
    c = bytes(int(x) for x in client.split("."))
    return bytes([10, 0, 0, 6]) + (53).to_bytes(2, "big") + c + (3333).to_bytes(2, "big")


_ours = run_released


def _releases(capture: Path, args: list[str], monkeypatch: pytest.MonkeyPatch,
              release: str = "1", size: int = 0) -> list[tuple[int, set[bytes]]]:
    """Each sweep of a run of `args` over `capture` (one per dead key's frame, SWEEP_AT
    1): the frame just done (by its time: frame k is at 1000 + k/100 s) and the keys
    swept (TCP's packed connection keys, address pairs, UDP stream keys)."""
    seen: list[tuple[int, set[bytes]]] = []
    real = releasing.release

    def watch(session, dead) -> None:  # noqa: ANN001
        frame = round((session.prev_ts / 1e9 - 1000) * 100)
        seen.append((frame, set(dead.conns) | dead.pairs | dead.flows))
        real(session, dead)

    monkeypatch.setattr(rel, "release", watch)
    monkeypatch.setattr(rel, "SWEEP_AT", 1)
    if size:
        monkeypatch.setattr(rel, "MIN_BYTES", size)
    _ours(["-r", str(capture), *args], release, monkeypatch)
    return seen


def _conn(a: str, sp: int, b: str, dp: int) -> bytes:
    return bytes(map(int, a.split("."))) + sp.to_bytes(2, "big") + \
        bytes(map(int, b.split("."))) + dp.to_bytes(2, "big")


def _pair(a: str, b: str) -> bytes:
    return bytes(map(int, a.split("."))) + bytes(map(int, b.split(".")))


def _flow(a: str, ap: int, b: str, bp: int) -> bytes:
    """A UDP stream key (udp.stream_key): both ends, the lower first."""
    x, y = _pair(a, b)[:4] + ap.to_bytes(2, "big"), _pair(a, b)[4:] + bp.to_bytes(2, "big")
    return x + y if x <= y else y + x


#: frame -> the keys dead after it, in the capture built above
DUE = {14: {_conn("10.0.0.3", 40001, "10.0.0.4", 80)},
       # within a pair that lives on, each UDP stream after its own last frame: the DNS
       # query's and the TFTP request's (the TFTP data's ends the pair)
       16: {_flow("10.0.0.5", 3333, "10.0.0.6", 53)},
       17: {_flow("10.0.0.5", 4444, "10.0.0.6", 69)},
       18: {_pair("10.0.0.5", "10.0.0.6")},
       # the reused connection dies with its second life (frame 25), not its first (7)
       25: {_conn("10.0.0.1", 40000, "10.0.0.2", 80)},
       27: {dns_key("10.0.0.7")},
       28: {_flow("10.0.0.7", 4444, "10.0.0.6", 69)},
       29: {_pair("10.0.0.6", "10.0.0.7")}}


@pytest.mark.parametrize("args", [[], ["-Y", "ip"], ["-Y", "tcp.analysis.flags"]],
                         ids=["all", "planned", "unplanned"])
def test_each_group_is_dropped_after_its_last_frame(
        capture: Path, args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _releases(capture, args, monkeypatch)
    assert [f for f, _k in seen] == [14, 16, 17, 18, 25, 27, 28, 29]
    for frame, keys in seen:
        assert keys == DUE[frame], frame
    # the last conversation ends with the capture: nothing to drop
    last = _conn("10.0.0.3", 40002, "10.0.0.4", 80)
    assert not any(last in keys for _f, keys in seen)


def test_release_only_when_worth_the_walk(capture: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A small file is not walked unless forced; nor is a filter's plan that dissects
    under a quarter of the frames (here, one TCP connection of seven conversations)."""
    monkeypatch.delenv("LABSHARK_RELEASE", raising=False)
    assert _releases(capture, [], monkeypatch, "") == []
    assert len(_releases(capture, [], monkeypatch, "", size=1)) == 8
    selective = ["-Y", "tcp.port == 40001"]
    assert _releases(capture, selective, monkeypatch, "", size=1) == []
    assert len(_releases(capture, selective, monkeypatch, "1")) == 8


def test_state_is_gone_after_the_last_frame(capture: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[set, set]] = []
    real = releasing.release

    def watch(session, dead) -> None:  # noqa: ANN001
        real(session, dead)
        udp = session._state.get("udp.streams")
        seen.append((set(session._state["tcp.streams"].convs),
                     set(udp.index) if udp is not None else set()))

    monkeypatch.setattr(rel, "release", watch)
    monkeypatch.setattr(rel, "SWEEP_AT", 1)
    _ours(["-r", str(capture)], "1", monkeypatch)
    assert len(seen) == 8  # after frames 14, 16, 17, 18, 25, 27, 28 and 29
    tcp_after_14, _ = seen[0]
    conn = bytes([10, 0, 0, 3]) + (40001).to_bytes(2, "big") + bytes([10, 0, 0, 4]) + \
        (80).to_bytes(2, "big")
    assert conn not in tcp_after_14
    _, udp_after_18 = seen[3]
    assert not any(k[:4] == bytes([10, 0, 0, 5]) for k in udp_after_18)
    tcp_after_25, udp_after_29 = seen[4][0], seen[7][1]
    # after 27 (before the pair's last frame, 29) the DNS stream is gone
    assert dns_key("10.0.0.7") not in seen[5][1]
    assert not any(k[:4] == bytes([10, 0, 0, 1]) for k in tcp_after_25)
    assert udp_after_29 == set()


@pytest.mark.skipif(not tshark_available(), reason="tshark not installed")
@pytest.mark.parametrize("extra", [[], ["-V"], "fields"])
def test_released_run_prints_what_tshark_prints(capture: Path, extra: object,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    args = ["-r", str(capture), *(_fields() if extra == "fields" else extra)]  # type: ignore[misc]
    monkeypatch.setattr(rel, "SWEEP_AT", 1)
    ours = _ours(args, "1", monkeypatch)
    assert ours == _ours(args, "0", monkeypatch)
    if extra == "fields":
        assert ours == run_tshark(args)  # (http.request_number after the port reuse too)


@pytest.mark.parametrize("cap", SAMPLES, ids=lambda p: p.name)
@pytest.mark.parametrize("extra", [[], ["-Y", "tcp.analysis.flags"], "fields"],
                         ids=["list", "analysis", "fields"])
def test_samples_print_the_same_released(cap: Path, extra: object,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    args = ["-r", str(cap), *(_fields() if extra == "fields" else extra)]  # type: ignore[misc]
    monkeypatch.setattr(rel, "SWEEP_AT", 1)
    assert _ours(args, "1", monkeypatch) == _ours(args, "0", monkeypatch)


@pytest.mark.parametrize(("needed", "forced", "walk"), [
    (None, None, True),              # no plan: every frame is dissected
    ("1111", None, True),            # a whole-list plan
    ("1000", None, True),            # a quarter of the frames: the state may grow
    ("10000", None, False),          # a selective filter's plan: state stays small
    ("00000000", None, False),
    ("10000", "1", True),            # LABSHARK_RELEASE=1 forces the walk
])
def test_walk_only_when_the_plan_dissects_enough(needed: str | None, forced: str | None,
                                                  walk: bool,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from analyzer.closure import Plan

    if forced is None:
        monkeypatch.delenv("LABSHARK_RELEASE", raising=False)
    else:
        monkeypatch.setenv("LABSHARK_RELEASE", forced)
    plan = None if needed is None else Plan(bytearray(b"\0" + bytes(map(int, needed))))
    assert rel.worth_walking(plan) is walk


@pytest.mark.parametrize(("own", "due"), [
    (range(8, 15), [14]),              # the second connection alone
    (range(15, 19), [16, 17, 18]),     # the first UDP pair: two streams, then the pair
    (range(1, 37), [14, 16, 17, 18, 25, 27, 28, 29]),
    (range(30, 37), []),               # the last connection: nothing due before the end
])
def test_a_split_half_keeps_its_own_groups_keys(capture: Path, own: range, due: list[int],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A light half of a split run sweeps only for the groups it dissects (the other
    half's keys are in none of its tables); the halves' schedules partition the run's."""
    from analyzer.closure import plan_all
    from analyzer.options import build_parser

    monkeypatch.setenv("LABSHARK_RELEASE", "1")
    opts = build_parser().parse_args(["-r", str(capture)])
    plan = plan_all(opts, str(capture), None, frozenset(), True, True)
    assert plan is not None and plan.release is not None
    mask = bytearray(37)
    for n in own:
        mask[n] = 1
    mine = plan.release.mine(plan.groups, mask)
    assert sorted([*mine.frames, *mine.flow_frames]) == due
