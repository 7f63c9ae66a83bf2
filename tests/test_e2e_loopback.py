"""End to end on loopback: capture on `lo`, run each generator, then decode the file.

Each test starts `analyze -i lo -w FILE` narrowed by a capture filter to a loopback
address of its own (127.X.Y.Z, picked from the PID) and ports it bound itself, so other
traffic on lo (other tests, other engineers) never lands in its capture. The generators
run through their library API; the written file is then read back with
`analyze -r FILE -T fields` and every expected packet is asserted.

Capturing needs root (or CAP_NET_RAW): outside CI a non-root run skips, in CI it fails.
"""

from __future__ import annotations

import os
import random
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from traffic import feiq
from traffic.tcp import TcpServer, tcp_client
from traffic.tftp_client import tftp_get, tftp_put
from traffic.tftp_server import TftpServer
from traffic.udp import UdpEcho, udp_echo_client

ROOT = Path(__file__).resolve().parent.parent
ANALYZE = [sys.executable, "-m", "analyzer"]

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 and not os.environ.get("CI"),
    reason="live capture needs root or CAP_NET_RAW (run the tests as root)",
)

_SUBNET = f"127.{(os.getpid() >> 8) % 200 + 20}.{os.getpid() % 250 + 1}"


def _addr(host: int) -> str:
    """A loopback address of this test process (Linux routes all of 127/8 to lo)."""
    return f"{_SUBNET}.{host}"


