"""Live capture on a Linux interface (or "any"): an AF_PACKET socket read by a thread.

The thread only copies packets (with the kernel's receive timestamp) into a bounded
queue, so a slow dissector never blocks the socket; when the queue is full the packet
is dropped and counted, like dumpcap's ring buffer overflowing. The capture filter
runs in the kernel (SO_ATTACH_FILTER), so unwanted packets never reach Python; on
"any" (a cooked SOCK_DGRAM socket, LINKTYPE_LINUX_SLL like libpcap's) the filter,
compiled for the cooked header, is moved to the kernel's offsets, or runs on each
packet in the thread when it reads what the kernel can't see (the link address).

Accounting: every packet the socket hands over is queued or counted as dropped.
On stop the thread first reads what the socket still holds from before the stop
(kernel timestamps say which), and with -c it stops reading at the count, so the
packets taken from the queue plus the drops are all the kernel delivered. On lo the
kernel sees each packet twice (out and in); the kernel filter rejects the outgoing
copy, so the kernel's received/dropped counters count each packet once.
"""

from __future__ import annotations

import ctypes
import errno
import queue
import socket
import struct
import threading
import time
from collections.abc import Callable

from .bpf import (
    DEFAULT_SNAPLEN,
    LINKTYPE_ETHERNET,
    LINKTYPE_RAW,
    BpfProgram,
    cooked_for_kernel,
)
from .devices import ANY, LiveInterface, arphrd, find_interface, list_interfaces
from .errors import CaptureError
from .frame import Frame
from .interface import Interface
from .linktypes import LINKTYPE_LINUX_SLL

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_STATISTICS = 6
PACKET_OUTGOING = 4
SO_ATTACH_FILTER = 26
SO_TIMESTAMPNS = 35  # also SCM_TIMESTAMPNS
SO_RCVBUFFORCE = 33
#: Socket buffer (the kernel counts ~1 kB per small packet): room for a burst while
#: the thread waits for the interpreter lock.
_RCVBUF = 16 << 20
PACKET_AUXDATA = 8
TP_STATUS_VLAN_VALID = 0x10
TP_STATUS_VLAN_TPID_VALID = 0x40
ARPHRD_ETHER = 1
ARPHRD_LOOPBACK = 772
ARPHRD_NONE = 0xFFFE
#: Link-layer types whose SOCK_RAW data we can label, and the LINKTYPE it becomes.
ARPHRD_LINKTYPE = {ARPHRD_ETHER: LINKTYPE_ETHERNET, ARPHRD_LOOPBACK: LINKTYPE_ETHERNET,
                   ARPHRD_NONE: LINKTYPE_RAW}
_TIMESPEC = struct.Struct("=qq")
_STATS = struct.Struct("=II")
#: struct tpacket_auxdata: status, len (on the wire), snaplen, mac, net, vlan tci, tpid.
_AUXDATA = struct.Struct("=IIIHHHH")
#: The cooked header of LINKTYPE_LINUX_SLL: packet type, ARPHRD, address length,
#: address (8 bytes, zero padded), protocol.
_SLL = struct.Struct(">HHH8sH")
SLL_LEN = _SLL.size
#: classic BPF: ld [SKF_AD_OFF + ...] ancillary loads, jeq #k, ret #k.
_LD_ANC, _JEQ, _RET = 0x20, 0x15, 0x06
_SKF_AD_PKTTYPE, _SKF_AD_IFINDEX = 0xFFFFF000 + 4, 0xFFFFF000 + 8
#: How long the stop may spend reading what the socket held at the stop.
_FINAL_READ_SECS = 2.0
#: tshark shows live timestamps to the microsecond.
LIVE_TS_DIGITS = 6


class LiveCaptureError(CaptureError):
    """The capture could not start or broke off: one line for the user, exit 2."""


def resolve_interface(name: str) -> LiveInterface:
    """The device for `-i name`: a name, or the number `analyze -D` gave it."""
    dev = find_interface(name)
    if dev is None:
        raise LiveCaptureError(f'The capture session could not be initiated on capture '
                               f'device "{name}" (No such device exists). Use -D to list '
                               f'interfaces.')
    return dev


def linktype_of(dev: LiveInterface) -> int | None:
    """The LINKTYPE a capture on `dev` writes (None: not a device we can capture on)."""
    if dev.name == ANY:
        return LINKTYPE_LINUX_SLL
    return ARPHRD_LINKTYPE.get(arphrd(dev.name) or -1)


def permission_message() -> str:
    return ("You don't have permission to capture on that device (socket: Operation not "
            "permitted) - run as root or give python CAP_NET_RAW "
            "(setcap cap_net_raw+ep on the python binary).")


def got_ts(got: tuple) -> int:
    """The kernel's receive time (ns) of a recvmsg() result, or now."""
    for level, kind, data in got[1]:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
            sec, nsec = _TIMESPEC.unpack_from(data)
            return sec * 1_000_000_000 + nsec
    return time.time_ns()


