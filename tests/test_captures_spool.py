"""Compressed input is read as a stream; only stdin that must be read twice is spooled,
to a file with no name, so no exit path (signals included) leaves one behind."""

from __future__ import annotations

import gzip
import io
import os
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from pathlib import Path

import pytest

from captures import CaptureError, open_capture

ROOT = Path(__file__).resolve().parent.parent
ANALYZE = [sys.executable, "-m", "analyzer"]
ETH_UDP = bytes.fromhex(
    "020000000002020000000001080045000024000100004011f9c40a0000010a000002"
    "13881389001000000000000000000000")


def pcap(count: int, data: bytes = ETH_UDP) -> bytes:
    head = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1)
    return head + b"".join(struct.pack("<IIII", 1000 + i, 0, len(data), len(data)) + data
                           for i in range(count))


def fds_under(pid: int | str, directory: Path) -> list[str]:
    """Open files of a process that live (or lived, unlinked) in `directory`."""
    out = []
    base = f"/proc/{pid}/fd"
    for fd in os.listdir(base):
        try:
            target = os.readlink(f"{base}/{fd}")
        except OSError:
            continue
        if target.startswith(str(directory) + "/"):
            out.append(target)
    return out


def test_gzip_file_single_pass_makes_no_temp_file(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    path = tmp_path / "x.pcap.gz"
    path.write_bytes(gzip.compress(pcap(40_000)))  # 2.5 MB decompressed
    with open_capture(path) as cap:
        it = iter(cap)
        for _ in range(20_000):
            next(it)
        assert os.listdir(temp) == [] and fds_under("self", temp) == []
        assert sum(1 for _ in it) == 20_000
        with cap.reopen() as again:  # a file is simply decompressed again
            assert again.compressed and sum(1 for _ in again) == 40_000
    assert os.listdir(temp) == []


def _bomb(path: Path, records: int) -> int:
    """A valid pcap of `records` 256 KiB all-zero packets, gzipped to ~1/1000 of that."""
    z = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip container
    zero = bytes(262144)
    rec = struct.pack("<IIII", 1, 0, len(zero), len(zero))
    with open(path, "wb") as f:
        f.write(z.compress(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1)))
        for _ in range(records):
            f.write(z.compress(rec))
            f.write(z.compress(zero))
        f.write(z.flush())
    return 24 + records * (16 + len(zero))


def test_gzip_bomb_bounded_memory_and_disk(tmp_path: Path) -> None:
    """300 kB of gzip that inflate to 300 MB: read with no temp file, no file over
    32 MB written (RLIMIT_FSIZE), and under 200 MB of RSS."""
    bomb = tmp_path / "bomb.pcap.gz"
    inflated = _bomb(bomb, 1200)
    assert inflated > 300_000_000 and bomb.stat().st_size < 1_000_000
    temp = tmp_path / "temp"
    temp.mkdir()

    # A small Python process starts analyze and reads its peak RSS: a child forked
    # straight from this (large, late in a suite) pytest process would count this
    # process's pages in its ru_maxrss before its exec.
    rss_file = tmp_path / "rss"
    wrapper = (
        "import os, resource, subprocess, sys\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (32 << 20, 32 << 20))\n"
        "p = subprocess.Popen(sys.argv[2:])\n"
        "_pid, status, usage = os.wait4(p.pid, 0)\n"
        "open(sys.argv[1], 'w').write(str(usage.ru_maxrss))\n"
        "sys.exit(os.waitstatus_to_exitcode(status))\n")
    out_file, err_file = tmp_path / "out", tmp_path / "err"
    with open(out_file, "wb") as out, open(err_file, "wb") as err:
        proc = subprocess.Popen([sys.executable, "-c", wrapper, str(rss_file), *ANALYZE,
                                 "-q", "-r", str(bomb), "-z", "io,phs"], cwd=ROOT,
                                env={**os.environ, "TMPDIR": str(temp)},
                                stdout=out, stderr=err)
    timer = threading.Timer(120, proc.kill)  # only the PID we started
    timer.start()
    try:
        proc.wait()
    finally:
        timer.cancel()
    assert proc.returncode == 0, err_file.read_text()
    assert "frames:1200 " in out_file.read_text(), out_file.read_text()
    assert os.listdir(temp) == []
    max_rss = int(rss_file.read_text())
    assert max_rss < 200 * 1024, f"max RSS {max_rss} KiB"


def _fake_stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(io.BytesIO(data))))


def test_stdin_one_pass_is_not_spooled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    _fake_stdin(monkeypatch, gzip.compress(pcap(10)))
    with open_capture("-") as cap:
        assert fds_under("self", tmp_path) == []
        assert sum(1 for _ in cap) == 10
        with pytest.raises(CaptureError, match="standard input can be read only once"):
            cap.reopen()


def test_stdin_gzip_spool_keeps_compressed_bytes(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    raw = gzip.compress(pcap(5000))
    _fake_stdin(monkeypatch, raw)
    with open_capture("-", second_pass=True) as cap:
        it = iter(cap)
        next(it)
        assert os.listdir(tmp_path) == []  # the spool has no name
        assert len(fds_under("self", tmp_path)) == 1
        with cap.reopen() as again:
            assert again.compressed and sum(1 for _ in again) == 5000
            with again.reopen() as third:
                assert sum(1 for _ in third) == 5000
        assert cap._spool is not None and cap._spool.size == len(raw)
        assert sum(1 for _ in it) == 4999  # the first pass goes on where it was
    assert fds_under("self", tmp_path) == []


def _default_disposition(sig: signal.Signals):  # noqa: ANN202 - a preexec_fn
    """The child takes `sig` as a terminal would deliver it: a suite started in the
    background by a non-interactive shell inherits SIGINT ignored, and so would analyze
    (a program keeps an ignored SIGINT, as `nohup` relies on)."""
    return lambda: signal.signal(sig, signal.SIG_DFL)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_signal_leaves_no_spool(tmp_path: Path, sig: signal.Signals) -> None:
    """analyze -2 on stdin, stopped by a signal while it reads: no spool stays."""
    temp = tmp_path / "temp"
    temp.mkdir()
    data = gzip.compress(pcap(60_000), compresslevel=1)
    proc = subprocess.Popen([*ANALYZE, "-2", "-q", "-r", "-"], cwd=ROOT,
                            env={**os.environ, "TMPDIR": str(temp)}, stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            preexec_fn=_default_disposition(sig))
    assert proc.stdin is not None
    try:
        proc.stdin.write(data[: len(data) // 2])  # the rest never comes: still reading
        proc.stdin.flush()
        deadline = time.monotonic() + 20
        while not fds_under(proc.pid, temp) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert fds_under(proc.pid, temp), "analyze -2 -r - did not spool stdin"
        proc.send_signal(sig)  # our own child
        proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdin.close()
    assert os.listdir(temp) == []