class Capture:
    """An `analyze -i lo -f BPF -w FILE` subprocess we started; stop() ends it by its PID."""

    def __init__(self, path: Path, bpf: str, limit: int = 25) -> None:
        self.path = path
        self.proc = subprocess.Popen([*ANALYZE, "-i", "lo", "-f", bpf, "-w", str(path),
                                      "-a", f"duration:{limit}"], cwd=ROOT,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert self.proc.stderr is not None
        ready, _, _ = select.select([self.proc.stderr], [], [], 15)
        if not ready:
            self.proc.kill()
            self.proc.communicate()
            pytest.fail("analyze did not start capturing within 15 s")
        first = self.proc.stderr.readline().decode()
        assert first.startswith("Capturing on 'Loopback: lo'"), first

    def stop(self, settle: float = 0.3) -> int:
        """Let the last packets reach the file, stop with SIGINT; returns packets captured."""
        time.sleep(settle)
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            _out, err = self.proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate()
            raise
        text = err.decode()
        assert self.proc.returncode == 0 and "Traceback" not in text, text
        for line in text.splitlines():
            if line.endswith(("packets captured", "packet captured")):
                return int(line.split()[0])
        raise AssertionError(f"no capture summary in {text!r}")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


def read_fields(path: Path, fields: list[str], *extra: str) -> list[list[str]]:
    """`analyze -r FILE -T fields -e ...` as rows of columns."""
    args = [x for f in fields for x in ("-e", f)]
    r = subprocess.run([*ANALYZE, "-r", str(path), *extra, "-T", "fields", *args], cwd=ROOT,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    return [ln.split("\t") for ln in r.stdout.splitlines()]


def _bound(kind: int, host: str) -> socket.socket:
    s = socket.socket(socket.AF_INET, kind)
    s.bind((host, 0))
    return s


# --- UDP echo ---------------------------------------------------------------------------------

def test_udp_echo_replies_in_capture(tmp_path: Path) -> None:
    host = _addr(1)
    echo = UdpEcho(host, 0, max_count=50).start()
    cap = Capture(tmp_path / "udp.pcapng", f"udp and host {host} and port {echo.port}")
    msgs = [f"echo #{i} héllo".encode() for i in range(6)] + [bytes(range(256))]
    try:
        summary, replies = udp_echo_client(host, echo.port, msgs, timeout=2)
        captured = cap.stop()
    finally:
        cap.kill()
        echo.stop()
    assert summary.sent == len(msgs) and replies == msgs
    rows = read_fields(cap.path, ["ip.src", "ip.dst", "udp.srcport", "udp.dstport", "data.data"])
    assert captured == len(rows) == 2 * len(msgs)
    client_port = rows[0][2]
    for i, m in enumerate(msgs):
        ask, answer = rows[2 * i], rows[2 * i + 1]
        assert ask[1:] == [host, client_port, str(echo.port), m.hex()]
        assert answer[0] == host  # the echo comes from the server's address and port
        assert answer[2:] == [str(echo.port), client_port, m.hex()]


# --- TCP handshake, data and teardown ---------------------------------------------------------

TCP_FIELDS = ["tcp.stream", "tcp.srcport", "tcp.dstport", "tcp.flags.syn", "tcp.flags.ack",
              "tcp.flags.fin", "tcp.flags.reset", "tcp.len", "tcp.payload", "tcp.seq",
              "tcp.ack"]


def test_tcp_handshake_data_and_fin(tmp_path: Path) -> None:
    host = _addr(2)
    server = TcpServer(host, 0, mode="echo").start()
    cap = Capture(tmp_path / "tcp.pcapng", f"tcp and host {host} and port {server.port}")
    messages = [b"first connection " * 3, "第二个连接 ✓".encode()]
    try:
        results = [tcp_client(host, server.port, m, count=3, timeout=5) for m in messages]
        time.sleep(0.3)  # the server's FIN follows the client's
        captured = cap.stop()
    finally:
        cap.kill()
        server.stop()
    for m, res in zip(messages, results, strict=True):
        assert res.reply == m * 3
    rows = [dict(zip(TCP_FIELDS, r, strict=True)) for r in read_fields(cap.path, TCP_FIELDS)]
    assert captured == len(rows)
    streams = sorted({r["tcp.stream"] for r in rows})
    assert streams == ["0", "1"]
    sp = str(server.port)
    for stream, m in zip(streams, messages, strict=True):
        conn = [r for r in rows if r["tcp.stream"] == stream]
        flags = [(r["tcp.flags.syn"], r["tcp.flags.ack"], r["tcp.flags.fin"]) for r in conn]
        # three-way handshake: SYN, SYN/ACK, ACK
        assert flags[:3] == [("1", "0", "0"), ("1", "1", "0"), ("0", "1", "0")], flags
        assert conn[0]["tcp.dstport"] == sp and conn[1]["tcp.srcport"] == sp
        assert conn[2]["tcp.dstport"] == sp and conn[2]["tcp.len"] == "0"
        assert all(r["tcp.flags.reset"] == "0" for r in conn)  # a clean close, no RST
        to_srv = b"".join(bytes.fromhex(r["tcp.payload"]) for r in conn
                          if r["tcp.dstport"] == sp and r["tcp.payload"])
        from_srv = b"".join(bytes.fromhex(r["tcp.payload"]) for r in conn
                            if r["tcp.srcport"] == sp and r["tcp.payload"])
        assert to_srv == m * 3 and from_srv == m * 3
        # teardown: the client's FIN/ACK first, then the server's, each acknowledged
        fins = [i for i, r in enumerate(conn) if r["tcp.flags.fin"] == "1"]
        assert len(fins) == 2, flags
        cfin, sfin = conn[fins[0]], conn[fins[1]]
        assert cfin["tcp.dstport"] == sp and sfin["tcp.srcport"] == sp
        assert cfin["tcp.flags.ack"] == sfin["tcp.flags.ack"] == "1"
        last = conn[-1]
        assert fins[1] < len(conn) - 1 and last["tcp.dstport"] == sp
        assert last["tcp.flags.ack"] == "1" and last["tcp.flags.fin"] == "0"
        assert int(last["tcp.ack"]) == int(sfin["tcp.seq"]) + 1  # the server's FIN acked
        acks_of_cfin = [r for r in conn[fins[0] + 1:] if r["tcp.srcport"] == sp
                        and int(r["tcp.ack"]) == int(cfin["tcp.seq"]) + 1]
        assert acks_of_cfin  # the client's FIN acked


# --- TFTP get and put --------------------------------------------------------------------------

TFTP_FIELDS = ["udp.srcport", "udp.dstport", "tftp.opcode", "tftp.source_file",
               "tftp.destination_file", "tftp.type", "tftp.option.name", "tftp.option.value",
               "tftp.block", "data.len", "frame.protocols"]


def _tftp_rows(path: Path) -> list[dict[str, str]]:
    return [dict(zip(TFTP_FIELDS, r, strict=True)) for r in read_fields(path, TFTP_FIELDS)]


def _assert_lockstep(rows: list[dict[str, str]], size: int, blksize: int, sender: str) -> None:
    """DATA 1..N (sized blksize, the last shorter) each followed by its ACK, from `sender`."""
    blocks = size // blksize + 1
    assert len(rows) == 2 * blocks, [(r["tftp.opcode"], r["tftp.block"]) for r in rows]
    for n in range(1, blocks + 1):
        data, ack = rows[2 * n - 2], rows[2 * n - 1]
        length = blksize if n < blocks else size % blksize
        assert (data["tftp.opcode"], data["tftp.block"]) == ("3", str(n))
        assert data["udp.srcport"] == sender
        assert data["data.len"] == (str(length) if length else "")
        assert (ack["tftp.opcode"], ack["tftp.block"]) == ("4", str(n))
        assert ack["udp.dstport"] == sender


def test_tftp_get_and_put_on_non_69_port(tmp_path: Path) -> None:
    """Decoded as TFTP without -d: the UDP heuristic takes the request, the conversation the rest."""
    host = _addr(3)
    root = tmp_path / "root"
    root.mkdir()
    body = random.Random(7).randbytes(1024 * 4 + 300)
    (root / "get.bin").write_bytes(body)
    up = tmp_path / "up.bin"
    up.write_bytes(body[::-1][: 512 * 3])  # an exact multiple: ends with an empty DATA
    server = TftpServer(root, host, 0, create=True).start()
    assert server.port != 69
    cap = Capture(tmp_path / "tftp.pcapng", f"udp and host {host}")
    try:
        st = tftp_get(host, server.port, "get.bin", tmp_path / "got.bin", blksize=1024,
                      tsize=True)
        tftp_put(host, server.port, up, "put.bin")
        deadline = time.monotonic() + 5
        while server.stats.completed < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        captured = cap.stop()
    finally:
        cap.kill()
        server.stop()
    assert (tmp_path / "got.bin").read_bytes() == body
    assert (root / "put.bin").read_bytes() == up.read_bytes()
    assert st.options == {"blksize": "1024", "tsize": str(len(body))}
    rows = _tftp_rows(cap.path)
    assert captured == len(rows)
    assert all(r["frame.protocols"].endswith(
        ":udp:tftp:data" if r["data.len"] else ":udp:tftp") for r in rows), rows
    sp = str(server.port)
    # get: RRQ with options, OACK with the answers, ACK 0, then lock-step DATA/ACK
    rrq, oack, ack0 = rows[:3]
    assert (rrq["tftp.opcode"], rrq["udp.dstport"], rrq["tftp.source_file"], rrq["tftp.type"],
            rrq["tftp.option.name"], rrq["tftp.option.value"]) == (
        "1", sp, "get.bin", "octet", "blksize,tsize", "1024,0")
    tid = oack["udp.srcport"]
    assert tid != sp and oack["udp.dstport"] == rrq["udp.srcport"]
    assert (oack["tftp.opcode"], oack["tftp.option.name"], oack["tftp.option.value"]) == (
        "6", "blksize,tsize", f"1024,{len(body)}")
    assert (ack0["tftp.opcode"], ack0["tftp.block"], ack0["udp.dstport"]) == ("4", "0", tid)
    n_get = len(body) // 1024 + 1
    _assert_lockstep(rows[3:3 + 2 * n_get], len(body), 1024, tid)
    # put: WRQ without options, ACK 0 from the new TID, then DATA 1..4 (the last empty)
    put = rows[3 + 2 * n_get:]
    wrq, pack0 = put[:2]
    assert (wrq["tftp.opcode"], wrq["udp.dstport"], wrq["tftp.destination_file"],
            wrq["tftp.type"], wrq["tftp.option.name"]) == ("2", sp, "put.bin", "octet", "")
    ptid = pack0["udp.srcport"]
    assert ptid not in (sp, tid) and (pack0["tftp.opcode"], pack0["tftp.block"]) == ("4", "0")
    _assert_lockstep(put[2:], 512 * 3, 512, wrq["udp.srcport"])


# --- FeiQ -------------------------------------------------------------------------------------

FEIQ_FIELDS = ["ip.src", "ip.dst", "ipmsg.mode", "ipmsg.packet_no", "ipmsg.user",
               "ipmsg.opt.sendcheck", "ipmsg.opt.utf8", "ipmsg.msg", "ipmsg.nickname",
               "ipmsg.ack_packet_no", "ipmsg.response_to", "ipmsg.response_in", "frame.number",
               "frame.protocols"]


def _feiq_peers(a_host: str, b_host: str, port: int) -> tuple[feiq.FeiqPeer, feiq.FeiqPeer]:
    a = feiq.FeiqPeer(user="alice", host="pc-a", nickname="爱丽丝", group="实验室", bind=a_host,
                      port=port, broadcast=None, peers=[(b_host, port)],
                      mac="02:00:00:00:00:0a", serve_files=False)
    try:
        b = feiq.FeiqPeer(user="bob", host="pc-b", nickname="Bob", group="lab", bind=b_host,
                          port=port, broadcast=None, peers=[(a_host, port)], utf8=True,
                          serve_files=False)
    except OSError:
        a.close()
        raise
    return a, b


def test_feiq_entry_messages_and_exit(tmp_path: Path) -> None:
    a_host, b_host = _addr(4), _addr(5)
    decode_as: list[str] = []
    try:  # the real IPMSG port on our own addresses; a free port with -d if it is taken
        a, b = _feiq_peers(a_host, b_host, feiq.IPMSG_PORT)
    except OSError:
        probe = _bound(socket.SOCK_DGRAM, a_host)
        port = probe.getsockname()[1]
        probe.close()
        a, b = _feiq_peers(a_host, b_host, port)
        decode_as = ["-d", f"udp.port=={port},ipmsg"]
    port = a.port
    cap = Capture(tmp_path / "feiq.pcapng",
                  f"udp port {port} and (host {a_host} or host {b_host})")
    gbk_text = "你好，飞秋！第一条消息"
    utf8_text = "UTF-8 回复 ✓ café"  # ✓ and é have no GBK form: only UTF-8 carries them
    try:
        a.start()
        b.start()
        a.entry()
        assert a.wait_for(lambda: (b_host, port) in a.peers, 3)  # ANSENTRY came back
        assert b.wait_for(lambda: (a_host, port) in b.peers, 3)  # BR_ENTRY seen
        pno1, acked1 = a.send_message((b_host, port), gbk_text, timeout=2)
        pno2, acked2 = b.send_message((a_host, port), utf8_text, timeout=2)
        assert acked1 and acked2
        b.exit()
        assert a.wait_for(lambda: (b_host, port) not in a.peers, 3)
        captured = cap.stop()
    finally:
        cap.kill()
        a.close()
        b.close()
    assert [m.text for m in b.messages] == [gbk_text]
    assert [m.text for m in a.messages] == [utf8_text]
    rows = [dict(zip(FEIQ_FIELDS, r, strict=True))
            for r in read_fields(cap.path, FEIQ_FIELDS, "-2", *decode_as)]  # -2: response_in
    assert captured == len(rows) == 7, rows
    got = [(r["ip.src"], r["ip.dst"], r["ipmsg.mode"]) for r in rows]
    assert got == [
        (a_host, b_host, "0x01"),  # BR_ENTRY
        (b_host, a_host, "0x03"),  # ANSENTRY
        (a_host, b_host, "0x20"),  # SENDMSG, GBK
        (b_host, a_host, "0x21"),  # RECVMSG
        (b_host, a_host, "0x20"),  # SENDMSG, UTF-8
        (a_host, b_host, "0x21"),  # RECVMSG
        (b_host, a_host, "0x02"),  # BR_EXIT
    ]
    entry, answer, msg1, ack1, msg2, ack2, leave = rows
    assert (entry["ipmsg.user"], entry["ipmsg.nickname"]) == ("alice", "爱丽丝")
    assert (answer["ipmsg.user"], answer["ipmsg.nickname"]) == ("bob", "Bob")
    assert all(r["frame.protocols"].endswith(":udp:ipmsg:feiq") for r in rows), rows
    for msg, ack, pno, text, utf8 in ((msg1, ack1, pno1, gbk_text, "0"),
                                      (msg2, ack2, pno2, utf8_text, "1")):
        assert msg["ipmsg.packet_no"] == str(pno)
        assert msg["ipmsg.msg"] == text
        assert (msg["ipmsg.opt.sendcheck"], msg["ipmsg.opt.utf8"]) == ("1", utf8)
        assert ack["ipmsg.ack_packet_no"] == str(pno)
        assert ack["ipmsg.response_to"] == msg["frame.number"]
        assert msg["ipmsg.response_in"] == ack["frame.number"]
    assert leave["ipmsg.user"] == "bob"