def _skip_lo_outgoing(lo_index: int | None) -> list[tuple[int, int, int, int]]:
    """BPF that rejects lo's outgoing copy of a packet (on "any": by lo's ifindex) and
    falls through to the next instruction for everything else."""
    if lo_index is None:
        return [(_LD_ANC, 0, 0, _SKF_AD_PKTTYPE), (_JEQ, 0, 1, PACKET_OUTGOING), (_RET, 0, 0, 0)]
    return [(_LD_ANC, 0, 0, _SKF_AD_PKTTYPE), (_JEQ, 0, 3, PACKET_OUTGOING),
            (_LD_ANC, 0, 0, _SKF_AD_IFINDEX), (_JEQ, 0, 1, lo_index), (_RET, 0, 0, 0)]


def _attach(sock: socket.socket, insns: list[tuple[int, int, int, int]]) -> None:
    """SO_ATTACH_FILTER: the kernel runs `insns` on every packet (replacing any filter)."""
    code = b"".join(struct.pack("HBBI", *i) for i in insns)
    buf = ctypes.create_string_buffer(code, len(code))
    # struct sock_fprog {unsigned short len; struct sock_filter *filter;}
    fprog = struct.pack("HL", len(insns), ctypes.addressof(buf))
    sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)


class LiveCapture:
    """One open capture: `start()`, then `get()` frames until `halt()`/`stop()`.

    `limit`: queue at most this many packets, then stop reading (-c).
    """

    def __init__(self, name: str, bpf: BpfProgram | None = None, *,
                 snaplen: int = DEFAULT_SNAPLEN, queue_size: int = 20000,
                 limit: int | None = None) -> None:
        dev = resolve_interface(name)
        linktype = linktype_of(dev)
        if linktype is None:
            kind = arphrd(dev.name)
            what = ("it is not a network interface" if kind is None
                    else f"link-layer type {kind}")
            raise LiveCaptureError(f'Capturing on "{dev.name}" is not supported: {what} '
                                   f'(only Ethernet, loopback, raw IP and "any").')
        self.name = dev.name
        self.display_name = dev.display_name
        self.linktype = linktype
        self.cooked = dev.name == ANY
        self.loopback = dev.loopback
        self.snaplen = snaplen
        self.limit = limit
        self.interface = Interface(self.linktype, snaplen, LIVE_TS_DIGITS, name=self.name)
        self.queue: queue.Queue[tuple[int, int, bytes]] = queue.Queue(queue_size)
        self.queued = 0
        self.queue_drops = 0
        self.error: str | None = None
        self._stop = threading.Event()
        self._stop_ns = 0
        self._thread: threading.Thread | None = None
        #: on "any", the capture filter runs here (it is compiled for the cooked header)
        self._user_filter: Callable[[bytes, int], bool] | None = None
        self._sock = self._open(bpf)

    def _kernel_program(self, bpf: BpfProgram | None) -> list[tuple[int, int, int, int]]:
        accept_all = [(_RET, 0, 0, 0xFFFFFFFF)]
        if self.cooked:
            user = accept_all
            if bpf is not None:
                fixed = cooked_for_kernel(bpf.insns)
                if fixed is None:
                    self._user_filter = bpf.matcher()
                else:
                    user = fixed
            try:
                lo = socket.if_nametoindex("lo")
            except OSError:
                return user
            return _skip_lo_outgoing(lo) + user
        user = list(bpf.insns) if bpf is not None else accept_all
        return (_skip_lo_outgoing(None) + user) if self.loopback else user

    def _open(self, bpf: BpfProgram | None) -> socket.socket:
        try:
            if self.cooked:
                # Unbound, it hears every interface from the start: a filter that
                # takes nothing goes on first, what came before it is thrown away,
                # then the real filter replaces it.
                sock = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM,
                                     socket.htons(ETH_P_ALL))
            else:
                # Protocol 0: no packets until bind(), so none slips past the filter.
                sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        except PermissionError:
            raise LiveCaptureError(permission_message()) from None
        except OSError as e:
            raise LiveCaptureError(f"Cannot open a packet socket: {e.strerror}.") from None
        try:
            if self.cooked:
                _attach(sock, [(_RET, 0, 0, 0)])
                for _ in range(100_000):  # bounded; nothing new passes that filter
                    try:
                        sock.recv(1, socket.MSG_DONTWAIT)
                    except BlockingIOError:
                        break
            _attach(sock, self._kernel_program(bpf))
            sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
            # The wire length once a filter has trimmed the packet, and the VLAN tag
            # the NIC stripped off (libpcap puts it back; so do we).
            sock.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
            try:  # beyond net.core.rmem_max needs CAP_NET_ADMIN (root has it)
                sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, _RCVBUF)
            except OSError:
                try:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _RCVBUF)
                except OSError:
                    pass
            if not self.cooked:
                sock.bind((self.name, ETH_P_ALL))
            sock.settimeout(0.2)
            _ = self._read_stats(sock)  # reading resets the kernel counters
        except OSError as e:
            sock.close()
            if e.errno == errno.ENODEV:
                raise LiveCaptureError(f'The capture session could not be initiated on '
                                       f'capture device "{self.name}" (No such device).'
                                       ) from None
            raise LiveCaptureError(f'The capture session could not be initiated on capture '
                                   f'device "{self.name}" ({e.strerror}).') from None
        return sock

    @staticmethod
    def _read_stats(sock: socket.socket) -> tuple[int, int]:
        try:
            raw = sock.getsockopt(SOL_PACKET, PACKET_STATISTICS, _STATS.size)
        except OSError:
            return (0, 0)
        return _STATS.unpack(raw)  # type: ignore[return-value]

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="capture", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        """Capture thread: socket -> queue, nothing else."""
        room = self.snaplen - SLL_LEN if self.cooked else self.snaplen
        buf = bytearray(max(room, 1))
        view = memoryview(buf)
        anc = socket.CMSG_SPACE(_TIMESPEC.size) + socket.CMSG_SPACE(_AUXDATA.size)
        sock = self._sock
        try:
            while not self._stop.is_set():
                if self.limit is not None and self.queued >= self.limit:
                    return
                try:
                    got = sock.recvmsg_into([view], anc, socket.MSG_TRUNC)
                except (TimeoutError, InterruptedError):
                    continue
                self._take(got, view)
            # Stopped: what the socket holds from before the stop was handed over too;
            # the first packet stamped after the stop (queued all the same) ends it.
            sock.settimeout(0)
            give_up = time.monotonic() + _FINAL_READ_SECS
            while time.monotonic() < give_up:
                if self.limit is not None and self.queued >= self.limit:
                    return
                try:
                    got = sock.recvmsg_into([view], anc, socket.MSG_TRUNC)
                except (BlockingIOError, InterruptedError):
                    return
                if self._take(got, view) and got_ts(got) > self._stop_ns:
                    return
        except OSError as e:
            if not self._stop.is_set():
                self.error = f'Error while capturing packets on "{self.name}": {e.strerror}.'

    def _take(self, got: tuple, view: memoryview) -> bool:
        """Queue (or count as dropped) one received packet; False if it is skipped
        (lo's outgoing copy, or the filter on "any" says no)."""
        nbytes, ancdata, _flags, addr = got
        ts = got_ts(got)
        origlen = nbytes
        tag = b""
        for level, kind, data in ancdata:
            if level == SOL_PACKET and kind == PACKET_AUXDATA:
                status, origlen, _snap, _mac, _net, tci, tpid = _AUXDATA.unpack_from(data)
                if status & TP_STATUS_VLAN_VALID and (self.cooked or not self.loopback):
                    if not status & TP_STATUS_VLAN_TPID_VALID:
                        tpid = 0x8100
                    tag = struct.pack(">HH", tpid, tci)
        if addr[2] == PACKET_OUTGOING and (self.loopback or (self.cooked and addr[0] == "lo")):
            return False  # lo delivers each packet twice; keep the incoming copy
        caplen = min(nbytes, len(view))
        if self.cooked:
            _name, proto, pkttype, hatype, haddr = addr[:5]
            head = _SLL.pack(pkttype, hatype, len(haddr), haddr[:8], proto)
            data = head + bytes(view[:caplen])
            origlen += SLL_LEN
            at = SLL_LEN - 2  # libpcap puts a VLAN tag before the cooked protocol field
        else:
            data = bytes(view[:caplen])
            at = 12  # after the Ethernet addresses
            if self.linktype != LINKTYPE_ETHERNET:
                tag = b""
        if tag and len(data) >= at:
            data = (data[:at] + tag + data[at:])[:self.snaplen]
            origlen += 4
        if self._user_filter is not None and not self._user_filter(data, origlen):
            return False
        try:
            self.queue.put_nowait((ts, origlen, data))
            self.queued += 1
        except queue.Full:
            self.queue_drops += 1
        return True

    def get(self, timeout: float) -> tuple[int, int, bytes] | None:
        """(ts_ns, origlen, data) of the next packet, None if none came in time."""
        try:
            return self.queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def frame(self, number: int, item: tuple[int, int, bytes]) -> Frame:
        ts, origlen, data = item
        ts -= ts % 1000  # µs, as written to the file and shown by tshark
        return Frame(number=number, ts_ns=ts, ts_digits=LIVE_TS_DIGITS, caplen=len(data),
                     origlen=origlen, linktype=self.linktype, interface_id=0, data=data,
                     interface_known=True, interface_name=self.name)

    def halt(self) -> None:
        """Stop reading the socket once what it holds from before now is queued;
        what is queued can still be taken with get()."""
        if not self._stop.is_set():
            self._stop_ns = time.time_ns()
            self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=_FINAL_READ_SECS + 1)

    def stop(self) -> tuple[int, int]:
        """Stop the thread, close the socket; (kernel received, kernel dropped)."""
        self.halt()
        stats = self._read_stats(self._sock)
        self._sock.close()
        return stats

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()


__all__ = ["LiveCapture", "LiveCaptureError", "LiveInterface", "linktype_of",
           "list_interfaces", "resolve_interface", "permission_message"]
