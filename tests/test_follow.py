"""`-z follow,tcp|udp,ascii|hex|raw|yaml,STREAM` byte for byte against tshark, and
labshark's own `follow,tftp` and `follow,ipmsg`."""

from __future__ import annotations

from pathlib import Path

import pytest
from diffutil import run_analyze, run_tshark_full
from scapy.all import IP, TCP, UDP, Ether, IPv6, Raw, wrpcap

from analyzer.follow import parse_follow_arg

ROOT = Path(__file__).resolve().parent.parent
LAB = ROOT / "captures" / "samples" / "lab.pcap"
HTTP = ROOT / "tests" / "data" / "wireshark" / "http.pcap"
TFTP_RRQ = ROOT / "captures" / "samples" / "tftp_rrq.pcap"
TFTP_WRQ = ROOT / "captures" / "samples" / "tftp_wrq.pcap"
FEIQ = ROOT / "captures" / "samples" / "feiq.pcap"
MODES = ["ascii", "hex", "raw", "yaml"]


def _seg(src: str, dst: str, sport: int, dport: int, seq: int, ack: int, flags: str,
         data: bytes = b"", v6: bool = False) -> Ether:
    ip = IPv6(src=src, dst=dst) if v6 else IP(src=src, dst=dst)
    return Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / ip / TCP(sport=sport, dport=dport, seq=seq, ack=ack, flags=flags) / \
        Raw(data)


def _conversation(c: str, s: str, cp: int, v6: bool) -> list[Ether]:
    """A connection whose segments arrive out of order, retransmitted with new bytes
    appended, and with a gap the peer acknowledges (tshark's missing-bytes marker)."""
    ci, si = 1000, 5000
    body = bytes(range(256)) + b"line one\r\nline two\n  "
    out = [
        _seg(c, s, cp, 80, ci, 0, "S", v6=v6),
        _seg(s, c, 80, cp, si, ci + 1, "SA", v6=v6),
        _seg(c, s, cp, 80, ci + 1, si + 1, "A", v6=v6),
        _seg(c, s, cp, 80, ci + 1, si + 1, "PA", b"GET / HTTP/1.1\r\n\r\n", v6=v6),
        # the server's second segment overtakes its first
        _seg(s, c, 80, cp, si + 1 + 100, ci + 19, "PA", body[100:200], v6=v6),
        _seg(s, c, 80, cp, si + 1, ci + 19, "PA", body[:100], v6=v6),
        # a retransmission of what was seen plus 30 new bytes
        _seg(s, c, 80, cp, si + 1 + 150, ci + 19, "PA", body[150:230], v6=v6),
        # a segment the capture lacks (230..250), acknowledged by the client
        _seg(s, c, 80, cp, si + 1 + 250, ci + 19, "PA", body[250:], v6=v6),
        _seg(c, s, cp, 80, ci + 19, si + 1 + len(body), "A", v6=v6),
        _seg(c, s, cp, 80, ci + 19, si + 1 + len(body), "PA", b"\x00\x01bye \x7f", v6=v6),
        _seg(c, s, cp, 80, ci + 19, si + 1 + len(body), "PA", b"\x00\x01bye \x7f", v6=v6),
        _seg(s, c, 80, cp, si + 1 + len(body), ci + 26, "FA", v6=v6),
        _seg(c, s, cp, 80, ci + 26, si + 2 + len(body), "FA", v6=v6),
    ]
    return out


