"""TFTP client/server on loopback: options, netascii, wraparound, security, loss, interop."""

from __future__ import annotations

import os
import random
import select
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from traffic import tftp_proto as tp
from traffic.tftp_client import tftp_get, tftp_put
from traffic.tftp_server import TftpServer

LO = "127.0.0.1"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    r = tmp_path / "root"
    r.mkdir()
    return r


@pytest.fixture
def server(root: Path):
    srv = TftpServer(root, LO, 0, create=True).start()
    yield srv
    srv.stop()


def _data(n: int, seed: int = 1) -> bytes:
    return random.Random(seed).randbytes(n)


class RawClient:
    """A hand-driven TFTP peer for checking the server's packets one by one."""

    def __init__(self, server_port: int) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((LO, 0))
        self.server = (LO, server_port)
        self.tid: tuple[str, int] | None = None

    def send(self, data: bytes, addr: tuple[str, int] | None = None) -> None:
        self.sock.sendto(data, addr or self.tid or self.server)

    def recv(self, timeout: float = 3.0) -> tuple[tp.Packet, tuple[str, int]] | None:
        self.sock.settimeout(timeout)
        try:
            data, addr = self.sock.recvfrom(70000)
        except TimeoutError:
            return None
        if self.tid is None and addr[1] != self.server[1]:
            self.tid = addr
        return tp.decode(data), addr

    def error_for(self, request: bytes) -> tp.Packet:
        self.send(request, self.server)
        got = self.recv()
        assert got is not None, "server did not answer"
        return got[0]

    def close(self) -> None:
        self.sock.close()


# --- basic transfers --------------------------------------------------------------------------

@pytest.mark.parametrize("size", [0, 1, 511, 512, 513, 1024, 100_000])
def test_get_octet_sizes(server: TftpServer, root: Path, tmp_path: Path, size: int) -> None:
    body = _data(size, size)
    (root / "f.bin").write_bytes(body)
    out = tmp_path / "out.bin"
    st = tftp_get(LO, server.port, "f.bin", out)
    assert out.read_bytes() == body
    assert st.blocks == size // 512 + 1  # always a final short (maybe empty) block
    assert st.options == {}


@pytest.mark.parametrize("blksize,windowsize", [(8, None), (1428, None), (65464, None),
                                                (512, 4), (1024, 16), (8192, 64)])
def test_get_with_options(server: TftpServer, root: Path, tmp_path: Path,
                          blksize: int, windowsize: int | None) -> None:
    body = _data(300_000, blksize)
    (root / "f.bin").write_bytes(body)
    st = tftp_get(LO, server.port, "f.bin", tmp_path / "o", blksize=blksize,
                  windowsize=windowsize, tsize=True)
    assert (tmp_path / "o").read_bytes() == body
    assert st.options["blksize"] == str(blksize)
    assert st.options["tsize"] == str(len(body))
    if windowsize:
        assert st.options["windowsize"] == str(windowsize)
    assert st.blocks == len(body) // blksize + 1


def test_put_octet_with_options(server: TftpServer, root: Path, tmp_path: Path) -> None:
    body = _data(200_003)
    src = tmp_path / "src.bin"
    src.write_bytes(body)
    st = tftp_put(LO, server.port, src, "up.bin", blksize=1000, windowsize=8, tsize=True)
    assert (root / "up.bin").read_bytes() == body
    assert st.options == {"blksize": "1000", "tsize": str(len(body)), "windowsize": "8"}
    assert not [p for p in root.iterdir() if p.name.startswith(".tftp-")]  # no temp left


def test_netascii_get_and_put(server: TftpServer, root: Path, tmp_path: Path) -> None:
    text = b"line one\nline two\r\nbare CR\rend\n" * 40
    (root / "t.txt").write_bytes(text)
    tftp_get(LO, server.port, "t.txt", tmp_path / "t.out", mode="netascii")
    assert (tmp_path / "t.out").read_bytes() == text
    tftp_put(LO, server.port, tmp_path / "t.out", "t2.txt", mode="netascii")
    assert (root / "t2.txt").read_bytes() == text


