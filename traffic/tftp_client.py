"""TFTP client: get and put with blksize/tsize/timeout/windowsize options.

Returns a TransferStats so the CLI and the tests see options, retransmissions and timing.
"""

from __future__ import annotations

import io
import os
import socket
import time
from typing import BinaryIO

from traffic import tftp_proto as tp
from traffic.tftp_engine import Channel, Rto, TransferStats, recv_blocks, send_blocks, timeout_from


def _options(blksize: int | None, windowsize: int | None, timeout: int | None,
             tsize: int | None) -> dict[str, object]:
    opts: dict[str, object] = {}
    if blksize is not None:
        if not tp.MIN_BLKSIZE <= blksize <= tp.MAX_BLKSIZE:
            raise ValueError(f"blksize must be {tp.MIN_BLKSIZE}..{tp.MAX_BLKSIZE}")
        opts["blksize"] = blksize
    if tsize is not None:
        opts["tsize"] = tsize
    if timeout is not None:
        if not 1 <= timeout <= 255:
            raise ValueError("timeout must be 1..255 seconds")
        opts["timeout"] = timeout
    if windowsize is not None:
        if not 1 <= windowsize <= tp.MAX_WINDOWSIZE:
            raise ValueError("windowsize must be 1..65535")
        opts["windowsize"] = windowsize
    return opts


def _socket(host: str) -> socket.socket:
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    except OSError:
        pass
    s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", 0))
    return s


def _check_oack(ch: Channel, oack: dict[str, str], asked: dict[str, object]) -> None:
    """Reject an OACK with options we did not ask for or values larger than asked (RFC 2347)."""
    for k, v in oack.items():
        bad = k not in asked
        if not bad and k in ("blksize", "windowsize"):
            bad = not v.isdigit() or int(v) > int(asked[k]) or int(v) < 1  # type: ignore[arg-type]
        if bad:
            ch.send(tp.encode_error(tp.EOPTNEG, f"Unexpected option {k}={v}"))
            raise tp.TftpError(tp.EOPTNEG, f"server answered unexpected option {k}={v}")


def tftp_get(host: str, port: int, remote: str,
             local: str | os.PathLike[str] | BinaryIO | None = None, *,
             blksize: int | None = None, windowsize: int | None = None,
             timeout: int | None = None, tsize: bool = False, mode: str = "octet",
             retries: int = 6, initial_rto: float = 1.0) -> TransferStats:
    """Download `remote` into `local` (path or binary file; None = basename of remote)."""
    if mode not in tp.MODES:
        raise ValueError(f"mode must be one of {tp.MODES}")
    asked = _options(blksize, windowsize, timeout, 0 if tsize else None)
    stats = TransferStats()
    t0 = time.monotonic()
    sock = _socket(host)
    out: BinaryIO
    close_out = False
    if local is None:
        local = os.path.basename(remote) or "tftp.out"
    if isinstance(local, (str, os.PathLike)):
        out = open(local, "wb")  # noqa: SIM115
        close_out = True
    else:
        out = local
    try:
        ch = Channel(sock, None, stats=stats)
        ch.lock_host = socket.getaddrinfo(host, port, sock.family, socket.SOCK_DGRAM)[0][4][0]
        request = tp.encode_rrq(tp.wire_name(remote), mode, asked)
        first, bs, win, rto = _start(ch, request, (host, port), asked,
                                     Rto(initial=timeout or initial_rto), retries)
        last_sent = request
        if first.opcode == tp.OACK:
            last_sent = tp.encode_ack(0)
            ch.send(last_sent)
            first = None  # type: ignore[assignment]
        elif first.opcode != tp.DATA:
            ch.send(tp.encode_error(tp.EBADOP))
            raise tp.TftpError(tp.EBADOP, f"unexpected {tp.OPCODE_NAMES.get(first.opcode)} reply")
        sink = tp.NetasciiWriter(out) if mode == "netascii" else out
        recv_blocks(ch, sink, bs, win, max(rto.current(), 0.5) if rto.fixed is None else
                    rto.current(), retries, last_sent=last_sent, first=first,
                    dally=min(1.0, max(0.05, 3 * rto.current())))
        if isinstance(sink, tp.NetasciiWriter):
            sink.finish()
    except BaseException:
        if close_out:
            out.close()
            os.unlink(local)  # type: ignore[arg-type]  # no half-written file after a failure
        raise
    finally:
        sock.close()
        if close_out:
            out.close()
    stats.elapsed = time.monotonic() - t0
    return stats


