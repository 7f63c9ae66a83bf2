"""Capture filters: tcpdump syntax compiled to classic BPF by libpcap (through ctypes).

We do not reimplement libpcap's compiler: `pcap_open_dead` + `pcap_compile` give the
exact program tcpdump/dumpcap would use, which the kernel then runs on the socket
(SO_ATTACH_FILTER), or that libpcap runs over a capture file's records
(`offline_matches`). The pre-filter derived from a display filter is made in
filters/prefilter.py.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import struct
from array import array
from collections.abc import Callable
from dataclasses import dataclass

from .errors import CaptureError

LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
#: tshark's default snapshot length; the kernel keeps this many bytes of a match.
DEFAULT_SNAPLEN = 262144
PCAP_NETMASK_UNKNOWN = 0xFFFFFFFF
_DLT = {LINKTYPE_RAW: 12}


class BpfError(CaptureError):
    """A capture filter that libpcap rejects, or libpcap that cannot be loaded."""


class _BpfInsn(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte),
                ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint32)]


class _BpfProgram(ctypes.Structure):
    _fields_ = [("bf_len", ctypes.c_uint), ("bf_insns", ctypes.POINTER(_BpfInsn))]


@dataclass(frozen=True, slots=True)
class BpfProgram:
    """A compiled filter: the text, its instructions, and libpcap's listing of them."""

    text: str
    insns: tuple[tuple[int, int, int, int], ...]  # (code, jt, jf, k)
    listing: str  # like `tcpdump -d`

    def packed(self) -> bytes:
        """The instructions as the kernel's `struct sock_filter` array."""
        return b"".join(struct.pack("HBBI", *i) for i in self.insns)

    def matcher(self) -> Callable[[bytes, int], bool]:
        """`match(data, wire_len)`: libpcap's bpf_filter() run on one packet in C."""
        lib = _libpcap()
        run = lib.bpf_filter
        run.restype = ctypes.c_uint
        run.argtypes = [ctypes.POINTER(_BpfInsn), ctypes.c_char_p, ctypes.c_uint,
                        ctypes.c_uint]
        code = (_BpfInsn * len(self.insns))(*(_BpfInsn(*i) for i in self.insns))

        def match(data: bytes, wire_len: int) -> bool:
            return run(code, data, wire_len, len(data)) != 0

        return match


_LIB: ctypes.CDLL | None = None


def _libpcap() -> ctypes.CDLL:
    """Load libpcap once; the Debian package names it libpcap.so.0.8."""
    global _LIB
    if _LIB is not None:
        return _LIB
    names = [ctypes.util.find_library("pcap"), "libpcap.so.0.8", "libpcap.so.1", "libpcap.so"]
    for name in names:
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        lib.pcap_open_dead.restype = ctypes.c_void_p
        lib.pcap_open_dead.argtypes = [ctypes.c_int, ctypes.c_int]
        lib.pcap_compile.restype = ctypes.c_int
        lib.pcap_compile.argtypes = [ctypes.c_void_p, ctypes.POINTER(_BpfProgram),
                                     ctypes.c_char_p, ctypes.c_int, ctypes.c_uint32]
        lib.pcap_geterr.restype = ctypes.c_char_p
        lib.pcap_geterr.argtypes = [ctypes.c_void_p]
        lib.pcap_freecode.restype = None
        lib.pcap_freecode.argtypes = [ctypes.POINTER(_BpfProgram)]
        lib.pcap_close.restype = None
        lib.pcap_close.argtypes = [ctypes.c_void_p]
        lib.bpf_image.restype = ctypes.c_char_p
        lib.bpf_image.argtypes = [ctypes.POINTER(_BpfInsn), ctypes.c_int]
        _LIB = lib
        return lib
    raise BpfError("Capture filters need libpcap, which could not be loaded "
                   "(install libpcap0.8 / libpcap-dev).")


#: The cooked header's fields a kernel filter reads through ancillary loads instead
#: (SKF_AD_OFF + SKF_AD_PKTTYPE / SKF_AD_HATYPE / SKF_AD_PROTOCOL), by offset.
_SLL_ANCILLARY = {0: 0xFFFFF000 + 4, 2: 0xFFFFF000 + 28, 14: 0xFFFFF000 + 0}
_SLL_LEN = 16


def cooked_for_kernel(insns: tuple[tuple[int, int, int, int], ...]
                      ) -> list[tuple[int, int, int, int]] | None:
    """A program compiled for LINKTYPE_LINUX_SLL, rewritten for a SOCK_DGRAM socket.

    There the kernel runs the filter on the packet from its network header, without
    the 16-byte cooked header: packet offsets move down by 16, and the header fields
    the kernel knows (packet type, ARPHRD type, protocol) become ancillary loads.
    None when the program reads something else of the header (the link address) or
    the packet length (16 bytes less here): then it must run in user space.
    """
    out = []
    for code, jt, jf, k in insns:
        cls, mode = code & 0x07, code & 0xE0
        if cls in (0x00, 0x01) and mode == 0x80:  # ld/ldx len
            return None
        if (cls == 0x00 and mode in (0x20, 0x40)) or (cls == 0x01 and mode == 0xA0):
            if k >= _SLL_LEN:  # abs, ind or msh load beyond the cooked header
                k -= _SLL_LEN
            elif cls == 0x00 and mode == 0x20 and code & 0x18 == 0x08 and k in _SLL_ANCILLARY:
                k = _SLL_ANCILLARY[k]  # ldh of a header field the kernel knows
            else:
                return None
        out.append((code, jt, jf, k))
    return out


