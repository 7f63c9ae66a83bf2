"""The capture devices, listed and numbered as `tshark -D` does.

tshark (through dumpcap) lists libpcap's `pcap_findalldevs()`, in libpcap's order
(up and running interfaces first, loopback after the others, "any" among them),
then its extcap tools. We ask libpcap for the same list, so `-i N` names the same
device in both; extcap tools are not ours to list. Without libpcap the kernel's
interfaces are listed in index order, with "any".
"""

from __future__ import annotations

import ctypes
import os
import socket
from dataclasses import dataclass

from .bpf import BpfError, _libpcap

PCAP_IF_LOOPBACK = 0x1
ANY = "any"


@dataclass(frozen=True, slots=True)
class LiveInterface:
    """An entry of `analyze -D`."""

    number: int  # 1-based position in the list (what `-i N` accepts)
    name: str
    loopback: bool

    @property
    def friendly_name(self) -> str | None:
        """What tshark shows in parentheses: on Linux only loopback gets one."""
        return "Loopback" if self.loopback else None

    @property
    def display_name(self) -> str:
        """dumpcap's name for it, as in "Capturing on 'Loopback: lo'"."""
        friendly = self.friendly_name
        return f"{friendly}: {self.name}" if friendly else self.name


class _PcapIf(ctypes.Structure):
    pass


_PcapIf._fields_ = [("next", ctypes.POINTER(_PcapIf)), ("name", ctypes.c_char_p),
                    ("description", ctypes.c_char_p), ("addresses", ctypes.c_void_p),
                    ("flags", ctypes.c_uint32)]


def _from_libpcap() -> list[tuple[str, bool]] | None:
    try:
        lib = _libpcap()
    except BpfError:
        return None
    find, free = lib.pcap_findalldevs, lib.pcap_freealldevs
    find.restype = ctypes.c_int
    find.argtypes = [ctypes.POINTER(ctypes.POINTER(_PcapIf)), ctypes.c_char_p]
    free.restype = None
    free.argtypes = [ctypes.POINTER(_PcapIf)]
    head = ctypes.POINTER(_PcapIf)()
    errbuf = ctypes.create_string_buffer(512)
    if find(ctypes.byref(head), errbuf) != 0:
        return None
    out: list[tuple[str, bool]] = []
    try:
        node = head
        while node:
            dev = node.contents
            out.append((os.fsdecode(dev.name or b""), bool(dev.flags & PCAP_IF_LOOPBACK)))
            node = dev.next
    finally:
        if head:
            free(head)
    return out


def _from_kernel() -> list[tuple[str, bool]]:
    try:
        names = [name for _, name in sorted(socket.if_nameindex())]
    except OSError:
        names = sorted(os.listdir("/sys/class/net"))
    return [(n, is_loopback(n)) for n in names] + [(ANY, False)]


def arphrd(name: str) -> int | None:
    """The kernel's ARPHRD_* hardware type of a network interface (None if not one)."""
    try:
        with open(f"/sys/class/net/{name}/type") as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def is_loopback(name: str) -> bool:
    return arphrd(name) == 772  # ARPHRD_LOOPBACK


def list_interfaces() -> list[LiveInterface]:
    """The capture devices in `tshark -D` order, numbered from 1."""
    devs = _from_libpcap()
    if devs is None:
        devs = _from_kernel()
    return [LiveInterface(i, name, loop) for i, (name, loop) in enumerate(devs, 1)]


def find_interface(name: str) -> LiveInterface | None:
    """The device `-i name` means: a listed name, a number from `-D`, or any kernel
    interface (one that appeared after the list was made is still accepted)."""
    devs = list_interfaces()
    for dev in devs:
        if dev.name == name:
            return dev
    if name.isdigit():
        for dev in devs:
            if dev.number == int(name):
                return dev
    if name == ANY or arphrd(name) is not None:
        return LiveInterface(0, name, is_loopback(name))
    return None


__all__ = ["ANY", "LiveInterface", "arphrd", "find_interface", "is_loopback",
           "list_interfaces"]
