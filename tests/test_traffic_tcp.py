"""TCP echo/sink server with many clients at once, and a client that closes with FIN."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time

import pytest

from traffic import tcp

LO = "127.0.0.1"


def test_echo_many_clients_at_once() -> None:
    srv = tcp.TcpServer(LO, 0, mode="echo").start()
    results: dict[int, tcp.ClientResult] = {}
    errors: list[BaseException] = []
    go = threading.Barrier(20)

    def client(i: int) -> None:
        try:
            go.wait(5)
            results[i] = tcp.tcp_client(LO, srv.port, f"client {i} ", count=5, size=3000 + i)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    deadline = time.monotonic() + 3
    while srv.summary.active and time.monotonic() < deadline:
        time.sleep(0.02)
    summary = srv.stop()
    assert not errors
    for i, r in results.items():
        payload = (f"client {i} ".encode() * 400)[: 3000 + i]
        assert r.reply == payload * 5
        assert r.sent == r.received == 5 * (3000 + i)
    assert summary.connections == 20
    assert summary.active == 0  # every client closed cleanly
    assert summary.bytes_received == summary.bytes_sent == sum(5 * (3000 + i) for i in range(20))


def test_sink_mode_and_client_fin() -> None:
    srv = tcp.TcpServer(LO, 0, mode="sink").start()
    try:
        r = tcp.tcp_client(LO, srv.port, b"x", count=4, size=10_000, expect_echo=False)
        deadline = time.monotonic() + 3
        while srv.summary.bytes_received < 40_000 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        summary = srv.stop()
    assert r.sent == 40_000 and r.received == 0
    assert summary.bytes_received == 40_000 and summary.bytes_sent == 0


def test_server_closes_after_client_fin() -> None:
    """After our FIN the server flushes and closes: recv() returns b'' (its FIN)."""
    srv = tcp.TcpServer(LO, 0).start()
    try:
        with socket.create_connection((LO, srv.port), timeout=3) as s:
            s.sendall(b"abc")
            s.shutdown(socket.SHUT_WR)
            data = b""
            while chunk := s.recv(100):
                data += chunk
        assert data == b"abc"
    finally:
        srv.stop()


def test_refused_connection_raises() -> None:
    s = socket.socket()
    s.bind((LO, 0))
    port = s.getsockname()[1]
    s.close()
    with pytest.raises(ConnectionRefusedError):
        tcp.tcp_client(LO, port, "hi")


def test_cli_client_and_errors() -> None:
    srv = tcp.TcpServer(LO, 0).start()
    try:
        r = subprocess.run([sys.executable, "-m", "traffic", "tcp", "client", f"{LO}:{srv.port}",
                            "--count", "3", "--size", "100"], capture_output=True, text=True,
                           timeout=30)
        busy = subprocess.run([sys.executable, "-m", "traffic", "tcp", "server", "--port",
                               str(srv.port), "--duration", "1"], capture_output=True, text=True,
                              timeout=30)
    finally:
        srv.stop()
    assert r.returncode == 0, r.stderr
    assert "sent 300 bytes in 3 messages, received 300 bytes" in r.stdout
    assert busy.returncode == 1 and "already in use" in busy.stderr
    refused = subprocess.run([sys.executable, "-m", "traffic", "tcp", "client", f"{LO}:{srv.port}"],
                             capture_output=True, text=True, timeout=30)
    assert refused.returncode == 1
    assert "refused" in refused.stderr and "Traceback" not in refused.stderr


def test_client_sends_a_message_larger_than_the_servers_buffer() -> None:
    """The server holds at most MAX_BUFFER of echo per client; our client reads while it sends."""
    srv = tcp.TcpServer(LO, 0, mode="echo").start()
    try:
        size = 40 * tcp.MAX_BUFFER + 123  # about 10 MB: more than both ends' socket buffers
        r = tcp.tcp_client(LO, srv.port, b"0123456789", size=size, count=2, timeout=10)
    finally:
        srv.stop()
    assert r.sent == r.received == 2 * size
    assert r.reply == ((b"0123456789" * (size // 10 + 1))[:size]) * 2