@pytest.fixture(scope="module")
def reorder_pcap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pkts = (_conversation("10.9.0.1", "10.9.0.2", 40000, False)
            + _conversation("fd00::1", "fd00::2", 40001, True))
    udp = [Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src="10.9.0.3", dst="10.9.0.4") / UDP(sport=5000, dport=6000) /
           Raw(b"hello udp\n"),
           Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src="10.9.0.4", dst="10.9.0.3") / UDP(sport=6000, dport=5000),
           Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src="10.9.0.4", dst="10.9.0.3") / UDP(sport=6000, dport=5000) /
           Raw(bytes(range(40))),
           # an empty datagram first: tshark taps it not, so it does not make Node 0
           Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") /
           IP(src="10.9.0.6", dst="10.9.0.5") / UDP(sport=6, dport=5),
           Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") /
           IP(src="10.9.0.5", dst="10.9.0.6") / UDP(sport=5, dport=6) / Raw(b"x")]
    all_pkts = pkts + udp
    for i, p in enumerate(all_pkts):
        p.time = 1_700_000_000 + i * 0.001
    path = tmp_path_factory.mktemp("follow") / "reorder.pcap"
    wrpcap(str(path), all_pkts)
    return path


def _ours(args: list[str]) -> bytes:
    rc, out, err = run_analyze(args)
    assert rc == 0, err
    return out.encode()


def _theirs(args: list[str]) -> bytes:
    cp = run_tshark_full(args, text=False)
    assert cp.returncode == 0, cp.stderr
    return cp.stdout


def _streams(path: Path, proto: str) -> list[int]:
    cp = run_tshark_full(["-r", str(path), "-T", "fields", "-e", f"{proto}.stream"])
    return sorted({int(x) for x in cp.stdout.split() if x.isdigit()})


def _same(path: Path, zs: list[str]) -> bytes:
    args = ["-q", "-r", str(path)]
    for z in zs:
        args += ["-z", z]
    theirs = _theirs(args)
    assert theirs.count(b"Follow:") + theirs.count(b"peers:") == len(zs)  # really followed
    assert _ours(args) == theirs
    return theirs


@pytest.mark.tshark
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("proto", ["tcp", "udp"])
def test_every_stream_of_mixed_equals_tshark(mixed_pcap: Path, proto: str, mode: str) -> None:
    streams = _streams(mixed_pcap, proto)
    assert len(streams) > 5
    for i in range(0, len(streams), 80):  # tshark follows many streams in one run
        _same(mixed_pcap, [f"follow,{proto},{mode},{s}" for s in streams[i:i + 80]])


@pytest.mark.tshark
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("path", [LAB, HTTP], ids=["lab", "http"])
def test_every_stream_of_samples_equals_tshark(path: Path, mode: str) -> None:
    zs = [f"follow,{p},{mode},{s}" for p in ("tcp", "udp") for s in _streams(path, p)]
    assert zs
    _same(path, zs)


@pytest.mark.tshark
@pytest.mark.parametrize("mode", MODES)
def test_reordered_retransmitted_and_ipv6_equal_tshark(reorder_pcap: Path, mode: str) -> None:
    zs = [f"follow,tcp,{mode},0", f"follow,tcp,{mode},1", f"follow,udp,{mode},0",
          f"follow,udp,{mode},1", f"follow,udp,{mode},0,2",
          f"follow,tcp,{mode},[fd00::2]:80,[fd00::1]:40001",
          f"follow,tcp,{mode},10.9.0.1:40000,10.9.0.2:80",
          f"follow,udp,{mode},10.9.0.4:6000,10.9.0.3:5000"]
    for z in zs:
        _same(reorder_pcap, [z])
    out = _ours(["-q", "-r", str(reorder_pcap), "-z", "follow,tcp,ascii,0"])
    assert b"[20 bytes missing in capture file]." in out


@pytest.mark.tshark
@pytest.mark.parametrize("z", [
    "follow,tcp,ascii,10.1.1.101:20100,10.1.0.80:9000",
    "follow,tcp,hex,10.1.0.80:9000,10.1.1.101:20100",
    "follow,tcp,raw,10.1.1.1:20000,10.1.0.80:80",
    "follow,tcp,ascii,1,2", "follow,tcp,hex,0,2-3", "follow,tcp,raw, 1",
    "follow,tcp,ascii,999", "follow,udp,hex,9999",
    "follow,tcp,ascii,[::1]:80,[::2]:81", "follow,udp,ascii,10.1.1.1:56892,10.1.0.80:9999",
])
def test_forms_equal_tshark(mixed_pcap: Path, z: str) -> None:
    _same(mixed_pcap, [z])