def test_netascii_on_the_wire(server: TftpServer, root: Path) -> None:
    """The server really converts: LF -> CR LF and CR -> CR NUL in the DATA payload."""
    (root / "t.txt").write_bytes(b"a\nb\rc")
    c = RawClient(server.port)
    try:
        c.send(tp.encode_rrq("t.txt", "netascii"), c.server)
        got = c.recv()
        assert got is not None
        pkt, _ = got
        assert (pkt.opcode, pkt.block, pkt.data) == (tp.DATA, 1, b"a\r\nb\r\0c")
        c.send(tp.encode_ack(1))
    finally:
        c.close()


def test_oack_clamps_and_ignores(server: TftpServer, root: Path) -> None:
    (root / "f").write_bytes(b"x" * 10)
    c = RawClient(server.port)
    try:
        c.send(tp.encode_rrq("f", "octet", {"blksize": 100000, "windowsize": 9999,
                                            "tsize": 0, "bogus": 1, "timeout": 3}), c.server)
        got = c.recv()
        assert got is not None
        pkt, _ = got
        assert pkt.opcode == tp.OACK
        assert pkt.options == {"blksize": "65464", "windowsize": "64", "tsize": "10", "timeout": "3"}
        c.send(tp.encode_error(tp.EOPTNEG, "just testing"))
    finally:
        c.close()


# --- wraparound -------------------------------------------------------------------------------

def test_block_number_wraps_to_zero(server: TftpServer, root: Path, tmp_path: Path) -> None:
    """65536+ blocks of 8 bytes: after block 65535 comes block 0 (tftp-hpa rollover)."""
    body = _data(65536 * 8 + 100, 7)
    (root / "big").write_bytes(body)
    c = RawClient(server.port)
    seen_wrap = []
    received = bytearray()
    try:
        c.send(tp.encode_rrq("big", "octet", {"blksize": 8, "timeout": 5}), c.server)
        got = c.recv()
        assert got is not None and got[0].opcode == tp.OACK
        c.send(tp.encode_ack(0))
        expect = 1
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            got = c.recv()
            assert got is not None, "server stopped sending"
            pkt, _ = got
            assert pkt.opcode == tp.DATA
            if pkt.block != expect:  # duplicate after a slow ACK: re-ACK only
                c.send(tp.encode_ack(pkt.block))
                continue
            if expect in (65535, 0, 1) and len(received) > 8:
                seen_wrap.append(pkt.block)
            received += pkt.data
            c.send(tp.encode_ack(pkt.block))
            expect = (expect + 1) & 0xFFFF
            if len(pkt.data) < 8:
                break
    finally:
        c.close()
    assert bytes(received) == body
    assert seen_wrap[:3] == [65535, 0, 1]


def test_wraparound_client_and_server(server: TftpServer, root: Path, tmp_path: Path) -> None:
    body = _data(65536 * 8 + 24, 8)
    (root / "big").write_bytes(body)
    st = tftp_get(LO, server.port, "big", tmp_path / "big", blksize=8, windowsize=8)
    assert (tmp_path / "big").read_bytes() == body
    assert st.blocks == 65536 + 3 + 1
    st = tftp_put(LO, server.port, tmp_path / "big", "big2", blksize=8, windowsize=8)
    assert (root / "big2").read_bytes() == body


# --- protocol behaviour -----------------------------------------------------------------------

def test_no_sorcerers_apprentice(server: TftpServer, root: Path) -> None:
    """Duplicate ACKs never trigger new DATA: only one DATA 2 answers three ACK 1s."""
    (root / "f").write_bytes(b"y" * 2000)
    c = RawClient(server.port)
    try:
        c.send(tp.encode_rrq("f", "octet", {"timeout": 5}), c.server)
        assert c.recv()[0].opcode == tp.OACK  # type: ignore[index]
        c.send(tp.encode_ack(0))
        pkt, _ = c.recv()  # type: ignore[misc]
        assert (pkt.opcode, pkt.block) == (tp.DATA, 1)
        for _ in range(3):
            c.send(tp.encode_ack(1))
        blocks = []
        while (got := c.recv(0.5)) is not None:
            blocks.append(got[0].block)
        assert blocks == [2]
        c.send(tp.encode_error(0, "done"))
    finally:
        c.close()


