"""pcapng files: a streaming reader and a writer.

A file is a sequence of blocks (type, total length, body, total length again). A
Section Header Block fixes the byte order and starts a fresh list of interfaces;
Interface Description Blocks add interfaces; EPB/SPB/OPB blocks hold packets.
"""

from __future__ import annotations

import mmap
import os
import struct
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, BinaryIO, cast

from .errors import (
    CaptureError,
    CaptureWriteError,
    CorruptCapture,
    CutShort,
    NotACaptureFile,
    UnsupportedCapture,
)
from .frame import Frame, wrap_secs
from .interface import Interface
from .pcap import CHUNK, MAX_PACKET

if TYPE_CHECKING:
    from typing import Self  # 3.11+, needed only by type checkers

SHB_MAGIC = b"\x0a\x0d\x0d\x0a"
BT_SHB = 0x0A0D0D0A  # a palindrome: reads the same in either byte order
BT_IDB = 1
BT_OPB = 2  # obsolete Packet Block
BT_SPB = 3
BT_EPB = 6
BT_DSB = 0x0000000A  # Decryption Secrets Block: secrets type, length, data
BOM = 0x1A2B3C4D
BOM_SWAPPED = 0x4D3C2B1A
#: wiretap 4.0's MAX_BLOCK_SIZE: a longer block length can only be garbage.
MAX_BLOCK = 134_348_832

OPT_ENDOFOPT = 0
OPT_COMMENT = 1
EPB_FLAGS = 2  # epb_flags (and the obsolete Packet Block's pack_flags)
SHB_USERAPPL = 4
IF_NAME = 2
IF_DESCRIPTION = 3
IF_TSRESOL = 9
IF_FCSLEN = 13
IF_TSOFFSET = 14

_U32 = {e: struct.Struct(e + "I") for e in "<>"}
_BLOCK_HDR = {e: struct.Struct(e + "II") for e in "<>"}
_DSB_HEAD = _BLOCK_HDR  # secrets type, secrets length
_SHB = {e: struct.Struct(e + "IHHq") for e in "<>"}
_IDB = {e: struct.Struct(e + "HHI") for e in "<>"}
#: Block type and length plus the EPB fields that follow (ignored for other blocks).
_EPB_HEAD = {e: struct.Struct(e + "IIIIIII") for e in "<>"}
_OPB = {e: struct.Struct(e + "HHIIII") for e in "<>"}
_OPT = {e: struct.Struct(e + "HH") for e in "<>"}
_I64 = {e: struct.Struct(e + "q") for e in "<>"}

Reader = Callable[[int], bytes]
#: Per-interface data the packet loop needs, in one tuple to unpack at once:
#: (global interface id, linktype, ts multiplier, ts divisor, ts offset ns, ts_digits,
#: snaplen).  ts_ns = raw * multiplier // divisor + offset, exact for powers of 10.
_IfaceTuple = tuple[int, int, int, int, int, int, int]


def _options(buf: bytes | mmap.mmap, start: int, end: int,
             endian: str) -> Iterator[tuple[int, bytes]]:
    """Walk a block's options (code, length, value padded to 4) up to opt_endofopt.
    (`buf` a mapped file too: records.py walks one.)"""
    unpack = _OPT[endian].unpack_from
    while start + 4 <= end:
        code, length = unpack(buf, start)
        if code == OPT_ENDOFOPT:
            return
        vstart = start + 4
        vend = vstart + length
        if vend > end:
            return
        yield code, bytes(buf[vstart:vend])
        start = vstart + ((length + 3) & ~3)


def _text(value: bytes) -> str:
    return value.rstrip(b"\0").decode("utf-8", "replace")


def _packet_options(buf: bytes | mmap.mmap, start: int, end: int,
                    endian: str) -> tuple[str | None, int | None]:
    """(opt_comment, epb_flags) of a packet block: comments joined by newlines, the flags
    word when the block has one of 4 bytes (read only for a block with options)."""
    texts: list[str] = []
    flags = None
    for code, v in _options(buf, start, end, endian):
        if code == OPT_COMMENT:
            texts.append(_text(v))
        elif code == EPB_FLAGS and len(v) == 4:
            flags = _U32[endian].unpack(v)[0]
    return ("\n".join(texts) if texts else None), flags