@pytest.mark.tshark
def test_display_filter_does_not_narrow_follow(mixed_pcap: Path) -> None:
    """tshark's taps see every packet: -Y changes nothing in the follow text."""
    args = ["-q", "-r", str(mixed_pcap), "-Y", "frame.number == 3", "-z", "follow,tcp,ascii,0"]
    theirs = _theirs(args)
    assert b"HTTP/1.1 200 OK" in theirs
    assert _ours(args) == theirs


@pytest.mark.tshark
@pytest.mark.parametrize("z", ["follow,tcp,bogus,1", "follow,tcp,ascii", "follow,tcp,ascii,x",
                               "follow,tcp,ascii,1,0", "follow,tcp,ascii,1.2.3.4:5",
                               "follow,tcp,ascii,-1"])
def test_bad_arguments_like_tshark(mixed_pcap: Path, z: str) -> None:
    cp = run_tshark_full(["-q", "-r", str(mixed_pcap), "-z", z])
    rc, out, err = run_analyze(["-q", "-r", str(mixed_pcap), "-z", z])
    assert (rc, out) == (cp.returncode, "") == (1, "")
    want = [ln for ln in cp.stderr.splitlines() if ln.startswith("tshark: follow")][0]
    assert err == want.replace("tshark:", "analyze:") + "\n"


def test_parse_forms() -> None:
    a = parse_follow_arg("follow,tcp,hex,[fe80::1]:443,[fe80::2]:5000,3-7")
    assert a.proto == "tcp" and a.mode == "hex" and a.stream is None
    assert a.addrs is not None and a.addrs[0][1] == 443 and len(a.addrs[1][0]) == 16
    assert (a.chunk_min, a.chunk_max) == (3, 7)
    b = parse_follow_arg("follow,udp,raw,12")
    assert (b.stream, b.chunk_min) == (12, 1)


# --- labshark's own modes --------------------------------------------------------------


def _tftp_file(path: Path) -> bytes:
    """The transferred file, from tshark's own view of the DATA packets."""
    cp = run_tshark_full(["-r", str(path), "-Y", "tftp.opcode == 3", "-T", "fields",
                          "-e", "tftp.block", "-e", "data.data"])
    blocks: dict[int, bytes] = {}
    for line in cp.stdout.splitlines():
        block, _, hexdata = line.partition("\t")
        blocks.setdefault(int(block), bytes.fromhex(hexdata))
    return b"".join(blocks[k] for k in sorted(blocks))


@pytest.mark.tshark
@pytest.mark.parametrize("path", [TFTP_RRQ, TFTP_WRQ], ids=["rrq", "wrq"])
def test_follow_tftp_gives_the_file(path: Path) -> None:
    want = _tftp_file(path)
    assert len(want) > 512
    out = _ours(["-q", "-r", str(path), "-z", "follow,tftp,raw,1"]).decode()
    lines = out.splitlines()
    assert lines[2] == "Follow: tftp,raw"
    assert lines[3] == "Filter: tftp and (udp.stream eq 1)"
    chunks = lines[6:-1]
    assert bytes.fromhex("".join(chunks)) == want
    assert len(chunks) == -(-len(want) // 512)  # one block a line
    # the request's stream leads to the same transfer
    out0 = _ours(["-q", "-r", str(path), "-z", "follow,tftp,raw,0"]).decode()
    assert out0.splitlines()[4:] == lines[4:]


def test_follow_tftp_counts_a_retransmitted_block_once(tmp_path: Path) -> None:
    from test_tftp import ack, data, rrq

    def u(src: tuple[str, int], dst: tuple[str, int], body: bytes) -> Ether:
        return Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src=src[0], dst=dst[0]) / UDP(sport=src[1], dport=dst[1]) / \
            Raw(body)

    c, s = ("10.0.0.1", 40000), ("10.0.0.2", 50000)
    blk1, blk2 = b"A" * 512, b"tail"
    pkts = [u(c, ("10.0.0.2", 69), rrq(b"f.txt")), u(s, c, data(1, blk1)),
            u(s, c, data(1, blk1)), u(c, s, ack(1)), u(s, c, data(2, blk2)), u(c, s, ack(2))]
    path = tmp_path / "retx.pcap"
    wrpcap(str(path), pkts)
    out = _ours(["-q", "-r", str(path), "-z", "follow,tftp,ascii,1"]).decode()
    assert out.splitlines()[4:] == ["Node 0: 10.0.0.2:50000", "Node 1: 10.0.0.1:40000",
                                    "512", "A" * 512, "4", "tail", "=" * 67]


