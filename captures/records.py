"""Record walkers for the fast path: where each packet's bytes sit in a mapped file.

Unlike the readers (pcap.py, pcapng.py) they make no Frame: they yield
(data start, captured length, original length, offset just past the record) and can
make the Frame later for the few packets that need full dissection. They take only
what they are sure of: plain Ethernet records. At anything else (another link type,
a second section, a damaged block) they stop, and `stopped` tells the caller to let
the full reader carry on from that record, reporting whatever is wrong as usual.
"""

from __future__ import annotations

import mmap
import struct
from collections.abc import Iterator
from typing import Any

from captures.frame import Frame
from captures.pcap import MAGICS, MAX_PACKET
from captures.pcapng import (
    BOM,
    BOM_SWAPPED,
    BT_DSB,
    BT_EPB,
    BT_IDB,
    BT_SHB,
    IF_DESCRIPTION,
    IF_FCSLEN,
    IF_NAME,
    IF_TSOFFSET,
    IF_TSRESOL,
    MAX_BLOCK,
    _options,
    _packet_options,
    _text,
    ts_scale,
)

LINKTYPE_ETHERNET = 1
_FCS_PRESENT = 0x04000000
# Blocks the walk cannot pass over: packets other than EPBs, a new section, and a
# Decryption Secrets Block (its keys let WireGuard, TLS... reveal inner packets only the
# full dissection sees). The others (ISB, NRB, custom ...) change nothing we need.
_PACKET_OR_SECTION = frozenset((BT_SHB, BT_IDB, 2, 3, BT_EPB, BT_DSB))

Record = tuple[int, int, int, int]  # (data start, caplen, origlen, end of the record)

#: Bytes walked between two releases of the mapped pages behind (each release keeps the
#: last half of it): a walk holds 0.5-1.5 MB of the file resident. (16 MB held 8-24 MB,
#: in each process of a split run whose halves read the mapped file: ~15 MB of the
#: split's memory at every size; a release of the already released range costs next to
#: nothing.)
RELEASE_EVERY = 1 << 20


def release_behind(mm: Any, upto: int) -> int:
    """Drop the mapped pages before `upto` from this process's resident set (they stay in
    the page cache; a later read faults them back in), so a walk over a large file does
    not hold it all resident. Returns the offset of the next release."""
    if type(mm) is mmap.mmap and hasattr(mm, "madvise"):
        start = upto - upto % mmap.PAGESIZE
        if start:
            mm.madvise(mmap.MADV_DONTNEED, 0, start)
    return upto + RELEASE_EVERY


