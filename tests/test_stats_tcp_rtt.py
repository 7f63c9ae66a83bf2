"""`-z tcp,rtt[,STREAM]` (labshark's RTT table) on a TCP stream built here with exact
timing: the SampleRTTs are the delays the capture was made with, EstimatedRTT/DevRTT
follow RFC 6298 (worked out by hand below), Karn's rule drops the retransmitted
segment, a cumulative ACK covers two segments, and every SampleRTT whose ACK
acknowledges exactly that segment equals tshark's tcp.analysis.ack_rtt."""

from __future__ import annotations

from pathlib import Path

import pytest
from diffutil import run_analyze, run_tshark

C, S = "10.0.0.1", "10.0.0.2"
CP, SP = 40000, 80
T0 = 1000.0  # small epoch: the float timestamps stay exact to the microsecond
# (send time, payload length, ACK delay or None when a later ACK covers it)
SEGMENTS = [(0.010, 100, 0.100), (0.200, 100, 0.140), (0.400, 100, 0.080),
            (0.600, 100, None), (0.610, 100, 0.200), (0.900, 100, 0.120)]
RETRANS_AT, RETRANS_ACK = 1.200, 0.300  # segment 7, sent twice


def build(path: Path) -> None:
    from scapy.layers.inet import IP, TCP
    from scapy.layers.l2 import Ether
    from scapy.packet import Raw
    from scapy.utils import wrpcap

    eth = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
    events = []

    def c2s(t: float, flags: str, seq: int, ack: int, data: bytes = b"") -> None:
        events.append((t, eth / IP(src=C, dst=S) / TCP(sport=CP, dport=SP, flags=flags,
                                                       seq=seq, ack=ack, window=8192)
                       / Raw(data)))

    def s2c(t: float, flags: str, seq: int, ack: int) -> None:
        events.append((t, eth / IP(src=S, dst=C) / TCP(sport=SP, dport=CP, flags=flags,
                                                       seq=seq, ack=ack, window=8192)))

    c2s(0.000, "S", 0, 0)
    s2c(0.002, "SA", 5000, 1)
    c2s(0.004, "A", 1, 5001)
    seq = 1
    for t, n, delay in SEGMENTS:
        c2s(t, "PA", seq, 5001, b"x" * n)
        seq += n
        if delay is not None:
            s2c(t + delay, "A", 5001, seq)
    c2s(RETRANS_AT, "PA", seq, 5001, b"y" * 100)
    c2s(RETRANS_AT + 0.200, "PA", seq, 5001, b"y" * 100)  # the retransmission
    seq += 100
    s2c(RETRANS_AT + 0.200 + RETRANS_ACK, "A", 5001, seq)
    pkts = []
    for t, p in sorted(events, key=lambda e: e[0]):
        p.time = T0 + t
        pkts.append(p)
    wrpcap(str(path), pkts)


@pytest.fixture(scope="module")
def rtt_pcap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rtt") / "rtt.pcap"
    build(path)
    return path


def rows(text: str) -> list[list[str]]:
    lines = [ln.split() for ln in text.splitlines() if ln[:1] == " " or ln[:1].isdigit()]
    return [ln for ln in lines if ln and ln[0].isdigit()]


def test_rtt_table_known_numbers(rtt_pcap: Path) -> None:
    rc, out, err = run_analyze(["-q", "-z", "tcp,rtt,0", "-r", str(rtt_pcap)])
    assert rc == 0, err
    got = [(r[0], r[4], r[7], r[9], r[10], r[11], r[12]) for r in rows(out)]
    # frame, seq, ack frame, SampleRTT, EstimatedRTT, DevRTT, RTO. By hand (RFC 6298):
    # R1=0.100: SRTT 0.100, RTTVAR 0.050, RTO 0.300
    # R2=0.140: RTTVAR .75*.05+.25*.04=0.0475; SRTT .875*.1+.125*.14=0.105; RTO 0.295
    # R3=0.080: RTTVAR .75*.0475+.25*.025=0.041875; SRTT .875*.105+.125*.08=0.101875
    # R4=0.210 (frame 10, acked with frame 11 by the cumulative ACK of frame 12):
    #   RTTVAR .75*.041875+.25*.108125=0.0584375; SRTT .875*.101875+.125*.21=0.115390625
    # R5=0.200: RTTVAR .75*.0584375+.25*.084609375=0.06498046875; SRTT 0.1259667969
    # R6=0.120: RTTVAR .75*.06498046875+.25*.0059667969=0.0502270508; SRTT 0.1252209473
    # frames 16 and 17 carry the same bytes twice: no sample (Karn), estimates kept.
    assert got == [
        ("4", "1", "5", "0.100000", "0.100000", "0.050000", "0.300000"),
        ("6", "101", "7", "0.140000", "0.105000", "0.047500", "0.295000"),
        ("8", "201", "9", "0.080000", "0.101875", "0.041875", "0.269375"),
        ("10", "301", "12", "0.210000", "0.115391", "0.058438", "0.349141"),
        ("11", "401", "12", "0.200000", "0.125967", "0.064980", "0.385889"),
        ("13", "501", "14", "0.120000", "0.125221", "0.050227", "0.326129"),
        ("15", "601", "17", "-", "0.125221", "0.050227", "0.326129"),
        ("16", "601", "17", "-", "0.125221", "0.050227", "0.326129"),
    ]
    assert "10.0.0.1:40000 -> 10.0.0.2:80" in out


@pytest.mark.tshark
def test_sample_rtt_equals_tshark_ack_rtt(rtt_pcap: Path) -> None:
    rc, out, _ = run_analyze(["-q", "-z", "tcp,rtt", "-r", str(rtt_pcap)])
    assert rc == 0
    ts = run_tshark(["-r", str(rtt_pcap), "-T", "fields", "-e", "frame.number",
                     "-e", "tcp.analysis.acks_frame", "-e", "tcp.analysis.ack_rtt"])
    acked = {}
    for line in ts.splitlines():
        n, acks, rtt = line.split("\t")
        if acks:
            acked[int(acks)] = (int(n), float(rtt))
    checked = 0
    for r in rows(out):
        seg, ack_frame, sample = int(r[0]), r[7], r[9]
        if seg in acked and sample != "-":
            assert acked[seg][0] == int(ack_frame)
            assert abs(acked[seg][1] - float(sample)) < 1e-6
            checked += 1
    assert checked >= 5


def test_no_such_stream_and_bad_argument(rtt_pcap: Path) -> None:
    rc, out, _ = run_analyze(["-q", "-z", "tcp,rtt,7", "-r", str(rtt_pcap)])
    assert rc == 0 and "no TCP stream 7" in out
    rc, out, err = run_analyze(["-q", "-z", "tcp,rtt,x", "-r", str(rtt_pcap)])
    assert (rc, out) == (1, "") and err == 'analyze: invalid "-z tcp,rtt[,<stream>]" argument\n'


def test_help_lists_it() -> None:
    _, _, err = run_analyze(["-z", "help"])
    assert "     tcp,rtt\n" in err
