"""Timestamps at the edges of what a capture can say, printed as tshark 4.0 prints them.

wiretap keeps seconds in a 64-bit time_t: an if_tsoffset of 2^63-1 or an if_tsresol of 0
with a timestamp of 2^64-1 wraps them; a date gmtime cannot give is "Not representable"
(a blank -t ad column); a microsecond timestamp of 2^64-1 is a date in the year 586524,
past Python's datetime. Every output must match tshark byte for byte, and none may end
in "internal error".
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest
from diffutil import run_analyze, run_tshark, run_tshark_full

ARP = bytes.fromhex("ffffffffffff000000000001080600010800060400010000000000"
                    "01c0a80001000000000000c0a80002")


def _block(btype: int, body: bytes) -> bytes:
    body += b"\0" * (-len(body) % 4)
    return struct.pack("<II", btype, len(body) + 12) + body + struct.pack("<I", len(body) + 12)


def _option(code: int, value: bytes) -> bytes:
    return struct.pack("<HH", code, len(value)) + value + b"\0" * (-len(value) % 4)


def _pcapng(path: Path, options: bytes, stamps: list[int]) -> Path:
    """One section, one Ethernet interface with these IDB options, one EPB per stamp."""
    shb = _block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    idb = _block(1, struct.pack("<HHI", 1, 0, 0) + (options + _option(0, b"") if options
                                                    else b""))
    epbs = b"".join(_block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(ARP),
                                          len(ARP)) + ARP) for ts in stamps)
    path.write_bytes(shb + idb + epbs)
    return path


def _pcap_max(path: Path) -> Path:
    """Classic pcap, microseconds: the largest unsigned seconds, and both sides of 2^31."""
    recs = b"".join(struct.pack("<IIII", s, us, len(ARP), len(ARP)) + ARP
                    for s, us in ((0xFFFFFFFF, 999999), (0x7FFFFFFF, 0), (0x80000000, 0)))
    path.write_bytes(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1) + recs)
    return path


TSOFFSET, TSRESOL = 14, 9
MAX64 = (1 << 64) - 1


@pytest.fixture(scope="module")
def captures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("time_edges")
    return {
        # 1 s + (2^63-1) wraps to -2^63: no date; 2^64-1 µs after it; 0 + offset = 2^63-1.
        "tsoffset_max": _pcapng(d / "tsoffset.pcapng",
                                _option(TSOFFSET, struct.pack("<q", (1 << 63) - 1)),
                                [1_000_000, MAX64, 0]),
        # Seconds resolution: 2^64-1 seconds is (time_t)-1, one second before 1970.
        "tsresol_0": _pcapng(d / "tsresol0.pcapng", _option(TSRESOL, b"\0"),
                             [MAX64, 1_700_000_000]),
        # Dates far from ours: year 5, 0, 1 and 10000, and years of ten digits either way.
        "years": _pcapng(d / "years.pcapng", _option(TSRESOL, b"\0"),
                         [MAX64 + 1 - 62_000_000_000, MAX64 + 1 - 60_000_000_000_000_000,
                          60_000_000_000_000_000, MAX64 + 1 - 62_135_596_800,
                          MAX64 + 1 - 62_135_596_801, 253_402_300_800]),
        "negative_offset": _pcapng(d / "negoff.pcapng",
                                   _option(TSOFFSET, struct.pack("<q", -5)),
                                   [1_500_000, 4_000_000, 999]),
        # Microseconds: 2^64-1 is Jan 19, 586524.
        "usec_max": _pcapng(d / "usecmax.pcapng", b"", [MAX64, 1_700_000_000_000_000]),
        "pcap_max": _pcap_max(d / "max.pcap"),
    }


TIME_FIELDS = ["-T", "fields", "-e", "frame.time", "-e", "frame.time_epoch",
               "-e", "frame.time_relative", "-e", "frame.time_delta",
               "-e", "frame.time_delta_displayed", "-e", "_ws.col.Time"]
OUTPUTS = [[], ["-t", "ad"], ["-t", "a"], ["-t", "ud"], ["-t", "u"], ["-t", "e"],
           ["-t", "r"], ["-t", "d"], ["-t", "adoy"], ["-t", "udoy"], ["-V"], ["-T", "json"],
           TIME_FIELDS, ["-t", "ad", *TIME_FIELDS], ["-t", "e", *TIME_FIELDS]]

# tshark 4.0 writes -T ek's date into a 20-byte buffer: a longer one (a year of five
# digits or more) leaves bytes of old memory where the seconds should be. We print
# the whole date; in those captures -T ek's dates are left out of the comparison.
_EK_DATE = re.compile(rb'"frame_frame_time":".*?\.[0-9]{9}Z"')
LONG_YEARS = ("years", "usec_max")


def _same(name: str, captures: dict[str, Path], args: list[str]) -> None:
    rc, ours, err = run_analyze(["-r", str(captures[name]), *args])
    assert rc == 0 and "internal error" not in err, err
    theirs = run_tshark(["-r", str(captures[name]), *args])
    a, b = ours.splitlines(), theirs.splitlines()
    bad = [(i + 1, x, y) for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y]
    assert not bad and len(a) == len(b), bad[:3] or (len(a), len(b))


@pytest.mark.tshark
@pytest.mark.parametrize("name", ["tsoffset_max", "tsresol_0", "years", "negative_offset",
                                  "usec_max", "pcap_max"])
@pytest.mark.parametrize("args", OUTPUTS, ids=lambda a: " ".join(a[:3]) or "list")
def test_edge_times_equal_tshark(captures: dict[str, Path], name: str, args: list[str]) -> None:
    _same(name, captures, args)


@pytest.mark.tshark
@pytest.mark.parametrize("name", ["tsoffset_max", "tsresol_0", "years", "negative_offset",
                                  "usec_max", "pcap_max"])
def test_edge_times_ek_equal_tshark(captures: dict[str, Path], name: str) -> None:
    rc, out, err = run_analyze(["-r", str(captures[name]), "-T", "ek"])
    assert rc == 0, err
    ours = out.encode()
    theirs = run_tshark_full(["-r", str(captures[name]), "-T", "ek"], text=False).stdout
    if name in LONG_YEARS:
        ours = _EK_DATE.sub(b"(date)", ours)
        theirs = _EK_DATE.sub(b"(date)", theirs)
    assert ours == theirs
    if name == "usec_max":
        assert '"frame_frame_time":"586524-01-19T08:01:49.551615000Z"' in out


def test_wrapped_and_unrepresentable_times(captures: dict[str, Path]) -> None:
    """The facts behind the comparisons, for a machine without tshark."""
    rc, out, err = run_analyze(["-r", str(captures["tsoffset_max"]), *TIME_FIELDS])
    assert rc == 0, err
    rows = [r.split("\t") for r in out.splitlines()]
    assert rows[0][:2] == ["Not representable", "-9223372036854775808.000000000"]
    assert rows[2][1:4] == ["9223372036854775807.000000000", "-1.000000000",
                            "-18446744073710.448385000"]
    rc, out, err = run_analyze(["-r", str(captures["tsoffset_max"]), "-t", "ad"])
    assert out.splitlines()[0].startswith("    1            00:00:00:00:00:01")
    rc, out, err = run_analyze(["-r", str(captures["usec_max"]), "-t", "ad"])
    assert out.splitlines()[0].startswith("    1 586524-01-19 08:01:49.551615 ")
    rc, out, err = run_analyze(["-r", str(captures["tsresol_0"]), "-t", "e"])
    assert out.splitlines()[0].startswith("    1         -1 ")
