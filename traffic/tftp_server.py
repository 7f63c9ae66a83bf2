"""A TFTP server safe by default: one root, no escapes, no overwrites, bounded concurrency.

Each transfer gets its own socket (its own TID) and thread; the listening socket only parses
requests, so a malformed datagram costs one error reply and nothing else.
"""

from __future__ import annotations

import os
import socket
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from traffic import tftp_proto as tp
from traffic.tftp_engine import (
    Channel,
    Rto,
    Stopped,
    TransferStats,
    negotiate,
    recv_blocks,
    send_blocks,
    timeout_from,
)

KEEP_ERRORS = 64  # the newest error replies kept in ServerStats.errors
MAX_TIMEOUT_OPTION = 10  # seconds: larger `timeout` options are declined (left out of the OACK)


def _clip(text: str, n: int = 40) -> str:
    """Peer text quoted in our replies and logs, cut so its size is ours, not the peer's."""
    return text if len(text) <= n else text[:n] + "..."


@dataclass
class ServerStats:
    """Counters the CLI summary and tests read (errors: only the newest KEEP_ERRORS)."""

    requests: int = 0
    completed: int = 0
    failed: int = 0
    refused: int = 0
    malformed: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    errors: deque[tuple[int, str]] = field(default_factory=lambda: deque(maxlen=KEEP_ERRORS))