def test_retransmits_when_ack_missing(server: TftpServer, root: Path) -> None:
    (root / "f").write_bytes(b"z" * 100)
    c = RawClient(server.port)
    try:
        c.send(tp.encode_rrq("f", "octet"), c.server)
        first = c.recv()
        again = c.recv(3.0)  # no ACK: the server must resend DATA 1
        assert first is not None and again is not None
        assert (again[0].opcode, again[0].block, again[0].data) == (tp.DATA, 1, b"z" * 100)
        c.send(tp.encode_ack(1))
    finally:
        c.close()


def test_unknown_tid_gets_error_5(server: TftpServer, root: Path) -> None:
    (root / "f").write_bytes(b"q" * 2000)
    c = RawClient(server.port)
    stray = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    stray.bind((LO, 0))
    stray.settimeout(3)
    try:
        c.send(tp.encode_rrq("f", "octet", {"timeout": 5}), c.server)
        _pkt, tid = c.recv()  # type: ignore[misc]
        stray.sendto(tp.encode_ack(0), tid)
        err = tp.decode(stray.recvfrom(1000)[0])
        assert (err.opcode, err.code) == (tp.ERROR, tp.EBADID)
        c.send(tp.encode_ack(0))  # the real client carries on
        pkt, _ = c.recv()  # type: ignore[misc]
        assert (pkt.opcode, pkt.block) == (tp.DATA, 1)
        c.send(tp.encode_error(0, "done"))
    finally:
        stray.close()
        c.close()


# --- security ---------------------------------------------------------------------------------

def _err(port: int, request: bytes) -> tp.Packet:
    c = RawClient(port)
    try:
        return c.error_for(request)
    finally:
        c.close()


@pytest.mark.parametrize("name", ["../secret", "a/../../secret", "..\\secret", "/etc/passwd",
                                  "\\etc\\passwd", "C:secret"])
def test_escape_refused(root: Path, name: str) -> None:
    (root.parent / "secret").write_text("top secret")
    (root / "a").mkdir()
    with TftpServer(root, LO, 0, create=True, allow_overwrite=True) as srv:
        for req in (tp.encode_rrq(name), tp.encode_wrq(name)):
            pkt = _err(srv.port, req)
            assert (pkt.opcode, pkt.code) == (tp.ERROR, tp.EACCESS), (name, pkt)
    assert (root.parent / "secret").read_text() == "top secret"


def test_symlink_escape_refused(root: Path, tmp_path: Path) -> None:
    (tmp_path / "outside").write_text("outside")
    (root / "link").symlink_to(tmp_path / "outside")
    (root / "dirlink").symlink_to(tmp_path)
    (root / "inside").write_text("in")
    (root / "goodlink").symlink_to(root / "inside")
    with TftpServer(root, LO, 0, create=True, allow_overwrite=True) as srv:
        for req in (tp.encode_rrq("link"), tp.encode_wrq("link"),
                    tp.encode_rrq("dirlink/outside"), tp.encode_wrq("dirlink/new")):
            pkt = _err(srv.port, req)
            assert (pkt.opcode, pkt.code) == (tp.ERROR, tp.EACCESS)
        out = tmp_path / "got"
        tftp_get(LO, srv.port, "goodlink", out)  # a link that stays inside is fine
        assert out.read_text() == "in"
    assert (tmp_path / "outside").read_text() == "outside"
    assert not (tmp_path / "new").exists()


def test_overwrite_and_create_policy(root: Path, tmp_path: Path) -> None:
    (root / "exists").write_bytes(b"old")
    src = tmp_path / "src"
    src.write_bytes(b"new data")
    with TftpServer(root, LO, 0) as srv:  # defaults: no create, no overwrite
        with pytest.raises(tp.TftpError) as e:
            tftp_put(LO, srv.port, src, "exists")
        assert e.value.code == tp.EEXISTS
        with pytest.raises(tp.TftpError) as e:
            tftp_put(LO, srv.port, src, "newfile")
        assert e.value.code == tp.ENOTFOUND
        with pytest.raises(tp.TftpError) as e:
            tftp_get(LO, srv.port, "missing", tmp_path / "x")
        assert e.value.code == tp.ENOTFOUND
        (root / "sub").mkdir()
        assert _err(srv.port, tp.encode_rrq("sub")).code == tp.EACCESS  # a directory
    assert (root / "exists").read_bytes() == b"old"
    assert not (root / "newfile").exists()
    with TftpServer(root, LO, 0, create=True, allow_overwrite=True) as srv:
        tftp_put(LO, srv.port, src, "exists")
        tftp_put(LO, srv.port, src, "newfile")
    assert (root / "exists").read_bytes() == b"new data"
    assert (root / "newfile").read_bytes() == b"new data"


