"""UDP send / recv / echo / chat: the first socket lab, as a library and a CLI backend.

Everything is bounded (count, timeout, duration) so a lab script or a test always ends.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from traffic.terminal import escape

# Received datagrams a receiver keeps for its caller (the newest ones); the counters count all.
KEEP_DEFAULT = 1000


@dataclass
class Received:
    """One datagram as a receiver saw it."""

    data: bytes
    addr: tuple[str, int]
    time: float

    def text(self, encoding: str = "utf-8") -> str:
        return self.data.decode(encoding, "replace")


@dataclass
class UdpSummary:
    sent: int = 0
    received: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    echoed: int = 0
    messages: deque[Received] = field(default_factory=lambda: deque(maxlen=KEEP_DEFAULT))


def udp_socket(host: str = "127.0.0.1", port: int = 0, *, broadcast: bool = False,
               reuse: bool = False) -> socket.socket:
    """A bound UDP socket (IPv6 when the host has a colon)."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    try:
        if reuse:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if broadcast:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        s.bind((host, port))
    except OSError:
        s.close()
        raise
    return s


def format_received(r: Received, encoding: str = "utf-8") -> str:
    ts = datetime.fromtimestamp(r.time).strftime("%H:%M:%S.%f")[:-3]
    return f"[{ts}] {r.addr[0]}:{r.addr[1]} ({len(r.data)} B): {escape(r.text(encoding))}"


def udp_send(host: str, port: int, messages: Iterable[str | bytes], *, count: int = 1,
             rate: float | None = None, encoding: str = "utf-8", bind: str | None = None,
             broadcast: bool = False, sock: socket.socket | None = None) -> UdpSummary:
    """Send each message `count` times; `rate` = datagrams per second (None = as fast as possible)."""
    payloads = [m if isinstance(m, bytes) else m.encode(encoding) for m in messages] or [b""]
    own = sock is None
    if sock is None:
        sock = udp_socket(bind or ("::" if ":" in host else "0.0.0.0"), 0, broadcast=broadcast)
    summary = UdpSummary()
    gap = 1.0 / rate if rate else 0.0
    nxt = time.monotonic()
    try:
        for _ in range(max(0, count)):
            for p in payloads:
                if gap:
                    delay = nxt - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    nxt += gap
                summary.bytes_sent += sock.sendto(p, (host, port))
                summary.sent += 1
    finally:
        if own:
            sock.close()
    return summary


def udp_recv(host: str = "127.0.0.1", port: int = 9999, *, count: int | None = None,
             timeout: float = 10.0, sock: socket.socket | None = None,
             on_message: Callable[[Received], None] | None = None,
             ready: threading.Event | None = None, keep: int = KEEP_DEFAULT) -> UdpSummary:
    """Receive until `count` datagrams arrived or `timeout` seconds passed without any.

    Only the newest `keep` datagrams stay in `messages` (0: none), so a long run is bounded.
    """
    own = sock is None
    if sock is None:
        sock = udp_socket(host, port)
    if ready is not None:
        ready.set()
    summary = UdpSummary(messages=deque(maxlen=max(0, keep)))
    try:
        sock.settimeout(timeout)
        while count is None or summary.received < count:
            try:
                data, addr = sock.recvfrom(65536)
            except TimeoutError:
                break
            r = Received(data, (addr[0], addr[1]), time.time())
            summary.received += 1
            summary.bytes_received += len(data)
            summary.messages.append(r)
            if on_message is not None:
                on_message(r)
    finally:
        if own:
            sock.close()
    return summary


