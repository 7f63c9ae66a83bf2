"""The TFTP data phase shared by client and server: windowed sender and receiver.

The same code sends a file for a server RRQ and a client WRQ (and receives for the other two), so
retransmission, wraparound and Sorcerer's Apprentice avoidance are written and tested once.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

from traffic import tftp_proto as tp
from traffic.terminal import plural


class Stopped(Exception):
    """The owning server is shutting down."""


class Rto:
    """Retransmission timeout: fixed when a timeout option was negotiated, else RFC 6298-style."""

    def __init__(self, fixed: float | None = None, initial: float = 1.0,
                 min_rto: float = 0.02, max_rto: float = 3.0) -> None:
        self.fixed = fixed
        self.min_rto, self.max_rto = min_rto, max_rto
        self.srtt: float | None = None
        self.rttvar = 0.0
        self.rto = fixed if fixed is not None else initial

    def current(self) -> float:
        return self.rto

    def sample(self, rtt: float) -> None:
        if self.fixed is not None:
            return
        if self.srtt is None:
            self.srtt, self.rttvar = rtt, rtt / 2
        else:
            self.rttvar = 0.75 * self.rttvar + 0.25 * abs(self.srtt - rtt)
            self.srtt = 0.875 * self.srtt + 0.125 * rtt
        self.rto = min(self.max_rto, max(self.min_rto, self.srtt + 4 * self.rttvar))

    def restore(self) -> None:
        """Undo backoff once a retransmission got through (no RTT sample: Karn)."""
        if self.fixed is None and self.srtt is not None:
            self.rto = min(self.max_rto, max(self.min_rto, self.srtt + 4 * self.rttvar))

    def backoff(self) -> None:
        if self.fixed is None:
            self.rto = min(self.max_rto, self.rto * 2)


@dataclass
class TransferStats:
    """What one transfer did, for summaries and tests."""

    bytes: int = 0
    blocks: int = 0
    retransmits: int = 0
    timeouts: int = 0
    duplicates: int = 0
    elapsed: float = 0.0
    options: dict[str, str] = field(default_factory=dict)
    peer: tuple[str, int] | None = None


class Channel:
    """A UDP socket talking to one peer TID; strays get ERROR 5, malformed packets are dropped.

    `max_silence` bounds how long the peer may say nothing at all, whatever the timeout
    option and retry count: then recv raises TftpTimeout and the transfer ends.
    """

    def __init__(self, sock: socket.socket, peer: tuple[str, int] | None,
                 stop: threading.Event | None = None, stats: TransferStats | None = None,
                 max_silence: float | None = None) -> None:
        self.sock = sock
        self.peer = peer
        self.lock_host: str | None = None
        self.stop = stop
        self.stats = stats or TransferStats()
        self.malformed = 0
        self.max_silence = max_silence
        self.last_heard = time.monotonic()

    def send(self, data: bytes, addr: tuple[str, int] | None = None) -> None:
        try:
            self.sock.sendto(data, addr or self.peer)  # type: ignore[arg-type]
        except OSError:
            pass  # e.g. ICMP-triggered ECONNREFUSED: the retransmit timer copes

    def recv(self, timeout: float) -> tp.Packet | None:
        """Next well-formed packet from the peer within `timeout`, or None. ERROR raises TftpError."""
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            if self.stop is not None and self.stop.is_set():
                raise Stopped()
            now = time.monotonic()
            if self.max_silence is not None and now - self.last_heard >= self.max_silence:
                raise tp.TftpTimeout(f"peer silent for {self.max_silence:g}s")
            left = deadline - now
            if self.max_silence is not None:
                left = min(left, self.last_heard + self.max_silence - now + 0.001)
            if left <= 0:
                return None
            self.sock.settimeout(min(left, 0.25) if self.stop is not None else left)
            try:
                data, addr = self.sock.recvfrom(65536)
            except TimeoutError:
                continue
            except (ConnectionRefusedError, ConnectionResetError):
                continue
            addr = (addr[0], addr[1])
            if self.peer is None or self.peer[1] == 0:
                if self.lock_host is not None and addr[0] != self.lock_host:
                    continue
                self.peer = addr
                self.stats.peer = addr
            elif addr != self.peer:
                self.send(tp.encode_error(tp.EBADID), addr)
                continue
            try:
                pkt = tp.decode(data)
            except tp.TftpProtoError:
                self.malformed += 1
                continue
            self.last_heard = time.monotonic()
            if pkt.opcode == tp.ERROR:
                raise tp.TftpError(pkt.code, pkt.message)
            return pkt


def send_blocks(ch: Channel, src: BinaryIO, blksize: int, windowsize: int, rto: Rto,
                retries: int = 6) -> None:
    """Send src in windows of DATA, advancing only on an ACK that acknowledges new blocks.

    A duplicate or stale ACK never triggers new data (no Sorcerer's Apprentice); only the
    retransmission timer resends, from the first unacknowledged block: the whole window the
    first time (RFC 7440), then that block alone, so a silent peer costs at most two windows
    and a few blocks. A source with `release` is told which bytes will not be read again.
    """
    st = ch.stats
    release = getattr(src, "release", None)
    base = 0
    last: int | None = None
    tries = 0
    resend = False
    lens: list[int] = []  # sizes of the blocks sent and not yet acknowledged, from base on
    while True:
        t0 = time.monotonic()
        span = windowsize if tries <= 1 else 1
        for i in range(base, base + span):
            src.seek(i * blksize)
            chunk = src.read(blksize)
            ch.send(tp.encode_data(tp.block_number(i), chunk))
            if i - base >= len(lens):
                lens.append(len(chunk))
            if resend:
                st.retransmits += 1
            if len(chunk) < blksize:
                last = i
                break
        n = len(lens)
        deadline = t0 + rto.current()
        while True:
            pkt = ch.recv(deadline - time.monotonic())
            if pkt is None:
                st.timeouts += 1
                tries += 1
                if tries > retries:
                    raise tp.TftpTimeout(f"no ACK after {plural(retries, 'retransmission')}")
                rto.backoff()
                resend = True
                break
            if pkt.opcode != tp.ACK:
                continue
            k = (pkt.block - tp.block_number(base)) & 0xFFFF
            if k >= n:
                st.duplicates += 1  # stale/duplicate ACK: ignore, keep waiting
                continue
            if resend:
                rto.restore()
            else:
                rto.sample(time.monotonic() - t0)
            st.bytes += sum(lens[: k + 1])
            st.blocks += k + 1
            del lens[: k + 1]
            base += k + 1
            if release is not None:
                release(base * blksize)
            tries = 0
            resend = False
            if last is not None and base > last:
                return
            break


def recv_blocks(ch: Channel, sink: BinaryIO | tp.NetasciiWriter, blksize: int, windowsize: int, timeout: float,
                retries: int = 6, last_sent: bytes | None = None, first: tp.Packet | None = None,
                dally: float = 0.2, on_complete: Callable[[], None] | None = None) -> None:
    """Receive DATA in order, ACK every `windowsize` blocks, re-ACK on duplicates or gaps.

    `last_sent` is what to retransmit on silence before the first block (the RRQ or ACK 0).
    `on_complete` runs after the last block and before its ACK (the server commits the file
    there, so the client's success means the file is in place).
    """
    st = ch.stats
    nxt = 0
    in_window = 0
    tries = 0
    resend = last_sent if last_sent is not None else tp.encode_ack(0)
    while True:
        pkt, first = first, None
        if pkt is None:
            pkt = ch.recv(timeout)
        if pkt is None:
            st.timeouts += 1
            tries += 1
            if tries > retries:
                raise tp.TftpTimeout(f"no DATA after {plural(retries, 'retransmission')}")
            ch.send(resend)
            st.retransmits += 1
            continue
        if pkt.opcode != tp.DATA:
            continue
        if len(pkt.data) > blksize:
            ch.send(tp.encode_error(tp.EBADOP, "DATA larger than block size"))
            raise tp.TftpError(tp.EBADOP, "peer sent DATA larger than block size")
        k = (pkt.block - tp.block_number(nxt)) & 0xFFFF
        if k != 0:
            st.duplicates += 1
            resend = tp.encode_ack(tp.block_number(nxt - 1))
            ch.send(resend)
            in_window = 0
            continue
        sink.write(pkt.data)
        st.bytes += len(pkt.data)
        st.blocks += 1
        nxt += 1
        tries = 0
        in_window += 1
        final = len(pkt.data) < blksize
        if final and on_complete is not None:
            on_complete()
        if final or in_window >= windowsize:
            resend = tp.encode_ack(tp.block_number(nxt - 1))
            ch.send(resend)
            in_window = 0
        if final:
            linger(ch, resend, nxt - 1, dally)
            return


def linger(ch: Channel, final_ack: bytes, last_index: int, dally: float) -> None:
    """Linger briefly so a lost final ACK is resent when the last DATA comes again."""
    end = time.monotonic() + dally
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return
        try:
            pkt = ch.recv(left)
        except (tp.TftpError, tp.TftpTimeout, Stopped):
            return
        if pkt is None:
            return
        if pkt.opcode == tp.DATA and pkt.block == tp.block_number(last_index):
            ch.send(final_ack)


def negotiate(requested: dict[str, str], max_blksize: int = tp.MAX_BLKSIZE,
              max_windowsize: int = 64, tsize: int | None = None,
              max_timeout: int = 255) -> dict[str, str]:
    """Server side: the options we accept and their values (unknown/invalid ones dropped).

    A timeout/utimeout above `max_timeout` seconds is declined: RFC 2349 lets the client
    propose one, and the server answer without it rather than wait that long per retry.
    """
    out: dict[str, str] = {}
    for name, value in requested.items():
        try:
            v = int(value)
        except ValueError:
            continue
        if name == "blksize" and v >= tp.MIN_BLKSIZE:
            out[name] = str(min(v, tp.MAX_BLKSIZE, max_blksize))
        elif name == "windowsize" and 1 <= v <= tp.MAX_WINDOWSIZE:
            out[name] = str(min(v, max_windowsize))
        elif name == "timeout" and 1 <= v <= min(255, max_timeout):
            out[name] = str(v)
        elif name == "utimeout" and 10_000 <= v <= min(255, max_timeout) * 1_000_000:
            out[name] = str(v)
        elif name == "tsize" and v >= 0:
            if tsize is not None:
                out[name] = str(tsize)
            elif v > 0:
                out[name] = str(v)
    return out


def timeout_from(opts: dict[str, str]) -> float | None:
    """Negotiated fixed timeout in seconds, or None for adaptive."""
    if "utimeout" in opts:
        return int(opts["utimeout"]) / 1e6
    if "timeout" in opts:
        return float(opts["timeout"])
    return None
