"""Per-capture tables a hostile capture grows stay bounded (dissectors/bounded.py).

Captures built here flood one table with distinct keys (RPC XIDs, SIP Call-IDs, DNS ids,
ICMP echo sequence numbers, SNMP request ids, IP fragment ids) that are never answered:
the table never holds more than its cap, the run ends, and a normal request/answer
after the flood still pairs. Below the cap the output is tshark's (compared live); past
it, an answer whose request was dropped is unpaired where tshark pairs it, the
difference README's "Where labshark differs from tshark on purpose" names.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from diffutil import run_analyze, run_tshark

from captures import open_capture
from dissectors import Session, bounded, dissect
from dissectors.arp import AddressTable
from dissectors.dns_track import DnsTracker
from dissectors.icmp import EchoTracker
from dissectors.reassembly import FragmentTable
from dissectors.rpc import RpcCalls
from dissectors.sip import _Requests as SipRequests
from dissectors.snmp import _Tracker as SnmpTracker
from dissectors.wg_handshake import LIVES_MAX, WgState

C, S = "10.0.0.1", "10.0.0.2"


def _ip(src: str, dst: str, proto: int, payload: bytes, ident: int = 1,
        frag: int = 0) -> bytes:
    """Ethernet + IPv4 (checksum right) around `payload`."""
    a, b = (bytes(map(int, x.split("."))) for x in (src, dst))
    hdr = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, frag, 64, proto,
                      0, a, b)
    s = sum(struct.unpack(">10H", hdr))
    s = (s & 0xFFFF) + (s >> 16)
    hdr = hdr[:10] + struct.pack(">H", ~((s & 0xFFFF) + (s >> 16)) & 0xFFFF) + hdr[12:]
    return b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + hdr + payload


def _udp(src: str, dst: str, sport: int, dport: int, data: bytes) -> bytes:
    return _ip(src, dst, 17, struct.pack(">HHHH", sport, dport, 8 + len(data), 0) + data)


def _pcap(path: Path, frames: list[bytes]) -> Path:
    out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for i, f in enumerate(frames):
        out += struct.pack("<IIII", 1_700_000_000 + i // 1000, (i % 1000) * 1000,
                           len(f), len(f)) + f
    path.write_bytes(bytes(out))
    return path


# ---- the floods: (frames, the pair after them, the table, the field that pairs) ----

def _rpc_call(xid: int) -> bytes:  # NFSv3 NULL, AUTH_NULL
    return _udp(C, S, 800, 2049, struct.pack(">10I", xid, 0, 2, 100003, 3, 0, 0, 0, 0, 0))


def _rpc_reply(xid: int) -> bytes:
    return _udp(S, C, 2049, 800, struct.pack(">6I", xid, 1, 0, 0, 0, 0))


def _sip(first: str, call_id: str, src: str, dst: str) -> bytes:
    msg = (f"{first}\r\nVia: SIP/2.0/UDP {C}:5060;branch=z9hG4bK{call_id}\r\n"
           f"From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\nCall-ID: {call_id}\r\n"
           "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")
    return _udp(src, dst, 5060, 5060, msg.encode())


def _dns(tid: int, response: bool, sport: int = 5353) -> bytes:
    q = b"\x01a\x04test\x00\x00\x01\x00\x01"
    flags = 0x8180 if response else 0x0100
    body = struct.pack(">6H", tid, flags, 1, 1 if response else 0, 0, 0) + q
    if response:
        body += b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x09"
    return (_udp(S, C, 53, sport, body) if response else _udp(C, S, sport, 53, body))


def _icmp(kind: int, seq: int) -> bytes:
    body = struct.pack(">BBHHH", kind, 0, 0, 7, seq) + b"ping"
    s = sum(struct.unpack(">6H", body))
    s = (s & 0xFFFF) + (s >> 16)
    body = body[:2] + struct.pack(">H", ~((s & 0xFFFF) + (s >> 16)) & 0xFFFF) + body[4:]
    return _ip(C, S, 1, body) if kind == 8 else _ip(S, C, 1, body)


def _snmp(pdu: int, rid: int) -> bytes:
    def tlv(t: int, v: bytes) -> bytes:
        return bytes([t, len(v)]) + v
    body = tlv(0x30, tlv(2, b"\x01") + tlv(4, b"public") + tlv(
        pdu, tlv(2, rid.to_bytes(4, "big")) + tlv(2, b"\0") + tlv(2, b"\0") + tlv(0x30, b"")))
    return (_udp(C, S, 1161, 161, body) if pdu == 0xA0 else _udp(S, C, 161, 1161, body))


def _arp(ip: int, mac: int) -> bytes:  # a reply: sender `ip` is at `mac`
    sha = b"\x02" + mac.to_bytes(5, "big")
    return (b"\xff" * 6 + sha + b"\x08\x06" + struct.pack(">HHBBH", 1, 0x0800, 6, 4, 2)
            + sha + ip.to_bytes(4, "big") + b"\x02\0\0\0\0\x09" + bytes([10, 0, 0, 9]))


def _wg(kind: int, sender: int, receiver: int = 0) -> bytes:
    """An initiation (1) from the client or its response (2): no keys, only indices."""
    if kind == 1:
        return _udp(C, S, 40000, 51820, struct.pack("<II", 1, sender) + bytes(140))
    return _udp(S, C, 51820, 40000, struct.pack("<III", 2, sender, receiver) + bytes(80))


def _first_fragment(ident: int) -> bytes:  # a first fragment whose rest never comes
    return _ip(C, S, 17, struct.pack(">HHHH", 9, 9, 40, 0) + bytes(16), ident, 0x2000)


FLOOD = 2000


def _case(name: str) -> tuple[list[bytes], list[bytes], Callable[[Session], dict], str]:
    """(flood, request/answer pair, the table, the field the answer shows its request in)."""
    if name == "rpc":
        return ([_rpc_call(0x1000 + i) for i in range(FLOOD)], [_rpc_call(7), _rpc_reply(7)],
                lambda s: s.state("pass1:rpc.calls", RpcCalls).calls, "rpc.repframe")
    if name == "sip":
        return ([_sip("INVITE sip:b@x SIP/2.0", f"flood{i}", C, S) for i in range(FLOOD)],
                [_sip("INVITE sip:b@x SIP/2.0", "normal", C, S),
                 _sip("SIP/2.0 200 OK", "normal", S, C)],
                lambda s: s.state("pass1:sip.requests", SipRequests).last,
                "sip.response-request")
    if name == "dns":
        return ([_dns(i, False, 10000 + i % 50) for i in range(FLOOD)],
                [_dns(0xBEEF, False), _dns(0xBEEF, True)],
                lambda s: s.state("pass1:dns.tracker", DnsTracker).latest, "dns.response_to")
    if name == "icmp":
        return ([_icmp(8, i) for i in range(FLOOD)], [_icmp(8, 60000), _icmp(0, 60000)],
                lambda s: s.state("icmp.echo", EchoTracker).requests, "icmp.resp_to")
    if name == "snmp":
        return ([_snmp(0xA0, i) for i in range(FLOOD)], [_snmp(0xA0, 99999), _snmp(0xA2, 99999)],
                lambda s: s.state("pass1:snmp.tracker", SnmpTracker).requests,
                "snmp.response_to")
    if name == "arp":  # every address new; then one seen again with another MAC
        return ([_arp(0x0B000000 + i, i) for i in range(FLOOD)],
                [_arp(0x0A0000FE, 1 << 30), _arp(0x0A0000FE, 2 << 30)],
                lambda s: s.state("arp.addresses", AddressTable).seen,
                "arp.duplicate-address-frame")
    if name == "wg":  # initiations by new sender indices, then one answered
        return ([_wg(1, 0x1000 + i) for i in range(FLOOD)], [_wg(1, 77), _wg(2, 88, 77)],
                lambda s: s.state("wg", WgState).sessions, "wg.response_to")
    assert name == "ip"
    return ([_first_fragment(i) for i in range(FLOOD)], [_ip(C, S, 1, _icmp(8, 1)[34:], 4242)],
            lambda s: s.state("ip.fragments", FragmentTable).pending, "icmp.type")


CASES = ["rpc", "sip", "dns", "icmp", "snmp", "ip", "arp", "wg"]


def test_remember_keeps_the_newest() -> None:
    table: dict[int, int] = {}
    for i in range(1000):
        bounded.remember(table, i, i, cap=100)
        assert len(table) <= 100
    assert 999 in table and 0 not in table
    assert list(table) == sorted(table)  # oldest first, the newest kept
    assert len(table) >= 75  # (the oldest quarter dropped at once)
    k = min(table)
    bounded.remember(table, k, -1, cap=100)  # a key written again is the newest
    assert list(table)[-1] == k


@pytest.mark.parametrize("name", CASES)
def test_flood_stays_under_the_cap(tmp_path: Path, name: str,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    cap = 256
    monkeypatch.setattr(bounded, "PENDING_MAX", cap)
    flood, pair, table_of, field = _case(name)
    path = _pcap(tmp_path / f"{name}.pcap", flood + pair)
    for revisit in (False, True):
        session = Session(revisit=revisit)
        most = 0
        with open_capture(str(path)) as reader:
            for frame in reader:
                last = frame.number > len(flood)
                pkt = dissect(frame, session, None if last else ())
                most = max(most, len(table_of(session)))
        assert len(flood) > cap and 0 < most <= cap, (name, most)
        if name == "ip":  # an unfragmented datagram after the flood: decoded as ever
            assert pkt.index.get("icmp.type")
        else:  # the answer after the flood pairs with its request
            got = [i.value for i in pkt.index.get(field, ())]
            assert got == [len(flood) + 1], (name, got)


def test_one_sender_index_keeps_its_newest_sessions(tmp_path: Path) -> None:
    """Initiations that all reuse one sender index: that index's list is bounded too."""
    path = _pcap(tmp_path / "wg.pcap", [_wg(1, 5) for _ in range(LIVES_MAX + 50)]
                 + [_wg(2, 6, 5)])
    session = Session(revisit=False)
    with open_capture(str(path)) as reader:
        for frame in reader:
            pkt = dissect(frame, session)
    assert len(session.state("wg", WgState).sessions[5]) == LIVES_MAX
    assert [i.value for i in pkt.index["wg.response_to"]] == [LIVES_MAX + 50]