#: Timestamps whose seconds fit in wiretap's 64-bit time_t (in ns).
_TS_MIN, _TS_MAX = -(1 << 63) * 1_000_000_000, (1 << 63) * 1_000_000_000


def _wrap_ts(ts_ns: int) -> int:
    """Seconds past a 64-bit time_t wrap, as wiretap's (time_t)(ts / units) + if_tsoffset
    does (if_tsresol 0 with 2^64-1 is -1 s; if_tsoffset 2^63-1 wraps to the far past)."""
    secs, frac = divmod(ts_ns, 1_000_000_000)
    return wrap_secs(secs) * 1_000_000_000 + frac


def ts_scale(tsresol: int) -> tuple[int, int, int]:
    """(multiplier, divisor, ts_digits) turning raw if_tsresol units into nanoseconds."""
    if tsresol & 0x80:
        return 1_000_000_000, 1 << (tsresol & 0x7F), 9
    if tsresol <= 9:
        return 10 ** (9 - tsresol), 1, tsresol
    return 1, 10 ** (tsresol - 9), 9


#: Smallest total length of each block type (wiretap's MIN_*_SIZE), and its name.
_MINIMUM = {
    BT_SHB: (28, "SHB"),
    BT_IDB: (20, "IDB"),
    BT_OPB: (32, "PB"),
    BT_SPB: (16, "SPB"),
    BT_EPB: (32, "EPB"),
}


def _check_length(btype: int, blen: int, path: str | os.PathLike[str] | None, offset: int) -> None:
    """Raise unless a block length is possible; only unusual lengths get here."""
    minimum, kind = _MINIMUM.get(btype, (12, ""))
    if blen < minimum:
        if kind:
            detail = (
                f"pcapng: total block length {blen} of an {kind} is less than "
                f"the minimum {kind} size {minimum}"
            )
        else:
            detail = f"pcapng: total block length {blen} is too small (< {minimum})"
    elif blen > MAX_BLOCK:
        detail = f"pcapng: total block length {blen} is too large (> {MAX_BLOCK})"
    elif blen & 3:
        detail = f"pcapng: total block length {blen} is not a multiple of 4"
    else:
        return
    raise CorruptCapture(path, offset, detail)


