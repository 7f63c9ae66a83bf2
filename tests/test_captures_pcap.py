"""Classic pcap: reading both byte orders and resolutions, errors, writing."""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from captures import CaptureError, Frame, open_capture, open_writer
from captures.errors import CorruptCapture, CutShort, UnsupportedCapture
from captures.pcap import PcapWriter

USEC = 0xA1B2C3D4
NSEC = 0xA1B23C4D
PKTS = [bytes([i]) * (40 + i) for i in range(5)]


def pcap_bytes(
    packets: list[bytes] = PKTS,
    *,
    endian: str = "<",
    magic: int = USEC,
    linktype: int = 1,
    snaplen: int = 65535,
    major: int = 2,
) -> bytes:
    out = struct.pack(endian + "IHHiIII", magic, major, 4, 0, 0, snaplen, linktype)
    for i, data in enumerate(packets):
        out += struct.pack(endian + "IIII", 1_700_000_000 + i, 123 + i, len(data), 1000 + i)
        out += data
    return out


def write(tmp_path: Path, data: bytes, name: str = "x.pcap") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("endian", ["<", ">"])
@pytest.mark.parametrize(("magic", "digits", "mult"), [(USEC, 6, 1000), (NSEC, 9, 1)])
def test_read_byte_orders_and_resolutions(
    tmp_path: Path, endian: str, magic: int, digits: int, mult: int
) -> None:
    path = write(tmp_path, pcap_bytes(endian=endian, magic=magic))
    with open_capture(path) as cap:
        assert cap.format == "pcap"
        assert cap.linktype == 1
        assert cap.snaplen == 65535
        assert not cap.compressed
        assert len(cap.interfaces) == 1
        assert cap.interfaces[0].ts_digits == digits
        frames = [(f.number, f.ts_ns, f.ts_digits, f.caplen, f.origlen, bytes(f.data)) for f in cap]
    assert frames == [
        (i + 1, (1_700_000_000 + i) * 10**9 + (123 + i) * mult, digits, len(d), 1000 + i, d)
        for i, d in enumerate(PKTS)
    ]


@pytest.mark.parametrize(("magic", "mult", "times"), [
    # (seconds, fraction) a record: times later, earlier and far from the first record's
    # (a record's time is counted from the first one's seconds)
    (USEC, 1000, [(1_700_000_000, 5), (1_700_000_000, 999_999), (1_699_999_999, 0),
                  (0, 1), (0xFFFF_FFFF, 999_999), (1_700_000_001, 7)]),
    (NSEC, 1, [(4_000_000_000, 999_999_999), (1, 0), (4_000_000_000, 1),
               (3_999_999_998, 5)]),
    (USEC, 1000, [(0, 0), (0xFFFF_FFFF, 0), (12, 34)]),
])
def test_record_times_any_order(tmp_path: Path, magic: int, mult: int,
                                times: list[tuple[int, int]]) -> None:
    out = struct.pack("<IHHiIII", magic, 2, 4, 0, 0, 65535, 1)
    for sec, frac in times:
        out += struct.pack("<IIII", sec, frac, 1, 1) + b"x"
    with open_capture(write(tmp_path, out)) as cap:
        got = [f.ts_ns for f in cap]
    assert got == [sec * 10**9 + frac * mult for sec, frac in times]


def test_frame_fields(tmp_path: Path) -> None:
    path = write(tmp_path, pcap_bytes(linktype=101))
    with open_capture(path) as cap:
        frames = list(cap)
    assert [f.file_offset for f in frames] == [24, 80, 137, 195, 254]
    # (each record's own bytes: dissection indexes and slices them natively, compiled)
    assert all(type(f.data) is bytes for f in frames)
    assert {(f.linktype, f.interface_id, f.comment) for f in frames} == {(101, 0, None)}


def test_fcs_bits_masked_off(tmp_path: Path) -> None:
    # bit 26 says "FCS length present", bits 28-31 hold it (4 bytes here)
    path = write(tmp_path, pcap_bytes(linktype=(4 << 28) | 0x0400_0000 | 1))
    with open_capture(path) as cap:
        assert cap.linktype == 1
        assert cap.interfaces[0].fcs_len == 4
        assert {f.linktype for f in cap} == {1}


def test_snaplen_and_caplen_beyond_it_are_accepted(tmp_path: Path) -> None:
    # wiretap 4.0 only rejects records over 262144 bytes, not over the snaplen
    packets = [b"a" * 200, b"b" * 70000, b"c" * 262144]
    path = write(tmp_path, pcap_bytes(packets, snaplen=100))
    with open_capture(path) as cap:
        assert cap.snaplen == 100
        assert [bytes(f.data) for f in cap] == packets


def test_header_only_and_empty_file(tmp_path: Path) -> None:
    with open_capture(write(tmp_path, pcap_bytes([]))) as cap:
        assert list(cap) == []
    with open_capture(write(tmp_path, b"", "empty.pcap")) as cap:
        assert list(cap) == []
        assert cap.linktype is None


def read_until_error(path: Path) -> tuple[list[bytes], CaptureError]:
    got: list[bytes] = []
    with open_capture(path) as cap, pytest.raises(CaptureError) as info:
        for frame in cap:
            got.append(bytes(frame.data))
    return got, info.value


def test_cut_short_record_header(tmp_path: Path) -> None:
    data = pcap_bytes()
    path = write(tmp_path, data + struct.pack("<IIII", 1, 2, 60, 60)[:8], "cut.pcap")
    got, err = read_until_error(path)
    assert got == PKTS
    assert isinstance(err, CutShort)
    assert str(err) == (
        f'The file "{path}" appears to have been cut short in the middle of a packet.'
    )
    assert err.exit_code == 2
    assert err.offset == len(data)


