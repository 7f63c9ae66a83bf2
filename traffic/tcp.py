"""TCP server (echo or sink, many clients at once via selectors) and a well-behaved client.

The client does a full handshake, sends, reads the replies and closes with FIN (shutdown),
so a capture shows the textbook connection life cycle.
"""

from __future__ import annotations

import select
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


MAX_BUFFER = 256 * 1024  # echo bytes held per connection before we stop reading from it
IDLE_TIMEOUT = 60.0  # seconds a connection may move no byte either way before it is closed


@dataclass
class _Conn:
    """One client: what is still to echo, when it last moved a byte, whether it sent FIN."""

    out: bytearray
    last: float
    fin: bool = False


class TcpServer:
    """Single-threaded selector server; mode 'echo' returns data, 'sink' discards it.

    Bounded per client and fair: at most MAX_BUFFER bytes wait per connection (a client that
    does not read its echo is not read from until it does), a FIN is finished without
    blocking the loop, and a connection idle for `idle_timeout` seconds is closed, so idle
    clients cannot hold every slot.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 9000, *, mode: str = "echo",
                 max_clients: int = 256, idle_timeout: float = IDLE_TIMEOUT,
                 max_buffer: int = MAX_BUFFER) -> None:
        if mode not in ("echo", "sink"):
            raise ValueError("mode must be echo or sink")
        self.listener = tcp_listen(host, port)
        self.listener.setblocking(False)
        self.port = self.listener.getsockname()[1]
        self.mode, self.max_clients = mode, max_clients
        self.idle_timeout, self.max_buffer = idle_timeout, max_buffer
        self.summary = TcpSummary()
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.listener, selectors.EVENT_READ, None)
        self._conns: dict[socket.socket, _Conn] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _accept(self) -> None:
        try:
            conn, _addr = self.listener.accept()
        except (BlockingIOError, OSError):
            return
        if len(self._conns) >= self.max_clients:
            self._reap(time.monotonic())
        if len(self._conns) >= self.max_clients:
            conn.close()
            return
        conn.setblocking(False)
        self._conns[conn] = _Conn(bytearray(), time.monotonic())
        self.sel.register(conn, selectors.EVENT_READ, "c")
        self.summary.connections += 1
        self.summary.active = len(self._conns)

    def _close(self, conn: socket.socket) -> None:
        self.sel.unregister(conn)
        self._conns.pop(conn, None)
        conn.close()
        self.summary.active = len(self._conns)

    def _reap(self, now: float) -> None:
        """Close connections that moved no byte for idle_timeout seconds."""
        for conn, st in list(self._conns.items()):
            if now - st.last >= self.idle_timeout:
                self._close(conn)

    def _service(self, conn: socket.socket, mask: int) -> None:
        st = self._conns.get(conn)
        if st is None:
            return
        if mask & selectors.EVENT_READ and not st.fin and len(st.out) < self.max_buffer:
            try:
                data = conn.recv(65536)
            except (BlockingIOError, InterruptedError):
                data = None
            except OSError:
                self._close(conn)
                return
            if data == b"":
                st.fin = True  # peer sent FIN: flush what is left (without blocking), then close
            elif data:
                st.last = time.monotonic()
                self.summary.bytes_received += len(data)
                self.summary.messages += 1
                if self.mode == "echo":
                    st.out += data
        if st.out:
            try:
                n = conn.send(st.out)
                self.summary.bytes_sent += n
                del st.out[:n]
                if n:
                    st.last = time.monotonic()
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                self._close(conn)
                return
        if st.fin and not st.out:
            self._close(conn)
            return
        want = selectors.EVENT_WRITE if st.out else 0
        if not st.fin and len(st.out) < self.max_buffer:
            want |= selectors.EVENT_READ
        self.sel.modify(conn, want, "c")

    def serve(self, duration: float | None = None) -> TcpSummary:
        end = None if duration is None else time.monotonic() + duration
        next_reap = time.monotonic() + 0.5
        while not self._stop.is_set() and (end is None or time.monotonic() < end):
            for key, mask in self.sel.select(timeout=0.2):
                if key.data is None:
                    self._accept()
                else:
                    self._service(key.fileobj, mask)  # type: ignore[arg-type]
            now = time.monotonic()
            if now >= next_reap:
                self._reap(now)
                next_reap = now + 0.5
        return self.summary

    def start(self) -> TcpServer:
        self._thread = threading.Thread(target=self.serve, daemon=True, name="tcp-server")
        self._thread.start()
        return self

    def stop(self) -> TcpSummary:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        for conn in list(self._conns):
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


def _send_reading(s: socket.socket, payload: bytes, got: bytearray, timeout: float) -> None:
    """Send all of `payload`, reading what comes back meanwhile into `got`.

    An echo server holds only so much per client; sending a large message without reading
    its echo would block both ends. TimeoutError after `timeout` seconds without progress.
    """
    view = memoryview(payload)
    sent = 0
    while sent < len(view):
        r, w, _ = select.select([s], [s], [], timeout)
        if not r and not w:
            raise TimeoutError("no progress")
        if r:
            chunk = s.recv(65536)
            if not chunk:
                raise ConnectionResetError("server closed the connection")
            got += chunk
        if w:
            s.setblocking(False)
            try:
                sent += s.send(view[sent:sent + 262144])
            except BlockingIOError:
                pass
            finally:
                s.settimeout(timeout)


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
            _send_reading(s, payload, got, timeout)
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
