"""open_capture: detection by magic, gzip, stdin, reopen(), and open errors."""

from __future__ import annotations

import gzip
import io
import os
import struct
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from captures import CaptureError, Frame, open_capture, open_writer
from captures.errors import (
    CaptureFileNotFound,
    CaptureIsDirectory,
    CutShort,
    NotACaptureFile,
)
from captures.linktypes import LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL2, linktype_name
from captures.pcapng import PcapngWriter

ROOT = Path(__file__).resolve().parent.parent
PKTS = [bytes([i]) * (50 + i) for i in range(10)]


def pcap_bytes(packets: list[bytes] = PKTS) -> bytes:
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    for i, data in enumerate(packets):
        out += struct.pack("<IIII", 100 + i, i, len(data), len(data)) + data
    return out


def pcapng_bytes() -> bytes:
    out = io.BytesIO()
    with PcapngWriter(out) as w:
        for i, data in enumerate(PKTS):
            w.write(Frame(i + 1, i * 1000, 6, len(data), len(data), 1, 0, data))
    return out.getvalue()


def datas(cap: Iterable[Frame]) -> list[bytes]:
    return [bytes(f.data) for f in cap]


@pytest.mark.parametrize("maker", [pcap_bytes, pcapng_bytes])
def test_detects_format_by_magic_not_name(tmp_path: Path, maker: Callable[[], bytes]) -> None:
    path = tmp_path / "misleading.txt"
    path.write_bytes(maker())
    with open_capture(str(path)) as cap:
        assert cap.format == ("pcap" if maker is pcap_bytes else "pcapng")
        assert cap.path == str(path)
        assert datas(cap) == PKTS


@pytest.mark.parametrize("maker", [pcap_bytes, pcapng_bytes])
def test_gzip(tmp_path: Path, maker: Callable[[], bytes]) -> None:
    path = tmp_path / "x.pcap.gz"
    path.write_bytes(gzip.compress(maker()))
    with open_capture(path) as cap:
        assert cap.compressed
        assert cap.format == ("pcap" if maker is pcap_bytes else "pcapng")
        assert datas(cap) == PKTS
    with open_capture(path) as cap:
        assert next(iter(cap)).file_offset == 24 if maker is pcap_bytes else 68


def test_gzip_cut_short(tmp_path: Path) -> None:
    path = tmp_path / "cut.gz"
    path.write_bytes(gzip.compress(pcap_bytes())[:-40])
    with pytest.raises(CutShort, match="cut short"), open_capture(path) as cap:
        list(cap)


def test_gzip_body_cut_inside_record(tmp_path: Path) -> None:
    path = tmp_path / "cut2.gz"
    path.write_bytes(gzip.compress(pcap_bytes()[:-5]))
    got = []
    with pytest.raises(CutShort), open_capture(path) as cap:
        for f in cap:
            got.append(bytes(f.data))
    assert got == PKTS[:-1]


def spool_files() -> set[str]:
    tmp = tempfile.gettempdir()
    return {n for n in os.listdir(tmp) if n.startswith("labshark-")}


def test_reopen_plain_file(tmp_path: Path) -> None:
    path = tmp_path / "x.pcap"
    path.write_bytes(pcap_bytes())
    with open_capture(path) as cap:
        first = datas(cap)
        with cap.reopen() as again:
            assert datas(again) == first == PKTS


def test_reopen_gzip_decompresses_again(tmp_path: Path) -> None:
    path = tmp_path / "x.pcapng.gz"
    path.write_bytes(gzip.compress(pcapng_bytes()))
    before = spool_files()
    with open_capture(path) as cap:
        it = iter(cap)
        next(it)  # a partial first pass: reopen() must still see everything
        with cap.reopen() as again:
            assert again.compressed and again.format == "pcapng"
            assert datas(again) == PKTS
            with again.reopen() as third:
                assert datas(third) == PKTS
        assert [bytes(f.data) for f in it] == PKTS[1:]
    assert spool_files() == before