class PcapRecords:
    """Records of a classic pcap file with Ethernet link type."""

    def __init__(self, mm: Any) -> None:
        self.mm = mm
        self.endian, nano = MAGICS[bytes(mm[:4])]
        self.mult = 1 if nano else 1000
        self.digits = 9 if nano else 6
        self.stopped = False  # the walk ended at a record it could not take
        self.count = 0  # records walked, once a walk is done
        self._hdr = struct.Struct(self.endian + "IIII").unpack_from

    @staticmethod
    def accepts(mm: Any) -> bool:
        if len(mm) < 24 or bytes(mm[:4]) not in MAGICS:
            return False
        endian = MAGICS[bytes(mm[:4])][0]
        major, = struct.unpack_from(endian + "H", mm, 4)
        network, = struct.unpack_from(endian + "I", mm, 20)
        return major == 2 and not network & _FCS_PRESENT and \
            network & 0x0FFFFFFF == LINKTYPE_ETHERNET

    def __iter__(self) -> Iterator[Record]:
        mm = self.mm
        lengths = struct.Struct(self.endian + "II").unpack_from
        size = len(mm)
        off = 24
        mark = RELEASE_EVERY
        while off + 16 <= size:
            caplen, origlen = lengths(mm, off + 8)
            end = off + 16 + caplen
            if caplen > MAX_PACKET or end > size:
                break
            yield off + 16, caplen, origlen, end
            off = end
            if off > mark:
                mark = release_behind(mm, off - RELEASE_EVERY // 2)
        self.stopped = off < size

    def locate(self, ends: Any) -> Iterator[tuple[int, Record]]:
        """(frame number, record) of each record ending at one of `ends` (ascending):
        a tight walk of the record headers that builds nothing for the others."""
        mm = self.mm
        caplen_at = struct.Struct(self.endian + "I").unpack_from
        lengths = struct.Struct(self.endian + "II").unpack_from
        size = len(mm)
        off = 24
        number = 0
        mark = RELEASE_EVERY
        for nxt in ends:
            while off + 16 <= size:
                caplen = caplen_at(mm, off + 8)[0]
                end = off + 16 + caplen
                if caplen > MAX_PACKET or end > size:
                    self.stopped = True
                    self.count = number
                    return
                number += 1
                start, off = off + 16, end
                if off > mark:
                    mark = release_behind(mm, off - RELEASE_EVERY // 2)
                if end == nxt:
                    yield number, (start, caplen, lengths(mm, start - 8)[1], end)
                    break
                if end > nxt:
                    break  # (an offset libpcap gave that is no record end: skip it)
        while off + 16 <= size:  # the rest, for the count and a broken tail
            caplen = caplen_at(mm, off + 8)[0]
            end = off + 16 + caplen
            if caplen > MAX_PACKET or end > size:
                break
            number += 1
            off = end
            if off > mark:
                mark = release_behind(mm, off - RELEASE_EVERY // 2)
        self.stopped = off < size
        self.count = number

    def time_at(self, start: int) -> int:
        """The time (ns) of the record whose data starts at `start`."""
        sec, frac, _c, _o = self._hdr(self.mm, start - 16)
        return sec * 1_000_000_000 + frac * self.mult  # type: ignore[no-any-return]

    def record_at(self, start: int) -> Record:
        """The record whose data starts at `start` (a walk found it there before)."""
        _s, _f, caplen, origlen = self._hdr(self.mm, start - 16)
        return start, caplen, origlen, start + caplen

    def frame_at(self, number: int, start: int, view: memoryview) -> Frame:
        """The Frame of the record whose data starts at `start`, its header read once
        (`view`: the caller's memoryview of the whole map, made once)."""
        sec, frac, caplen, origlen = self._hdr(self.mm, start - 16)
        return Frame(number, sec * 1_000_000_000 + frac * self.mult, self.digits, caplen,
                     origlen, LINKTYPE_ETHERNET, 0, view[start: start + caplen], start - 16)

    def frame(self, number: int, rec: Record) -> Frame:
        start, caplen, origlen, _end = rec
        return Frame(number, self.time_at(start), self.digits, caplen,
                     origlen, LINKTYPE_ETHERNET, 0, memoryview(self.mm)[start: start + caplen],
                     start - 16)


class PcapngRecords:
    """Enhanced packet blocks of a one-section pcapng file whose interfaces are all
    Ethernet without FCS."""

    def __init__(self, mm: Any) -> None:
        self.mm = mm
        self.endian = "<" if struct.unpack_from("<I", mm, 8)[0] == BOM else ">"
        self.stopped = False
        self.count = 0
        # (mult, div, offset ns, digits, name, description) per interface
        self.ifaces: list[tuple[int, int, int, int, str | None, str | None]] = []

    @staticmethod
    def accepts(mm: Any) -> bool:
        if len(mm) < 28 or struct.unpack_from("<I", mm, 0)[0] != BT_SHB:
            return False
        return struct.unpack_from("<I", mm, 8)[0] in (BOM, BOM_SWAPPED)

    def _interface(self, off: int, end: int) -> bool:
        e = self.endian
        linktype, = struct.unpack_from(e + "H", self.mm, off + 8)
        tsresol, tsoffset = 6, 0
        name = description = None
        for code, value in _options(self.mm, off + 16, end - 4, e):
            if code == IF_NAME:
                name = _text(value)
            elif code == IF_DESCRIPTION:
                description = _text(value)
            elif code == IF_TSRESOL and value:
                tsresol = value[0]
            elif code == IF_TSOFFSET and len(value) == 8:
                tsoffset = struct.unpack(e + "q", value)[0]
            elif code == IF_FCSLEN and value:
                return False
        if linktype != LINKTYPE_ETHERNET:
            return False
        mult, div, digits = ts_scale(tsresol)
        self.ifaces.append((mult, div, tsoffset * 1_000_000_000, digits, name, description))
        return True

    def __iter__(self) -> Iterator[Record]:
        mm = self.mm
        e = self.endian
        head = struct.Struct(e + "II").unpack_from
        epb = struct.Struct(e + "IIIII").unpack_from
        u32 = struct.Struct(e + "I").unpack_from
        size = len(mm)
        off = struct.unpack_from(e + "I", mm, 4)[0]  # past the SHB
        nif = 0
        mark = RELEASE_EVERY
        self.ifaces = []  # (made again by each walk)
        while off + 12 <= size:
            btype, blen = head(mm, off)
            end = off + blen
            if blen < 12 or blen & 3 or blen > MAX_BLOCK or end > size or u32(mm, end - 4)[0] != blen:
                break
            if btype == BT_EPB:
                if blen < 32:
                    break
                ifid, _hi, _lo, caplen, origlen = epb(mm, off + 8)
                if ifid >= nif or caplen > MAX_PACKET or off + 28 + ((caplen + 3) & ~3) > end - 4:
                    break
                yield off + 28, caplen, origlen, end
                if end > mark:
                    mark = release_behind(mm, end - RELEASE_EVERY // 2)
            elif btype == BT_IDB:
                if blen < 20 or not self._interface(off, end):
                    break
                nif += 1
            elif btype in _PACKET_OR_SECTION:
                break  # a simple/obsolete packet block, a new section, keys: the reader's job
            off = end
        self.stopped = off < size

    def locate(self, ends: Any) -> Iterator[tuple[int, Record]]:
        """(frame number, record) of each record ending at one of `ends` (ascending)."""
        it = iter(ends)
        nxt = next(it, -1)
        number = 0
        for rec in self:
            number += 1
            while -1 < nxt < rec[3]:
                nxt = next(it, -1)
            if rec[3] == nxt:
                nxt = next(it, -1)
                yield number, rec
        self.count = number

    def time_at(self, start: int) -> int:
        """The time (ns) of the EPB whose data starts at `start` (its interface known
        to this walker: `ifaces`)."""
        ifid, hi, lo = struct.unpack_from(self.endian + "III", self.mm, start - 20)
        mult, div, tsoff = self.ifaces[ifid][:3]
        return ((hi << 32) | lo) * mult // div + tsoff

    def record_at(self, start: int) -> Record:
        """The EPB whose data starts at `start` (a walk found it there before)."""
        blen, _i, _h, _l, caplen, origlen = struct.unpack_from(self.endian + "6I", self.mm,
                                                               start - 24)
        return start, caplen, origlen, start - 28 + blen

    def frame_at(self, number: int, start: int, view: memoryview) -> Frame:
        """The Frame of the EPB whose data starts at `start`."""
        return self.frame(number, self.record_at(start))

    def frame(self, number: int, rec: Record) -> Frame:
        start, caplen, origlen, end = rec
        e = self.endian
        ifid, = struct.unpack_from(e + "I", self.mm, start - 20)
        digits, name, description = self.ifaces[ifid][3:]
        opts = start + ((caplen + 3) & ~3)
        comment = flags = None
        if opts < end - 4:
            comment, flags = _packet_options(self.mm, opts, end - 4, e)
        return Frame(number, self.time_at(start), digits, caplen, origlen,
                     LINKTYPE_ETHERNET, ifid, memoryview(self.mm)[start: start + caplen],
                     start - 28, comment, True, 1, name, description, flags)


def record_walker(mm: Any) -> PcapRecords | PcapngRecords | None:
    """The walker for a mapped capture file, None when neither fits it."""
    if PcapRecords.accepts(mm):
        return PcapRecords(mm)
    if PcapngRecords.accepts(mm):
        return PcapngRecords(mm)
    return None


__all__ = ["PcapRecords", "PcapngRecords", "record_walker", "Record"]
