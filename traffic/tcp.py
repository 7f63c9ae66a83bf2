"""TCP server (echo or sink, many clients at once via selectors) and a well-behaved client.

The client does a full handshake, sends, reads the replies and closes with FIN (shutdown),
so a capture shows the textbook connection life cycle.
"""

from __future__ import annotations

import selectors
import socket
import threading
import time
from dataclasses import dataclass


@dataclass
class TcpSummary:
    connections: int = 0
    active: int = 0
    bytes_received: int = 0
    bytes_sent: int = 0
    messages: int = 0


def tcp_listen(host: str = "127.0.0.1", port: int = 0, backlog: int = 128) -> socket.socket:
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind((host, port))
        s.listen(backlog)
    except OSError:
        s.close()
        raise
    return s


class TcpServer:
    """Single-threaded selector server; mode 'echo' returns data, 'sink' discards it."""

    def __init__(self, host: str = "127.0.0.1", port: int = 9000, *, mode: str = "echo",
                 max_clients: int = 256) -> None:
        if mode not in ("echo", "sink"):
            raise ValueError("mode must be echo or sink")
        self.listener = tcp_listen(host, port)
        self.listener.setblocking(False)
        self.port = self.listener.getsockname()[1]
        self.mode, self.max_clients = mode, max_clients
        self.summary = TcpSummary()
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.listener, selectors.EVENT_READ, None)
        self._out: dict[socket.socket, bytearray] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _accept(self) -> None:
        try:
            conn, _addr = self.listener.accept()
        except (BlockingIOError, OSError):
            return
        if len(self._out) >= self.max_clients:
            conn.close()
            return
        conn.setblocking(False)
        self._out[conn] = bytearray()
        self.sel.register(conn, selectors.EVENT_READ, "c")
        self.summary.connections += 1
        self.summary.active = len(self._out)

    def _close(self, conn: socket.socket) -> None:
        self.sel.unregister(conn)
        self._out.pop(conn, None)
        conn.close()
        self.summary.active = len(self._out)

    def _service(self, conn: socket.socket, mask: int) -> None:
        if mask & selectors.EVENT_READ:
            try:
                data = conn.recv(65536)
            except (BlockingIOError, InterruptedError):
                data = None
            except OSError:
                self._close(conn)
                return
            if data == b"":
                # peer sent FIN: flush what is left, then close our side
                buf = self._out.get(conn)
                if buf:
                    try:
                        conn.setblocking(True)
                        conn.settimeout(2)
                        conn.sendall(buf)
                        self.summary.bytes_sent += len(buf)
                    except OSError:
                        pass
                self._close(conn)
                return
            if data:
                self.summary.bytes_received += len(data)
                self.summary.messages += 1
                if self.mode == "echo":
                    self._out[conn] += data
        buf = self._out.get(conn)
        if buf:
            try:
                n = conn.send(buf)
                self.summary.bytes_sent += n
                del buf[:n]
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                self._close(conn)
                return
        if conn in self._out:
            want = selectors.EVENT_READ | (selectors.EVENT_WRITE if self._out[conn] else 0)
            self.sel.modify(conn, want, "c")

    def serve(self, duration: float | None = None) -> TcpSummary:
        end = None if duration is None else time.monotonic() + duration
        while not self._stop.is_set() and (end is None or time.monotonic() < end):
            for key, mask in self.sel.select(timeout=0.2):
                if key.data is None:
                    self._accept()
                else:
                    self._service(key.fileobj, mask)  # type: ignore[arg-type]
        return self.summary

    def start(self) -> TcpServer:
        self._thread = threading.Thread(target=self.serve, daemon=True, name="tcp-server")
        self._thread.start()
        return self

    def stop(self) -> TcpSummary:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        for conn in list(self._out):
            self._close(conn)
        self.sel.unregister(self.listener)
        self.listener.close()
        self.sel.close()
        return self.summary


@dataclass
class ClientResult:
    sent: int = 0
    received: int = 0
    messages: int = 0
    elapsed: float = 0.0
    reply: bytes = b""


def tcp_client(host: str, port: int, message: bytes | str = b"", *, count: int = 1,
               size: int | None = None, rate: float | None = None, expect_echo: bool = True,
               timeout: float = 5.0, encoding: str = "utf-8") -> ClientResult:
    """Connect, send `count` messages (text or `size` bytes each), read echoes, close with FIN."""
    payload = message.encode(encoding) if isinstance(message, str) else message
    if size is not None:
        payload = (payload or b"x") * (size // max(1, len(payload or b"x")) + 1)
        payload = payload[:size]
    res = ClientResult()
    t0 = time.monotonic()
    with socket.create_connection((host, port), timeout=timeout) as s:
        gap = 1.0 / rate if rate else 0.0
        got = bytearray()
        for i in range(count):
            if gap and i:
                time.sleep(gap)
            s.sendall(payload)
            res.sent += len(payload)
            res.messages += 1
            if expect_echo:
                want = res.sent
                while len(got) < want:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    got += chunk
        s.shutdown(socket.SHUT_WR)  # FIN: tell the server we are done
        while True:
            try:
                chunk = s.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            got += chunk
        res.received = len(got)
        res.reply = bytes(got)
    res.elapsed = time.monotonic() - t0
    return res
