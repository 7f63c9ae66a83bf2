"""A bounded view of packet bytes, like Wireshark's tvbuff.

Keeping both the captured end and the reported end lets a read past the snapshot
length be told apart from a read past the packet's own length (malformed).
"""

from __future__ import annotations

import builtins
import struct
from collections.abc import Callable
from typing import Final


class BoundsError(Exception):
    """Read past the captured bytes that the wire still had (snaplen cut)."""


class ReportedBoundsError(Exception):
    """Read past the packet's own reported length: the packet is malformed."""


class UnreassembledError(ReportedBoundsError):
    """A bounds error in a fragment Wireshark does not reassemble (pinfo->fragmented):
    shown as "[BoundError Unreassembled Packet: X]", not as malformed."""


class ReassemblyError(ReportedBoundsError):
    """A fragment that cannot join its reassembly (reassemble.c's ReassemblyError):
    "[Reassembly error, protocol X: message]", the message as an error note."""


_U32: Final = struct.Struct(">I")
_U16LE: Final = struct.Struct("<H")
_U32LE: Final = struct.Struct("<I")



class Tvb:
    """Bytes `buf[start:end]` of data source `source`; `rend` is the reported end.

    `buf` is not typed `bytes` on purpose: mypyc 2.4.1 slices a value typed `bytes`
    with its own CPyBytes_GetSlice, which raises SystemError ("Negative size passed to
    PyBytes_FromStringAndSize") for a slice whose start is past its end, where Python
    gives b"" (the compiled fuzz run found it on a cut IPv6 fragment). The hot readers
    narrow it with `isinstance(b, builtins.bytes)` where they only index it, or slice it
    between bounds already checked in order (start <= end): there, compiled, indexing is
    native (a generic item call on `object` costs ~250 instructions)."""

    __slots__ = ("buf", "start", "end", "rend", "source")

    def __init__(self, buf: bytes | memoryview, start: int = 0, end: int | None = None,
                 rend: int | None = None, source: int = 0) -> None:
        self.buf = buf
        self.start = start
        self.end = len(buf) if end is None else end
        self.rend = self.end if rend is None else rend
        self.source = source

    def sub(self, off: int, length: int = -1) -> Tvb:
        """A sub-view from absolute offset `off`; length -1 means to the end."""
        end = self.end
        if off > end:
            self.need(off, 0)
        if length < 0:
            if _COMPILED:  # (mypyc: the native constructor, a direct call)
                return Tvb(self.buf, off, end, self.rend, self.source)
            t = _new_tvb(Tvb)  # (filled in here: a sub-view per layer, no __init__ call)
            t.buf = self.buf
            t.start = off
            t.source = self.source
            t.end = end
            t.rend = self.rend
            return t
        rend = off + length
        if rend > self.rend:
            # A length field claims more than the packet has.
            raise ReportedBoundsError()
        if _COMPILED:
            return Tvb(self.buf, off, rend if rend < end else end, rend, self.source)
        t = _new_tvb(Tvb)
        t.buf = self.buf
        t.start = off
        t.source = self.source
        t.end = rend if rend < end else end
        t.rend = rend
        return t

    def need(self, off: int, n: int) -> None:
        if off + n > self.end or off < self.start:
            if off + n > self.rend or off < self.start:
                raise ReportedBoundsError()
            raise BoundsError()

    @property
    def length(self) -> int:
        return self.end - self.start

    @property
    def reported_length(self) -> int:
        return self.rend - self.start

    def remaining(self, off: int) -> int:
        return max(0, self.end - off)

    def u8(self, off: int) -> int:
        if off < self.start or off + 1 > self.end:  # (need() inlined: hot)
            self.need(off, 1)
        b = self.buf
        if isinstance(b, builtins.bytes):  # (native indexing compiled; see the class)
            return b[off]
        return b[off]

    def u16(self, off: int) -> int:
        if off < self.start or off + 2 > self.end:  # (need() inlined: hot)
            self.need(off, 2)
        buf = self.buf  # (two reads: compiled, cheaper than a Struct method call)
        if isinstance(buf, builtins.bytes):  # (native indexing compiled; see the class)
            return (buf[off] << 8) | buf[off + 1]
        return (buf[off] << 8) | buf[off + 1]

    def u24(self, off: int) -> int:
        if off < self.start or off + 3 > self.end:  # (need() inlined: hot)
            self.need(off, 3)
        b = self.buf
        if isinstance(b, builtins.bytes):  # (native indexing compiled; see the class)
            return (b[off] << 16) | (b[off + 1] << 8) | b[off + 2]
        return (b[off] << 16) | (b[off + 1] << 8) | b[off + 2]

    def u32(self, off: int) -> int:
        if off < self.start or off + 4 > self.end:  # (need() inlined: hot)
            self.need(off, 4)
        return _U32.unpack_from(self.buf, off)[0]

    def u16le(self, off: int) -> int:
        if off < self.start or off + 2 > self.end:  # (need() inlined: hot)
            self.need(off, 2)
        return _U16LE.unpack_from(self.buf, off)[0]

    def u32le(self, off: int) -> int:
        if off < self.start or off + 4 > self.end:  # (need() inlined: hot)
            self.need(off, 4)
        return _U32LE.unpack_from(self.buf, off)[0]

    def u64le(self, off: int) -> int:
        self.need(off, 8)
        return int.from_bytes(self.buf[off:off + 8], "little")

    def bytes(self, off: int, n: int = -1) -> bytes:
        if n < 0:
            n = self.end - off
        self.need(off, n)
        buf = self.buf
        if isinstance(buf, builtins.bytes):  # (a native slice compiled; see the class)
            # (n < 0 here when off is past the end: need() lets it pass, Python's slice
            # gives b"", mypyc's native one would raise)
            return buf[off: off + n] if n > 0 else b""
        return bytes(buf[off: off + n])

    def find(self, needle: builtins.bytes, off: int, end: int | None = None) -> int:
        """Offset of `needle` at or after `off` within the captured bytes, or -1."""
        buf = self.buf
        stop = self.end if end is None else end
        if isinstance(buf, builtins.bytes):  # (searched in place: a reassembled message's
            return buf.find(needle, off, stop) if off <= stop else -1  # lines, no copies)
        b = builtins.bytes(buf[off:stop])
        i = b.find(needle)
        return -1 if i < 0 else off + i


def _construct_tvb(cls: type[Tvb]) -> Tvb:
    return cls(b"")


# Tvb.sub fills in a bare object (no __init__ call); a class compiled by mypyc
# (.ci/build_compiled.py) cannot be made so, and is made by its (native) constructor.
def _is_compiled() -> bool:
    try:
        object.__new__(Tvb)
    except TypeError:
        return True
    return False


_COMPILED: Final = _is_compiled()
_new_tvb: Final[Callable[[type[Tvb]], Tvb]] = \
    _construct_tvb if _COMPILED else object.__new__  # type: ignore[assignment]