def test_garbage_then_normal_transfer(server: TftpServer, root: Path, tmp_path: Path) -> None:
    (root / "f").write_bytes(b"ok" * 1000)
    garbage = [b"", b"\x00", b"\x00\x63hello", b"\x00\x01nofilename", b"\x00\x01f\x00octet",
               b"\x00\x01f\x00octet\x00blksize\x00", b"\x00\x03\x00\x01data", b"\x00\x04\x00\x01",
               b"\x00\x01f\x00mail\x00", b"\xff\xfe" + random.Random(3).randbytes(998), b"\x00\x01" + b"A" * 65000 + b"\x00octet\x00"]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((LO, 0))
    s.settimeout(2)
    codes = []
    try:
        for g in garbage:
            s.sendto(g, (LO, server.port))
            if g == b"\x00\x01" + b"A" * 65000 + b"\x00octet\x00":
                pkt = tp.decode(s.recvfrom(70000)[0])  # long name: a normal File not found
                assert (pkt.opcode, pkt.code) == (tp.ERROR, tp.ENOTFOUND)
                continue
            pkt = tp.decode(s.recvfrom(70000)[0])
            codes.append((pkt.opcode, pkt.code))
    finally:
        s.close()
    assert codes == [(tp.ERROR, tp.EBADOP)] * (len(garbage) - 1)
    out = tmp_path / "o"
    tftp_get(LO, server.port, "f", out)
    assert out.read_bytes() == b"ok" * 1000
    assert server.stats.malformed >= 7


def test_concurrency_limit(root: Path) -> None:
    (root / "f").write_bytes(b"w" * 5000)
    with TftpServer(root, LO, 0, max_transfers=1) as srv:
        hog = RawClient(srv.port)
        try:
            hog.send(tp.encode_rrq("f", "octet", {"timeout": 5}), hog.server)
            assert hog.recv() is not None  # OACK: transfer 1 is now active
            pkt = _err(srv.port, tp.encode_rrq("f"))
            assert (pkt.opcode, pkt.code) == (tp.ERROR, tp.EUNDEF)
            assert "busy" in pkt.message.lower()
            hog.send(tp.encode_error(0, "bye"))
        finally:
            hog.close()


def test_five_concurrent_transfers(server: TftpServer, root: Path, tmp_path: Path) -> None:
    bodies = {f"f{i}": _data(150_000 + i * 7777, i) for i in range(5)}
    for name, body in bodies.items():
        (root / name).write_bytes(body)
        (tmp_path / f"up{name}").write_bytes(body[::-1])
    errors: list[BaseException] = []
    started = threading.Barrier(10)

    def get(name: str) -> None:
        try:
            started.wait(5)
            tftp_get(LO, server.port, name, tmp_path / f"got{name}", blksize=512)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    def put(name: str) -> None:
        try:
            started.wait(5)
            tftp_put(LO, server.port, tmp_path / f"up{name}", f"put{name}", blksize=512)
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=fn, args=(n,)) for n in bodies for fn in (get, put)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    for name, body in bodies.items():
        assert (tmp_path / f"got{name}").read_bytes() == body
        assert (root / f"put{name}").read_bytes() == body[::-1]
    deadline = time.monotonic() + 5
    while server.active and time.monotonic() < deadline:  # puts linger briefly after the last ACK
        time.sleep(0.05)
    assert server.stats.completed == 10


# --- loss -------------------------------------------------------------------------------------

