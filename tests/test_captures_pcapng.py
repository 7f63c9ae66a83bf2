"""pcapng: sections, interfaces, packet block kinds, options, errors, writing."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from captures import CaptureError, Frame, Interface, open_capture, open_writer
from captures.errors import CorruptCapture, CutShort, NotACaptureFile, UnsupportedCapture
from captures.pcapng import ts_scale

needs_tshark = pytest.mark.skipif(shutil.which("tshark") is None, reason="no tshark")
BOM = 0x1A2B3C4D


def opt(code: int, value: bytes, e: str = "<") -> bytes:
    return struct.pack(e + "HH", code, len(value)) + value + b"\0" * (-len(value) % 4)


def blk(btype: int, body: bytes, e: str = "<") -> bytes:
    body += b"\0" * (-len(body) % 4)
    total = len(body) + 12
    return struct.pack(e + "II", btype, total) + body + struct.pack(e + "I", total)


def shb(e: str = "<", major: int = 1) -> bytes:
    body = struct.pack(e + "IHHq", BOM, major, 0, -1)
    body += opt(4, b"test", e) + opt(0, b"", e)
    return blk(0x0A0D0D0A, body, e)


def idb(
    linktype: int = 1,
    snaplen: int = 65535,
    e: str = "<",
    *,
    name: str | None = None,
    desc: str | None = None,
    tsresol: int | None = None,
    tsoffset: int | None = None,
) -> bytes:
    body = struct.pack(e + "HHI", linktype, 0, snaplen)
    opts = b""
    if name is not None:
        opts += opt(2, name.encode(), e)
    if desc is not None:
        opts += opt(3, desc.encode(), e)
    if tsresol is not None:
        opts += opt(9, bytes([tsresol]), e)
    if tsoffset is not None:
        opts += opt(14, struct.pack(e + "q", tsoffset), e)
    return blk(1, body + (opts + opt(0, b"", e) if opts else b""), e)


def epb(
    ifid: int,
    ts: int,
    data: bytes,
    e: str = "<",
    *,
    comments: tuple[str, ...] = (),
    origlen: int | None = None,
) -> bytes:
    body = struct.pack(
        e + "IIIII", ifid, ts >> 32, ts & 0xFFFFFFFF, len(data), origlen or len(data)
    )
    body += data + b"\0" * (-len(data) % 4)
    if comments:
        body += b"".join(opt(1, c.encode(), e) for c in comments) + opt(0, b"", e)
    return blk(6, body, e)


def spb(data: bytes, origlen: int, e: str = "<") -> bytes:
    return blk(3, struct.pack(e + "I", origlen) + data, e)


def opb(ifid: int, ts: int, data: bytes, e: str = "<") -> bytes:
    body = struct.pack(e + "HHIIII", ifid, 0, ts >> 32, ts & 0xFFFFFFFF, len(data), len(data))
    return blk(2, body + data, e)


def save(tmp_path: Path, data: bytes, name: str = "x.pcapng") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def rows(path: Path) -> list[tuple[object, ...]]:
    with open_capture(path) as cap:
        return [
            (f.number, f.ts_ns, f.ts_digits, f.caplen, f.origlen, f.linktype)
            + (f.interface_id, bytes(f.data), f.comment)
            for f in cap
        ]


@pytest.mark.parametrize("e", ["<", ">"])
def test_basic_both_byte_orders(tmp_path: Path, e: str) -> None:
    data = (
        shb(e)
        + idb(1, 1500, e, name="eth0", desc="uplink")
        + epb(0, 1_700_000_000_123_456, b"abcde", e)
    )
    path = save(tmp_path, data)
    with open_capture(path) as cap:
        assert cap.format == "pcapng"
        assert cap.linktype == 1
        assert cap.snaplen == 1500
        assert cap.interfaces == [Interface(1, 1500, 6, "eth0", "uplink")]
        frames = list(cap)
    assert len(frames) == 1
    f = frames[0]
    assert (f.ts_ns, f.ts_digits, f.caplen, f.origlen, bytes(f.data)) == (
        1_700_000_000_123_456_000,
        6,
        5,
        5,
        b"abcde",
    )
    assert f.file_offset == len(shb(e) + idb(1, 1500, e, name="eth0", desc="uplink"))
    assert isinstance(f.data, memoryview)


def test_two_interfaces_link_types_and_resolutions(tmp_path: Path) -> None:
    data = (
        shb()
        + idb(1, tsresol=9)
        + idb(101, tsresol=3, tsoffset=1000)
        + idb(229, tsresol=0x80 | 20)  # 2^-20 s
        + epb(0, 1_700_000_000_123_456_789, b"eth")
        + epb(1, 42_500, b"\x45raw")
        + epb(2, 3 << 19, b"\x60ip6")  # 1.5 s
    )
    path = save(tmp_path, data)
    with open_capture(path) as cap:
        assert [(i.linktype, i.ts_digits) for i in cap.interfaces] == [
            (1, 9),
            (101, 3),
            (229, 9),
        ]
    assert [(r[1], r[2], r[5], r[6]) for r in rows(path)] == [
        (1_700_000_000_123_456_789, 9, 1, 0),
        ((1000 + 42) * 10**9 + 500_000_000, 3, 101, 1),
        (1_500_000_000, 9, 229, 2),
    ]


def test_ts_scale_is_exact_integer_math() -> None:
    assert ts_scale(6) == (1000, 1, 6)
    assert ts_scale(9) == (1, 1, 9)
    assert ts_scale(12) == (1, 1000, 9)
    assert ts_scale(0x80 | 10) == (10**9, 1024, 9)


def test_two_sections_reset_interfaces(tmp_path: Path) -> None:
    data = (
        shb("<")
        + idb(1, e="<")
        + epb(0, 1_000_000, b"first", "<")
        + shb(">")
        + idb(113, e=">", tsresol=9)
        + idb(1, e=">")
        + epb(0, 7, b"second", ">")
        + epb(1, 8, b"third", ">")
    )
    path = save(tmp_path, data)
    with open_capture(path) as cap:
        it = iter(cap)
        assert len(cap.interfaces) == 1
        got = [(f.interface_id, f.linktype, f.ts_ns, bytes(f.data)) for f in it]
        assert [i.linktype for i in cap.interfaces] == [1, 113, 1]  # grew while reading
    assert got == [(0, 1, 10**9, b"first"), (1, 113, 7, b"second"), (2, 1, 8000, b"third")]


def test_interface_added_mid_file(tmp_path: Path) -> None:
    data = shb() + idb(1) + epb(0, 1, b"a") + idb(101) + epb(1, 2, b"b")
    with open_capture(save(tmp_path, data)) as cap:
        seen = []
        for frame in cap:
            seen.append((frame.linktype, len(cap.interfaces)))
    assert seen == [(1, 1), (101, 2)]


def test_spb_opb_and_skipped_blocks(tmp_path: Path) -> None:
    isb = blk(5, struct.pack("<IIIi", 0, 0, 0, 0))
    nrb = blk(4, struct.pack("<HH", 0, 0))
    custom = blk(0x40000BAD, b"\x00\x00\x7e\x6c" + b"whatever")
    unknown = blk(0x12345, b"junk" * 5)
    data = (
        shb()
        + idb(1, snaplen=8)
        + nrb
        + spb(b"0123456789", origlen=10)  # snaplen 8 cuts it to 8 bytes
        + spb(b"abc", origlen=3)
        + custom
        + unknown
        + opb(0, 2_000_000, b"obsolete")
        + isb
    )
    assert [(r[1], r[3], r[4], r[7]) for r in rows(save(tmp_path, data))] == [
        (0, 8, 10, b"01234567"),
        (0, 3, 3, b"abc"),
        (2 * 10**9, 8, 8, b"obsolete"),
    ]


def test_comments(tmp_path: Path) -> None:
    data = (
        shb()
        + idb(1)
        + epb(0, 1, b"x", comments=("hello, wörld",))
        + epb(0, 2, b"y")
        + epb(0, 3, b"z", comments=("one", "two"))
    )
    assert [r[8] for r in rows(save(tmp_path, data))] == ["hello, wörld", None, "one\ntwo"]


def read_until_error(path: Path) -> tuple[list[bytes], CaptureError]:
    got: list[bytes] = []
    with pytest.raises(CaptureError) as info:  # frames come before the error
        with open_capture(path) as cap:
            for frame in cap:
                got.append(bytes(frame.data))
    return got, info.value


GOOD = [b"p1", b"p2", b"p3"]


def good_prefix() -> bytes:
    return shb() + idb(1) + b"".join(epb(0, i, d) for i, d in enumerate(GOOD))


def corrupt_block(length: int | None = None, trailer: int | None = None) -> bytes:
    block = bytearray(epb(0, 9, bytes(60)))
    if length is not None:
        block[4:8] = struct.pack("<I", length)
    if trailer is not None:
        block[-4:] = struct.pack("<I", trailer)
    return bytes(block)


@pytest.mark.parametrize(
    ("tail", "detail"),
    [
        (corrupt_block(length=94), "pcapng: total block length 94 is not a multiple of 4"),
        (
            corrupt_block(length=8),
            "pcapng: total block length 8 of an EPB is less than the minimum EPB size 32",
        ),
        (
            blk(0x999, b"")[:4] + struct.pack("<I", 8) + b"\0" * 8,
            "pcapng: total block length 8 is too small (< 12)",
        ),
        (
            corrupt_block(trailer=100),
            "pcapng: total block lengths (first 92 and second 100) don't match",
        ),
        (
            corrupt_block(length=0x7FFFFFF0),
            "pcapng: total block length 2147483632 is too large (> 134348832)",
        ),
        (
            epb(3, 0, b"x"),
            "pcapng: interface index 3 is not less than section interface count 1",
        ),
        (epb(0, 0, bytes(262145)), "pcapng: cap_len 262145 is larger than 262144"),
        (
            blk(6, struct.pack("<IIIII", 0, 0, 0, 200, 200) + bytes(60)),
            "pcapng: total block length 92 of an EPB is too small for 200 bytes of packet data",
        ),
        (
            blk(0x0A0D0D0A, struct.pack("<IHHq", 0x11223344, 1, 0, -1)),
            "pcapng: unknown byte-order magic number 0x11223344",
        ),
    ],
)
def test_damaged(tmp_path: Path, tail: bytes, detail: str) -> None:
    path = save(tmp_path, good_prefix() + tail + epb(0, 0, b"never"))
    got, err = read_until_error(path)
    assert got == GOOD
    assert isinstance(err, CorruptCapture)
    assert str(err) == f'The file "{path}" appears to be damaged or corrupt. ({detail})'
    assert err.detail == detail
    assert err.offset == len(good_prefix())
    assert err.exit_code == 2


@pytest.mark.parametrize("cut", [6, 40])
def test_cut_short(tmp_path: Path, cut: int) -> None:
    path = save(tmp_path, good_prefix() + epb(0, 0, bytes(60))[:cut])
    got, err = read_until_error(path)
    assert got == GOOD
    assert isinstance(err, CutShort)
    assert str(err) == (
        f'The file "{path}" appears to have been cut short in the middle of a packet.'
    )


def test_error_before_any_packet_is_raised_by_the_iterator(tmp_path: Path) -> None:
    path = save(tmp_path, shb() + idb(1) + corrupt_block(trailer=5))
    with open_capture(path) as cap:
        assert cap.linktype == 1  # blocks before the damage were read at open
        with pytest.raises(CorruptCapture):
            list(cap)


def test_bad_first_shb(tmp_path: Path) -> None:
    bad_bom = blk(0x0A0D0D0A, struct.pack("<IHHq", 0x11223344, 1, 0, -1))
    with pytest.raises(NotACaptureFile):
        open_capture(save(tmp_path, bad_bom + idb(1)))
    with pytest.raises(UnsupportedCapture, match=r"\(pcapng: unknown SHB version 2\.0\)"):
        open_capture(save(tmp_path, shb(major=2) + idb(1)))


def sample_frames() -> list[Frame]:
    return [
        Frame(1, 1_700_000_000_123_456_789, 9, 5, 60, 1, 0, b"hello", comment="first"),
        Frame(2, 1_700_000_001_000_001_000, 6, 4, 4, 101, 1, b"\x45\x00\x00\x04"),
        Frame(3, 1_700_000_002_123_456_789, 9, 3, 3, 1, 0, b"abc", comment="multi\nline"),
    ]


def test_writer_round_trip_keeps_everything(tmp_path: Path) -> None:
    out = tmp_path / "w.pcapng"
    with open_writer(out) as w:
        for frame in sample_frames():
            w.write(frame)
    with open_capture(out) as cap:
        got = list(cap)
        assert [(i.linktype, i.ts_digits) for i in cap.interfaces] == [(1, 9), (101, 6)]
    for a, b in zip(sample_frames(), got, strict=True):
        assert (a.ts_ns, a.ts_digits, a.caplen, a.origlen, a.linktype, a.comment) == (
            b.ts_ns,
            b.ts_digits,
            b.caplen,
            b.origlen,
            b.linktype,
            b.comment,
        )
        assert a.interface_id == b.interface_id
        assert bytes(a.data) == bytes(b.data)


def test_read_write_read_identical(tmp_path: Path) -> None:
    data = (
        shb()
        + idb(1, name="eth0", tsresol=9)
        + idb(113, desc="cooked")
        + epb(1, 5_000_000, b"second-if-first", comments=("c",))
        + epb(0, 1_700_000_000_123_456_789, b"x" * 61)
    )
    src = save(tmp_path, data)
    out = tmp_path / "copy.pcapng"
    with open_capture(src) as cap, open_writer(out, interfaces=cap.interfaces) as w:
        for frame in cap:
            w.write(frame)
    with open_capture(src) as a, open_capture(out) as b:
        assert a.interfaces == b.interfaces
    strip = [r[:8] + r[8:] for r in rows(src)]
    assert rows(out) == strip


def test_writer_adds_idb_for_finer_timestamps(tmp_path: Path) -> None:
    out = tmp_path / "fine.pcapng"
    with open_writer(out, interfaces=[Interface(1, 65535, 6)]) as w:
        w.write(Frame(1, 1_000_000, 6, 1, 1, 1, 0, b"a"))
        w.write(Frame(2, 1_000_000_007, 9, 1, 1, 1, 0, b"b"))
    assert [(r[1], r[2]) for r in rows(out)] == [(1_000_000, 6), (1_000_000_007, 9)]


@pytest.mark.tshark
@needs_tshark
def test_tshark_reads_our_pcapng(tmp_path: Path) -> None:
    out = tmp_path / "ours.pcapng"
    with open_writer(out) as w:
        for frame in sample_frames():
            w.write(frame)
    run = subprocess.run(
        ["tshark", "-r", str(out), "-T", "fields"]
        + sum(
            (
                ["-e", f]
                for f in (
                    "frame.number",
                    "frame.time_epoch",
                    "frame.len",
                    "frame.cap_len",
                    "frame.interface_id",
                    "frame.comment",
                )
            ),
            [],
        ),
        capture_output=True,
        text=True,
        check=True,
    )
    assert [line.split("\t") for line in run.stdout.splitlines()] == [
        ["1", "1700000000.123456789", "60", "5", "0", "first"],
        ["2", "1700000001.000001000", "4", "4", "1", ""],
        ["3", "1700000002.123456789", "3", "3", "0", "multi\\nline"],
    ]
    # tshark's own copy of our file reads back to the same frames
    copy = tmp_path / "tshark-copy.pcapng"
    subprocess.run(["tshark", "-r", str(out), "-w", str(copy)], check=True, capture_output=True)
    assert [r[1:] for r in rows(copy)] == [r[1:] for r in rows(out)]