class TftpServer:
    """TFTP server on (host, port) serving `root`; start() runs it in a thread, stop() ends it."""

    def __init__(self, root: str | os.PathLike[str], host: str = "127.0.0.1", port: int = 69, *,
                 allow_overwrite: bool = False, create: bool = False, max_transfers: int = 32,
                 max_blksize: int = tp.MAX_BLKSIZE, max_windowsize: int = 64,
                 retries: int = 6, timeout: float = 1.0, dally: float = 0.5,
                 idle_timeout: float = 30.0, log=None) -> None:
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise NotADirectoryError(f"TFTP root {root} is not a directory")
        self.host, self.port = host, port
        self.allow_overwrite, self.create = allow_overwrite, create
        self.max_transfers = max_transfers
        self.max_blksize, self.max_windowsize = max_blksize, max_windowsize
        self.retries, self.timeout, self.dally = retries, timeout, dally
        # A silent peer holds a slot at most idle_timeout seconds; a timeout option may not
        # exceed half of it (nor MAX_TIMEOUT_OPTION), so there is room for a retransmission.
        self.idle_timeout = idle_timeout
        self.max_timeout_option = max(1, min(MAX_TIMEOUT_OPTION, int(idle_timeout / 2)))
        self.log = log
        self.stats = ServerStats()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._active: set[threading.Thread] = set()
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------------
    def bind(self) -> None:
        """Bind the listening socket now, so a busy or privileged port fails in the caller."""
        fam = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_DGRAM)
        try:
            s.bind((self.host, self.port))
        except OSError:
            s.close()
            raise
        self._sock = s
        self.port = s.getsockname()[1]

    def start(self) -> TftpServer:
        if self._sock is None:
            self.bind()
        self._thread = threading.Thread(target=self.serve_forever, name="tftpd", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        for t in list(self._active):
            t.join(timeout)
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self) -> TftpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def active(self) -> int:
        with self._lock:
            return len(self._active)

    def _note(self, msg: str) -> None:
        if self.log is not None:
            self.log(msg)

    # --- request loop ------------------------------------------------------------------------
    def serve_forever(self, duration: float | None = None) -> None:
        if self._sock is None:
            self.bind()
        assert self._sock is not None
        sock = self._sock
        sock.settimeout(0.2)
        end = None if duration is None else time.monotonic() + duration
        while not self._stop.is_set() and (end is None or time.monotonic() < end):
            try:
                data, addr = sock.recvfrom(65536)
            except (TimeoutError, ConnectionError):
                continue
            except OSError:
                if self._stop.is_set():
                    break
                raise
            self._handle_datagram(sock, data, (addr[0], addr[1]))

    def _reply_error(self, sock: socket.socket, addr: tuple[str, int], code: int,
                     msg: str | None = None) -> None:
        with self._lock:
            self.stats.errors.append((code, _clip(msg or tp.ERROR_MESSAGES[code], 200)))
        try:
            sock.sendto(tp.encode_error(code, msg), addr)
        except OSError:
            pass

    def _handle_datagram(self, sock: socket.socket, data: bytes, addr: tuple[str, int]) -> None:
        try:
            pkt = tp.decode(data)
        except tp.TftpProtoError as e:
            with self._lock:
                self.stats.malformed += 1
            self._note(f"malformed packet from {addr[0]}:{addr[1]}: {e}")
            self._reply_error(sock, addr, tp.EBADOP)
            return
        if pkt.opcode not in (tp.RRQ, tp.WRQ):
            if pkt.opcode != tp.ERROR:
                self._reply_error(sock, addr, tp.EBADOP)
            return
        with self._lock:
            self.stats.requests += 1
            busy = len(self._active) >= self.max_transfers
        if pkt.mode not in tp.MODES:
            self._refuse(sock, addr, tp.EBADOP, f"Unsupported mode '{_clip(pkt.mode)}'")
            return
        if busy:
            self._refuse(sock, addr, tp.EUNDEF, "Server busy, too many transfers")
            return
        t = threading.Thread(target=self._transfer, args=(pkt, addr), daemon=True,
                             name=f"tftp-{addr[0]}:{addr[1]}")
        with self._lock:
            self._active.add(t)
        t.start()

    def _refuse(self, sock: socket.socket, addr: tuple[str, int], code: int, msg: str) -> None:
        with self._lock:
            self.stats.refused += 1
        self._note(f"refused {addr[0]}:{addr[1]}: {msg}")
        self._reply_error(sock, addr, code, msg)

    # --- path policy -------------------------------------------------------------------------
    def resolve(self, name: str) -> Path:
        """Map a request filename into the root; raise TftpError(EACCESS) for any escape.

        The name is matched byte for byte as sent (`name` holds one char per wire byte): no
        character set is assumed, so a UTF-8 request finds a UTF-8 name and nothing else.
        '/' and '\\' both separate directories.
        """
        if not name or name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
            raise tp.TftpError(tp.EACCESS, "Access violation: absolute path")
        parts = name.replace("\\", "/").split("/")
        if any(p == ".." for p in parts):
            raise tp.TftpError(tp.EACCESS, "Access violation: '..' in path")
        if any(len(p.encode("utf-8", "surrogateescape")) > 255 for p in parts) or len(name) > 4000:
            raise tp.TftpError(tp.ENOTFOUND, "File not found: name too long")
        path = self.root.joinpath(*[tp.local_name(p) for p in parts if p not in ("", ".")])
        real = Path(os.path.realpath(path))
        if real != self.root and self.root not in real.parents:
            raise tp.TftpError(tp.EACCESS, "Access violation: path leaves the root")
        return real

    # --- one transfer ------------------------------------------------------------------------
    def _transfer(self, req: tp.Packet, client: tuple[str, int]) -> None:
        fam = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(fam, socket.SOCK_DGRAM)
        stats = TransferStats(peer=client)
        who = f"{client[0]}:{client[1]} {_clip(tp.local_name(req.filename), 200)}"
        ok = False
        try:
            sock.bind((self.host, 0))
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
            except OSError:
                pass
            ch = Channel(sock, client, self._stop, stats, max_silence=self.idle_timeout)
            try:
                if req.opcode == tp.RRQ:
                    self._serve_read(ch, req)
                else:
                    self._serve_write(ch, req)
                ok = True
            except tp.TftpError as e:
                self._note(f"{who}: {_clip(str(e), 200)}")
            except (tp.TftpTimeout, Stopped) as e:
                self._note(f"{who}: {e or 'stopped'}")
            except OSError as e:
                ch.send(tp.encode_error(tp.EUNDEF, e.strerror or str(e)))
                self._note(f"{who}: {e.strerror or e}")
        finally:
            sock.close()
            with self._lock:
                if ok:
                    self.stats.completed += 1
                else:
                    self.stats.failed += 1
                self.stats.bytes_sent += stats.bytes if req.opcode == tp.RRQ else 0
                self.stats.bytes_received += stats.bytes if req.opcode == tp.WRQ else 0
                self._active.discard(threading.current_thread())

    def _fail(self, ch: Channel, code: int, msg: str | None = None) -> None:
        with self._lock:
            self.stats.errors.append((code, _clip(msg or tp.ERROR_MESSAGES[code], 200)))
        ch.send(tp.encode_error(code, msg))
        raise tp.TftpError(code, msg or "")

    def _options(self, req: tp.Packet, tsize: int | None) -> tuple[dict[str, str], int, int, Rto]:
        opts = negotiate(req.options, self.max_blksize, self.max_windowsize, tsize,
                         self.max_timeout_option)
        blksize = int(opts.get("blksize", tp.DEFAULT_BLKSIZE))
        window = int(opts.get("windowsize", 1))
        fixed = timeout_from(opts)
        return opts, blksize, window, Rto(fixed=fixed, initial=self.timeout)

    def _serve_read(self, ch: Channel, req: tp.Packet) -> None:
        try:
            path = self.resolve(req.filename)
        except tp.TftpError as e:
            self._fail(ch, e.code, e.message)
        if not path.exists():
            self._fail(ch, tp.ENOTFOUND)
        if not path.is_file():
            self._fail(ch, tp.EACCESS, "Access violation: not a regular file")
        try:
            src, size = tp.open_source(path, req.mode, measure=req.mode == "octet")
        except PermissionError:
            self._fail(ch, tp.EACCESS)
        with src:
            opts, blksize, window, rto = self._options(
                req, size if req.mode == "octet" else None)
            ch.stats.options = opts
            if opts:
                self._await_ack0(ch, tp.encode_oack(opts), rto)
            send_blocks(ch, src, blksize, window, rto, self.retries)

    def _await_ack0(self, ch: Channel, oack: bytes, rto: Rto) -> None:
        """Send OACK until the client ACKs block 0 (an ERROR from it aborts)."""
        for _ in range(self.retries + 1):
            t0 = time.monotonic()
            ch.send(oack)
            deadline = t0 + rto.current()
            while True:
                pkt = ch.recv(deadline - time.monotonic())
                if pkt is None:
                    rto.backoff()
                    break
                if pkt.opcode == tp.ACK and pkt.block == 0:
                    rto.sample(time.monotonic() - t0)
                    return
        raise tp.TftpTimeout("no ACK for OACK")

    def _serve_write(self, ch: Channel, req: tp.Packet) -> None:
        try:
            path = self.resolve(req.filename)
        except tp.TftpError as e:
            self._fail(ch, e.code, e.message)
        if path.exists() or path.is_symlink():
            if not path.is_file():
                self._fail(ch, tp.EACCESS, "Access violation: not a regular file")
            if not self.allow_overwrite:
                self._fail(ch, tp.EEXISTS)
        elif not self.create:
            self._fail(ch, tp.ENOTFOUND)
        if not path.parent.is_dir():
            self._fail(ch, tp.ENOTFOUND, "File not found: no such directory")
        opts, blksize, window, rto = self._options(req, None)
        ch.stats.options = opts
        try:
            fd, tmp = tempfile.mkstemp(prefix=".tftp-", dir=path.parent)
        except PermissionError:
            self._fail(ch, tp.EACCESS)
        first = tp.encode_oack(opts) if opts else tp.encode_ack(0)
        f = os.fdopen(fd, "wb")
        sink: BinaryIO | tp.NetasciiWriter = f if req.mode == "octet" else tp.NetasciiWriter(f)

        def commit() -> None:
            if isinstance(sink, tp.NetasciiWriter):
                sink.finish()
            f.close()
            if self.allow_overwrite:
                os.replace(tmp, path)
            else:
                try:
                    os.link(tmp, path)
                except FileExistsError:
                    self._fail(ch, tp.EEXISTS)
                os.unlink(tmp)

        try:
            ch.send(first)
            recv_timeout = rto.current() if rto.fixed is not None else max(1.0, rto.current())
            recv_blocks(ch, sink, blksize, window, recv_timeout, self.retries, last_sent=first,
                        dally=self.dally, on_complete=commit)
        finally:
            f.close()
            if os.path.exists(tmp):
                os.unlink(tmp)