class LossyProxy:
    """UDP proxy on loopback dropping a fraction of datagrams both ways, following the TID.

    Clients talk to the proxy port; the proxy talks to the server's request port, then locks on
    the first transfer port the server answers from.
    """

    def __init__(self, server_port: int, loss: float = 0.15, seed: int = 42) -> None:
        self.front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.front.bind((LO, 0))
        self.port = self.front.getsockname()[1]
        self.server_port = server_port
        self.loss = loss
        self.rng = random.Random(seed)
        self.dropped = self.forwarded = 0
        self.backs: dict[tuple[str, int], socket.socket] = {}
        self.tids: dict[socket.socket, tuple[str, int] | None] = {}
        self.clients: dict[socket.socket, tuple[str, int]] = {}
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _drop(self) -> bool:
        if self.rng.random() < self.loss:
            self.dropped += 1
            return True
        self.forwarded += 1
        return False

    def _run(self) -> None:
        end = time.monotonic() + 300  # bounded whatever happens
        while not self._stop.is_set() and time.monotonic() < end:
            socks = [self.front, *self.backs.values()]
            ready, _, _ = select.select(socks, [], [], 0.1)
            for s in ready:
                data, addr = s.recvfrom(70000)
                if s is self.front:
                    back = self.backs.get(addr)
                    if back is None:
                        back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                        back.bind((LO, 0))
                        self.backs[addr] = back
                        self.tids[back] = None
                        self.clients[back] = addr
                    if not self._drop():
                        back.sendto(data, self.tids[back] or (LO, self.server_port))
                else:
                    tid = self.tids[s]
                    if tid is None and addr[1] != self.server_port:
                        self.tids[s] = tid = addr
                    if addr != tid and addr[1] != self.server_port:
                        continue  # a duplicate transfer started by a resent request
                    if not self._drop():
                        self.front.sendto(data, self.clients[s])

    def __enter__(self) -> LossyProxy:
        self._t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join(5)
        self.front.close()
        for b in self.backs.values():
            b.close()


@pytest.mark.parametrize("direction", ["get", "put"])
def test_one_mib_under_15_percent_loss(root: Path, tmp_path: Path, direction: str) -> None:
    body = _data(1 << 20, 99)
    with TftpServer(root, LO, 0, create=True) as srv, LossyProxy(srv.port, 0.15) as proxy:
        t0 = time.monotonic()
        if direction == "get":
            (root / "m").write_bytes(body)
            st = tftp_get(LO, proxy.port, "m", tmp_path / "m", retries=10)
            got = (tmp_path / "m").read_bytes()
        else:
            (tmp_path / "m").write_bytes(body)
            st = tftp_put(LO, proxy.port, tmp_path / "m", "m", retries=10)
            got = (root / "m").read_bytes()
        elapsed = time.monotonic() - t0
    sys.stderr.write(f"\nloss {direction}: {elapsed:.1f}s, dropped {proxy.dropped} of "
                     f"{proxy.dropped + proxy.forwarded}, retransmits {st.retransmits}\n")
    assert got == body
    assert proxy.dropped > 100
    assert elapsed < 120


# --- CLI --------------------------------------------------------------------------------------

def _traffic(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "traffic", *args], capture_output=True,
                          text=True, timeout=timeout)