class PcapngParser:
    """Checks the first Section Header Block up front; iterating yields frames once.

    Blocks up to the first packet are parsed at construction so `interfaces` is known
    as soon as the file is open; an error found there is kept and raised by the
    iterator, so it still comes after every good frame (there are none before it).
    `interfaces` grows as more IDBs are read; Frame.interface_id indexes it.
    """

    format = "pcapng"

    def __init__(self, read: Reader, head: bytes, path: str | os.PathLike[str] | None) -> None:
        self._read = read
        self.path = path
        self.interfaces: list[Interface] = []
        while len(head) < 28:
            more = read(CHUNK)
            if not more:
                break
            head += more
        if len(head) < 12:
            raise CutShort(path, len(head), in_header=True)
        bom = _U32["<"].unpack_from(head, 8)[0]
        if bom not in (BOM, BOM_SWAPPED):
            raise NotACaptureFile(path)
        endian = "<" if bom == BOM else ">"
        if len(head) >= 16:
            major, minor = struct.unpack_from(endian + "HH", head, 12)
            if major != 1:
                raise UnsupportedCapture(path, 12, f"pcapng: unknown SHB version {major}.{minor}")
        self._buf = head
        self._gen = self._blocks()
        self._pending: Frame | int | None = None
        self._only: bytearray | None = None
        self._error: CaptureError | None = None
        try:
            self._pending = next(self._gen)
        except StopIteration:
            pass
        except CaptureError as err:
            self._error = err

    def __iter__(self) -> Iterator[Frame]:
        # (a time in ns for each packet `only` leaves out: its caller knows)
        return cast(Iterator[Frame], self._frames())

    def _frames(self) -> Iterator[Frame | int]:
        if self._error is not None:
            raise self._error
        if self._pending is not None:
            first, self._pending = self._pending, None
            yield first
            yield from self._gen

    def only(self, needed: bytearray) -> None:
        """Make a Frame only of each packet whose number is marked in `needed` (or lies past
        its end); give the others as their time in ns (pcap.PcapParser.only)."""
        self._only = needed

    def _add_interface(self, buf: bytes, pos: int, tail: int, endian: str) -> _IfaceTuple:
        linktype, _reserved, snaplen = _IDB[endian].unpack_from(buf, pos + 8)
        iface = Interface(linktype=linktype, snaplen=snaplen)
        tsresol = 6
        offset = 0
        for code, value in _options(buf, pos + 16, tail, endian):
            if code == IF_NAME:
                iface.name = _text(value)
            elif code == IF_DESCRIPTION:
                iface.description = _text(value)
            elif code == IF_TSRESOL and value:
                tsresol = value[0]
            elif code == IF_TSOFFSET and len(value) == 8:
                offset = _I64[endian].unpack(value)[0]
            elif code == IF_FCSLEN and value:
                iface.fcs_len = value[0]
        mult, div, digits = ts_scale(tsresol)
        iface.ts_digits = digits
        self.interfaces.append(iface)
        gid = len(self.interfaces) - 1
        return (gid, linktype, mult, div, offset * 1_000_000_000, digits, snaplen)

    def _blocks(self) -> Iterator[Frame | int]:
        """The block loop; packet blocks are handled inline to keep the hot path short.
        (Compiled, `Frame(...)` is a direct call of its native constructor.)"""
        read = self._read
        path = self.path
        section: list[_IfaceTuple] = []
        section_no = 0
        ifaces = self.interfaces
        endian = "<"
        block_hdr = _BLOCK_HDR[endian].unpack_from
        u32 = _U32[endian].unpack_from
        head = _EPB_HEAD[endian].unpack_from
        buf = self._buf
        self._buf = b""
        base = 0  # file offset of buf[0]
        pos = 0
        number = 0
        need = 0
        secrets: list[tuple[int, bytes]] = []  # DSBs not yet handed on with a frame
        while True:
            end = len(buf)
            view = memoryview(buf)
            while pos + 12 <= end:
                if pos + 28 <= end:  # header and EPB fields in one call
                    btype, blen, ifid, ts_hi, ts_lo, caplen, origlen = head(buf, pos)
                else:
                    btype, blen = block_hdr(buf, pos)
                if btype == BT_SHB:
                    bom = _U32["<"].unpack_from(buf, pos + 8)[0]
                    if bom == BOM:
                        endian = "<"
                    elif bom == BOM_SWAPPED:
                        endian = ">"
                    else:
                        raise CorruptCapture(
                            path,
                            base + pos,
                            f"pcapng: unknown byte-order magic number 0x{bom:08x}",
                        )
                    block_hdr = _BLOCK_HDR[endian].unpack_from
                    u32 = _U32[endian].unpack_from
                    head = _EPB_HEAD[endian].unpack_from
                    blen = u32(buf, pos + 4)[0]
                if blen < 32 or blen & 3 or blen > MAX_BLOCK:
                    _check_length(btype, blen, path, base + pos)
                stop = pos + blen
                if stop > end:
                    need = stop - end
                    break
                tail = stop - 4  # where the options end and the trailing length sits
                trailer = u32(buf, tail)[0]
                if trailer != blen:
                    raise CorruptCapture(
                        path,
                        base + pos,
                        f"pcapng: total block lengths (first {blen} and second {trailer}) "
                        "don't match",
                    )
                if btype == BT_EPB or btype == BT_OPB:
                    if btype == BT_OPB:
                        ifid, _drops, ts_hi, ts_lo, caplen, origlen = _OPB[endian].unpack_from(
                            buf, pos + 8
                        )
                    if caplen > MAX_PACKET:
                        raise CorruptCapture(
                            path,
                            base + pos,
                            f"pcapng: cap_len {caplen} is larger than {MAX_PACKET}",
                        )
                    try:
                        gid, linktype, mult, div, off, digits, _snap = section[ifid]
                    except IndexError:
                        raise CorruptCapture(
                            path,
                            base + pos,
                            f"pcapng: interface index {ifid} is not less than section "
                            f"interface count {len(section)}",
                        ) from None
                    start = pos + 28
                    opts = start + ((caplen + 3) & ~3)
                    if opts > tail:
                        raise CorruptCapture(
                            path,
                            base + pos,
                            f"pcapng: total block length {blen} of an EPB is too small for "
                            f"{caplen} bytes of packet data",
                        )
                    number += 1
                    comment = flags = None
                    if opts < tail:
                        comment, flags = _packet_options(buf, opts, tail, endian)
                    ts = ((ts_hi << 32) | ts_lo) * mult // div + off
                    if not _TS_MIN <= ts < _TS_MAX:
                        ts = _wrap_ts(ts)
                    only = self._only  # (set after the first frame was read: looked up here)
                    if only is not None and number < len(only) and not only[number] \
                            and not secrets:  # (keys go with the next Frame made)
                        yield ts  # (not planned: its time only)
                    else:
                        got = Frame(
                            number,
                            ts,
                            digits,
                            caplen,
                            origlen,
                            linktype,
                            gid,
                            view[start : start + caplen],
                            base + pos,
                            comment,
                            True,
                            section_no,
                            ifaces[gid].name,
                            ifaces[gid].description,
                            flags,
                        )
                        if secrets:
                            got.secrets = tuple(secrets)
                            secrets = []
                        yield got
                elif btype == BT_SPB:
                    if not section:
                        raise CorruptCapture(
                            path,
                            base + pos,
                            "pcapng: interface index 0 is not less than section interface count 0",
                        )
                    gid, linktype, _mult, _div, _off, digits, snaplen = section[0]
                    origlen = u32(buf, pos + 8)[0]
                    caplen = min(origlen, blen - 16)
                    if snaplen:
                        caplen = min(caplen, snaplen)
                    number += 1
                    yield Frame(
                        number,
                        0,  # an SPB carries no timestamp
                        digits,
                        caplen,
                        origlen,
                        linktype,
                        gid,
                        view[pos + 12 : pos + 12 + caplen],
                        base + pos,
                        None,
                        True,
                        section_no,
                        ifaces[gid].name,
                        ifaces[gid].description,
                    )
                elif btype == BT_IDB:
                    section.append(self._add_interface(buf, pos, tail, endian))
                elif btype == BT_SHB:
                    _bom, major, minor, _seclen = _SHB[endian].unpack_from(buf, pos + 8)
                    if major != 1:
                        raise UnsupportedCapture(
                            path,
                            base + pos,
                            f"pcapng: unknown SHB version {major}.{minor}",
                        )
                    section = []
                    section_no += 1
                elif btype == BT_DSB:
                    # (the next packet carries them to the dissectors, as wiretap hands
                    # a DSB's secrets on before the packets after it)
                    stype, slen = _DSB_HEAD[endian].unpack_from(buf, pos + 8)
                    secrets.append((stype, bytes(buf[pos + 16 : min(pos + 16 + slen, tail)])))
                # every other block type (ISB, NRB, custom, unknown) is skipped
                pos = stop
            more = read(max(CHUNK, need))
            need = 0
            if not more:
                if pos < end:
                    raise CutShort(path, base + pos)
                return
            buf = buf[pos:] + more
            base += pos
            pos = 0


