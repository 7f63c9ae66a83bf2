"""The dissectors' compact request tables (ICMP/ICMPv6 echo requests as one int each,
IPMSG's sent messages by one bytes key) answer as before, released or not.

A table of built captures where the waiting state matters: echo replies after many
other requests and after long gaps, a request's id/seq reused by another pair after the
first pair ended (its state released), DNS answers after a gap longer than the
retransmission timer and retransmitted queries, IPMSG acknowledgements after many other
messages. Each is run with the release forced (a sweep after every dead key) and off,
and compared with tshark where tshark has the protocol.
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
    ICMP,
    IP,
    UDP,
    Ether,
    ICMPv6EchoReply,
    ICMPv6EchoRequest,
    IPv6,
    Raw,
    wrpcap,
)

import analyzer.release as rel

Frames = list


def _add(frames: Frames, t: float, p: object) -> None:
    e = Ether() / p  # type: ignore[operator]
    e.time = t
    frames.append(e)


def echo4(frames: Frames) -> None:
    """300 requests of one pair, answered in reverse order, some after a 20 s gap; a
    second pair ends early; a third pair later reuses its id/seq and payload, its reply
    comes twice (tshark matches the first only) and its request again."""
    t = 1000.0
    a, b = IP(src="10.0.0.1", dst="10.0.0.2"), IP(src="10.0.0.2", dst="10.0.0.1")
    for i in range(300):
        _add(frames, t + i * 0.01, a / ICMP(type=8, id=7, seq=i) / Raw(b"p%03d" % (i % 50)))
    t += 3
    c, d = IP(src="10.0.0.3", dst="10.0.0.4"), IP(src="10.0.0.4", dst="10.0.0.3")
    _add(frames, t, c / ICMP(type=8, id=9, seq=1) / Raw(b"x"))
    _add(frames, t + 0.1, d / ICMP(type=0, id=9, seq=1) / Raw(b"x"))  # its pair ends here
    for i in reversed(range(0, 300, 7)):
        t += 0.5 if i % 3 else 20.0
        _add(frames, t, b / ICMP(type=0, id=7, seq=i) / Raw(b"p%03d" % (i % 50)))
    e, f = IP(src="10.0.0.3", dst="10.0.0.5"), IP(src="10.0.0.5", dst="10.0.0.3")
    _add(frames, t + 1, f / ICMP(type=0, id=9, seq=1) / Raw(b"x"))  # no request of its own
    _add(frames, t + 2, e / ICMP(type=8, id=9, seq=1) / Raw(b"x"))
    _add(frames, t + 3, f / ICMP(type=0, id=9, seq=1) / Raw(b"x"))
    _add(frames, t + 4, f / ICMP(type=0, id=9, seq=1) / Raw(b"x"))  # a duplicate reply
    _add(frames, t + 5, f / ICMP(type=0, id=9, seq=1) / Raw(b"y"))  # another payload
    _add(frames, t + 6, e / ICMP(type=8, id=9, seq=1) / Raw(b"x"))  # sent again
    _add(frames, t + 7, f / ICMP(type=0, id=9, seq=1) / Raw(b"x"))


def echo6(frames: Frames) -> None:
    """ICMPv6: 200 requests, answered late and out of order, one pair ending early."""
    t = 2000.0
    a, b = IPv6(src="2001:db8::1", dst="2001:db8::2"), IPv6(src="2001:db8::2", dst="2001:db8::1")
    for i in range(200):
        _add(frames, t + i * 0.01, a / ICMPv6EchoRequest(id=3, seq=i, data=b"d%d" % (i % 9)))
    c, d = IPv6(src="2001:db8::3", dst="2001:db8::4"), IPv6(src="2001:db8::4", dst="2001:db8::3")
    _add(frames, t + 3, c / ICMPv6EchoRequest(id=1, seq=1))
    _add(frames, t + 3.5, d / ICMPv6EchoReply(id=1, seq=1))
    t += 4
    for i in reversed(range(0, 200, 9)):
        t += 0.3 if i % 2 else 12.0
        _add(frames, t, b / ICMPv6EchoReply(id=3, seq=i, data=b"d%d" % (i % 9)))
    _add(frames, t + 1, b / ICMPv6EchoReply(id=3, seq=0, data=b"d0"))  # a duplicate reply
    _add(frames, t + 2, a / ICMPv6EchoRequest(id=3, seq=1, data=b"d1"))  # sent again
    _add(frames, t + 3, b / ICMPv6EchoReply(id=3, seq=1, data=b"d1"))


def dns(frames: Frames) -> None:
    """Queries answered after a gap past the 5 s retransmission timer, retransmitted
    queries and answers, a stream that ends and its ports used again later, over IPv4
    and IPv6."""
    t = 3000.0
    for ip, rip in ((IP(src="10.0.1.1", dst="10.0.1.53"), IP(src="10.0.1.53", dst="10.0.1.1")),
                    (IPv6(src="2001:db8::a", dst="2001:db8::53"),
                     IPv6(src="2001:db8::53", dst="2001:db8::a"))):
        def q(port: int, tid: int, rip: object = rip, ip: object = ip) -> tuple[object, object]:
            return (ip / UDP(sport=port, dport=53) / DNS(id=tid, qd=DNSQR(qname="a.lab")),
                    rip / UDP(sport=53, dport=port) / DNS(id=tid, qr=1, qd=DNSQR(qname="a.lab"),
                                                           an=DNSRR(rrname="a.lab", rdata="10.9.9.9")))
        for i in range(60):  # many transactions, each on its own port, answered later
            _add(frames, t + i * 0.01, q(20000 + i, i)[0])
        for i in range(0, 60, 4):
            t += 0.2 if i % 8 else 7.0
            _add(frames, t, q(20000 + i, i)[1])
        qq, rr = q(30000, 77)
        _add(frames, t + 1, qq)
        _add(frames, t + 2, qq)  # a retransmission (within 5 s)
        _add(frames, t + 9, qq)  # a new transaction (past 5 s)
        _add(frames, t + 10, rr)
        _add(frames, t + 11, rr)  # a retransmitted answer
        qq, rr = q(30001, 5)
        _add(frames, t + 12, qq)
        _add(frames, t + 12.1, rr)  # this stream ends here ...
        t += 40
        _add(frames, t, rr)  # ... an unsolicited answer on the same ports, much later
        _add(frames, t + 1, qq)
        _add(frames, t + 1.1, rr)
        t += 5


FIELDS = {
    "icmp": ["frame.number", "icmp.resp_to", "icmp.resptime", "_ws.col.Info"],
    "icmpv6": ["frame.number", "icmpv6.resp_to", "icmpv6.resptime", "_ws.col.Info"],
    "dns": ["frame.number", "udp.stream", "dns.response_to", "dns.time", "dns.retransmission",
            "dns.retransmit_response_in", "dns.unsolicited", "_ws.col.Info"],
}

CASES: list[tuple[str, Callable[[Frames], None], str]] = [
    ("echo4", echo4, "icmp"), ("echo6", echo6, "icmpv6"), ("dns", dns, "dns")]


_ours = run_released


def _capture(tmp_path: Path, build: Callable[[Frames], None]) -> Path:
    frames: Frames = []
    build(frames)
    path = tmp_path / f"{build.__name__}.pcap"
    wrpcap(str(path), frames)
    return path


@pytest.mark.parametrize(("name", "build", "kind"), CASES, ids=[c[0] for c in CASES])
def test_state_tables_answer_as_unreleased_and_tshark(
        name: str, build: Callable[[Frames], None], kind: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    path = _capture(tmp_path, build)
    args = ["-r", str(path), "-T", "fields", "-E", "occurrence=a"] + \
        [x for f in FIELDS[kind] for x in ("-e", f)]
    monkeypatch.setattr(rel, "SWEEP_AT", 1)
    released = _ours(args, "1", monkeypatch)
    assert released == _ours(args, "0", monkeypatch)
    answered = [line for line in released.splitlines() if line.split("\t")[2:3] != [""]]
    assert len(answered) >= 10, released  # (the table did pair requests and answers)
    if tshark_available():
        assert released == run_tshark(args)


def _ipmsg(no: int, cmd: int, extra: bytes) -> bytes:
    return b":".join([b"1", str(no).encode(), b"u", b"h", str(cmd).encode(), extra])


def test_ipmsg_acknowledgements_after_many_messages(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """RECVMSG finds its SENDMSG by (the sender's address, packet number), after 400
    other messages, from IPv4 and IPv6 senders with the same packet numbers."""
    frames: Frames = []
    t = 4000.0
    hosts = [(IP(src="10.0.2.1", dst="10.0.2.2"), IP(src="10.0.2.2", dst="10.0.2.1")),
             (IPv6(src="2001:db8::21", dst="2001:db8::22"),
              IPv6(src="2001:db8::22", dst="2001:db8::21"))]
    for a, _b in hosts:
        for i in range(200):
            t += 0.01
            _add(frames, t, a / UDP(sport=2425, dport=2425) /
                 Raw(_ipmsg(1700000000 + i, 0x120, b"m\0")))
    expected = {}
    for _a, b in hosts:
        for i in range(0, 200, 13):
            t += 0.5
            _add(frames, t, b / UDP(sport=2425, dport=2425) /
                 Raw(_ipmsg(5000 + i, 0x21, b"%d\0" % (1700000000 + i))))
            expected[len(frames)] = (1 if b.version == 4 else 201) + i
    path = tmp_path / "ipmsg.pcap"
    wrpcap(str(path), frames)
    args = ["-r", str(path), "-T", "fields", "-e", "frame.number", "-e", "ipmsg.response_to"]
    monkeypatch.setattr(rel, "SWEEP_AT", 1)
    released = _ours(args, "1", monkeypatch)
    assert released == _ours(args, "0", monkeypatch)
    got = {int(n): int(r) for n, r in (line.split("\t") for line in released.splitlines()) if r}
    assert got == expected
