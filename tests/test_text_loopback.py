"""A real FTP session over loopback, captured live and compared with tshark 4.0.

Python's ftplib logs in to a tiny bounded FTP responder of this test (its own loopback
address, port 21, at most 20 commands, every socket with a timeout), lists a directory
over a PASV data connection and quits; `analyze -i lo -w` captures it (as
tests/test_e2e_loopback.py does). The packet list, `-V` and `-z credentials` of the file
must equal tshark's. Capturing needs root (or CAP_NET_RAW): a non-root run skips.
"""

from __future__ import annotations

import ftplib
import os
import socket
import threading
from pathlib import Path

import pytest
from diffutil import run_analyze, run_tshark_full
from test_e2e_loopback import Capture, _addr

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 and not os.environ.get("CI"),
    reason="live capture needs root or CAP_NET_RAW (run the tests as root)",
)

LISTING = b"-rw-r--r--    1 0        0              42 Dec 06 10:00 notes.txt\r\n"


def _serve(listener: socket.socket, host: str, errors: list[str]) -> None:
    """Answer one client: USER, PASS, TYPE, PASV + LIST/NLST, QUIT; anything else 502."""
    try:
        conn, _ = listener.accept()
        conn.settimeout(5)
        reader = conn.makefile("rb")
        conn.sendall(b"220 labshark test FTP\r\n")
        data_listener = None
        for _ in range(20):
            line = reader.readline(512).strip()
            if not line:
                break
            cmd = line.split(b" ", 1)[0].upper()
            if cmd == b"USER":
                conn.sendall(b"331 Please specify the password.\r\n")
            elif cmd == b"PASS":
                conn.sendall(b"230 Login successful.\r\n")
            elif cmd == b"TYPE":
                conn.sendall(b"200 Switching to ASCII mode.\r\n")
            elif cmd == b"PASV":
                data_listener = socket.socket()
                data_listener.settimeout(5)
                data_listener.bind((host, 0))
                data_listener.listen(1)
                port = data_listener.getsockname()[1]
                nums = host.replace(".", ",")
                conn.sendall(b"227 Entering Passive Mode (%s,%d,%d).\r\n"
                             % (nums.encode(), port >> 8, port & 0xFF))
            elif cmd in (b"LIST", b"NLST") and data_listener is not None:
                conn.sendall(b"150 Here comes the directory listing.\r\n")
                data, _ = data_listener.accept()
                data.sendall(LISTING)
                data.close()
                data_listener.close()
                data_listener = None
                conn.sendall(b"226 Directory send OK.\r\n")
            elif cmd == b"QUIT":
                conn.sendall(b"221 Goodbye.\r\n")
                break
            else:
                conn.sendall(b"502 Command not implemented.\r\n")
        conn.close()
    except OSError as e:  # reported by the test, not raised in the thread
        errors.append(repr(e))


@pytest.mark.tshark
def test_live_ftp_session_equals_tshark(tmp_path: Path) -> None:
    host = _addr(21)
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.settimeout(10)
    listener.bind((host, 21))
    listener.listen(1)
    errors: list[str] = []
    server = threading.Thread(target=_serve, args=(listener, host, errors), daemon=True)
    path = tmp_path / "ftp_live.pcap"
    cap = Capture(path, f"host {host}")
    try:
        server.start()
        client = ftplib.FTP(host, timeout=5)
        client.login("anonymous", "student@example.org")
        lines: list[str] = []
        client.retrlines("LIST", lines.append)
        client.quit()
        server.join(10)
        assert lines == [LISTING.decode().rstrip("\r\n")] and not errors, errors
    finally:
        listener.close()
        assert cap.stop() > 10
    for opts in ([], ["-V"], ["-q", "-z", "credentials"]):
        rc, ours, err = run_analyze(["-r", str(path), *opts])
        theirs = run_tshark_full(["-r", str(path), *opts], text=False)
        assert rc == 0, err
        assert ours.encode() == theirs.stdout, opts
    rc, out, _ = run_analyze(["-r", str(path), "-Y", "ftp-data", "-T", "fields",
                              "-e", "_ws.col.Info"])
    assert out == f"FTP Data: {len(LISTING)} bytes (PASV) (LIST)\n"
    rc, out, _ = run_analyze(["-r", str(path), "-q", "-z", "credentials"])
    assert "FTP              anonymous" in out