def _option(code: int, value: bytes) -> bytes:
    return struct.pack("=HH", code, len(value)) + value + b"\0" * (-len(value) & 3)


def _block(btype: int, body: bytes) -> bytes:
    total = 12 + len(body)
    return struct.pack("=II", btype, total) + body + struct.pack("=I", total)


_W_EPB = struct.Struct("=IIIIIII")
_W_U32 = struct.Struct("=I")
_PAD = (b"", b"\0\0\0", b"\0\0", b"\0")


class PcapngWriter:
    """Writes pcapng: one SHB, one IDB per distinct interface, then EPBs.

    `interfaces` (e.g. a reader's) are written up front so frame interface ids keep
    their meaning; frames on an unknown (interface_id, linktype), or with finer
    timestamps than their IDB can hold, get a new IDB whose if_tsresol fits them.
    """

    format = "pcapng"

    def __init__(
        self,
        fileobj: BinaryIO,
        interfaces: Sequence[Interface] | None = None,
        *,
        snaplen: int = MAX_PACKET,
        application: str = "labshark",
        owns_file: bool = False,
    ) -> None:
        self._f = fileobj
        self.snaplen = snaplen
        self._owns = owns_file
        self.interfaces: list[Interface] = []
        self._divisors: list[int] = []
        self._ids: dict[tuple[int, int, int], int] = {}
        shb = struct.pack("=IHHq", BOM, 1, 0, -1)
        shb += _option(SHB_USERAPPL, application.encode()) + _option(OPT_ENDOFOPT, b"")
        fileobj.write(_block(BT_SHB, shb))
        for number, iface in enumerate(interfaces or ()):
            self._ids[(number, iface.linktype, iface.ts_digits)] = self._add_idb(iface)

    def _add_idb(self, iface: Interface) -> int:
        digits = min(max(iface.ts_digits, 0), 9)
        body = struct.pack("=HHI", iface.linktype, 0, iface.snaplen)
        if iface.name is not None:
            body += _option(IF_NAME, iface.name.encode())
        if iface.description is not None:
            body += _option(IF_DESCRIPTION, iface.description.encode())
        body += _option(IF_TSRESOL, bytes([digits]))
        if iface.fcs_len is not None:
            body += _option(IF_FCSLEN, bytes([iface.fcs_len]))
        body += _option(OPT_ENDOFOPT, b"")
        self._f.write(_block(BT_IDB, body))
        self.interfaces.append(iface)
        self._divisors.append(10 ** (9 - digits))
        return len(self.interfaces) - 1

    def _interface_for(self, frame: Frame) -> int:
        """Find or create the IDB for a frame whose key was not seen yet."""
        fits = [
            idx
            for (number, linktype, digits), idx in self._ids.items()
            if (number, linktype) == (frame.interface_id, frame.linktype)
            and digits >= frame.ts_digits
        ]
        if fits:
            idx = fits[0]
        else:
            iface = Interface(frame.linktype, self.snaplen, frame.ts_digits)
            idx = self._add_idb(iface)
        self._ids[(frame.interface_id, frame.linktype, frame.ts_digits)] = idx
        return idx

    def write(self, frame: Frame) -> None:
        """Append one frame as an EPB (with its comment as opt_comment, its flags as
        epb_flags)."""
        idx = self._ids.get((frame.interface_id, frame.linktype, frame.ts_digits))
        if idx is None:
            idx = self._interface_for(frame)
        ts = frame.ts_ns // self._divisors[idx]
        data = frame.data
        caplen = len(data)
        pad = _PAD[caplen & 3]
        options = b""
        if frame.comment is not None:
            options = _option(OPT_COMMENT, frame.comment.encode("utf-8", "replace"))
        if frame.flags is not None:
            options += _option(EPB_FLAGS, _W_U32.pack(frame.flags))
        if options:
            options += _option(OPT_ENDOFOPT, b"")
        total = 32 + caplen + len(pad) + len(options)
        try:
            header = _W_EPB.pack(
                BT_EPB, total, idx, ts >> 32, ts & 0xFFFFFFFF, caplen, frame.origlen
            )
        except struct.error as err:  # e.g. a negative time
            raise CaptureWriteError(
                f'Frame {frame.number} can\'t be written to a "pcapng" file ({err}).'
            ) from None
        self._f.write(header + data + pad + options + _W_U32.pack(total))

    def close(self) -> None:
        """Flush, and close the file if this writer opened it."""
        self._f.flush()
        if self._owns:
            self._f.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
