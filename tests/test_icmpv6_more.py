"""ICMPv6 Node Information (RFC 4620) and RPL DAO/DAO-ACK (RFC 6550) against tshark 4.0:
the corpus's single-packet captures and packets built here, compared live (list, -V, JSON)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from diffutil import run_analyze, run_tshark
from scapy.all import Ether, IPv6, Raw, wrpcap
from scapy.layers.inet6 import in6_chksum

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
CAPTURES = ["tcpdump-icmpv6_nodeinfo_queryipv4.pcap", "tcpdump-icmpv6_nodeinfo_queryipv6.pcap",
            "tcpdump-rpl-14-dao.pcap", "tcpdump-rpl-26-senddaoack.pcap"]
ARGS = [[], ["-V"], ["-T", "json"]]

pytestmark = pytest.mark.tshark

SRC, DST = "fe80::1", "fe80::2"


def _icmp6(itype: int, code: int, body: bytes) -> Ether:
    """An ICMPv6 message with a correct checksum over the pseudo-header."""
    msg = bytes([itype, code]) + b"\0\0" + body
    ip = IPv6(src=SRC, dst=DST, nh=58)
    csum = in6_chksum(58, ip, msg)
    msg = msg[:2] + struct.pack(">H", csum) + msg[4:]
    return Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / ip / Raw(msg)


def _ni(itype: int, code: int, qtype: int, flags: int, data: bytes) -> Ether:
    return _icmp6(itype, code, struct.pack(">HH", qtype, flags) + bytes(range(8)) + data)


def _v6(last: int) -> bytes:
    return bytes.fromhex("20010db8") + bytes(11) + bytes([last])


def _built() -> list[Ether]:
    return [
        _ni(139, 0, 3, 0x003E, _v6(1)),                       # all the query flags
        _ni(139, 2, 4, 0x0000, bytes([10, 0, 0, 1])),         # no flag set
        _ni(139, 0, 0, 0x0000, b""),                          # NOOP, no subject
        _ni(140, 0, 3, 0x0003, struct.pack(">I", 3600) + _v6(2)
            + struct.pack(">I", 0xFFFFFFFF) + _v6(3)),         # two node addresses
        _ni(140, 0, 4, 0x0001, struct.pack(">I", 60) + bytes([192, 0, 2, 9])),
        _ni(139, 1, 2, 0x0000, b"\x04host\x07example\x00"),  # FQDN subject
        _ni(140, 0, 2, 0x0000, struct.pack(">I", 0) + b"\x04host\x07example\x00"
            + b"\x05other\x00\x00\x00"),                     # two names, padded
        _ni(140, 1, 2, 0x0000, b""),                          # refused
        _ni(140, 2, 9, 0x0000, b""),                          # unknown Qtype
        _icmp6(155, 2, bytes([7, 0x80, 0, 42])),              # DAO: K, no DODAGID
        _icmp6(155, 2, bytes([7, 0xC0, 0, 43]) + _v6(4)),     # DAO: K and D
        _icmp6(155, 3, bytes([7, 0x00, 42, 0])),              # DAO-ACK without DODAGID
        _icmp6(155, 3, bytes([9, 0x80, 43, 128]) + _v6(5)),   # DAO-ACK, status 128
        _icmp6(155, 2, bytes([7, 0x40, 0, 44]) + _v6(4) + bytes([0, 1, 1, 0])),  # + pads
        _icmp6(155, 0, bytes([0, 0])),                        # DIS
        _icmp6(155, 0, bytes([0, 0, 1, 0])),                  # DIS, an empty PadN
        _icmp6(155, 1, bytes([5, 2, 1, 0, 0x9B, 7, 0, 0]) + _v6(6)),  # DIO: G, MOP 3
        _icmp6(155, 1, bytes([5, 2, 1, 0, 0x47, 7, 0xFF, 0]) + _v6(6)),  # Zero bit, MOP 0
        _icmp6(155, 1, bytes([5, 2, 1, 0, 0x28, 7, 0, 0]) + _v6(6)
               + bytes([0, 1, 2, 0, 0])),                      # MOP 5 (unknown), pads
        _icmp6(155, 1, bytes([5, 2, 1, 0, 0x08, 7, 0, 0]) + _v6(6)
               + bytes([0, 1, 2, 0])),                         # a PadN cut short
    ]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pk = _built()
    for i, p in enumerate(pk):
        p.time = 1_700_000_000 + i / 4
    path = tmp_path_factory.mktemp("icmpv6_more") / "built.pcap"
    wrpcap(str(path), pk)
    return path


@pytest.mark.parametrize("name", CAPTURES)
@pytest.mark.parametrize("args", ARGS)
def test_corpus_capture_equals_tshark(name: str, args: list[str]) -> None:
    capture = CORPUS / name
    rc, ours, err = run_analyze(["-r", str(capture), *args])
    assert rc == 0, err
    theirs = run_tshark(["-r", str(capture), *args])
    assert "icmpv6.ni" in theirs or "icmpv6.rpl" in theirs or "(1[35][59])" in theirs \
        or "Node Information" in theirs or "RPL Control" in theirs
    assert ours == theirs


@pytest.mark.parametrize("args", ARGS)
def test_built_packets_equal_tshark(built: Path, args: list[str]) -> None:
    rc, ours, err = run_analyze(["-r", str(built), *args])
    assert rc == 0, err
    assert ours == run_tshark(["-r", str(built), *args])


@pytest.mark.parametrize("flt", ["icmpv6.ni.flag.a == 1", "icmpv6.ni.reply.node_address",
                                 "icmpv6.rpl.dao.flag.k", "icmpv6.rpl.daoack.status == 128",
                                 "icmpv6.rpl.dio.flag.mop == 3", "icmpv6.rpl.opt.padn"])
def test_filters_equal_tshark(built: Path, flt: str) -> None:
    args = ["-r", str(built), "-Y", flt]
    rc, ours, err = run_analyze(args)
    assert rc == 0, err
    theirs = run_tshark(args)
    assert theirs and ours == theirs


def test_truncated_bodies_are_malformed_not_errors(tmp_path: Path) -> None:
    """Cut bodies give tshark's one-line Malformed Packet, never a traceback."""
    pk = [_icmp6(139, 0, b"\0\3"), _icmp6(155, 1, bytes([5, 2, 1])), _icmp6(155, 0, b"\0"),
          _icmp6(155, 2, bytes([1, 0x40, 0, 1]) + bytes(5)),
          _ni(140, 0, 3, 0, bytes(7))]
    path = tmp_path / "cut.pcap"
    wrpcap(str(path), pk)
    for args in ([], ["-V"]):
        rc, ours, err = run_analyze(["-r", str(path), *args])
        assert rc == 0, err
        assert ours == run_tshark(["-r", str(path), *args])