def _compiled(lib: ctypes.CDLL, handle: int, text: str) -> _BpfProgram:
    """`text` compiled (optimised) on `handle`; the caller frees it (pcap_freecode).
    BpfError with libpcap's reason, the one message for a bad capture filter."""
    prog = _BpfProgram()
    if lib.pcap_compile(handle, ctypes.byref(prog), text.encode(), 1,
                        PCAP_NETMASK_UNKNOWN) != 0:
        reason = (lib.pcap_geterr(handle) or b"").decode(errors="replace")
        raise BpfError(f'Invalid capture filter "{text}": {reason}')
    return prog


def compile_bpf(text: str, linktype: int = LINKTYPE_ETHERNET,
                snaplen: int = DEFAULT_SNAPLEN) -> BpfProgram:
    """Compile tcpdump filter `text` for `linktype`; BpfError with libpcap's reason."""
    lib = _libpcap()
    # pcap_open_dead takes a DLT_ value; they equal LINKTYPE_ values except raw IP.
    handle = lib.pcap_open_dead(_DLT.get(linktype, linktype), snaplen)
    if not handle:
        raise BpfError("libpcap could not open a dead handle to compile the capture filter.")
    try:
        prog = _compiled(lib, handle, text)
        try:
            insns = tuple((prog.bf_insns[i].code, prog.bf_insns[i].jt, prog.bf_insns[i].jf,
                           prog.bf_insns[i].k) for i in range(prog.bf_len))
            listing = "\n".join((lib.bpf_image(ctypes.byref(prog.bf_insns[i]), i) or b"")
                                .decode() for i in range(prog.bf_len))
        finally:
            lib.pcap_freecode(ctypes.byref(prog))
    finally:
        lib.pcap_close(handle)
    return BpfProgram(text, insns, listing)


def _offline_lib() -> ctypes.CDLL:
    """libpcap with the savefile calls declared (and libc's ftell and fmemopen)."""
    lib = _libpcap()
    if not hasattr(lib, "_offline_ready"):
        lib.pcap_open_offline.restype = ctypes.c_void_p
        lib.pcap_open_offline.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
        lib.pcap_fopen_offline.restype = ctypes.c_void_p
        lib.pcap_fopen_offline.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        lib.pcap_setfilter.restype = ctypes.c_int
        lib.pcap_setfilter.argtypes = [ctypes.c_void_p, ctypes.POINTER(_BpfProgram)]
        lib.pcap_next_ex.restype = ctypes.c_int
        lib.pcap_next_ex.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
        lib.pcap_file.restype = ctypes.c_void_p
        lib.pcap_file.argtypes = [ctypes.c_void_p]
        libc = ctypes.CDLL(None)
        libc.ftell.restype = ctypes.c_long
        libc.ftell.argtypes = [ctypes.c_void_p]
        libc.fmemopen.restype = ctypes.c_void_p
        libc.fmemopen.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p]
        libc.fclose.restype = ctypes.c_int
        libc.fclose.argtypes = [ctypes.c_void_p]
        lib._libc = libc
        lib._offline_ready = True
    return lib


def _filtered_ends(lib: ctypes.CDLL, handle: int, text: str, out: array) -> int:
    """Run BPF `text` over an open savefile handle, appending each match's end offset;
    pcap_next_ex's last status (-2 at the end of the file, -1 at a record it rejects)."""
    prog = _compiled(lib, handle, text)
    try:
        if lib.pcap_setfilter(handle, ctypes.byref(prog)) != 0:
            raise BpfError("libpcap refused the pre-filter")
    finally:
        lib.pcap_freecode(ctypes.byref(prog))
    fp = lib.pcap_file(handle)
    hdr, data = ctypes.c_void_p(), ctypes.c_void_p()
    hdr_ref, data_ref = ctypes.byref(hdr), ctypes.byref(data)
    nxt, tell, append = lib.pcap_next_ex, lib._libc.ftell, out.append
    while (status := nxt(handle, hdr_ref, data_ref)) == 1:
        append(tell(fp))
    return status


def offline_matches(path: str, text: str) -> array:
    """File offsets just past each record of capture `path` that BPF `text` accepts.

    libpcap reads the file and runs the filter in C; only the matches come back to
    Python (the offset after a record names it: it is where the next record starts).
    """
    lib = _offline_lib()
    errbuf = ctypes.create_string_buffer(512)
    handle = lib.pcap_open_offline(os.fsencode(path), errbuf)
    if not handle:
        raise BpfError(f"libpcap cannot read {path}: {errbuf.value.decode(errors='replace')}")
    out = array("q")
    try:
        _filtered_ends(lib, handle, text, out)
    finally:
        lib.pcap_close(handle)
    return out


def buffer_matches(buf: bytes, text: str) -> array | None:
    """Offsets in `buf` -- a capture in memory: its file header, then records (a
    `--dask-split` chunk) -- just past each record BPF `text` accepts; libpcap reads
    `buf` in place through fmemopen. None when libpcap cannot take the whole buffer
    (a record it rejects before the end: the caller walks every record instead)."""
    if not buf:
        return None
    lib = _offline_lib()
    fp = lib._libc.fmemopen(ctypes.c_char_p(buf), len(buf), b"rb")
    if not fp:
        return None
    errbuf = ctypes.create_string_buffer(512)
    handle = lib.pcap_fopen_offline(fp, errbuf)
    if not handle:
        lib._libc.fclose(fp)
        return None
    out = array("q")
    try:
        status = _filtered_ends(lib, handle, text, out)
    finally:
        lib.pcap_close(handle)  # (closes fp)
    return out if status == -2 else None


__all__ = ["BpfError", "BpfProgram", "compile_bpf", "offline_matches", "buffer_matches",
           "DEFAULT_SNAPLEN", "LINKTYPE_ETHERNET"]