class UdpEcho:
    """Echo server: returns every datagram to its sender and counts what it returned."""

    def __init__(self, host: str = "127.0.0.1", port: int = 9999, *, max_count: int | None = None,
                 upper: bool = False) -> None:
        self.sock = udp_socket(host, port)
        self.port = self.sock.getsockname()[1]
        self.max_count, self.upper = max_count, upper
        self.summary = UdpSummary()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def serve(self, duration: float | None = None, idle_timeout: float | None = None) -> UdpSummary:
        end = None if duration is None else time.monotonic() + duration
        last = time.monotonic()
        self.sock.settimeout(0.2)
        while not self._stop.is_set():
            now = time.monotonic()
            if end is not None and now >= end:
                break
            if idle_timeout is not None and now - last >= idle_timeout:
                break
            if self.max_count is not None and self.summary.echoed >= self.max_count:
                break
            try:
                data, addr = self.sock.recvfrom(65536)
            except (TimeoutError, ConnectionError):
                continue
            except OSError:
                break
            last = time.monotonic()
            self.summary.received += 1
            self.summary.bytes_received += len(data)
            reply = data.upper() if self.upper else data
            try:
                self.summary.bytes_sent += self.sock.sendto(reply, addr)
                self.summary.echoed += 1
            except OSError:
                pass
        return self.summary

    def start(self) -> UdpEcho:
        self._thread = threading.Thread(target=self.serve, daemon=True, name="udp-echo")
        self._thread.start()
        return self

    def stop(self) -> UdpSummary:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        self.sock.close()
        return self.summary


def udp_echo_client(host: str, port: int, messages: Iterable[str | bytes], *, count: int = 1,
                    timeout: float = 2.0, encoding: str = "utf-8") -> tuple[UdpSummary, list[bytes]]:
    """Send and wait for each reply (one try each); returns replies in order."""
    sock = udp_socket("::" if ":" in host else "127.0.0.1" if host.startswith("127.") else "0.0.0.0")
    sock.settimeout(timeout)
    summary = UdpSummary()
    replies: list[bytes] = []
    try:
        for _ in range(count):
            for m in messages if isinstance(messages, list) else list(messages):
                p = m if isinstance(m, bytes) else m.encode(encoding)
                summary.bytes_sent += sock.sendto(p, (host, port))
                summary.sent += 1
                try:
                    data, _addr = sock.recvfrom(65536)
                except (TimeoutError, ConnectionRefusedError):
                    continue
                summary.received += 1
                replies.append(data)
    finally:
        sock.close()
    return summary, replies


class UdpChat:
    """Full-duplex chat peer: a receive thread prints while the caller sends."""

    def __init__(self, local: tuple[str, int], remote: tuple[str, int], *,
                 encoding: str = "utf-8", on_message: Callable[[Received], None] | None = None) -> None:
        self.sock = udp_socket(*local)
        self.local = self.sock.getsockname()[:2]
        self.remote = remote
        self.encoding = encoding
        self.on_message = on_message
        self.summary = UdpSummary()
        self._stop = threading.Event()
        self._rx = threading.Thread(target=self._receive, daemon=True, name="udp-chat-rx")

    def _receive(self) -> None:
        self.sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                data, addr = self.sock.recvfrom(65536)
            except (TimeoutError, ConnectionError):
                continue
            except OSError:
                return
            r = Received(data, (addr[0], addr[1]), time.time())
            self.summary.received += 1
            self.summary.bytes_received += len(data)
            self.summary.messages.append(r)
            if self.on_message is not None:
                self.on_message(r)

    def start(self) -> UdpChat:
        self._rx.start()
        return self

    def send(self, text: str | bytes) -> None:
        p = text if isinstance(text, bytes) else text.encode(self.encoding)
        self.summary.bytes_sent += self.sock.sendto(p, self.remote)
        self.summary.sent += 1

    def run_interactive(self, stream=sys.stdin, duration: float | None = None) -> UdpSummary:
        """Send each input line while the receive thread prints; ends at EOF, /quit or duration."""
        self.start()
        end = None if duration is None else time.monotonic() + duration
        try:
            for line in stream:
                line = line.rstrip("\n")
                if line == "/quit":
                    break
                self.send(line)
                if end is not None and time.monotonic() >= end:
                    break
            if end is not None:
                while time.monotonic() < end and not self._stop.is_set():
                    time.sleep(0.1)
        finally:
            self.stop()
        return self.summary

    def stop(self) -> UdpSummary:
        self._stop.set()
        if self._rx.is_alive():
            self._rx.join(2)
        self.sock.close()
        return self.summary