def _start(ch: Channel, request: bytes, server: tuple[str, int], asked: dict[str, object],
           rto: Rto, retries: int) -> tuple[tp.Packet, int, int, Rto]:
    """Send a RRQ/WRQ and read the first reply; an OACK sets block size, window and timer.

    Returns (first reply, block size, window size, retransmission timer).
    """
    ch.sock.sendto(request, server)
    first = _first_reply_after(ch, request, server, rto, retries)
    bs, win = tp.DEFAULT_BLKSIZE, 1
    if first.opcode == tp.OACK:
        _check_oack(ch, first.options, asked)
        ch.stats.options = first.options
        bs = int(first.options.get("blksize", bs))
        win = int(first.options.get("windowsize", 1))
        fixed = timeout_from(first.options)
        if fixed is not None:
            rto = Rto(fixed=fixed)
    return first, bs, win, rto


def _first_reply_after(ch: Channel, request: bytes, server: tuple[str, int], rto: Rto,
                       retries: int) -> tp.Packet:
    """Wait for the first reply to an already-sent request, resending it on silence."""
    for attempt in range(retries + 1):
        if attempt:
            ch.stats.retransmits += 1
            try:
                ch.sock.sendto(request, server)
            except OSError:
                pass
        t0 = time.monotonic()
        pkt = ch.recv(rto.current())
        if pkt is not None:
            if not attempt:
                rto.sample(time.monotonic() - t0)
            return pkt
        ch.stats.timeouts += 1
        rto.backoff()
    raise tp.TftpTimeout(f"no reply from {server[0]}:{server[1]}")


def tftp_put(host: str, port: int, local: str | os.PathLike[str] | BinaryIO,
             remote: str | None = None, *, blksize: int | None = None,
             windowsize: int | None = None, timeout: int | None = None, tsize: bool = False,
             mode: str = "octet", retries: int = 6, initial_rto: float = 1.0) -> TransferStats:
    """Upload `local` (path or seekable binary file) as `remote`."""
    if mode not in tp.MODES:
        raise ValueError(f"mode must be one of {tp.MODES}")
    if isinstance(local, (str, os.PathLike)):
        remote = remote or os.path.basename(os.fspath(local))
        src, size = tp.open_source(local, mode)
    else:
        if remote is None:
            raise ValueError("remote name needed when uploading a file object")
        data = local.read()
        if mode == "netascii":
            data = tp.netascii_encode(data)
        src, size = io.BytesIO(data), len(data)
    asked = _options(blksize, windowsize, timeout, size if tsize else None)
    stats = TransferStats()
    t0 = time.monotonic()
    sock = _socket(host)
    try:
        with src:
            ch = Channel(sock, None, stats=stats)
            ch.lock_host = socket.getaddrinfo(host, port, sock.family, socket.SOCK_DGRAM)[0][4][0]
            request = tp.encode_wrq(tp.wire_name(remote), mode, asked)
            first, bs, win, rto = _start(ch, request, (host, port), asked,
                                         Rto(initial=timeout or initial_rto), retries)
            if first.opcode != tp.OACK and not (first.opcode == tp.ACK and first.block == 0):
                ch.send(tp.encode_error(tp.EBADOP))
                raise tp.TftpError(tp.EBADOP, f"unexpected {tp.OPCODE_NAMES.get(first.opcode)} reply")
            send_blocks(ch, src, bs, win, rto, retries)  # type: ignore[arg-type]
    finally:
        sock.close()
    stats.elapsed = time.monotonic() - t0
    return stats