def test_follow_ipmsg_shows_the_message() -> None:
    out = _ours(["-q", "-r", str(FEIQ), "-z", "follow,ipmsg,hex,1"]).decode()
    assert out.splitlines()[2:] == [
        "Follow: ipmsg,hex", "Filter: ipmsg and (udp.stream eq 1)",
        "Node 0: 192.168.56.10:2425", "Node 1: 192.168.56.20:2425",
        "00000000  e4 bd a0 e5 a5 bd                                 ......", "=" * 67]
    # the address form selects the same conversation; the broadcast stream has no text
    out2 = _ours(["-q", "-r", str(FEIQ), "-z",
                  "follow,ipmsg,hex,192.168.56.20:2425,192.168.56.10:2425"]).decode()
    assert out2.splitlines()[4:] == out.splitlines()[4:]
    out0 = _ours(["-q", "-r", str(FEIQ), "-z", "follow,ipmsg,ascii,0"]).decode()
    assert out0.splitlines()[4:] == ["Node 0: :0", "Node 1: :0", "=" * 67]


@pytest.fixture(scope="module")
def odd_pcap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Data on a SYN, a frame cut by the snap length, a bogus header length, a far-off
    sequence number: each must be taken or left as tshark does."""
    import struct

    e = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
    c, s = "10.7.0.1", "10.7.0.2"
    pkts = [
        e / IP(src=c, dst=s) / TCP(sport=1111, dport=80, seq=100, flags="S") / Raw(b"tfo"),
        e / IP(src=s, dst=c) / TCP(sport=80, dport=1111, seq=900, ack=104, flags="SA"),
        e / IP(src=c, dst=s) / TCP(sport=1111, dport=80, seq=104, ack=901, flags="PA") /
        Raw(b"A" * 300),
        e / IP(src=c, dst=s) / TCP(sport=1111, dport=80, seq=404, ack=901, flags="PA",
                                   dataofs=4) / Raw(b"bogus"),
        e / IP(src=s, dst=c) / TCP(sport=80, dport=1111, seq=901, ack=404, flags="PA") /
        Raw(b"reply"),
        e / IP(src=c, dst=s) / TCP(sport=1111, dport=80, seq=0xFFFFFFF0, ack=906,
                                   flags="PA") / Raw(b"weird"),
    ]
    out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for i, p in enumerate(pkts):
        raw = bytes(p)
        cap = raw[:120] if i == 2 else raw
        out += struct.pack("<IIII", 1_700_000_000 + i, 0, len(cap), len(raw)) + cap
    path = tmp_path_factory.mktemp("follow_odd") / "odd.pcap"
    path.write_bytes(bytes(out))
    return path


@pytest.mark.tshark
@pytest.mark.parametrize("mode", MODES)
def test_odd_segments_equal_tshark(odd_pcap: Path, mode: str) -> None:
    _same(odd_pcap, [f"follow,tcp,{mode},0"])
    if mode == "ascii":
        out = _ours(["-q", "-r", str(odd_pcap), "-z", "follow,tcp,ascii,0"]).decode()
        assert "3\ntfo\n" in out and "bogus" not in out