@pytest.mark.tshark
@pytest.mark.parametrize("name", ["rpc", "sip", "arp", "wg"])
def test_below_the_cap_equals_tshark(tmp_path: Path, name: str) -> None:
    """At the default cap a flood of 2000 keys changes nothing: the list and the fields
    that pair are tshark's; the answer to the flood's first request pairs too."""
    flood, pair, _, field = _case(name)
    answer_first = {"rpc": _rpc_reply(0x1000), "sip": _sip("SIP/2.0 200 OK", "flood0", S, C),
                    "arp": _arp(0x0B000000, 1 << 30), "wg": _wg(2, 99, 0x1000)}[name]
    path = _pcap(tmp_path / f"{name}.pcap", flood + pair + [answer_first])
    runs = [["-r", str(path)],
            ["-r", str(path), "-T", "fields", "-e", "frame.number", "-e", field, "-Y", field]]
    for args in runs:
        rc, ours, err = run_analyze(args)
        assert rc == 0, err
        theirs = run_tshark(args)
        assert ours == theirs
    assert "\t1\n" in ours and f"\t{FLOOD + 1}\n" in ours  # (not vacuous)


@pytest.mark.tshark
def test_past_the_cap_an_evicted_call_is_unpaired(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The deliberate difference: a reply whose call was dropped is not RPC's (its
    heuristic wants the call) where tshark (no cap) still finds the call."""
    monkeypatch.setattr(bounded, "PENDING_MAX", 256)
    flood, _, _, _ = _case("rpc")
    path = _pcap(tmp_path / "late.pcap", flood + [_rpc_reply(0x1000)])
    args = ["-r", str(path), "-Y", f"frame.number == {FLOOD + 1}"]
    assert run_tshark(args).endswith(" V3 NULL Reply (Call In 1)\n")
    # (RPC's heuristic takes a reply only after its call: the datagram stays UDP's)
    assert run_analyze(args)[1].endswith(" UDP 66 2049 \u2192 800 Len=24\n")


def test_flood_past_the_default_cap(tmp_path: Path) -> None:
    """A real flood: PENDING_MAX + a quarter XIDs at the default cap, tree-less (the
    packet list's mode); the table stays at the cap and the run is linear."""
    n = bounded.PENDING_MAX + bounded.PENDING_MAX // 4 + 10
    path = _pcap(tmp_path / "big.pcap", [_rpc_call(i) for i in range(n)]
                 + [_rpc_call(7 << 24), _rpc_reply(7 << 24)])
    session = Session(revisit=False)
    calls = session.state("pass1:rpc.calls", RpcCalls).calls
    start = time.process_time()
    with open_capture(str(path)) as reader:
        for frame in reader:
            pkt = dissect(frame, session, ())
            assert len(calls) <= bounded.PENDING_MAX
    assert pkt.info == f"V3 NULL Reply (Call In {n + 1})"
    assert len(calls) < bounded.PENDING_MAX  # (it was trimmed: the flood passed the cap)
    assert time.process_time() - start < 120
