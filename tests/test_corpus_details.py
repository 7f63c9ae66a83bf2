"""Details the public corpus (tests/data/corpus/) showed differing from tshark 4.0, each
on a capture built here: the DSCP codepoint's names (IPv4, IPv6), `_ws.malformed.expert`
in JSON, the NULL/Loopback encapsulation name, a pcapng interface's empty name, Ethernet's padding / trailer / FCS split
(tshark's FCS heuristic: 64 bytes or more with a trailer of 4 or more)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from diffutil import run_analyze, run_tshark
from scapy.all import DNS, DNSQR, IP, UDP, Ether, IPv6, Loopback, Raw, wrpcap

pytestmark = pytest.mark.tshark


def _block(btype: int, body: bytes) -> bytes:
    body += b"\0" * (-len(body) % 4)
    return struct.pack("<II", btype, len(body) + 12) + body + struct.pack("<I", len(body) + 12)


def _pcapng_empty_ifname(frame: bytes) -> bytes:
    """A pcapng file whose interface has an if_name option of length 0."""
    shb = _block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    idb = _block(1, struct.pack("<HHI", 1, 0, 0) + struct.pack("<HH", 2, 0)
                 + struct.pack("<HH", 0, 0))
    epb = _block(6, struct.pack("<IIIII", 0, 0, 1_000_000, len(frame), len(frame)) + frame)
    return shb + idb + epb


@pytest.fixture(scope="module")
def caps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("ipdetails")
    e = Ether(src="00:11:22:33:44:55", dst="00:11:22:33:44:66")
    short = bytes(e / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1000, dport=9)
                  / Raw(b"xy"))  # 44 bytes: 16 to pad to 60
    packets = {
        "trailers": [Ether(short + b) for b in (
            bytes(16) + b"\x01\x02\x03\x04",  # padding + FCS
            b"\xaa" * 20,                     # no zeros where padding goes: a note
            bytes(16), b"\xaa" * 16,           # 60 bytes: no FCS
            bytes(20),                         # an FCS of zeros
            bytes(16) + b"\xaa" * 6,           # padding, trailer, FCS
            b"\xaa" * 3,                       # a short frame's trailer
            bytes(16) + b"\xaa" * 40,          # a long trailer
        )] + [Ether(bytes(e / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1, dport=9)
                             / Raw(b"y" * 60)) + b"\xbb" * 8)],  # no padding, trailer+FCS
        # every codepoint, each with another ECN value
        "dscp4": [e / IP(src="10.0.0.1", dst="10.0.0.2", tos=(c << 2) | (c & 3))
                  / UDP(sport=1000, dport=9) / Raw(b"x") for c in range(64)],
        "dscp6": [e / IPv6(src="fe80::1", dst="fe80::2", tc=(c << 2) | (c & 3))
                  / UDP(sport=1000, dport=9) / Raw(b"x") for c in range(64)],
        # a DNS message cut short: [Malformed Packet: DNS]
        "malformed": [e / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1000, dport=53)
                      / Raw(bytes(DNS(id=7, qd=[DNSQR(qname="cut", qtype="A")]))[:15])],
        "null": [Loopback(type=2) / IP(src="127.0.0.1", dst="127.0.0.1")
                 / UDP(sport=1000, dport=9) / Raw(b"x")],
    }
    out = {"ifname": d / "ifname.pcapng"}
    out["ifname"].write_bytes(_pcapng_empty_ifname(short))
    for name, pk in packets.items():
        out[name] = d / f"{name}.pcap"
        wrpcap(str(out[name]), pk)
    return out


@pytest.mark.parametrize("name", ["dscp4", "dscp6", "malformed", "null", "trailers",
                                  "ifname"])
@pytest.mark.parametrize("args", [["-V"], ["-T", "json"], ["-T", "ek"],
                                  ["-T", "fields", "-e", "ip.dsfield.dscp",
                                   "-e", "ipv6.tclass.dscp", "-e", "_ws.expert.message"]])
def test_equals_tshark(caps, name, args):
    rc, ours, err = run_analyze(["-r", str(caps[name]), *args])
    assert rc == 0, err
    assert ours == run_tshark(["-r", str(caps[name]), *args])


def test_dscp_filters(caps):
    for flt in ("ip.dsfield.dscp == 46", "ip.dsfield.dscp == 1", "ip.dsfield.dscp == 8 or ip.dsfield.dscp == 56"):
        rc, ours, err = run_analyze(["-r", str(caps["dscp4"]), "-Y", flt])
        assert rc == 0, err
        theirs = run_tshark(["-r", str(caps["dscp4"]), "-Y", flt])
        assert ours == theirs and theirs
