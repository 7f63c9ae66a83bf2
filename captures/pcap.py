"""Classic libpcap files: a streaming reader and a writer.

Format: 24-byte file header, then per packet a 16-byte record header
(seconds, µs-or-ns fraction, captured length, original length) and the bytes.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, BinaryIO, cast

from .errors import CaptureWriteError, CorruptCapture, CutShort, UnsupportedCapture
from .frame import Frame
from .interface import Interface
from .linktypes import FCS_PRESENT, LINKTYPE_MASK

if TYPE_CHECKING:
    from typing import Self  # 3.11+, needed only by type checkers

#: Read size: big enough that struct work, not I/O calls, dominates.
CHUNK = 1 << 20
#: wiretap 4.0's WTAP_MAX_PACKET_SIZE_STANDARD: longer records mean a corrupt file.
MAX_PACKET = 262144

MAGIC_USEC = 0xA1B2C3D4
MAGIC_NSEC = 0xA1B23C4D
#: First four file bytes -> (byte order, nanosecond timestamps).
MAGICS: dict[bytes, tuple[str, bool]] = {
    struct.pack("<I", MAGIC_USEC): ("<", False),
    struct.pack(">I", MAGIC_USEC): (">", False),
    struct.pack("<I", MAGIC_NSEC): ("<", True),
    struct.pack(">I", MAGIC_NSEC): (">", True),
}

_FILE_HDR = {e: struct.Struct(e + "IHHiIII") for e in "<>"}
_REC_HDR = {e: struct.Struct(e + "IIII") for e in "<>"}
_W_FILE_HDR = struct.Struct("=IHHiIII")
_W_REC_HDR = struct.Struct("=IIII")

Reader = Callable[[int], bytes]


class PcapParser:
    """Parses the pcap file header up front; iterating yields the frames, once.

    `read(n)` returns up to n more bytes (b"" at EOF); `head` holds bytes already read
    from the start of the file (the magic number the format was detected from).
    """

    format = "pcap"

    def __init__(self, read: Reader, head: bytes, path: str | os.PathLike[str] | None) -> None:
        self._read = read
        self.path = path
        while len(head) < _W_FILE_HDR.size:
            more = read(CHUNK)
            if not more:
                raise CutShort(path, len(head), in_header=True)
            head += more
        self.endian, self.nanosecond = MAGICS[head[:4]]
        _magic, major, minor, _zone, _sigfigs, snaplen, network = _FILE_HDR[
            self.endian
        ].unpack_from(head)
        if major != 2:
            raise UnsupportedCapture(path, 4, f"pcap: major version {major} unsupported")
        self.version = (major, minor)
        fcs_len = (network >> 28) if network & FCS_PRESENT else None
        self.interfaces = [
            Interface(
                linktype=network & LINKTYPE_MASK,
                snaplen=snaplen,
                ts_digits=9 if self.nanosecond else 6,
                fcs_len=fcs_len,
            )
        ]
        self._rest = head[_W_FILE_HDR.size :]
        self._only: bytearray | None = None

    def __iter__(self) -> Iterator[Frame]:
        # (a time in ns for each record `only` leaves out: its caller knows)
        return cast(Iterator[Frame], self._frames())

    def only(self, needed: bytearray) -> None:
        """Make a Frame only of each record whose number is marked in `needed` (or lies
        past its end); give the others as their time in ns (analyzer/closure.py plans
        which frames a shown one depends on). Set before iterating."""
        self._only = needed

    def _frames(self) -> Iterator[Frame | int]:
        """The hot loop: one unpack_from, one bounds check, one Frame per record.
        (Compiled, `Frame(...)` is a direct call of its native constructor.)"""
        read = self._read
        path = self.path
        unpack = _REC_HDR[self.endian].unpack_from
        mult = 1 if self.nanosecond else 1000
        digits = 9 if self.nanosecond else 6
        linktype = self.interfaces[0].linktype
        only = self._only if self._only is not None else bytearray()
        n_only = len(only)
        buf = self._rest
        self._rest = b""
        base = _W_FILE_HDR.size  # file offset of buf[0]
        pos = 0
        number = 0
        sec: int  # (typed: compiled, their arithmetic is native)
        frac: int
        caplen: int
        origlen: int
        # (compiled, a product with a factor of 2**30 or more is a generic big-int
        # multiply, ~800 instructions: the seconds are counted from the first record's)
        sec0 = -1
        ns0 = 0
        while True:
            end = len(buf)
            while pos + 16 <= end:
                sec, frac, caplen, origlen = unpack(buf, pos)
                if caplen > MAX_PACKET:
                    raise CorruptCapture(
                        path,
                        base + pos,
                        f"pcap: File has {caplen}-byte packet, bigger than maximum of {MAX_PACKET}",
                    )
                start = pos + 16
                stop = start + caplen
                if stop > end:
                    break
                number += 1
                if sec0 < 0:
                    sec0, ns0 = sec, sec * 1_000_000_000
                ts = ns0 + (sec - sec0) * 1_000_000_000 + frac * mult
                if number < n_only and not only[number]:
                    yield ts
                    pos = stop
                    continue
                yield Frame(
                    number,
                    ts,
                    digits,
                    caplen,
                    origlen,
                    linktype,
                    0,
                    buf[start:stop],  # (its own bytes: a native slice compiled, start <= stop)
                    base + pos,
                )
                pos = stop
            more = read(CHUNK)  # CHUNK > 16 + MAX_PACKET: one read completes a record
            if not more:
                if pos < end:
                    raise CutShort(path, base + pos)
                return
            buf = buf[pos:] + more
            base += pos
            pos = 0


class PcapWriter:
    """Writes a classic pcap file (native byte order, like libpcap does).

    With `linktype=None` the header is written at the first frame, using its link type.
    The caller keeps ownership of `fileobj` unless `owns_file` is true.
    """

    format = "pcap"

    def __init__(
        self,
        fileobj: BinaryIO,
        linktype: int | None,
        snaplen: int = MAX_PACKET,
        nanosecond: bool = False,
        *,
        owns_file: bool = False,
    ) -> None:
        self._f = fileobj
        self.linktype = linktype
        self.snaplen = snaplen
        self.nanosecond = nanosecond
        self._owns = owns_file
        self._count = 0
        self._header_written = False
        if linktype is not None:
            self._write_header(linktype)

    def _write_header(self, linktype: int) -> None:
        magic = MAGIC_NSEC if self.nanosecond else MAGIC_USEC
        self._f.write(_W_FILE_HDR.pack(magic, 2, 4, 0, 0, self.snaplen, linktype))
        self.linktype = linktype
        self._header_written = True

    def write(self, frame: Frame) -> None:
        """Append one frame; pcap holds a single link type, so others are refused."""
        if not self._header_written:
            self._write_header(frame.linktype)
        self._count += 1
        if frame.linktype != self.linktype:
            raise CaptureWriteError(
                f"Frame {self._count} has a network type that differs from the network "
                f'type of earlier packets, which isn\'t supported in a "pcap" file.'
            )
        sec, frac = divmod(frame.ts_ns, 1_000_000_000)
        if not self.nanosecond:
            frac //= 1000
        data = frame.data
        try:
            header = _W_REC_HDR.pack(sec, frac, len(data), frame.origlen)
        except struct.error as err:  # e.g. a time before 1970 or after 2106
            raise CaptureWriteError(
                f'Frame {self._count} can\'t be written to a "pcap" file ({err}).'
            ) from None
        self._f.write(header + data)

    def close(self) -> None:
        """Finish the file (a header even when no frame came) and flush it."""
        if not self._header_written:
            self._write_header(self.linktype if self.linktype is not None else 1)
        self._f.flush()
        if self._owns:
            self._f.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
