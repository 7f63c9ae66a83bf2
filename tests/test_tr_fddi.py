"""Token Ring (LINKTYPE 6) and FDDI (LINKTYPE 10) link layers against tshark: the public
Wireshark samples, a hand-built source-routed Token Ring frame, and cut-short frames."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ANALYZE = ROOT / ".venv" / "bin" / "analyze"
TSHARK = shutil.which("tshark")
DATA = ROOT / "tests" / "data" / "wireshark"

TR_FIELDS = [
    "tr.ac", "tr.priority", "tr.frame", "tr.monitor_cnt", "tr.priority_reservation", "tr.fc",
    "tr.frame_type", "tr.frame_pcf", "tr.dst", "tr.src", "tr.addr", "tr.sr", "tr.rif_bytes",
    "tr.broadcast", "tr.max_frame_size", "tr.direction", "tr.rif", "tr.rif.ring",
    "tr.rif.bridge", "tr.rif.extra",
]
FDDI_FIELDS = ["fddi.fc", "fddi.fc.clf", "fddi.fc.prio", "fddi.fc.smt_subtype",
               "fddi.fc.mac_subtype", "fddi.dst", "fddi.src", "fddi.addr"]
COMMON = ["frame.protocols", "ip.src", "ip.dst", "udp.srcport", "udp.dstport",
          "frame.encap_type"]

DST = bytes.fromhex("002035012b59")
SRC = bytes.fromhex("0006291793f8")
SRC_SR = bytes([SRC[0] | 0x80]) + SRC[1:]
SNAP_IP = bytes.fromhex("aaaa03000000") + b"\x08\x00"
IP_UDP = bytes.fromhex("4500001c0001000040117cce7f0000017f000001" "3039303900080000")


def _pcap(path: Path, linktype: int, frames: list[bytes | tuple[bytes, int]]) -> Path:
    """Write a classic pcap; a (bytes, origlen) tuple makes a snapshot-truncated record."""
    with path.open("wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype))
        for i, fr in enumerate(frames):
            data, orig = fr if isinstance(fr, tuple) else (fr, len(fr))
            f.write(struct.pack("<IIII", i, 0, len(data), orig) + data)
    return path


def _fields(prog: list[str], cap: Path, fields: list[str]) -> list[list[str]]:
    args = [*prog, "-n", "-r", str(cap), "-T", "fields"]
    for fld in fields:
        args += ["-e", fld]
    out = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert "Traceback" not in out.stderr
    return [line.split("\t") for line in out.stdout.splitlines()]


def ours(cap: Path, fields: list[str]) -> list[list[str]]:
    return _fields([str(ANALYZE)], cap, fields)


def theirs(cap: Path, fields: list[str]) -> list[list[str]]:
    return _fields([TSHARK or "tshark"], cap, fields)


def _lines(prog: list[str], cap: Path) -> list[str]:
    out = subprocess.run([*prog, "-n", "-r", str(cap)], capture_output=True, text=True,
                         timeout=60)
    assert "Traceback" not in out.stderr
    return out.stdout.splitlines()


needs_tshark = pytest.mark.skipif(TSHARK is None, reason="tshark not installed")


@needs_tshark
@pytest.mark.parametrize(("name", "fields"), [("tftp.pcap", TR_FIELDS),
                                              ("nfs.pcap", FDDI_FIELDS)])
def test_sample_fields_match_tshark(name: str, fields: list[str]) -> None:
    cap = DATA / name
    mine, ref = ours(cap, fields + COMMON), theirs(cap, fields + COMMON)
    assert len(mine) == len(ref) > 0
    n = len(fields)
    for a, b in zip(mine, ref, strict=True):
        # The link layer's fields, IP/UDP and the encapsulation must agree exactly.
        assert a[:n] == b[:n]
        assert a[n + 1:] == b[n + 1:]
        # frame.protocols: the part up to UDP is ours (tftp/rpc/nfs belong to others).
        assert a[n].split(":")[:4] == b[n].split(":")[:4]


def test_sample_values() -> None:
    """Known values of the samples, so the check holds without tshark too."""
    tr = ours(DATA / "tftp.pcap", ["tr.dst", "tr.src", "tr.sr", "frame.encap_type",
                                   "frame.protocols"])
    assert tr[0][:4] == ["00:20:35:01:2b:59", "00:06:29:17:93:f8,00:06:29:17:93:f8", "0", "2"]
    assert tr[0][4].startswith("tr:llc:ip:udp")
    fd = ours(DATA / "nfs.pcap", ["fddi.dst", "fddi.src", "fddi.fc.clf", "frame.encap_type"])
    # FDDI addresses are stored bit-reversed: 10 00 d4 cd 59 6f on the wire.
    assert fd[0] == ["08:00:2b:b3:9a:f6,08:00:2b:b3:9a:f6",
                     "00:e0:52:80:76:00,00:e0:52:80:76:00", "0x05", "6"]


def test_source_routed_frame(tmp_path: Path) -> None:
    rif = bytes.fromhex("c8b0" "0011" "0022" "0030")  # 8 RIF bytes: rings 1, 2, 3
    cap = _pcap(tmp_path / "sr.pcap", 6, [b"\x10\x40" + DST + SRC_SR + rif + SNAP_IP + IP_UDP])
    row = ours(cap, TR_FIELDS + COMMON)[0]
    got = dict(zip(TR_FIELDS + COMMON, row, strict=True))
    assert got["tr.sr"] == "1"
    assert got["tr.src"] == "80:06:29:17:93:f8,00:06:29:17:93:f8"
    assert (got["tr.rif_bytes"], got["tr.broadcast"], got["tr.max_frame_size"],
            got["tr.direction"]) == ("8", "192", "48", "128")
    assert got["tr.rif"] == "001-1-002-2-003"
    assert got["tr.rif.ring"] == "0x0001,0x0002,0x0003"
    assert got["tr.rif.bridge"] == "0x01,0x02"
    assert got["frame.protocols"] == "tr:llc:ip:udp"
    assert got["udp.dstport"] == "12345"
    if TSHARK:
        assert ours(cap, TR_FIELDS + COMMON) == theirs(cap, TR_FIELDS + COMMON)
        assert _lines([str(ANALYZE)], cap) == _lines([TSHARK], cap)


def test_long_rif_and_non_llc_frames(tmp_path: Path) -> None:
    """A 31-byte RIF (one byte beyond the 30 the spec allows) and reserved frame types."""
    frames = [
        b"\x10\x40" + DST + SRC_SR + b"\x3f\x00" + bytes(29) + SNAP_IP + IP_UDP,
        b"\x00\x40" + DST + SRC_SR + b"\x02\x90" + SNAP_IP + IP_UDP,
        b"\x10\xcf" + DST + SRC + b"\x00\x01\x02",
    ]
    cap = _pcap(tmp_path / "misc.pcap", 6, frames)
    rows = ours(cap, TR_FIELDS + COMMON)
    got = dict(zip(TR_FIELDS + COMMON, rows[0], strict=True))
    assert got["tr.rif_bytes"] == "31" and got["tr.rif.extra"] == "00"
    assert got["tr.rif"] == "-".join(["000"] + ["0-000"] * 13)
    assert rows[2][TR_FIELDS.index("tr.frame_type")] == "3"
    if TSHARK:
        assert rows == theirs(cap, TR_FIELDS + COMMON)
        assert _lines([str(ANALYZE)], cap) == _lines([TSHARK], cap)


def test_truncated_token_ring(tmp_path: Path) -> None:
    """Malformed (bytes missing from the packet) and short (snapshot cut) frames."""
    full = b"\x10\x40" + DST + SRC_SR + bytes.fromhex("c8b0001100220030") + SNAP_IP + IP_UDP
    frames: list[bytes | tuple[bytes, int]] = [
        full[:19],  # RIF claims 8 bytes, only 3 there
        full[:8] + SRC,  # exactly 14 bytes: RCF byte read anyway
        full[:5],  # not even the addresses
        (full[:20], len(full)),  # snapshot length cut inside the RIF
    ]
    cap = _pcap(tmp_path / "trunc.pcap", 6, frames)
    fields = ["frame.protocols", "tr.rif_bytes", "tr.rif.ring", "_ws.malformed", "_ws.short"]
    rows = ours(cap, fields)
    assert len(rows) == 4
    assert rows[0][:3] == ["tr", "8", "0x0001"] and rows[0][3].startswith("[Malformed Packet")
    assert rows[1][0] == "tr" and rows[1][3].startswith("[Malformed Packet")
    assert rows[2][0] == "tr" and rows[2][3].startswith("[Malformed Packet")
    assert rows[3][3] == "" and rows[3][4] != ""
    if TSHARK:
        ref = theirs(cap, fields)
        for a, b in zip(rows, ref, strict=True):
            assert a[:3] == b[:3]
            assert a[3].split(",")[0] == b[3].split(",")[0]
            assert bool(a[4]) == bool(b[4])
        assert _lines([str(ANALYZE)], cap) == _lines([TSHARK], cap)


def test_fddi_frame_kinds(tmp_path: Path) -> None:
    """SMT/MAC/token/unknown frame controls go to data; a cut header is malformed."""
    frames = [b"\x50" + bytes.fromhex("1000d4cd596f00074a016e00") + SNAP_IP + IP_UDP,
              b"\x41" + bytes(12), b"\x51" + bytes(5), b"\x4f" + bytes(12) + b"ab",
              b"\xc2" + bytes(12) + b"xy", b"\x80" + bytes(12) + b"q",
              b"\x20" + bytes(12) + b"q", b"\x01" + bytes(12) + b"q",
              b"\x58" + bytes(12) + SNAP_IP + IP_UDP]
    cap = _pcap(tmp_path / "fddi.pcap", 10, frames)
    fields = FDDI_FIELDS + COMMON + ["_ws.malformed"]
    rows = ours(cap, fields)
    assert rows[0][FDDI_FIELDS.index("fddi.dst")] == "08:00:2b:b3:9a:f6,08:00:2b:b3:9a:f6"
    assert rows[0][len(FDDI_FIELDS)] == "fddi:llc:ip:udp"
    assert rows[2][-1].startswith("[Malformed Packet: FDDI]")
    assert rows[3][FDDI_FIELDS.index("fddi.fc.smt_subtype")] == "15"
    if TSHARK:
        ref = theirs(cap, fields)
        assert [r[:-1] for r in rows] == [r[:-1] for r in ref]
        assert _lines([str(ANALYZE)], cap) == _lines([TSHARK], cap)