def test_cli_get_put_and_errors(server: TftpServer, root: Path, tmp_path: Path) -> None:
    (root / "c.txt").write_bytes(b"cli\n" * 300)
    out = tmp_path / "c.out"
    r = _traffic("tftp", "get", f"{LO}:{server.port}", "c.txt", "-o", str(out), "--blksize", "600")
    assert r.returncode == 0, r.stderr
    assert out.read_bytes() == b"cli\n" * 300
    assert "1200 bytes" in r.stdout and "blksize=600" in r.stdout
    r = _traffic("tftp", "put", f"{LO}:{server.port}", str(out), "c.txt")
    assert r.returncode == 1
    assert r.stderr.strip().endswith("File already exists (code 6)")
    assert "Traceback" not in r.stderr
    r = _traffic("tftp", "serve", "--root", str(root), "--port", str(server.port))
    assert r.returncode == 1
    assert "already in use" in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_cli_privileged_port_message(root: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("running as root: port 69 is allowed")
    r = _traffic("tftp", "serve", "--root", str(root), "--duration", "1")
    assert r.returncode == 1
    assert "needs root" in r.stderr and "Traceback" not in r.stderr


# --- interop with tftp-hpa and curl -----------------------------------------------------------

def _need(binary: str) -> str:
    path = shutil.which(binary)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{binary} is missing on CI")
        pytest.skip(f"{binary} not installed (apt-get install tftp-hpa tftpd-hpa curl)")
    return path


def test_tftp_hpa_client_against_our_server(server: TftpServer, root: Path, tmp_path: Path) -> None:
    tftp = _need("tftp")
    body = _data(300_001, 3)
    (root / "f").write_bytes(body)
    out = tmp_path / "hpa.out"
    r = subprocess.run([tftp, "-m", "binary", LO, str(server.port), "-c", "get", "f", str(out)],
                       capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert out.read_bytes() == body
    (tmp_path / "up").write_bytes(body[::-1])
    r = subprocess.run([tftp, "-m", "binary", LO, str(server.port), "-c", "put",
                        str(tmp_path / "up"), "fromhpa"], capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert (root / "fromhpa").read_bytes() == body[::-1]


def test_curl_against_our_server(server: TftpServer, root: Path, tmp_path: Path) -> None:
    curl = _need("curl")
    body = _data(65536 * 8 + 50, 5)  # with blksize 8 this wraps the block number
    (root / "f").write_bytes(body)
    out = tmp_path / "curl.out"
    r = subprocess.run([curl, "-sS", "--tftp-blksize", "8", "-o", str(out),
                        f"tftp://{LO}:{server.port}/f"], capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert out.read_bytes() == body
    r = subprocess.run([curl, "-sS", "-o", str(out), f"tftp://{LO}:{server.port}/../etc/passwd"],
                       capture_output=True, timeout=30)
    assert r.returncode != 0


@pytest.fixture
def hpa_server(tmp_path: Path):
    tftpd = _need("in.tftpd")
    d = tmp_path / "hpa"
    d.mkdir()
    os.chmod(d, 0o777)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((LO, 0))
    port = s.getsockname()[1]
    s.close()
    proc = subprocess.Popen([tftpd, "-L", "-c", "-s", str(d), "-a", f"{LO}:{port}", "-u", "root"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.3)
    try:
        yield d, port
    finally:
        proc.kill()
        proc.wait(5)


@pytest.mark.parametrize("kw", [{}, {"blksize": 1428, "tsize": True}, {"blksize": 8},
                                {"blksize": 512, "windowsize": 4}])
def test_our_client_against_tftpd_hpa(hpa_server, tmp_path: Path, kw: dict) -> None:
    d, port = hpa_server
    size = 65536 * 8 + 10 if kw.get("blksize") == 8 else 200_000
    body = _data(size, 11)
    (d / "f").write_bytes(body)
    os.chmod(d / "f", 0o644)
    st = tftp_get(LO, port, "f", tmp_path / "g", **kw)
    assert (tmp_path / "g").read_bytes() == body
    if kw.get("tsize"):
        assert st.options["tsize"] == str(size)
    (tmp_path / "u").write_bytes(body[::-1])
    tftp_put(LO, port, tmp_path / "u", "u", **kw)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and (d / "u").stat().st_size < size:
        time.sleep(0.05)
    assert (d / "u").read_bytes() == body[::-1]
    with pytest.raises(tp.TftpError) as e:
        tftp_get(LO, port, "missing", tmp_path / "x")
    assert e.value.code == tp.ENOTFOUND


# --- issue 12: names as bytes, streamed netascii, escaped peer text ---------------------------

def _raw_rrq(name: bytes, mode: bytes = b"octet") -> bytes:
    return b"\x00\x01" + name + b"\x00" + mode + b"\x00"


def test_file_names_match_the_bytes_sent(server: TftpServer, root: Path, tmp_path: Path) -> None:
    """A UTF-8 request finds the UTF-8 name; the Latin-1 byte 0xE9 finds only a file named so."""
    (root / "café.txt").write_bytes(b"utf-8 name")
    (root / os.fsdecode(b"x\xe9")).write_bytes(b"latin-1 name")
    c = RawClient(server.port)
    try:
        for name, want in ((b"caf\xc3\xa9.txt", b"utf-8 name"), (b"x\xe9", b"latin-1 name")):
            c.tid = None
            c.send(_raw_rrq(name), c.server)
            pkt, _ = c.recv()  # type: ignore[misc]
            assert (pkt.opcode, pkt.data) == (tp.DATA, want), name
            c.send(tp.encode_ack(1))
        assert _err(server.port, _raw_rrq(b"caf\xe9.txt")).code == tp.ENOTFOUND
        assert _err(server.port, _raw_rrq(b"x\xc3\xa9")).code == tp.ENOTFOUND
    finally:
        c.close()
    tftp_get(LO, server.port, "café.txt", tmp_path / "o")  # our client sends the UTF-8 bytes
    assert (tmp_path / "o").read_bytes() == b"utf-8 name"


@pytest.mark.parametrize("windowsize", [None, 4])
def test_netascii_cr_at_block_boundaries(server: TftpServer, root: Path, tmp_path: Path,
                                         windowsize: int | None) -> None:
    """blksize 8: every 'abcdefg\\n' puts the CR of its CR LF last in a block."""
    text = b"abcdefg\n" * 300 + b"bare\rCR\r\n\rend\r"
    (root / "t.txt").write_bytes(text)
    tftp_get(LO, server.port, "t.txt", tmp_path / "t", mode="netascii", blksize=8,
             windowsize=windowsize)
    assert (tmp_path / "t").read_bytes() == text
    tftp_put(LO, server.port, tmp_path / "t", "t2.txt", mode="netascii", blksize=8,
             windowsize=windowsize)
    assert (root / "t2.txt").read_bytes() == text


def test_netascii_reader_seeks_back_only_to_unreleased_bytes(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"a\nb\rc" * 1000)
    src, size = tp.open_source(tmp_path / "f", "netascii")
    with src:
        assert size == 7000
        assert src.read(4) == b"a\r\nb"
        src.seek(1)
        assert src.read(3) == b"\r\nb"
        src.release(2)
        with pytest.raises(ValueError):
            src.seek(1)
        src.seek(2)
        rest = src.read(10_000)
    assert rest == (b"a\r\nb\r\0c" * 1000)[2:]


def test_cli_prints_a_peer_error_message_escaped(tmp_path: Path) -> None:
    fake = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    fake.bind((LO, 0))
    fake.settimeout(10)

    def answer() -> None:
        try:
            _, addr = fake.recvfrom(2000)
            fake.sendto(tp.encode_error(1, "no\x1b[31m such\rfile\x7f"), addr)
        except OSError:
            pass

    t = threading.Thread(target=answer)
    t.start()
    try:
        r = _traffic("tftp", "get", f"{LO}:{fake.getsockname()[1]}", "f", "-o",
                     str(tmp_path / "o"))
    finally:
        t.join(10)
        fake.close()
    assert r.returncode == 1
    assert r.stderr.strip().endswith("said: no\\033[31m such\\rfile\\177 (code 1)"), r.stderr
    assert "\x1b" not in r.stderr and "\r" not in r.stderr


def test_cli_counts_one_byte_one_block(server: TftpServer, root: Path, tmp_path: Path) -> None:
    (root / "one").write_bytes(b"1")
    r = _traffic("tftp", "get", f"{LO}:{server.port}", "one", "-o", str(tmp_path / "o"))
    assert r.returncode == 0, r.stderr
    assert ": 1 byte, 1 block in " in r.stdout and "0 retransmits" in r.stdout


def test_cli_server_log_escapes_peer_text(root: Path) -> None:
    """`tftp serve -v` logs names, modes and ERROR texts a peer chose: escaped, and clipped."""
    (root / "f").write_bytes(b"x" * 2000)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((LO, 0))
    port = s.getsockname()[1]
    s.close()
    proc = subprocess.Popen([sys.executable, "-m", "traffic", "tftp", "serve", "--root", str(root),
                             "--port", str(port), "--duration", "4", "-v"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    c = RawClient(port)
    try:
        assert proc.stdout is not None and proc.stdout.readline().startswith(b"tftp serve:")
        c.send(_raw_rrq(b"f", b"\x1b[2J" + b"m" * 5000), c.server)
        assert c.recv() is not None  # refused: unsupported mode
        c.send(_raw_rrq(b"no\x1b]0;x\x07such"), c.server)
        assert c.recv() is not None  # File not found
        c.tid = None
        c.send(tp.encode_rrq("f"), c.server)
        assert c.recv() is not None  # DATA 1
        c.send(tp.encode_error(0, "bye\r\x1b[31m"))
        _out, err = proc.communicate(timeout=20)
    finally:
        c.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
    log = err.decode()
    assert "Unsupported mode '\\033[2jmmm" in log and "m" * 100 not in log  # lower-cased, clipped
    assert "no\\033]0;x\\asuch" in log
    assert "bye\\r\\033[31m" in log
    assert "\x1b" not in log and "\r" not in log and "\x07" not in log
