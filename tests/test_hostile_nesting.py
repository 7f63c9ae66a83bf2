"""Frames nested far deeper than real traffic (session 16's hostile inputs): stacked
802.1Q tags, VXLAN in VXLAN, IP in IP, GRE in GRE, thousands of IPv6 extension headers.
Before the fixes, 3000 VLAN tags and VXLAN 200 deep stopped the whole run with an
internal error (RecursionError). Now:

- VLAN stops at tshark 4.0's bound (20 tags; the 21st gets "Too many nested VLAN tags"),
  compared with tshark whole;
- any other nesting that outgrows the call stack ends its frame as malformed (tshark
  stops at 500 layers with a "Dissector bug" note: not the same text, so those rows assert
  only that every frame is printed, nothing reaches stderr and the run is bounded).
"""

from __future__ import annotations

import struct
import time
from pathlib import Path

import pytest
from diffutil import assert_like_tshark, run_analyze, tshark_available

ETH = b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb"


def _ipv4(proto: int, payload: bytes) -> bytes:
    return struct.pack(">BBHHHBBH4s4s", 0x45, 0, (20 + len(payload)) & 0xFFFF, 1, 0, 64,
                       proto, 0, b"\x0a\0\0\1", b"\x0a\0\0\2") + payload


def _udp(sport: int, dport: int, payload: bytes) -> bytes:
    return struct.pack(">HHHH", sport, dport, (8 + len(payload)) & 0xFFFF, 0) + payload


DNS_QUERY = _udp(53, 53, b"\0" * 12)


def _pcap(frames: list[bytes]) -> bytes:
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1)]
    for f in frames:
        f = f[:65535]
        out.append(struct.pack("<IIII", 1, 0, len(f), len(f)) + f)
    return b"".join(out)


def _vlans(n: int) -> bytes:
    tags = b"".join(struct.pack(">HH", (i % 7) << 13 | (n + i) & 0xFFF, 0x8100) for i in range(n))
    return ETH + b"\x81\x00" + tags[:-2] + b"\x08\x00" + _ipv4(17, DNS_QUERY)


def _vxlan(n: int) -> bytes:
    f = ETH + b"\x08\x00" + _ipv4(17, DNS_QUERY)
    for _ in range(n):
        f = ETH + b"\x08\x00" + _ipv4(17, _udp(49152, 4789, b"\x08\0\0\0\0\0\x01\0" + f))
    return f


def _ipip(n: int) -> bytes:
    p, proto = DNS_QUERY, 17
    for _ in range(n):
        p, proto = _ipv4(proto, p), 4
    return ETH + b"\x08\x00" + p


def _gre(n: int) -> bytes:
    p = _ipv4(17, DNS_QUERY)
    for _ in range(n):
        p = _ipv4(47, b"\x00\x00\x08\x00" + p)
    return ETH + b"\x08\x00" + p


def _ipv6_dstopts(n: int) -> bytes:
    hdrs = b"".join(bytes([60 if i < n - 1 else 17, 0, 1, 4, 0, 0, 0, 0]) for i in range(n))
    body = hdrs + DNS_QUERY
    addr = b"\x20\x01" + b"\0" * 13
    return (ETH + b"\x86\xdd" + struct.pack(">IHBB", 0x60000000, len(body) & 0xFFFF, 60, 64)
            + addr + b"\1" + addr + b"\2" + body)


#: (name, frames): compared with tshark whole
LIKE_TSHARK = {
    "vlan_19_20_21_22_40_3000": [_vlans(n) for n in (1, 19, 20, 21, 22, 40, 3000)],
}
#: (name, frames): every frame printed, nothing on stderr, within the bound
BOUNDED = {
    "vxlan_10_60_200_800": [_vxlan(n) for n in (10, 60, 200, 800)],
    "ipip_2000": [_ipip(2000)],
    "gre_1500": [_gre(1500)],
    "ipv6_dstopts_4000": [_ipv6_dstopts(4000)],
    "vlan_3000": [_vlans(3000)],
}
ARGS = [[], ["-V"], ["-T", "json"], ["-T", "fields", "-e", "frame.protocols", "-e",
                                       "_ws.expert.message", "-e", "vlan.id"]]


@pytest.mark.skipif(not tshark_available(), reason="tshark is not installed")
@pytest.mark.parametrize("args", ARGS, ids=["list", "V", "json", "fields"])
@pytest.mark.parametrize("name", sorted(LIKE_TSHARK))
def test_nesting_like_tshark(name: str, args: list[str], tmp_path: Path) -> None:
    path = tmp_path / f"{name}.pcap"
    path.write_bytes(_pcap(LIKE_TSHARK[name]))
    assert_like_tshark(["-r", str(path), *args], nonempty=True)


@pytest.mark.parametrize("args", ARGS[:3], ids=["list", "V", "json"])
@pytest.mark.parametrize("name", sorted(BOUNDED))
def test_nesting_bounded(name: str, args: list[str], tmp_path: Path) -> None:
    path = tmp_path / f"{name}.pcap"
    frames = BOUNDED[name]
    path.write_bytes(_pcap(frames))
    t0 = time.monotonic()
    rc, out, err = run_analyze(["-r", str(path), *args])
    assert (rc, err) == (0, "")
    assert time.monotonic() - t0 < 60
    rc, out, err = run_analyze(["-r", str(path), "-T", "fields", "-e", "frame.number"])
    assert out.split() == [str(n) for n in range(1, len(frames) + 1)]