def test_stdin_monkeypatched(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = io.TextIOWrapper(io.BufferedReader(io.BytesIO(gzip.compress(pcap_bytes()))))
    monkeypatch.setattr(sys, "stdin", fake)
    before = spool_files()
    with open_capture("-", second_pass=True) as cap:
        assert cap.path == "-"
        assert cap.compressed
        assert datas(cap) == PKTS
        with cap.reopen() as again:
            assert datas(again) == PKTS
    assert spool_files() == before


def test_stdin_plain_monkeypatched(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = io.TextIOWrapper(io.BufferedReader(io.BytesIO(pcapng_bytes())))
    monkeypatch.setattr(sys, "stdin", fake)
    with open_capture("-", second_pass=True) as cap:
        assert not cap.compressed
        assert cap.format == "pcapng"
        assert datas(cap) == PKTS
        with cap.reopen() as again:
            assert datas(again) == PKTS


def test_stdin_error_names_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = io.TextIOWrapper(io.BufferedReader(io.BytesIO(pcap_bytes()[:-3])))
    monkeypatch.setattr(sys, "stdin", fake)
    with pytest.raises(CutShort) as info, open_capture("-") as cap:
        list(cap)
    assert str(info.value) == (
        "The standard input appears to have been cut short in the middle of a packet."
    )


def test_stdin_through_a_real_pipe() -> None:
    code = (
        "from captures import open_capture\n"
        "with open_capture('-', second_pass=True) as c:\n"
        "    n = sum(1 for _ in c)\n"
        "    m = sum(1 for _ in c.reopen())\n"
        "print(c.format, n, m)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        input=pcap_bytes(),
        capture_output=True,
        cwd=ROOT,
        check=True,
    )
    assert run.stdout.split() == [b"pcap", b"10", b"10"]


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.pcap"
    with pytest.raises(CaptureFileNotFound) as info:
        open_capture(path)
    assert str(info.value) == f'The file "{path}" doesn\'t exist.'
    assert info.value.exit_code == 2


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(CaptureIsDirectory) as info:
        open_capture(tmp_path)
    assert str(info.value) == f'"{tmp_path}" is a directory (folder), not a file.'


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read anything")
def test_permission(tmp_path: Path) -> None:
    path = tmp_path / "secret.pcap"
    path.write_bytes(pcap_bytes())
    path.chmod(0)
    with pytest.raises(CaptureError, match="You don't have permission to read the file"):
        open_capture(path)


@pytest.mark.parametrize("content", [b"hello, this is text\n", b"\x00\x01", b"\x1f\x8b"])
def test_not_a_capture_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x"
    path.write_bytes(content if content != b"\x1f\x8b" else gzip.compress(b"plain text"))
    with pytest.raises(NotACaptureFile) as info:
        open_capture(path)
    assert str(info.value) == (
        f'The file "{path}" isn\'t a capture file in a format labshark understands.'
    )
    assert info.value.exit_code == 2


def test_open_writer_to_stdout() -> None:
    code = (
        "from captures import Frame, open_writer\n"
        "with open_writer('-', 'pcap', linktype=1) as w:\n"
        "    w.write(Frame(1, 2_000_000_000, 6, 3, 3, 1, 0, b'abc'))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=ROOT, check=True)
    assert run.stdout == struct.pack("=IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1) + (
        struct.pack("=IIII", 2, 0, 3, 3) + b"abc"
    )


def test_open_writer_rejects_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match="erf"):
        open_writer(tmp_path / "x", "erf")


def test_linktype_names() -> None:
    assert linktype_name(LINKTYPE_ETHERNET) == "Ethernet"
    assert linktype_name(LINKTYPE_LINUX_SLL2) == "Linux cooked-mode capture v2"
    assert linktype_name(12) == linktype_name(14) == linktype_name(101) == "Raw IP"
    assert linktype_name(4242) == "link type 4242"
