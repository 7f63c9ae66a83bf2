"""TFTP against tshark: every packet's TFTP fields, expert fields and packet-list line must
match on captures of whole transfers (reads, writes, options, netascii, errors, lost ACKs,
interleaved transfers, block-number wraparound, IPv6/VLAN, Decode-As), plus our own
sequence notes and `--export-objects tftp,DIR`."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest
from diffutil import compare_fields, list_output, our_infos, run_analyze
from scapy.all import IP, UDP, Dot1Q, Ether, IPv6, Raw, wrpcap

TFTP_FIELDS = [
    "tftp.opcode", "tftp.source_file", "tftp.destination_file", "tftp.request_frame",
    "tftp.type", "tftp.block", "tftp.block.full", "tftp.nextwindowsize", "tftp.error.code",
    "tftp.error.message", "tftp.option.name", "tftp.option.value", "tftp.data", "tftp.error",
    "tftp.likely_tsize_probe", "tftp.blocksize_range", "tftp.block.wrap",
    "tftp.windowsize_range", "tftp.msftwindow.unrecognized", "tftp.windowsize.change",
    "frame.protocols", "data.data", "udp.srcport", "udp.dstport",
]

C4, S4 = "10.0.0.1", "10.0.0.2"
C6, S6 = "fd00::1", "fd00::2"


def rrq(name: bytes, mode: bytes = b"octet", opts: dict[bytes, bytes] | None = None,
        op: int = 1) -> bytes:
    body = struct.pack(">H", op) + name + b"\0" + mode + b"\0"
    for k, v in (opts or {}).items():
        body += k + b"\0" + v + b"\0"
    return body


def data(block: int, payload: bytes) -> bytes:
    return struct.pack(">HH", 3, block & 0xFFFF) + payload


def ack(block: int) -> bytes:
    return struct.pack(">HH", 4, block & 0xFFFF)


def err(code: int, msg: bytes) -> bytes:
    return struct.pack(">HH", 5, code) + msg + b"\0"


def oack(opts: dict[bytes, bytes]) -> bytes:
    return b"\0\6" + b"".join(k + b"\0" + v + b"\0" for k, v in opts.items())


class Cap:
    """Builds one capture: packets between hosts, IPv4 or IPv6, optionally VLAN-tagged."""

    def __init__(self) -> None:
        self.pkts: list = []

    def add(self, src: str, sport: int, dst: str, dport: int, payload: bytes,
            vlan: int | None = None) -> None:
        ip = IPv6(src=src, dst=dst) if ":" in src else IP(src=src, dst=dst)
        p = Ether(src="00:00:00:00:00:01", dst="00:00:00:00:00:02")
        if vlan is not None:
            p = p / Dot1Q(vlan=vlan)
        p = p / ip / UDP(sport=sport, dport=dport) / Raw(payload)
        p.time = 1_700_000_000 + len(self.pkts) * 0.001
        self.pkts.append(p)

    def write(self, path: Path) -> Path:
        wrpcap(str(path), self.pkts)
        return path


def read_transfer(cap: Cap, c: str, cport: int, s: str, sport: int, name: bytes,
                  content: bytes, *, blksize: int = 512, opts: dict[bytes, bytes] | None = None,
                  mode: bytes = b"octet", vlan: int | None = None, dport: int = 69) -> None:
    """A whole RRQ: request, optional OACK/ACK 0, DATA/ACK to the last short block."""
    cap.add(c, cport, s, dport, rrq(name, mode, opts), vlan)
    if opts:
        cap.add(s, sport, c, cport, oack({k: v for k, v in opts.items() if k != b"tsize"}
                                         | ({b"tsize": str(len(content)).encode()}
                                            if b"tsize" in opts else {})), vlan)
        cap.add(c, cport, s, sport, ack(0), vlan)
    nblocks = len(content) // blksize + 1
    for i in range(nblocks):
        cap.add(s, sport, c, cport, data(i + 1, content[i * blksize:(i + 1) * blksize]), vlan)
        cap.add(c, cport, s, sport, ack(i + 1), vlan)


def write_transfer(cap: Cap, c: str, cport: int, s: str, sport: int, name: bytes,
                   content: bytes, *, mode: bytes = b"octet", blksize: int = 512) -> None:
    cap.add(c, cport, s, 69, rrq(name, mode, op=2))
    cap.add(s, sport, c, cport, ack(0))
    nblocks = len(content) // blksize + 1
    for i in range(nblocks):
        cap.add(c, cport, s, sport, data(i + 1, content[i * blksize:(i + 1) * blksize]))
        cap.add(s, sport, c, cport, ack(i + 1))


FILE_A = bytes(range(256)) * 5 + b"tail"  # 1284 bytes: 3 blocks of 512
FILE_B = b"x" * 1428 * 2  # exactly 2 blocks: an empty last block follows
NETASCII_TEXT = b"line one\r\nline two\r\nbare CR\r\0end\r\n" * 40
NETASCII_LOCAL = b"line one\nline two\nbare CR\rend\n" * 40


def build_basic(tmp: Path) -> Path:
    cap = Cap()
    read_transfer(cap, C4, 1234, S4, 40000, b"boot.bin", FILE_A)
    read_transfer(cap, C4, 1235, S4, 40001, b"pxelinux.0", FILE_B, blksize=1428,
                  opts={b"blksize": b"1428", b"tsize": b"0"})
    write_transfer(cap, C4, 1236, S4, 40002, b"notes.txt", NETASCII_TEXT, mode=b"netascii")
    # File not found, and an error mid-way through a transfer.
    cap.add(C4, 1237, S4, 69, rrq(b"missing.cfg"))
    cap.add(S4, 40003, C4, 1237, err(1, b"File not found"))
    cap.add(C4, 1238, S4, 69, rrq(b"big.iso"))
    cap.add(S4, 40004, C4, 1238, data(1, b"A" * 512))
    cap.add(C4, 1238, S4, 40004, ack(1))
    cap.add(S4, 40004, C4, 1238, data(2, b"B" * 512))
    cap.add(S4, 40004, C4, 1238, err(3, b"Disk full"))
    # tsize probe: the client closes after the OACK.
    cap.add(C4, 1239, S4, 69, rrq(b"kernel", opts={b"tsize": b"0"}))
    cap.add(S4, 40005, C4, 1239, oack({b"tsize": b"4096"}))
    cap.add(C4, 1239, S4, 40005, err(8, b"User aborted the transfer"))
    # Out-of-range options, windowsize, msftwindow.
    cap.add(C4, 1240, S4, 69, rrq(b"w.bin", opts={b"windowsize": b"0", b"blksize": b"4"}))
    cap.add(S4, 40006, C4, 1240, oack({b"blksize": b"4", b"windowsize": b"70000"}))
    cap.add(C4, 1241, S4, 69, rrq(b"m.bin", opts={b"msftwindow": b"31416"}))
    cap.add(S4, 40007, C4, 1241, oack({b"msftwindow": b"27182"}))
    cap.add(C4, 1241, S4, 40007, ack(0) + b"\x04")
    cap.add(S4, 40007, C4, 1241, data(1, b"q" * 512))
    cap.add(C4, 1241, S4, 40007, ack(1) + b"\x08")
    cap.add(S4, 40007, C4, 1241, data(2, b"q" * 10))
    cap.add(C4, 1241, S4, 40007, ack(2) + b"\x01")
    return cap.write(tmp / "basic.pcap")


def build_lossy(tmp: Path) -> Path:
    """A lost ACK (the server retransmits), a duplicate ACK answered twice (Sorcerer's
    Apprentice), a skipped block, and three interleaved transfers (one VLAN-tagged)."""
    cap = Cap()
    cap.add(C4, 2000, S4, 69, rrq(b"a.bin"))
    cap.add(S4, 50000, C4, 2000, data(1, b"1" * 512))
    cap.add(S4, 50000, C4, 2000, data(1, b"1" * 512))  # ACK 1 lost: retransmission
    cap.add(C4, 2000, S4, 50000, ack(1))
    cap.add(C4, 2000, S4, 50000, ack(1))  # the client acks the duplicate too
    cap.add(S4, 50000, C4, 2000, data(2, b"2" * 512))
    cap.add(S4, 50000, C4, 2000, data(2, b"2" * 512))  # answer to the duplicate ACK
    cap.add(C4, 2000, S4, 50000, ack(2))
    cap.add(S4, 50000, C4, 2000, data(4, b"4" * 5))  # block 3 never seen
    cap.add(C4, 2000, S4, 50000, ack(4))
    # Three interleaved transfers.
    c1, c2, c3 = Cap(), Cap(), Cap()
    read_transfer(c1, C4, 3001, S4, 51001, b"one.bin", b"1" * 1500)
    read_transfer(c2, "10.0.0.3", 3002, S4, 51002, b"two.bin", b"2" * 1100)
    read_transfer(c3, C4, 3003, S4, 51003, b"three.bin", b"3" * 700, vlan=10)
    streams = [c1.pkts, c2.pkts, c3.pkts]
    while any(streams):
        for s in streams:
            if s:
                cap.pkts.append(s.pop(0))
    for i, p in enumerate(cap.pkts):
        p.time = 1_700_000_000 + i * 0.001
    return cap.write(tmp / "lossy.pcap")


def build_wrap(tmp: Path) -> Path:
    """Block numbers wrapping past 65535 (a skipped range keeps the capture small)."""
    cap = Cap()
    cap.add(C4, 4000, S4, 69, rrq(b"huge.img", opts={b"blksize": b"8"}))
    cap.add(S4, 52000, C4, 4000, oack({b"blksize": b"8"}))
    cap.add(C4, 4000, S4, 52000, ack(0))
    cap.add(S4, 52000, C4, 4000, data(1, b"12345678"))
    cap.add(C4, 4000, S4, 52000, ack(1))
    for blk in range(65532, 65540):
        cap.add(S4, 52000, C4, 4000, data(blk, b"abcdefgh"))
        cap.add(C4, 4000, S4, 52000, ack(blk))
    cap.add(S4, 52000, C4, 4000, data(65540, b"end"))
    cap.add(C4, 4000, S4, 52000, ack(65540))
    return cap.write(tmp / "wrap.pcap")


def build_odd(tmp: Path) -> Path:
    """A transfer to a non-69 port (heuristic, and -d), malformed and odd messages."""
    cap = Cap()
    read_transfer(cap, C4, 5000, S4, 53000, b"alt.bin", b"z" * 600, dport=6969)
    cap.add(C4, 5001, S4, 69, b"\x00\x01noterminator")
    cap.add(C4, 5002, S4, 69, b"\x00\x01file\x00octet\x00blksize")
    cap.add(C4, 5003, S4, 69, b"\x00\x01file\x00netascii\x00")
    cap.add(S4, 53001, C4, 5003, b"\x00\x07\x01\x02\x03")
    cap.add(S4, 53001, C4, 5003, err(42, b"weird\tmsg"))
    cap.add(C4, 5004, S4, 69, b"\x00\x03\x00\x01hello")  # DATA to port 69: no transfer
    cap.add(C4, 5005, S4, 7777, b"\x00\x02up\x00load\x00mode\x00octet\x00")
    cap.add(C4, 5006, S4, 69, b"\x00\x01f\xc3\xa9\x00octet\x00")
    cap.add(S4, 53002, C4, 5006, b"\x00\x04")  # truncated ACK: malformed
    cap.add(S4, 69, C4, 3333, data(5, b"x"))  # from port 69, no request seen
    cap.add(S4, 69, C4, 3334, b"\xff\xff\xff")
    cap.add(C4, 5007, S4, 69, rrq(b"r.bin", mode=b"NETASCII"))
    cap.add(C4, 5007, S4, 69, rrq(b"r.bin", mode=b"NETASCII"))  # retransmitted request
    cap.add(C4, 5007, S4, 5555, ack(0))  # client to another server port: not TFTP
    cap.add(S4, 53003, C4, 5007, data(1, b"x"))
    return cap.write(tmp / "odd.pcap")


def build_conv(tmp: Path) -> Path:
    """tshark 4.0's conversation rules: the client's port stays bound to every server port,
    a server answering from port 69, a retransmitted request, and an address/port pair
    that had packets before the request (its own conversation wins one way only)."""
    cap = Cap()
    cap.add(C4, 1000, S4, 69, rrq(b"a"))
    cap.add(C4, 1000, S4, 5555, ack(0))  # client first, to some server port
    cap.add(C4, 1001, S4, 69, rrq(b"b"))
    cap.add(C4, 1001, S4, 69, rrq(b"b"))
    cap.add(C4, 1001, S4, 5556, ack(0))
    cap.add(C4, 1002, S4, 69, rrq(b"c"))
    cap.add(S4, 40000, C4, 1002, data(1, b"x" * 512))
    cap.add(C4, 1002, S4, 5557, ack(1))  # yet another server port: still TFTP
    cap.add(C4, 1003, S4, 69, rrq(b"a", opts={b"blksize": b"100"}))
    cap.add(S4, 69, C4, 1003, oack({b"blksize": b"100"}))  # the server stays on port 69
    cap.add(C4, 1003, S4, 69, ack(0))
    cap.add(S4, 69, C4, 1003, data(1, b"x" * 100))
    cap.add(C4, 1003, S4, 69, ack(1))
    cap.add(S4, 40002, C4, 1236, b"\x00\x04\x00\x09")  # before any request: plain UDP
    cap.add(C4, 1236, S4, 40002, b"\x00\x04\x00\x09")
    cap.add(C4, 1236, S4, 69, rrq(b"n"))
    cap.add(S4, 40002, C4, 1236, data(1, b"x" * 10))  # towards the client: TFTP
    cap.add(C4, 1236, S4, 40002, ack(1))  # that pair's own conversation: not TFTP
    cap.add(S4, 40003, C4, 1236, data(1, b"x" * 10))
    return cap.write(tmp / "conv.pcap")


def build_v6(tmp: Path) -> Path:
    """IPv6 transfers, one VLAN-tagged, interleaved with an IPv4 one on the same ports."""
    c1, c2, c3 = Cap(), Cap(), Cap()
    read_transfer(c1, C6, 7001, S6, 55001, b"six.bin", b"6" * 1100,
                  opts={b"blksize": b"1024", b"tsize": b"0"}, blksize=1024)
    read_transfer(c2, C6, 7002, S6, 55002, b"tag.bin", b"7" * 600, vlan=20)
    read_transfer(c3, C4, 7001, S4, 55001, b"four.bin", b"4" * 520)
    cap = Cap()
    streams = [c1.pkts, c2.pkts, c3.pkts]
    while any(streams):
        for s in streams:
            if s:
                cap.pkts.append(s.pop(0))
    return cap.write(tmp / "v6.pcap")


def _have_ipv6() -> bool:
    from dissectors import REGISTRY

    return "ipv6.src" in REGISTRY


BIG = b"9" * 4301  # one digit more than Python's int() takes


def build_numbers(tmp: Path) -> Path:
    """Option values tshark reads with (gint)strtol: 4,301 digits (saturated, then -1),
    values that wrap to 32 bits (2^32 + 8 is a block size of 8), blanks, signs, junk;
    then an ordinary transfer that must still be dissected."""
    cap = Cap()
    names = (b"blksize", b"windowsize", b"timeout", b"tsize", b"msftwindow")
    cap.add(C4, 2000, S4, 69, rrq(b"big", opts={k: BIG for k in names}))
    cap.add(S4, 50000, C4, 2000, oack({k: BIG for k in names[:4]}))
    cap.add(C4, 2000, S4, 50000, ack(0))
    cap.add(S4, 50000, C4, 2000, data(1, b"x" * 10))
    cap.add(C4, 2001, S4, 69, rrq(b"wrap", opts={b"windowsize": b"4294967297"}))
    cap.add(S4, 50001, C4, 2001, oack({b"blksize": b"4294967304",
                                      b"windowsize": b" +4294967297x"}))
    cap.add(C4, 2001, S4, 50001, ack(0))
    cap.add(S4, 50001, C4, 2001, data(1, b"x" * 10))  # 10 >= 8: not the last block
    cap.add(C4, 2001, S4, 50001, ack(1))
    cap.add(C4, 2002, S4, 69, rrq(b"neg", opts={b"blksize": b"-4294967288"}))
    cap.add(S4, 50002, C4, 2002, oack({b"blksize": b"-4294967288", b"windowsize": b"0x10"}))
    read_transfer(cap, C4, 2003, S4, 50003, b"after.bin", FILE_A)
    return cap.write(tmp / "numbers.pcap")


@pytest.fixture(scope="module")
def captures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("tftp")
    return {"basic": build_basic(tmp), "lossy": build_lossy(tmp), "wrap": build_wrap(tmp),
            "odd": build_odd(tmp), "v6": build_v6(tmp), "conv": build_conv(tmp),
            "numbers": build_numbers(tmp)}


CASES = [("basic", ()), ("lossy", ()), ("wrap", ()), ("odd", ()), ("conv", ()), ("numbers", ()),
         ("odd", ("-d", "udp.port==6969,tftp")),
         pytest.param("v6", (), marks=pytest.mark.skipif(not _have_ipv6(),
                                                         reason="IPv6 dissector not there yet"))]


@pytest.mark.tshark
@pytest.mark.parametrize(("name", "extra"), CASES)
def test_fields_match_tshark(captures: dict[str, Path], name: str, extra: tuple) -> None:
    mism = compare_fields(captures[name], TFTP_FIELDS, extra)
    assert not mism, "\n".join(map(str, mism[:20]))


@pytest.mark.tshark
@pytest.mark.parametrize(("name", "extra"), CASES)
def test_packet_list_matches_tshark(captures: dict[str, Path], name: str, extra: tuple) -> None:
    ours, theirs = list_output(captures[name], extra)
    assert len(ours) == len(theirs)
    diffs = [(a, b) for a, b in zip(ours, theirs, strict=True) if a != b]
    assert not diffs, "\n".join(f"ours:   {a}\ntshark: {b}" for a, b in diffs[:10])


@pytest.mark.tshark
@pytest.mark.parametrize("args", [["-V"], ["-T", "json"], ["-V", "-x"]],
                         ids=["V", "json", "V-x"])
def test_long_numbers_in_options_equal_tshark(captures: dict[str, Path], args: list[str]) -> None:
    """No "internal error": the values are shown (long labels cut and marked as tshark
    cuts them), the range notes follow (gint)strtol, and the transfer after is dissected."""
    from diffutil import run_tshark

    rc, ours, err = run_analyze(["-r", str(captures["numbers"]), *args])
    assert rc == 0 and "internal error" not in err, err
    theirs = run_tshark(["-r", str(captures["numbers"]), *args])
    a, b = ours.splitlines(), theirs.splitlines()
    bad = [(i + 1, x[:120], y[:120]) for i, (x, y) in enumerate(zip(a, b, strict=False))
           if x != y]
    assert not bad and len(a) == len(b), bad[:3] or (len(a), len(b))


def _fields(path: Path, *fields: str, extra: tuple = ()) -> list[list[str]]:
    args = ["-r", str(path), *extra, "-T", "fields"]
    for f in fields:
        args += ["-e", f]
    rc, out, err = run_analyze(args)
    assert rc == 0, err
    return [ln.split("\t") for ln in out.splitlines()]


def test_wrap_full_block_numbers(captures: dict[str, Path]) -> None:
    rows = _fields(captures["wrap"], "tftp.block", "tftp.block.full")
    infos = our_infos(captures["wrap"])
    data_rows = [[*r, i] for r, i in zip(rows, infos, strict=True) if i.startswith("Data")]
    assert [r[1] for r in data_rows][-6:] == ["65535", "65536", "65537", "65538", "65539",
                                              "65540"]
    assert data_rows[-5][0] == "0"
    assert data_rows[-1][2] == "Data Packet, Block: 65540 (last)"


def test_our_sequence_notes(captures: dict[str, Path]) -> None:
    rows = _fields(captures["lossy"], "frame.number", "tftp.labshark.retransmission",
                   "tftp.labshark.duplicate_ack", "tftp.labshark.sorcerers_apprentice",
                   "tftp.labshark.out_of_order")
    flagged = {int(r[0]): [bool(x) for x in r[1:]] for r in rows[:10]}
    assert flagged[3] == [True, False, False, False]
    assert flagged[5] == [False, True, False, False]
    assert flagged[7] == [False, False, True, False]
    assert flagged[9] == [False, False, False, True]
    assert not any(any(v) for k, v in flagged.items() if k not in (3, 5, 7, 9))


def test_long_transfer_wraps_without_gaps(tmp_path: Path) -> None:
    """65,540 consecutive 8-byte blocks (windowed, no ACKs): full numbers never reset."""
    frames = []
    hdr = struct.pack(">IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)  # big-endian, Ethernet
    eth = b"\0\0\0\0\0\2" + b"\0\0\0\0\0\1" + b"\x08\x00"
    req = rrq(b"w", opts={b"blksize": b"8"})
    msgs = [(1234, 69, req), (9999, 1234, oack({b"blksize": b"8"})), (1234, 9999, ack(0))]
    msgs += [(9999, 1234, data(b, b"01234567")) for b in range(1, 65541)]
    msgs.append((9999, 1234, data(65541, b"")))
    for i, (sp, dp, pl) in enumerate(msgs):
        src, dst = (b"\x0a\0\0\1", b"\x0a\0\0\2") if dp == 69 or sp == 1234 else (
            b"\x0a\0\0\2", b"\x0a\0\0\1")
        udp = struct.pack(">HHHH", sp, dp, 8 + len(pl), 0) + pl
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, src, dst)
        pkt = eth + ip + udp
        frames.append(struct.pack(">IIII", 1_700_000_000 + i // 1000, i % 1000, len(pkt),
                                  len(pkt)) + pkt)
    path = tmp_path / "long.pcap"
    path.write_bytes(hdr + b"".join(frames))
    outdir = tmp_path / "out"
    rc, out, err = run_analyze(["-r", str(path), "-Y", "tftp.block.full >= 65535",
                                "-T", "fields", "-e", "tftp.block.full",
                                "--export-objects", f"tftp,{outdir}"])
    assert rc == 0, err
    nums = [int(x) for x in out.split() if x.isdigit()]
    assert nums[:7] == [65535, 65536, 65537, 65538, 65539, 65540, 65541]
    assert (outdir / "w").read_bytes() == b"01234567" * 65540


def test_export_objects(captures: dict[str, Path], tmp_path: Path) -> None:
    out_dir = tmp_path / "export"
    rc, out, err = run_analyze(["-q", "-r", str(captures["basic"]), "--export-objects",
                                f"tftp,{out_dir}"])
    assert rc == 0, err
    assert (out_dir / "boot.bin").read_bytes() == FILE_A
    assert (out_dir / "pxelinux.0").read_bytes() == FILE_B
    assert (out_dir / "notes.txt").read_bytes() == NETASCII_LOCAL
    assert (out_dir / "big.iso.partial").read_bytes() == b"A" * 512 + b"B" * 512
    assert (out_dir / "m.bin").read_bytes() == b"q" * 522
    assert "boot.bin" in out and "incomplete" in out
    assert "big.iso.partial" in out


def test_export_sanitises_names(tmp_path: Path) -> None:
    cap = Cap()
    names = [b"../../etc/passwd", b"/abs/path/x.cfg", b"dir\\win\\y.ini", b"", b"..",
             b"boot.bin", b"boot.bin"]
    for i, n in enumerate(names):
        read_transfer(cap, C4, 6000 + i, S4, 54000 + i, n, bytes([65 + i]) * 10)
    path = cap.write(tmp_path / "names.pcap")
    out_dir = tmp_path / "export"
    rc, out, err = run_analyze(["-q", "-r", str(path), "--export-objects", f"tftp,{out_dir}"])
    assert rc == 0, err
    written = sorted(p.name for p in out_dir.iterdir())
    assert all(p.is_file() and p.parent == out_dir for p in out_dir.iterdir())
    assert not (tmp_path / "etc").exists()
    assert len(written) == len(names)
    assert "passwd" in written and "x.cfg" in written and "y.ini" in written
    assert (out_dir / "passwd").read_bytes() == b"A" * 10
    for n in written:
        assert n in out


@pytest.mark.parametrize("blocker", ["dangling", "symlink", "directory"])
def test_export_skips_symlink_or_directory_in_the_way(tmp_path: Path, blocker: str) -> None:
    """Something other than a regular file already named like the first object: that
    object is skipped with a line saying why, nothing is written through the link, and
    the second object is still exported."""
    cap = Cap()
    read_transfer(cap, C4, 6000, S4, 54000, b"first.bin", b"1" * 700)
    read_transfer(cap, C4, 6001, S4, 54001, b"second.bin", b"2" * 300)
    path = cap.write(tmp_path / "two.pcap")
    out_dir = tmp_path / "export"
    out_dir.mkdir()
    target = tmp_path / "outside.txt"
    if blocker == "dangling":
        (out_dir / "first.bin").symlink_to(target)
    elif blocker == "symlink":
        target.write_bytes(b"keep")
        (out_dir / "first.bin").symlink_to(target)
    else:
        (out_dir / "first.bin").mkdir()
    rc, out, err = run_analyze(["-q", "-r", str(path), "--export-objects", f"tftp,{out_dir}"])
    assert rc == 0, err
    assert (out_dir / "second.bin").read_bytes() == b"2" * 300
    if blocker == "dangling":
        assert not target.exists() and not os.path.exists(out_dir / "first.bin")
    elif blocker == "symlink":
        assert target.read_bytes() == b"keep"
    else:
        assert list((out_dir / "first.bin").iterdir()) == []
    assert sorted(p.name for p in out_dir.iterdir()) == ["first.bin", "second.bin"]
    why = "is a directory" if blocker == "directory" else "is a symbolic link"
    skipped = [ln for ln in out.splitlines() if "first.bin" in ln]
    assert len(skipped) == 1 and f"[not written: {out_dir / 'first.bin'} {why}]" in skipped[0]
    assert "1 file(s) written" in out and "1 skipped" in out


def test_mutated_packets_never_raise(captures: dict[str, Path], tmp_path: Path) -> None:
    """Random flips/truncations of every TFTP packet: dissected, and exported, no crash."""
    import random

    from captures import open_capture
    from dissectors import Session, dissect

    rng = random.Random(69)
    originals = []
    for name in ("basic", "odd"):
        reader = open_capture(str(captures[name]))
        originals += [bytes(f.data) for f in reader]
        reader.close()
    pkts = []
    for _ in range(400):
        b = bytearray(rng.choice(originals))
        for _ in range(rng.randint(1, 3)):
            pos = rng.randint(42, max(42, len(b) - 1))
            if rng.random() < 0.6 and pos < len(b):
                b[pos] = rng.getrandbits(8)
            else:
                del b[pos:]
        pkts.append(Ether(bytes(b)))
    path = tmp_path / "mutated.pcap"
    wrpcap(str(path), pkts)
    reader = open_capture(str(path))
    try:
        session = Session()
        assert sum(1 for f in reader if dissect(f, session) is not None) == 400
    finally:
        reader.close()
    rc, _out, err = run_analyze(["-q", "-r", str(path), "--export-objects",
                                 f"tftp,{tmp_path / 'x'}"])
    assert rc == 0 and "Traceback" not in err


def test_bad_export_argument_fails_before_output(captures: dict[str, Path]) -> None:
    for spec in ("http,/tmp/x", "tftp", "tftp,"):
        rc, out, err = run_analyze(["-r", str(captures["basic"]), "--export-objects", spec])
        assert rc == 1 and out == "" and "export" in err.lower()


def _sorcerer_then_timeout(tmp: Path) -> Path:
    """DATA 1 sent twice (timeout), both copies ACKed; DATA 2 answers each ACK (the
    second answer is the Sorcerer's Apprentice); then DATA 2 once more on a timeout."""
    cap = Cap()
    cap.add(C4, 2000, S4, 69, rrq(b"s.bin"))                 # 1
    cap.add(S4, 50000, C4, 2000, data(1, b"1" * 512))        # 2
    cap.add(S4, 50000, C4, 2000, data(1, b"1" * 512))        # 3 timeout
    cap.add(C4, 2000, S4, 50000, ack(1))                     # 4
    cap.add(C4, 2000, S4, 50000, ack(1))                     # 5 duplicate
    cap.add(S4, 50000, C4, 2000, data(2, b"2" * 512))        # 6 answers 4
    cap.add(S4, 50000, C4, 2000, data(2, b"2" * 512))        # 7 answers 5: SA
    cap.add(S4, 50000, C4, 2000, data(2, b"2" * 512))        # 8 answers nothing: timeout
    cap.add(C4, 2000, S4, 50000, ack(2))                     # 9
    cap.add(S4, 50000, C4, 2000, data(3, b"3"))              # 10
    cap.add(C4, 2000, S4, 50000, ack(3))                     # 11
    return cap.write(tmp / "sorcerer.pcap")


def test_timeout_retransmission_is_not_sorcerers_apprentice(tmp_path: Path) -> None:
    rows = _fields(_sorcerer_then_timeout(tmp_path), "frame.number",
                   "tftp.labshark.retransmission", "tftp.labshark.sorcerers_apprentice",
                   "tftp.labshark.duplicate_ack")
    notes = {int(r[0]): [bool(x) for x in r[1:]] for r in rows}
    assert notes[3] == [True, False, False]
    assert notes[5] == [False, False, True]
    assert notes[7] == [False, True, False]
    assert notes[8] == [True, False, False]  # a timeout, although an ACK 1 was duplicated
    assert not any(any(v) for k, v in notes.items() if k not in (3, 5, 7, 8))


def test_ack_and_data_link_each_other(tmp_path: Path) -> None:
    """One pass: each ACK names the DATA it acknowledges (the latest copy of its block);
    -2 adds each DATA's first ACK. Both filterable, both `[...]` lines in -V."""
    cap = _sorcerer_then_timeout(tmp_path)
    one = _fields(cap, "frame.number", "tftp.labshark.data_in", "tftp.labshark.ack_in")
    assert [r for r in one if r[1]] == [["4", "3", ""], ["5", "3", ""], ["9", "8", ""],
                                        ["11", "10", ""]]
    assert not any(r[2] for r in one)  # the forward link needs the second pass
    two = _fields(cap, "frame.number", "tftp.labshark.data_in", "tftp.labshark.ack_in",
                  extra=("-2",))
    assert [r for r in two if r[2]] == [["3", "", "4"], ["8", "", "9"], ["10", "", "11"]]
    rc, out, err = run_analyze(["-r", str(cap), "-2", "-Y", "tftp.labshark.ack_in == 9",
                                "-T", "fields", "-e", "frame.number"], ours=True)
    assert (rc, out) == (0, "8\n"), err
    rc, out, err = run_analyze(["-r", str(cap), "-2", "-V", "-Y", "frame.number >= 8 and frame.number <= 9"],
                               ours=True)
    assert "    [Acknowledged in frame: 9]\n" in out
    assert "    [Acknowledges DATA in frame: 8]\n" in out
    # Diffing with tshark: out of the tree, still there for -e.
    rc, out, err = run_analyze(["-r", str(cap), "-2", "-V", "--only-tshark-items"], ours=True)
    assert "Acknowledged in frame" not in out and "Acknowledges DATA" not in out
    rc, out, err = run_analyze(["-r", str(cap), "-2", "--only-tshark-items", "-T", "fields",
                                "-e", "tftp.labshark.ack_in", "-Y", "frame.number == 8"],
                               ours=True)
    assert out == "9\n"
