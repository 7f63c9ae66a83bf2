"""Real TFTP peers on loopback, captured live: our decode equals tshark's, packet by packet.

Three captures, each on `lo` narrowed to a loopback address of the test's own:
tftp-hpa's `tftp` client and `curl tftp://` against our server, and our client against
Debian's `in.tftpd` (tftpd-hpa) started here in the foreground. The servers listen on
ports other than 69. tshark 4.0 enables its UDP heuristic for TFTP (`tshark -G
heuristic-decodes` lists `udp tftp T`), and so does our dissector: each capture is
compared twice, once as both tools decode it on their own and once with the same
`-d udp.port==PORT,tftp` given to both. `analyze` has no `_ws.col.*` fields, so the
Info column is compared through the packet-list lines (which hold it) and through
diffutil.compare_info.
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from diffutil import compare_fields, compare_info, compare_list, format_mismatches, record
from diffutil import fields_output_tshark as tshark_fields
from test_e2e_loopback import Capture, _addr

from traffic import tftp_proto as tp
from traffic.tftp_client import tftp_get, tftp_put
from traffic.tftp_server import TftpServer

pytestmark = [
    pytest.mark.tshark,
    pytest.mark.skipif(os.geteuid() != 0 and not os.environ.get("CI"),
                       reason="live capture needs root or CAP_NET_RAW (run the tests as root)"),
]

FIELDS = [
    "frame.number", "frame.len", "frame.protocols", "ip.src", "ip.dst", "udp.srcport",
    "udp.dstport", "udp.length", "tftp.opcode", "tftp.source_file", "tftp.destination_file",
    "tftp.type", "tftp.option.name", "tftp.option.value", "tftp.block", "tftp.block.full",
    "tftp.error.code", "tftp.error.message", "tftp.request_frame", "tftp.nextwindowsize",
    "tftp.blocksize_range", "tftp.likely_tsize_probe", "data.len", "data.data",
]


def _need(binary: str) -> str:
    path = shutil.which(binary)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{binary} is missing on CI")
        pytest.skip(f"{binary} not installed (apt-get install tftp-hpa tftpd-hpa curl)")
    return path


def _free_port(host: str) -> int:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((host, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _run(*cmd: str) -> None:
    r = subprocess.run(cmd, capture_output=True, timeout=60)
    assert r.returncode == 0, (cmd, r.stdout, r.stderr)


def _assert_same_as_tshark(cap: Path, port: int, min_packets: int) -> None:
    """Every field and every packet-list line equal, with and without -d, and Info."""
    _none, theirs = tshark_fields(cap, ["frame.protocols", "tftp.opcode"])
    assert len(theirs) >= min_packets, theirs
    # tshark itself saw TFTP in every packet: the comparison is not of two 'data' decodes
    assert all(":udp:tftp" in r[0] and r[1] for r in theirs), theirs
    for extra in ([], ["-d", f"udp.port=={port},tftp"]):
        ms = compare_fields(cap, FIELDS, extra)
        record(cap, "interop fields " + " ".join(extra), len(theirs) * len(FIELDS), ms)
        assert not ms, format_mismatches(ms)
        ms = compare_list(cap, extra)
        record(cap, "line " + " ".join(extra), len(theirs), ms)
        assert not ms, format_mismatches(ms)
    ms = compare_info(cap)
    record(cap, "_ws.col.Info", len(theirs), ms)
    assert not ms, format_mismatches(ms)


@pytest.fixture
def our_server(tmp_path: Path):
    root = tmp_path / "root"
    root.mkdir()
    srv = TftpServer(root, _addr(6), 0, create=True).start()
    yield srv
    srv.stop()


def test_tftp_hpa_client_against_our_server(our_server: TftpServer, tmp_path: Path) -> None:
    tftp = _need("tftp")
    host, port = _addr(6), our_server.port
    body = random.Random(1).randbytes(512 * 20 + 77)
    (our_server.root / "f").write_bytes(body)
    (tmp_path / "up").write_bytes(body[:512 * 8])
    cap = Capture(tmp_path / "hpa.pcapng", f"udp and host {host}")
    try:
        _run(tftp, "-m", "binary", host, str(port), "-c", "get", "f", str(tmp_path / "got"))
        _run(tftp, "-m", "binary", host, str(port), "-c", "put", str(tmp_path / "up"), "up")
        r = subprocess.run([tftp, "-m", "binary", host, str(port), "-c", "get", "missing",
                            str(tmp_path / "x")], capture_output=True, timeout=30)
        assert b"File not found" in r.stdout + r.stderr, r
        deadline = time.monotonic() + 5
        while our_server.stats.completed < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        cap.stop()
    finally:
        cap.kill()
    assert (tmp_path / "got").read_bytes() == body
    assert (our_server.root / "up").read_bytes() == body[:512 * 8]
    # get: RRQ + 21 DATA + 21 ACK; put: WRQ + ACK 0 + 9 DATA + 9 ACK; RRQ + ERROR
    _assert_same_as_tshark(cap.path, port, 43 + 20 + 2)


def test_curl_against_our_server(our_server: TftpServer, tmp_path: Path) -> None:
    curl = _need("curl")
    host, port = _addr(6), our_server.port
    body = random.Random(2).randbytes(1024 * 12 + 5)
    (our_server.root / "f").write_bytes(body)
    (tmp_path / "up").write_bytes(body[::-1])
    cap = Capture(tmp_path / "curl.pcapng", f"udp and host {host}")
    try:
        _run(curl, "-sS", "--tftp-blksize", "1024", "-o", str(tmp_path / "got"),
             f"tftp://{host}:{port}/f")
        _run(curl, "-sS", "-T", str(tmp_path / "up"), f"tftp://{host}:{port}/up")
        deadline = time.monotonic() + 5
        while our_server.stats.completed < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        cap.stop()
    finally:
        cap.kill()
    assert (tmp_path / "got").read_bytes() == body
    assert (our_server.root / "up").read_bytes() == body[::-1]
    # curl asks for options: RRQ, OACK, ACK 0, 13 DATA/ACK pairs; then the upload
    _assert_same_as_tshark(cap.path, port, 3 + 26 + 2 + 2 * 25)


@pytest.fixture
def hpa_server(tmp_path: Path):
    """in.tftpd in the foreground (-L) on a loopback address and port of our own."""
    tftpd = _need("in.tftpd")
    d = tmp_path / "hpa"
    d.mkdir()
    os.chmod(d, 0o777)
    host = _addr(7)
    port = _free_port(host)
    proc = subprocess.Popen([tftpd, "-L", "-c", "-s", str(d), "-a", f"{host}:{port}",
                             "-u", "root"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.3)
        assert proc.poll() is None, "in.tftpd exited at start"
        yield d, host, port
    finally:
        proc.kill()  # the PID we started
        proc.wait(5)


def test_our_client_against_tftpd_hpa(hpa_server, tmp_path: Path) -> None:
    d, host, port = hpa_server
    body = random.Random(3).randbytes(40_000)
    (d / "f").write_bytes(body)
    os.chmod(d / "f", 0o644)
    (tmp_path / "up").write_bytes(body[:20_000])
    cap = Capture(tmp_path / "ours.pcapng", f"udp and host {host}")
    try:
        tftp_get(host, port, "f", tmp_path / "plain")
        st = tftp_get(host, port, "f", tmp_path / "opts", blksize=1428, tsize=True)
        tftp_get(host, port, "f", tmp_path / "win", blksize=4096, windowsize=4)
        tftp_put(host, port, tmp_path / "up", "u", blksize=1024, tsize=True)
        with pytest.raises(tp.TftpError) as e:
            tftp_get(host, port, "missing", tmp_path / "x")
        assert e.value.code == tp.ENOTFOUND
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and (d / "u").stat().st_size < 20_000:
            time.sleep(0.05)
        cap.stop()
    finally:
        cap.kill()
    for name in ("plain", "opts", "win"):
        assert (tmp_path / name).read_bytes() == body
    assert st.options == {"blksize": "1428", "tsize": "40000"}
    assert (d / "u").read_bytes() == body[:20_000]
    _assert_same_as_tshark(cap.path, port, 2 * 79 + 3 + 2 * 29 + 3 + 10 + 2 + 2 * 20 + 2)
