"""Live capture on a Linux interface: an AF_PACKET socket read by a capture thread.

The thread only copies packets (with the kernel's receive timestamp) into a bounded
queue, so a slow dissector never blocks the socket; when the queue is full the packet
is dropped and counted, like dumpcap's ring buffer overflowing. The capture filter
runs in the kernel (SO_ATTACH_FILTER), so unwanted packets never reach Python.
"""

from __future__ import annotations

import ctypes
import errno
import os
import queue
import socket
import struct
import threading
import time
from dataclasses import dataclass

from .bpf import DEFAULT_SNAPLEN, LINKTYPE_ETHERNET, LINKTYPE_RAW, BpfProgram
from .errors import CaptureError
from .frame import Frame
from .interface import Interface

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_STATISTICS = 6
PACKET_OUTGOING = 4
SO_ATTACH_FILTER = 26
SO_TIMESTAMPNS = 35  # also SCM_TIMESTAMPNS
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
#: tshark shows live timestamps to the microsecond.
LIVE_TS_DIGITS = 6


class LiveCaptureError(CaptureError):
    """The capture could not start or broke off: one line for the user, exit 2."""


@dataclass(frozen=True, slots=True)
class LiveInterface:
    """An entry of `analyze -D`."""

    number: int  # 1-based position in the list (what `-i N` accepts)
    name: str
    loopback: bool


def _arphrd(name: str) -> int | None:
    try:
        with open(f"/sys/class/net/{name}/type") as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def list_interfaces() -> list[LiveInterface]:
    """The interfaces in kernel index order, as `tshark -D` numbers them."""
    try:
        pairs = sorted(socket.if_nameindex())
    except OSError:
        pairs = [(0, n) for n in sorted(os.listdir("/sys/class/net"))]
    return [LiveInterface(i, name, _arphrd(name) == ARPHRD_LOOPBACK)
            for i, (_, name) in enumerate(pairs, 1)]


def resolve_interface(name: str) -> str:
    """An interface name, or the number `analyze -D` gave it."""
    try:
        socket.if_nametoindex(name)
        return name
    except OSError:
        pass
    if name.isdigit():
        for iface in list_interfaces():
            if iface.number == int(name):
                return iface.name
    raise LiveCaptureError(f'The capture session could not be initiated on capture device '
                           f'"{name}" (No such device exists). Use -D to list interfaces.')


def permission_message() -> str:
    return ("You don't have permission to capture on that device (socket: Operation not "
            "permitted) - run as root or give python CAP_NET_RAW "
            "(setcap cap_net_raw+ep on the python binary).")


class LiveCapture:
    """One open capture: `start()`, then `get()` frames until `stop()`."""

    def __init__(self, name: str, bpf: BpfProgram | None = None, *,
                 snaplen: int = DEFAULT_SNAPLEN, queue_size: int = 20000) -> None:
        self.name = resolve_interface(name)
        arphrd = _arphrd(self.name)
        if arphrd not in ARPHRD_LINKTYPE:
            raise LiveCaptureError(f'Capturing on "{self.name}" is not supported: link-layer '
                                   f'type {arphrd} (only Ethernet, loopback and raw IP).')
        self.linktype = ARPHRD_LINKTYPE[arphrd]
        self.loopback = arphrd == ARPHRD_LOOPBACK
        self.snaplen = snaplen
        self.interface = Interface(self.linktype, snaplen, LIVE_TS_DIGITS, name=self.name)
        self.queue: queue.Queue[tuple[int, int, bytes]] = queue.Queue(queue_size)
        self.queue_drops = 0
        self.error: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._sock = self._open(bpf)

    def _open(self, bpf: BpfProgram | None) -> socket.socket:
        try:
            # Protocol 0: no packets until bind(), so none slips past the filter.
            sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        except PermissionError:
            raise LiveCaptureError(permission_message()) from None
        except OSError as e:
            raise LiveCaptureError(f"Cannot open a packet socket: {e.strerror}.") from None
        try:
            if bpf is not None:
                code = bpf.packed()
                buf = ctypes.create_string_buffer(code, len(code))
                # struct sock_fprog {unsigned short len; struct sock_filter *filter;}
                fprog = struct.pack("HL", len(bpf.insns), ctypes.addressof(buf))
                sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)
            sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
            # The wire length once a filter has trimmed the packet, and the VLAN tag
            # the NIC stripped off (libpcap puts it back; so do we).
            sock.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
            except OSError:
                pass
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
        buf = bytearray(self.snaplen)
        view = memoryview(buf)
        anc = socket.CMSG_SPACE(_TIMESPEC.size) + socket.CMSG_SPACE(_AUXDATA.size)
        vlan_ok = self.linktype == LINKTYPE_ETHERNET and not self.loopback
        sock = self._sock
        while not self._stop.is_set():
            try:
                nbytes, ancdata, _flags, addr = sock.recvmsg_into([view], anc, socket.MSG_TRUNC)
            except TimeoutError:
                continue
            except InterruptedError:
                continue
            except OSError as e:
                if not self._stop.is_set():
                    self.error = (f'Error while capturing packets on "{self.name}": '
                                  f'{e.strerror}.')
                break
            if self.loopback and addr[2] == PACKET_OUTGOING:
                continue  # lo delivers each packet twice; keep the incoming copy
            ts = 0
            origlen = nbytes
            tag = b""
            for level, kind, data in ancdata:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                    sec, nsec = _TIMESPEC.unpack_from(data)
                    ts = sec * 1_000_000_000 + nsec
                elif level == SOL_PACKET and kind == PACKET_AUXDATA:
                    status, origlen, _snap, _mac, _net, tci, tpid = _AUXDATA.unpack_from(data)
                    if vlan_ok and status & TP_STATUS_VLAN_VALID:
                        if not status & TP_STATUS_VLAN_TPID_VALID:
                            tpid = 0x8100
                        tag = struct.pack(">HH", tpid, tci)
            if not ts:
                ts = time.time_ns()
            caplen = min(nbytes, len(buf))
            data = bytes(view[:caplen])
            if tag and caplen >= 12:
                data = (data[:12] + tag + data[12:])[:self.snaplen]
                origlen += 4
            try:
                self.queue.put_nowait((ts, origlen, data))
            except queue.Full:
                self.queue_drops += 1

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
        """Stop reading the socket; what is queued can still be taken with get()."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def stop(self) -> tuple[int, int]:
        """Stop the thread, close the socket; (kernel received, kernel dropped)."""
        self.halt()
        stats = self._read_stats(self._sock)
        self._sock.close()
        return stats

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()


__all__ = ["LiveCapture", "LiveCaptureError", "LiveInterface", "list_interfaces",
           "resolve_interface", "permission_message"]