def test_cut_short_record_body(tmp_path: Path) -> None:
    data = pcap_bytes()
    path = write(tmp_path, data + struct.pack("<IIII", 1, 2, 60, 60) + b"x" * 59)
    got, err = read_until_error(path)
    assert got == PKTS
    assert isinstance(err, CutShort)
    assert "cut short in the middle of a packet." in str(err)


def test_cut_short_file_header(tmp_path: Path) -> None:
    path = write(tmp_path, pcap_bytes()[:20])
    with pytest.raises(CutShort) as info:
        open_capture(path)
    assert str(info.value) == (
        f'The file "{path}" appears to have been cut short in the middle of a packet or other data.'
    )


@pytest.mark.parametrize("caplen", [262145, 0xFFFFFFFF])
def test_impossible_length(tmp_path: Path, caplen: int) -> None:
    data = pcap_bytes()
    path = write(tmp_path, data + struct.pack("<IIII", 1, 2, caplen, caplen) + b"x" * 64)
    got, err = read_until_error(path)
    assert got == PKTS
    assert isinstance(err, CorruptCapture)
    assert str(err) == (
        f'The file "{path}" appears to be damaged or corrupt. (pcap: File has '
        f"{caplen}-byte packet, bigger than maximum of 262144)"
    )
    assert err.offset == len(data)
    assert err.exit_code == 2


def test_unsupported_version(tmp_path: Path) -> None:
    path = write(tmp_path, pcap_bytes(major=1))
    with pytest.raises(UnsupportedCapture) as info:
        open_capture(path)
    assert str(info.value).endswith(
        "contains record data that labshark doesn't support. (pcap: major version 1 unsupported)"
    )


def test_errors_come_after_frames_across_chunks(tmp_path: Path) -> None:
    # enough records to span several 1 MiB reads before the damage
    packets = [bytes([i % 256]) * 1500 for i in range(2000)]
    path = write(tmp_path, pcap_bytes(packets) + struct.pack("<IIII", 1, 2, 10, 10))
    got, err = read_until_error(path)
    assert got == packets
    assert isinstance(err, CutShort)


@pytest.mark.parametrize("nanosecond", [False, True])
def test_round_trip(tmp_path: Path, nanosecond: bool) -> None:
    src = write(tmp_path, pcap_bytes(magic=NSEC if nanosecond else USEC, linktype=113))
    out = tmp_path / "out.pcap"
    with open_capture(src) as cap, open_writer(out, "pcap", interfaces=cap.interfaces) as w:
        for frame in cap:
            w.write(frame)
    with open_capture(src) as a, open_capture(out) as b:
        assert b.linktype == 113
        assert b.interfaces[0].ts_digits == a.interfaces[0].ts_digits
        fa = [(*astuple_no_data(f), bytes(f.data)) for f in a]
        fb = [(*astuple_no_data(f), bytes(f.data)) for f in b]
    assert fa == fb


def astuple_no_data(f: Frame) -> tuple[object, ...]:
    return (f.number, f.ts_ns, f.ts_digits, f.caplen, f.origlen, f.linktype, f.file_offset)


def test_writer_native_header_and_mixed_linktypes() -> None:
    buf = io.BytesIO()
    w = PcapWriter(buf, 1, snaplen=1000, nanosecond=True)
    w.write(Frame(1, 5_000_000_123, 9, 3, 3, 1, 0, b"abc"))
    with pytest.raises(CaptureError, match="network type"):
        w.write(Frame(2, 0, 9, 3, 3, 101, 0, b"abc"))
    w.close()
    raw = buf.getvalue()
    assert struct.unpack_from("=IHHiIII", raw) == (NSEC, 2, 4, 0, 0, 1000, 1)
    assert struct.unpack_from("=IIII", raw, 24) == (5, 123, 3, 3)


def test_writer_linktype_from_first_frame(tmp_path: Path) -> None:
    out = tmp_path / "o.pcap"
    with open_writer(out, "pcap") as w:
        w.write(Frame(1, 1_500_000_000, 6, 2, 2, 229, 0, b"\x60\x00"))
    with open_capture(out) as cap:
        assert cap.linktype == 229
        assert [(f.ts_ns, bytes(f.data)) for f in cap] == [(1_500_000_000, b"\x60\x00")]


@pytest.mark.tshark
@pytest.mark.skipif(shutil.which("tshark") is None, reason="no tshark")
def test_tshark_reads_our_pcap(tmp_path: Path) -> None:
    src = write(tmp_path, pcap_bytes(magic=NSEC))
    out = tmp_path / "out.pcap"
    with open_capture(src) as cap, open_writer(out, "pcap", interfaces=cap.interfaces) as w:
        for frame in cap:
            w.write(frame)
    fields = tshark_fields(out, "frame.time_epoch", "frame.len", "frame.cap_len")
    assert fields == [
        [f"{1_700_000_000 + i}.{123 + i:09d}", str(1000 + i), str(len(d))]
        for i, d in enumerate(PKTS)
    ]


def tshark_fields(path: Path, *fields: str) -> list[list[str]]:
    args = ["tshark", "-r", str(path), "-T", "fields"]
    for field in fields:
        args += ["-e", field]
    run = subprocess.run(args, capture_output=True, text=True, check=True)
    return [line.split("\t") for line in run.stdout.splitlines()]
