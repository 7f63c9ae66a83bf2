"""Packet bytes read natively (compiled) where it is safe: Tvb narrows its buffer to
`bytes` to index it, and slices it only between bounds checked in order. mypyc 2.4.1's
native bytes slice raises SystemError where Python gives b"" (start past end), so each
narrowed read must give what Python's generic read of the same bytes gives: checked on
a cut view over bytes against the same view over a memoryview (read generically), and on
every cut of a few frames, this build's output against pure Python's.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from diffutil import run_analyze, run_analyze_subprocess

from dissectors.tvb import BoundsError, ReportedBoundsError, Tvb


def _outcome(tvb: Tvb, op: str, off: int, n: int) -> object:
    try:
        if op == "bytes":
            return bytes(tvb.bytes(off, n))
        return getattr(tvb, op)(off)
    except (BoundsError, ReportedBoundsError) as e:
        return type(e).__name__


@pytest.mark.parametrize("op", ["u8", "u16", "u24", "u32", "bytes"])
def test_a_bytes_view_reads_as_a_memoryview_one(op: str) -> None:
    # captured bytes 2..6 of 8, reported up to 10: reads before, inside, across and past
    # the cut (Tvb.bytes with n < 0 past the end is the case its bounds check lets pass)
    data = bytes(range(0x41, 0x49))
    for off in range(0, 12):
        for n in (-1, 0, 1, 2, 3, 5):
            got = _outcome(Tvb(data, 2, 6, 10), op, off, n)
            want = _outcome(Tvb(memoryview(data), 2, 6, 10), op, off, n)
            assert got == want, (op, off, n)


def _pcap(frames: list[tuple[bytes, int]]) -> bytes:
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    for i, (data, origlen) in enumerate(frames):
        out.append(struct.pack("<IIII", 1_700_000_000 + i, 0, len(data), origlen) + data)
    return b"".join(out)


def _eth(etype: int, payload: bytes) -> bytes:
    return bytes.fromhex("00163e11223300163e445566") + struct.pack(">H", etype) + payload


def _ipv4(proto: int, payload: bytes) -> bytes:
    hdr = struct.pack(
        ">BBHHHBBH4s4s",
        0x45,
        0,
        20 + len(payload),
        7,
        0x4000,
        64,
        proto,
        0,
        bytes([10, 0, 0, 1]),
        bytes([10, 0, 0, 2]),
    )
    return hdr + payload


def _ipv6(nxt: int, payload: bytes) -> bytes:
    return (
        struct.pack(">IHBB", 0x60000000, len(payload), nxt, 64)
        + bytes.fromhex("20010db8" + "00" * 11 + "01")
        + bytes.fromhex("20010db8" + "00" * 11 + "02")
        + payload
    )


_HTTP = b"GET /index.html HTTP/1.1\r\nHost: example\r\n\r\n"
_TCP = struct.pack(">HHIIBBHHH", 40000, 80, 1000, 2000, 0x50, 0x18, 512, 0, 0) + _HTTP
_DNS = bytes.fromhex("12340100000100000000000003777777076578616d706c6503636f6d0000010001")
_UDP = struct.pack(">HHHH", 5353, 53, 8 + len(_DNS), 0) + _DNS
#: whole frames, each given cut at every length: TCP with HTTP, a VLAN-tagged DNS query,
#: an IPv6 fragment header (first fragment, more to come; then a later one: the fuzz
#: run's SystemError was a cut IPv6 fragment)
FRAMES = [
    _eth(0x0800, _ipv4(6, _TCP)),
    _eth(0x8100, struct.pack(">HH", 5, 0x0800) + _ipv4(17, _UDP)),
    _eth(0x86DD, _ipv6(44, struct.pack(">BBHI", 17, 0, 0x0001, 99) + _UDP)),
    _eth(0x86DD, _ipv6(44, struct.pack(">BBHI", 17, 0, 0x0010, 99) + _UDP)),
]


@pytest.mark.parametrize("args", [[], ["-V"]])
def test_every_cut_reads_as_in_pure_python(tmp_path: Path, args: list[str]) -> None:
    frames = [(f[:k], len(f)) for f in FRAMES for k in range(len(f) + 1)]
    cap = tmp_path / "cuts.pcap"
    cap.write_bytes(_pcap(frames))
    rc, out, err = run_analyze(["-r", str(cap), *args])
    assert rc == 0 and "Error" not in err, err
    pure = run_analyze_subprocess(
        ["--only-tshark-items", "-r", str(cap), *args], env={"LABSHARK_PURE": "1", "TZ": "UTC"}
    )
    assert pure.returncode == 0
    assert out == pure.stdout.decode()
    assert out.count("\n") >= len(frames)
