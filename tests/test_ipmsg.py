"""IP Messenger / FeiQ: Wireshark has no dissector, so the expected output is golden
(tests/golden/ipmsg_*.txt, reviewed by hand); set LABSHARK_UPDATE_GOLDEN=1 to rewrite.
Plus direct checks of the facts that matter: text decoding, options per mode,
attachments, acknowledgement pairing, FeiQ version strings, junk left to `data`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from diffutil import run_analyze
from scapy.all import IP, TCP, UDP, Ether, Raw, wrpcap

GOLDEN = Path(__file__).resolve().parent / "golden"

IPMSG_FIELDS = [
    "frame.number", "frame.protocols", "ipmsg.version", "ipmsg.packet_no", "ipmsg.user",
    "ipmsg.host", "ipmsg.command", "ipmsg.mode", "ipmsg.opt.absence", "ipmsg.opt.sendcheck",
    "ipmsg.opt.secret", "ipmsg.opt.broadcast", "ipmsg.opt.fileattach", "ipmsg.opt.encrypt",
    "ipmsg.opt.utf8", "ipmsg.opt.caputf8", "ipmsg.msg", "ipmsg.nickname", "ipmsg.group",
    "ipmsg.ack_packet_no", "ipmsg.file.id", "ipmsg.file.name", "ipmsg.file.size",
    "ipmsg.file.mtime", "ipmsg.file.attr", "ipmsg.getfile.packet_id", "ipmsg.getfile.file_id",
    "ipmsg.getfile.offset", "ipmsg.feiq", "ipmsg.feiq.client", "ipmsg.feiq.icon",
    "ipmsg.feiq.mac", "ipmsg.feiq.field", "ipmsg.response_to", "ipmsg.response_in",
    "ipmsg.labshark.unanswered", "ipmsg.labshark.bad_attachment", "data.data",
]

ALICE, BOB, CAROL = "10.0.0.10", "10.0.0.20", "10.0.0.30"
BCAST = "10.0.0.255"
FEIQ_VER = b"1_lbt6_0#128#001122334455#0#0#0#4001#9"


def msg(ver: bytes, no: int, user: bytes, host: bytes, cmd: int, extra: bytes) -> bytes:
    return b":".join([ver, str(no).encode(), user, host, str(cmd).encode(), extra])


def build_session(path: Path) -> Path:
    pkts = []

    def udp(src: str, dst: str, payload: bytes, sport: int = 2425) -> None:
        pkts.append(Ether(src="00:00:00:00:00:0a", dst="ff:ff:ff:ff:ff:ff") /
                    IP(src=src, dst=dst) / UDP(sport=sport, dport=2425) / Raw(payload))

    def tcp(src: str, dst: str, sport: int, dport: int, flags: str, seq: int, ack: int,
            payload: bytes = b"") -> None:
        p = (Ether(src="00:00:00:00:00:0a", dst="00:00:00:00:00:0b") / IP(src=src, dst=dst) /
             TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack, window=8192))
        pkts.append(p / Raw(payload) if payload else p)

    # Entry, answer (GBK nickname and group).
    udp(ALICE, BCAST, msg(b"1", 100, b"alice", b"alice-pc", 0x1000001, b"alice\0dev\0"))
    udp(BOB, ALICE, msg(b"1", 101, b"bob", b"bob-pc", 0x3, "鲍勃\0研发部\0".encode("gbk")))
    # GBK message with a receipt request, and its RECVMSG.
    udp(ALICE, BOB, msg(b"1", 1289671407, b"alice", b"alice-pc", 0x120,
                        "你好".encode("gbk") + b"\0"))
    udp(BOB, ALICE, msg(b"1", 102, b"bob", b"bob-pc", 0x21, b"1289671407\0"))
    # UTF-8 message, sealed, and its RECVMSG / READMSG.
    udp(BOB, ALICE, msg(b"1", 200, b"bob", b"bob-pc", 0x800320,
                        "こんにちは 👋\nsecond line".encode() + b"\0"))
    udp(ALICE, BOB, msg(b"1", 103, b"alice", b"alice-pc", 0x800021, b"200\0"))
    udp(ALICE, BOB, msg(b"1", 104, b"alice", b"alice-pc", 0x800030, b"200\0"))
    # Attachments: two files (a "::" escaped name), one malformed entry.
    udp(ALICE, BOB, msg(b"1", 300, b"alice", b"alice-pc", 0x200120,
                        b"report\0" + b"0:report.pdf:1a2b:5f5e1000:1:\a"
                        b"1:a::b.txt:10:5f5e1000:1:\a" b"2:bad:zz:1:1:\a\0"))
    udp(BOB, ALICE, msg(b"1", 105, b"bob", b"bob-pc", 0x21, b"300\0"))
    # GETFILEDATA over TCP 2425, then the file bytes (not IPMSG: data).
    tcp(BOB, ALICE, 40000, 2425, "S", 1000, 0)
    tcp(ALICE, BOB, 2425, 40000, "SA", 5000, 1001)
    tcp(BOB, ALICE, 40000, 2425, "A", 1001, 5001)
    req = msg(b"1", 106, b"bob", b"bob-pc", 0x60, b"12c:0:0:")
    tcp(BOB, ALICE, 40000, 2425, "PA", 1001, 5001, req)
    tcp(ALICE, BOB, 2425, 40000, "PA", 5001, 1001 + len(req), b"%PDF-1.4 binary\x00\xff")
    # FeiQ: entry, group message to the multicast group, window shake, typing.
    udp(CAROL, BCAST, msg(FEIQ_VER, 1289671500, b"carol", b"CAROL-PC", 0x1,
                          "卡罗尔\0\0".encode("gbk")))
    udp(CAROL, "226.81.9.8", msg(FEIQ_VER, 1289671501, b"carol", b"CAROL-PC", 0x400023,
                                 "大家好".encode("gbk") + b"\0"))
    udp(CAROL, ALICE, msg(FEIQ_VER, 1289671502, b"carol", b"CAROL-PC", 0xD1, b""))
    udp(CAROL, ALICE, msg(FEIQ_VER, 1289671503, b"carol", b"CAROL-PC", 0x79, b""))
    # An unanswered message, undecodable GBK, exit.
    udp(ALICE, CAROL, msg(b"1", 400, b"alice", b"alice-pc", 0x120, b"anyone?\0"))
    udp(BOB, ALICE, msg(b"1", 107, b"bob", b"bob-pc", 0x20, b"bad \xff\xfe bytes\0"))
    udp(ALICE, BCAST, msg(b"1", 108, b"alice", b"alice-pc", 0x2, b"alice\0dev\0"))
    # Junk on port 2425: left to data, never a crash.
    udp(BOB, ALICE, b"hello world")
    udp(BOB, ALICE, b"1:abc:x:y:32:not a packet number")
    udp(BOB, ALICE, b"1:5:x")
    udp(BOB, ALICE, b"1:5:x:y:0x20")  # hex command, no additional section
    udp(BOB, ALICE, b"\x00\x01\x02:\xff:\xfe")
    for i, p in enumerate(pkts):
        p.time = 1_700_000_000 + i * 0.25
    wrpcap(str(path), pkts)
    return path


@pytest.fixture(scope="module")
def session_pcap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_session(tmp_path_factory.mktemp("ipmsg") / "ipmsg.pcap")


def _run(*args: str) -> str:
    rc, out, err = run_analyze(list(args))
    assert rc == 0, err
    assert "Traceback" not in err
    return out


def _fields_args(pcap: Path) -> list[str]:
    args = ["-r", str(pcap), "-T", "fields", "-E", "header=y"]
    for f in IPMSG_FIELDS:
        args += ["-e", f]
    return args


def _check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("LABSHARK_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{name} differs from the golden file"


def test_packet_list_golden(session_pcap: Path) -> None:
    _check_golden("ipmsg_list.txt", _run("-r", str(session_pcap)))


def test_fields_golden(session_pcap: Path) -> None:
    _check_golden("ipmsg_fields.txt", _run(*_fields_args(session_pcap)))


def test_fields_two_pass_golden(session_pcap: Path) -> None:
    _check_golden("ipmsg_fields_2pass.txt", _run("-2", *_fields_args(session_pcap)))


def _table(pcap: Path, *fields: str, extra: tuple[str, ...] = ()) -> list[list[str]]:
    args = ["-r", str(pcap), *extra, "-T", "fields"]
    for f in fields:
        args += ["-e", f]
    return [ln.split("\t") for ln in _run(*args).splitlines()]


def test_decoding_and_options(session_pcap: Path) -> None:
    rows = _table(session_pcap, "ipmsg.mode", "ipmsg.msg", "ipmsg.nickname", "ipmsg.group",
                  "ipmsg.opt.sendcheck", "ipmsg.opt.absence", "ipmsg.opt.secret")
    assert rows[1][:4] == ["0x03", "", "鲍勃", "研发部"]
    assert rows[2][:2] == ["0x20", "你好"]
    assert rows[2][4:] == ["1", "", "0"]  # 0x100 means SENDCHECKOPT on a message...
    assert rows[0][4:] == ["", "0", ""]  # ...and ABSENCEOPT on an entry packet
    assert rows[4][1] == "こんにちは 👋\\nsecond line" and rows[4][6] == "1"
    assert rows[19][1] == "bad \ufffd\ufffd bytes"  # undecodable: U+FFFD, as Wireshark


def test_pairing_and_unanswered(session_pcap: Path) -> None:
    one = _table(session_pcap, "ipmsg.response_to", "ipmsg.response_in")
    assert one[3][0] == "3" and one[5][0] == "5" and one[8][0] == "8"
    assert all(r[1] == "" for r in one)  # response_in needs the second pass
    two = _table(session_pcap, "ipmsg.response_in", "ipmsg.labshark.unanswered",
                 extra=("-2",))
    assert two[2][0] == "4" and two[4][0] == "6" and two[7][0] == "9"
    assert [i + 1 for i, r in enumerate(two) if r[1]] == [19]


def test_feiq_protocol_filter(session_pcap: Path) -> None:
    rows = _table(session_pcap, "frame.number", "ipmsg.feiq.mac", "ipmsg.mode",
                  extra=("-Y", "feiq"))
    assert [r[0] for r in rows] == ["15", "16", "17", "18"]
    assert rows[0][1] == "00:11:22:33:44:55"
    assert [r[2] for r in rows] == ["0x01", "0x23", "0xd1", "0x79"]


def test_junk_is_data(session_pcap: Path) -> None:
    rows = _table(session_pcap, "frame.protocols")
    assert rows[-5:-1] != [] and all(r[0].endswith("udp:data") for r in rows[-5:-2])
    assert rows[-1][0].endswith("udp:data")
    assert rows[-2][0].endswith("udp:ipmsg")  # "1:5:x:y:0x20" is a valid header


def test_mutated_packets_never_raise(tmp_path: Path, session_pcap: Path) -> None:
    """Random byte flips, truncations and insertions of every packet: dissected, no crash."""
    import random

    from captures import open_capture
    from dissectors import Session, dissect

    rng = random.Random(2425)
    reader = open_capture(str(session_pcap))
    originals = [bytes(f.data) for f in reader]
    reader.close()
    pkts = []
    for _ in range(400):
        b = bytearray(rng.choice(originals))
        start = 42  # keep Ethernet/IP/UDP so the payload reaches port 2425
        for _ in range(rng.randint(1, 4)):
            op = rng.random()
            pos = rng.randint(start, max(start, len(b) - 1))
            if op < 0.4 and pos < len(b):
                b[pos] = rng.choice(b":\0\a#0123456789x\xff\x80")
            elif op < 0.7:
                del b[pos:]
            else:
                b[pos:pos] = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 5)))
        pkts.append(Ether(bytes(b)))
    path = tmp_path / "mutated.pcap"
    wrpcap(str(path), pkts)
    reader = open_capture(str(path))
    try:
        session = Session(two_pass=False)
        n = sum(1 for frame in reader if dissect(frame, session) is not None)
    finally:
        reader.close()
    assert n == 400


def test_long_numbers_in_attachments_are_malformed_entries(tmp_path: Path) -> None:
    """Numbers of thousands of digits (past Python's int/str limit) make the entry
    malformed; the good entry and the packets after it are still dissected."""
    big = b"1" * 5000
    entries = (b"0:ok.txt:10:5f5e1000:1:\a" + b"1:big.txt:" + big + b":1:1:\a"
               + big + b":f.txt:10:1:1:\a")
    pkts = [Ether() / IP(src=ALICE, dst=BOB) / UDP(sport=2425, dport=2425) / Raw(p) for p in (
        msg(b"1", 300, b"alice", b"alice-pc", 0x200120, b"files\0" + entries + b"\0"),
        msg(b"1", 301, b"alice", b"alice-pc", 0x60, b"1f:" + big + b":" + big + b"\0"),
        msg(b"1", 302, b"alice", b"alice-pc", 0x20, b"after\0"))]
    wrpcap(str(tmp_path / "big.pcap"), pkts)
    rows = _table(tmp_path / "big.pcap", "ipmsg.file.name", "ipmsg.labshark.bad_attachment",
                  "ipmsg.msg")
    assert rows[0][:2] == ["ok.txt", "1,1"]
    assert rows[2] == ["", "", "after"]
    _run("-r", str(tmp_path / "big.pcap"), "-V")
