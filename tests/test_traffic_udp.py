"""UDP send/recv/echo/chat on loopback with ephemeral ports."""

from __future__ import annotations

import io
import subprocess
import sys
import threading
import time

from traffic import udp

LO = "127.0.0.1"


def test_send_and_recv_counts_text_and_sender() -> None:
    rx = udp.udp_socket(LO, 0)
    port = rx.getsockname()[1]
    tx = udp.udp_socket(LO, 0)
    try:
        s = udp.udp_send(LO, port, ["hello", "你好"], count=3, encoding="gbk", sock=tx)
        r = udp.udp_recv(sock=rx, count=6, timeout=2)
    finally:
        rx.close()
        sender = tx.getsockname()
        tx.close()
    assert (s.sent, r.received) == (6, 6)
    assert s.bytes_sent == r.bytes_received == 3 * (5 + 4)
    assert [m.text("gbk") for m in r.messages] == ["hello", "你好"] * 3
    assert {m.addr for m in r.messages} == {sender}
    line = udp.format_received(r.messages[1], "gbk")
    assert f"{sender[0]}:{sender[1]}" in line and line.endswith("你好")


def test_recv_times_out_when_nothing_comes() -> None:
    t0 = time.monotonic()
    r = udp.udp_recv(LO, 0, count=1, timeout=0.3)
    assert r.received == 0
    assert time.monotonic() - t0 < 2


def test_rate_limits_sending() -> None:
    rx = udp.udp_socket(LO, 0)
    try:
        t0 = time.monotonic()
        udp.udp_send(LO, rx.getsockname()[1], ["x"], count=6, rate=20)
        elapsed = time.monotonic() - t0
        r = udp.udp_recv(sock=rx, count=6, timeout=1)
    finally:
        rx.close()
    assert r.received == 6
    assert 0.2 <= elapsed < 2.0  # 5 gaps of 50 ms


def test_echo_server_counts_what_it_returned() -> None:
    srv = udp.UdpEcho(LO, 0).start()
    try:
        s, replies = udp.udp_echo_client(LO, srv.port, ["one", b"two", "three"], count=2)
    finally:
        summary = srv.stop()
    assert replies == [b"one", b"two", b"three"] * 2
    assert summary.echoed == summary.received == 6
    assert summary.bytes_sent == s.bytes_sent == 2 * 11


def test_chat_is_full_duplex() -> None:
    got_a: list[str] = []
    got_b: list[str] = []
    a = udp.UdpChat((LO, 0), (LO, 1), on_message=lambda r: got_a.append(r.text()))
    b = udp.UdpChat((LO, 0), a.local, on_message=lambda r: got_b.append(r.text()))
    a.remote = b.local
    a.start()
    b.start()
    try:
        def talk(peer: udp.UdpChat, name: str) -> None:
            for i in range(20):
                peer.send(f"{name}{i}")

        ta = threading.Thread(target=talk, args=(a, "a"))
        tb = threading.Thread(target=talk, args=(b, "b"))
        ta.start()
        tb.start()
        ta.join(5)
        tb.join(5)
        deadline = time.monotonic() + 3
        while (len(got_a) < 20 or len(got_b) < 20) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        sa, sb = a.stop(), b.stop()
    assert sorted(got_b, key=lambda x: int(x[1:])) == [f"a{i}" for i in range(20)]
    assert sorted(got_a, key=lambda x: int(x[1:])) == [f"b{i}" for i in range(20)]
    assert (sa.sent, sa.received, sb.sent, sb.received) == (20, 20, 20, 20)


def test_chat_interactive_reads_lines_until_quit() -> None:
    rx = udp.udp_socket(LO, 0)
    try:
        chat = udp.UdpChat((LO, 0), rx.getsockname())
        s = chat.run_interactive(io.StringIO("hi\nthere\n/quit\nnot sent\n"))
        r = udp.udp_recv(sock=rx, count=3, timeout=0.5)
    finally:
        rx.close()
    assert s.sent == 2
    assert [m.data for m in r.messages] == [b"hi", b"there"]


def _traffic(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "traffic", *args], capture_output=True,
                          text=True, timeout=30, input=stdin)


def test_cli_send_recv_and_busy_port() -> None:
    rx = udp.udp_socket(LO, 0)
    port = rx.getsockname()[1]
    try:
        r = _traffic("udp", "send", f"{LO}:{port}", "--count", "2", stdin="l1\nl2\n")
        got = udp.udp_recv(sock=rx, count=4, timeout=2)
        busy = _traffic("udp", "recv", "--port", str(port), "--timeout", "1")
    finally:
        rx.close()
    assert r.returncode == 0, r.stderr
    assert "4 datagrams" in r.stdout
    assert [m.data for m in got.messages] == [b"l1", b"l2", b"l1", b"l2"]
    assert busy.returncode == 1
    assert "already in use" in busy.stderr and "Traceback" not in busy.stderr
    assert len(busy.stderr.strip().splitlines()) == 1


def test_cli_send_joins_words_into_one_message() -> None:
    """`udp send HOST:PORT hello world --count 3` sends "hello world" three times, not six words."""
    rx = udp.udp_socket(LO, 0)
    port = rx.getsockname()[1]
    try:
        r = _traffic("udp", "send", f"{LO}:{port}", "hello", "world", "--count", "3")
        got = udp.udp_recv(sock=rx, count=10, timeout=1)
    finally:
        rx.close()
    assert r.returncode == 0, r.stderr
    assert [m.data for m in got.messages] == [b"hello world"] * 3
    assert "udp send: 3 datagrams, 33 bytes to" in r.stdout


def test_cli_counts_are_singular_for_one() -> None:
    rx = udp.udp_socket(LO, 0)
    port = rx.getsockname()[1]
    try:
        r = _traffic("udp", "send", f"{LO}:{port}", "x")
    finally:
        rx.close()
    assert r.stdout.startswith(f"udp send: 1 datagram, 1 byte to {LO}:{port}"), r.stdout


def test_format_received_escapes_control_characters() -> None:
    r = udp.Received("a\x1b[2J\r\x7f\\b 你好\u202e".encode(), (LO, 9), 0.0)
    line = udp.format_received(r)
    assert line.endswith("a\\033[2J\\r\\177\\\\b 你好\\u202e")
    assert "\x1b" not in line and "\r" not in line


def test_cli_recv_escapes_what_a_peer_sent() -> None:
    """What `udp recv` prints cannot drive the terminal; GBK Chinese still reads as Chinese."""
    port = udp.udp_socket(LO, 0)
    p = port.getsockname()[1]
    port.close()
    proc = subprocess.Popen([sys.executable, "-m", "traffic", "udp", "recv", "--port", str(p),
                             "--count", "2", "--timeout", "15", "--encoding", "gbk"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    tx = udp.udp_socket(LO, 0)
    try:
        time.sleep(0.5)
        end = time.monotonic() + 10  # resend until the receiver is up (it stops at 2)
        while proc.poll() is None and time.monotonic() < end:
            tx.sendto(b"hi\x1b]0;owned\x07\r\x7f", (LO, p))
            tx.sendto("你好".encode("gbk"), (LO, p))
            time.sleep(0.3)
        out, err = proc.communicate(timeout=15)
    finally:
        tx.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
    assert proc.returncode == 0, err
    text = out.decode()
    assert "hi\\033]0;owned\\a\\r\\177" in text
    assert "你好" in text
    assert b"\x1b" not in out and b"\r" not in out and b"\x07" not in out
    assert "udp recv: 2 datagrams" in text
