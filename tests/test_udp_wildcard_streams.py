"""udp.stream of datagrams that find a TFTP transfer's wildcard conversation.

tshark 4.0's UDP looks a datagram's conversation up exactly first, then with the second
port wildcarded (the client's address and port, the server's address: what a TFTP
request opens). A pair that had its own conversation before keeps it; any other pair
that matches the wildcard shares its one stream, numbered by the first datagram that
finds it, and a new request opens a new one (dissectors/udp.py `UdpStreams.key_of`).
Checked against tshark in full runs and in filtered ones, where the transfer's frames
are passed over (dissectors/skipping.py) and must still number every later stream.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from diffutil import run_analyze, run_tshark, tshark_available
from scapy.all import DNS, DNSQR, IP, UDP, Ether, Raw, wrpcap
from scapy.layers.snmp import SNMP, SNMPget, SNMPresponse, SNMPtrapv2, SNMPvarbind

A, B, C, D = "10.1.0.1", "10.1.0.2", "10.1.0.3", "10.1.0.9"
RRQ = b"\x00\x01f.bin\x00octet\x00"
DATA = b"\x00\x03\x00\x01" + b"x" * 10
ACK = b"\x00\x04\x00\x01"


GET = SNMP(community="public", PDU=SNMPget(id=7, varbindlist=[SNMPvarbind(oid="1.3.6.1.2.1.1.1.0")]))
RESPONSE = SNMP(community="public",
                PDU=SNMPresponse(id=7, varbindlist=[SNMPvarbind(oid="1.3.6.1.2.1.1.1.0")]))
TRAP = SNMP(community="public", PDU=SNMPtrapv2(id=9, varbindlist=[]))


def _dns(src: str, sport: int, dst: str = B) -> tuple:
    return (src, sport, dst, 53, DNS(id=sport, qd=DNSQR(qname="x.lab")))


TRANSFER = [(A, 4444, B, 69, RRQ), (B, 5555, A, 4444, DATA), (A, 4444, B, 5555, ACK)]
#: name -> frames (src, sport, dst, dport, payload); each capture then ends with a DNS
#: query of another address pair (C -> D), the frame the filtered runs show
CASES = {
    # from another server port to the client's: the transfer's stream (tshark: 1)
    "late-other-port": TRANSFER + [_dns(A, 3001), (B, 7777, A, 4444, ACK), _dns(A, 3002)],
    # from the client's port to another server port, and back
    "client-to-other-port": TRANSFER + [(A, 4444, B, 7777, ACK), _dns(A, 3002),
                                        (B, 7777, A, 4444, ACK)],
    # a second request from the same port opens a new conversation: the old pair follows it
    "second-request": TRANSFER + [_dns(A, 3001), (A, 4444, B, 69, RRQ),
                                  (B, 6666, A, 4444, DATA), (A, 4444, B, 6666, ACK),
                                  (B, 5555, A, 4444, ACK), _dns(A, 3002)],
    # a pair seen before the request keeps its own conversation and stream
    "plain-before": [(B, 7777, A, 4444, ACK), *TRANSFER, (B, 7777, A, 4444, ACK),
                     _dns(A, 3002)],
    # another server: no match
    "other-server": TRANSFER + [(C, 5555, A, 4444, ACK), (A, 4444, C, 5555, ACK),
                                _dns(A, 3002)],
    # the heuristic's request on other ports opens the same kind of wildcard
    "heuristic": [(A, 4000, B, 6000, RRQ), (B, 6001, A, 4000, DATA),
                  (A, 4000, B, 6001, ACK), (B, 6002, A, 4000, ACK), _dns(A, 3002)],
    # SNMP, which starts a new stream of its pair (snmp.py), on a pair that also matches
    # the wildcard: a request to port 161 and its answer, then traps to port 162
    "snmp-get-on-wildcard": TRANSFER + [(A, 4444, B, 161, GET), (B, 161, A, 4444, RESPONSE),
                                        _dns(A, 3001), (A, 4444, B, 161, GET),
                                        (B, 5555, A, 4444, ACK)],
    "snmp-trap-on-wildcard": TRANSFER + [(A, 4444, B, 162, TRAP), (A, 4444, B, 162, TRAP),
                                         (B, 5555, A, 4444, ACK), _dns(A, 3002)],
    # the SNMP pair seen before the request keeps its own conversation
    "snmp-before": [(A, 4444, B, 161, GET), (B, 161, A, 4444, RESPONSE), *TRANSFER,
                    (A, 4444, B, 161, GET), (B, 161, A, 4444, RESPONSE), _dns(A, 3002)],
    # the first datagram to find the wildcard numbers its stream, whatever its port
    "first-late": [(A, 4444, B, 69, RRQ), _dns(A, 3001), (B, 7777, A, 4444, ACK),
                   (B, 5555, A, 4444, DATA), (A, 4444, B, 5555, ACK)],
}
RUNS = [[], ["-Y", f"ip.addr == {D}"], ["-Y", "udp.port == 53"]]


def _write(path: Path, frames: list) -> None:
    out = []
    for k, (src, sp, dst, dp, payload) in enumerate(frames, 1):
        e = Ether() / IP(src=src, dst=dst) / UDP(sport=sp, dport=dp) / \
            (Raw(payload) if isinstance(payload, bytes) else payload)
        e.time = 1000 + k / 100
        out.append(e)
    wrpcap(str(path), out)


@pytest.fixture(scope="module")
def captures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("udp_wild")
    paths = {}
    for name, frames in CASES.items():
        paths[name] = root / f"{name}.pcap"
        _write(paths[name], [*frames, _dns(C, 3003, D)])
    return paths


@pytest.mark.skipif(not tshark_available(), reason="tshark not installed")
@pytest.mark.parametrize("split", ["0", "1"])
@pytest.mark.parametrize("name", list(CASES))
def test_udp_stream_through_a_wildcard_is_tsharks(
        name: str, split: str, captures: dict[str, Path],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LABSHARK_SPLIT", split)
    for run in RUNS:
        args = ["-r", str(captures[name]), *run, "-T", "fields", "-e", "frame.number",
                "-e", "udp.srcport", "-e", "udp.dstport", "-e", "udp.stream"]
        code, out, err = run_analyze(args)
        assert code == 0, err
        assert out == run_tshark(args), run
