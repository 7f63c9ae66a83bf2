"""Issue 12: no display filter, in -Y or in a -z tap, ends in an internal error.

Each case runs `analyze` and tshark 4.0 on the same small capture and compares exit
status, stdout and stderr (`analyze:` where tshark says `tshark:`), or the frames a
filter matches.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from diffutil import run_analyze, run_tshark_full


def _udp(payload: bytes, sport: int = 40000) -> bytes:
    """Ethernet/IPv4/UDP frame (checksums zero: tshark does not check them)."""
    eth = bytes.fromhex("001122334455" "66778899aabb" "0800")
    ulen = 8 + len(payload)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, 1, 0, 64, 17, 0,
                     bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    return eth + ip + struct.pack("!HHHH", sport, 40001, ulen, 0) + payload


def write_pcap(path: Path, frames: list[bytes]) -> Path:
    """A classic pcap (Ethernet), frames one second apart."""
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    for i, f in enumerate(frames):
        out += struct.pack("<IIII", 1_600_000_000 + i, 0, len(f), len(f)) + f
    path.write_bytes(out)
    return path


@pytest.fixture(scope="module")
def small_pcap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    frames = [_udp(b"hello"), _udp(b"abc\xffdef"), _udp(b"plain"), _udp(b"\xc3\xbf utf8")]
    return write_pcap(tmp_path_factory.mktemp("robust") / "small.pcap", frames)


def _same_as_tshark(args: list[str]) -> None:
    rc, out, err = run_analyze(args)
    cp = run_tshark_full(args)
    assert "internal error" not in err
    assert (rc, out) == (cp.returncode, cp.stdout)
    ours = "\n".join(ln for ln in err.splitlines() if ln.strip())
    assert ours.replace("analyze: ", "tshark: ") == cp.stderr


# ---- 1. numbers out of range ---------------------------------------------------------
_HUGE = "frame.time_delta > 1e400"


@pytest.mark.tshark
@pytest.mark.parametrize("args", [
    ["-Y", _HUGE], ["-Y", "icmp.resptime > 1e400"], ["-Y", "frame[2147483648] == 1"],
    ["-Y", "frame.len > 18446744073709551616"],
    ["-q", "-z", f"conv,ip,{_HUGE}"], ["-q", "-z", f"endpoints,ip,{_HUGE}"],
    ["-q", "-z", f"expert,{_HUGE}"], ["-q", "-z", f"io,phs,{_HUGE}"],
    ["-q", "-z", f"io,stat,1,{_HUGE}"], ["-q", "-z", f"io,stat,1,SUM(frame.len){_HUGE}"],
])
def test_out_of_range_number_refused_like_tshark(small_pcap: Path, args: list[str]) -> None:
    _same_as_tshark(["-r", str(small_pcap), *args])
