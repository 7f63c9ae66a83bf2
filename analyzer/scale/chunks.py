"""Record-aligned chunks of one large capture, so its records are read in parallel.

A pcap file has no sync marks: a chunk starts at the first offset past its nominal
start where a *chain* of record headers is plausible (the chained-length method): each
header's caplen <= the file's snaplen (and <= origlen), a sub-second fraction below one
second, a timestamp within the file's range (one day before its first record to one
year after the later of that record and the file's mtime), and the next header right
where this record ends, CHAIN times or up to the end of the file. pcapng blocks carry
their total length at both ends; a candidate block must have a known type and matching
lengths, chained the same way. Each pcapng chunk is read after the context blocks
(the SHB and every IDB before it), replayed from the file, so interface ids and
timestamp resolutions are the file's own. Files with more than one pcapng section,
and compressed files, are not split (one task reads them whole).

Frame numbers stay global: a first cheap pass (`survey`) counts each chunk's records
and notes its first and last timestamps; chunk k's numbers start after the counts of
the chunks before it.
"""

from __future__ import annotations

import io
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field

from captures.errors import CorruptCapture
from captures.frame import Frame
from captures.pcap import MAGICS as PCAP_MAGICS
from captures.pcap import MAX_PACKET
from captures.pcapng import SHB_MAGIC

#: Headers that must chain after a candidate boundary (or reach the end of the file).
CHAIN = 8
_DAY = 86_400
_YEAR = 366 * _DAY
_PCAPNG_TYPES = frozenset({1, 2, 3, 4, 5, 6, 7, 9, 10, 0xBAD, 0x40000BAD})
_BT_SHB, _BT_IDB = 0x0A0D0D0A, 1


@dataclass
class Layout:
    """What a chunk needs to know about its file: format, byte order, context."""

    path: str
    fmt: str  # "pcap" or "pcapng"
    size: int
    endian: str
    head: bytes  # pcap: the 24-byte file header; pcapng: SHB + IDBs before the 1st packet
    data_start: int  # offset of the first record/block after `head`
    snaplen: int = 0
    nanosecond: bool = False
    ts_range: tuple[int, int] = (0, 0)  # plausible seconds (pcap)


@dataclass
class Chunk:
    """Bytes [start, stop) of a file, and what the survey learnt about them."""

    index: int
    start: int
    stop: int
    records: int = 0
    first_ts: int | None = None
    last_ts: int | None = None
    context: list[bytes] = field(default_factory=list)  # pcapng IDBs met in the chunk
    new_section: bool = False  # a second SHB: the file is read whole instead
    damaged: bool = False  # a bad record: the whole-file task says where


def layout(path: str) -> Layout | None:
    """The file's layout, or None when it cannot be split (gzip, stdin, unknown)."""
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            head = f.read(1 << 16)
    except OSError:
        return None
    if head[:4] in PCAP_MAGICS and len(head) >= 24:
        endian, ns = PCAP_MAGICS[head[:4]]
        snaplen = struct.unpack_from(endian + "I", head, 16)[0] or MAX_PACKET
        lay = Layout(path, "pcap", size, endian, head[:24], 24, min(snaplen, MAX_PACKET) or
                     MAX_PACKET, ns)
        if len(head) >= 40:
            first = struct.unpack_from(endian + "I", head, 24)[0]
            mtime = int(os.path.getmtime(path))
            lay.ts_range = (max(0, first - _DAY), max(first, mtime) + _YEAR)
        return lay
    if head[:4] == SHB_MAGIC and len(head) >= 12:
        bom = head[8:12]
        endian = "<" if bom == b"\x4d\x3c\x2b\x1a" else ">"
        pos, ctx = 0, b""
        while pos + 12 <= len(head):
            btype, blen = struct.unpack_from(endian + "II", head, pos)
            if (btype not in (_BT_SHB, _BT_IDB) and btype != 4) or pos + blen > len(head) \
                    or blen < 12:
                break
            if btype == _BT_SHB and pos:
                break
            ctx += head[pos:pos + blen]
            pos += blen
        return Layout(path, "pcapng", size, endian, ctx, pos)
    return None


def _pcap_ok(lay: Layout, buf: bytes, pos: int, base: int) -> int | None:
    """The offset after the plausible record header at buf[pos], or None."""
    if pos + 16 > len(buf):
        return None
    sec, frac, caplen, origlen = struct.unpack_from(lay.endian + "IIII", buf, pos)
    if caplen > lay.snaplen or caplen > origlen or origlen > 0x7FFFFFFF:
        return None
    if frac >= (1_000_000_000 if lay.nanosecond else 1_000_000):
        return None
    lo, hi = lay.ts_range
    if not lo <= sec <= hi:
        return None
    return pos + 16 + caplen


def _pcapng_ok(lay: Layout, buf: bytes, pos: int, base: int) -> int | None:
    if pos + 12 > len(buf):
        return None
    btype, blen = struct.unpack_from(lay.endian + "II", buf, pos)
    if btype not in _PCAPNG_TYPES or blen < 12 or blen & 3 or pos + blen > len(buf):
        return None
    if struct.unpack_from(lay.endian + "I", buf, pos + blen - 4)[0] != blen:
        return None
    return pos + blen


def _chained(lay: Layout, buf: bytes, pos: int, base: int) -> bool:
    """Do CHAIN plausible headers start at buf[pos] (or run exactly to end of file)?"""
    check = _pcap_ok if lay.fmt == "pcap" else _pcapng_ok
    for _ in range(CHAIN):
        if base + pos == lay.size:
            return True
        nxt = check(lay, buf, pos, base)
        if nxt is None:
            return False
        pos = nxt
        if pos > len(buf):
            return base + pos == lay.size
    return True


def find_boundary(lay: Layout, target: int) -> int:
    """The first record boundary at or after byte `target` (the file size if none)."""
    if target <= lay.data_start:
        return lay.data_start
    window = CHAIN * (MAX_PACKET + 32) + 4 * (MAX_PACKET + 32)
    with open(lay.path, "rb") as f:
        f.seek(target)
        buf = f.read(window)
    step = 1 if lay.fmt == "pcap" else 4
    first = 0 if lay.fmt == "pcap" else (-target) % 4
    for pos in range(first, max(0, len(buf) - 11), step):
        if _chained(lay, buf, pos, target):
            return target + pos
    return lay.size


def _fragment(lay: Layout, buf: bytes, pos: int, linktype: int) -> tuple[tuple, int, bool] | None:
    """(datagram key, fragment offset, more fragments) of an IPv4 fragment over
    Ethernet (802.1Q tags skipped) in the record at buf[pos], else None."""
    if lay.fmt == "pcap":
        caplen = struct.unpack_from(lay.endian + "I", buf, pos + 8)[0]
        data = pos + 16
    else:
        btype = struct.unpack_from(lay.endian + "I", buf, pos)[0]
        if btype != 6:
            return None
        caplen = struct.unpack_from(lay.endian + "I", buf, pos + 20)[0]
        data = pos + 28
    if linktype != 1 or caplen < 34:
        return None
    off = data + 12
    etype = int.from_bytes(buf[off:off + 2], "big")
    while etype in (0x8100, 0x88A8) and off + 6 <= data + caplen:
        off += 4
        etype = int.from_bytes(buf[off:off + 2], "big")
    ip = off + 2
    if etype != 0x0800 or ip + 20 > data + caplen:
        return None
    flags = int.from_bytes(buf[ip + 6:ip + 8], "big")
    more, frag = bool(flags & 0x2000), flags & 0x1FFF
    if not more and not frag:
        return None
    return (buf[ip + 12:ip + 20], buf[ip + 4:ip + 6], buf[ip + 9]), frag, more


def settle(lay: Layout, cut: int, linktype: int) -> int:
    """Move a record boundary forward past the IPv4 fragments of datagrams open there,
    so no chunk starts inside a fragmented datagram (reassembly stays in one chunk).
    Looks a window of records ahead; what lies beyond it the chunk tasks notice."""
    with open(lay.path, "rb") as f:
        f.seek(cut)
        buf = f.read(CHAIN * 64 * 1024)
    hdr = 16 if lay.fmt == "pcap" else 12
    recs: list[tuple[int, tuple[tuple, int, bool] | None]] = []
    pos = 0
    while pos + hdr <= len(buf):
        step = (16 + struct.unpack_from(lay.endian + "I", buf, pos + 8)[0]) \
            if lay.fmt == "pcap" else struct.unpack_from(lay.endian + "I", buf, pos + 4)[0]
        if step < 12 or pos + step > len(buf):
            break
        recs.append((pos, _fragment(lay, buf, pos, linktype)))
        pos += step
    firsts: set[tuple] = set()
    start = 0
    for i, (_pos, frag) in enumerate(recs):
        if frag is not None:
            if frag[1] == 0:
                firsts.add(frag[0])
            elif frag[0] not in firsts:
                start = i + 1  # a datagram begun before the cut ends here
    opened: set[tuple] = set()
    for i, (pos, frag) in enumerate(recs):
        if i >= start and not opened:
            return cut + pos
        if frag is not None:
            key, offset, more = frag
            if offset == 0 and more and i >= start:
                opened.add(key)
            if not more:
                opened.discard(key)
    return cut


def plan(lay: Layout, chunk_bytes: int) -> list[Chunk]:
    """Chunks of about `chunk_bytes`, each starting on a record boundary outside any
    fragmented datagram."""
    cuts = [lay.data_start]
    t = lay.data_start + chunk_bytes
    linktype = _linktype(lay)
    while t < lay.size:
        b = find_boundary(lay, t)
        if b < lay.size:
            b = settle(lay, b, linktype)
        if b >= lay.size:
            break
        if b > cuts[-1]:
            cuts.append(b)
        t = max(t, b) + chunk_bytes
    cuts.append(lay.size)
    return [Chunk(i, a, b) for i, (a, b) in enumerate(zip(cuts, cuts[1:], strict=False))]


def _linktype(lay: Layout) -> int:
    if lay.fmt == "pcap":
        return struct.unpack_from(lay.endian + "I", lay.head, 20)[0] & 0x0FFFFFFF
    pos = struct.unpack_from(lay.endian + "I", lay.head, 4)[0]  # the IDB after the SHB
    if pos + 10 <= len(lay.head):
        return struct.unpack_from(lay.endian + "H", lay.head, pos + 8)[0]
    return -1


def survey(lay: Layout, chunk: Chunk) -> Chunk:
    """Count the chunk's records (parsed, not dissected) and note their first and last
    timestamps; a pcapng chunk also notes the SHB and IDBs it holds (then the file is
    read whole: interfaces defined mid-file are not replayed)."""
    head, body = chunk_bytes(lay, chunk)
    if lay.fmt == "pcapng":
        pos = 0
        while pos + 8 <= len(body):
            btype, blen = struct.unpack_from(lay.endian + "II", body, pos)
            if btype == _BT_SHB:
                chunk.new_section = True
            elif btype == _BT_IDB:
                chunk.context.append(body[pos:pos + blen])
            if blen < 12:
                break
            pos += blen
        if chunk.new_section or chunk.context:
            return chunk
    n, first, last = 0, None, None
    for frame in frames(lay, chunk, head, body):
        n += 1
        first = frame.ts_ns if first is None else first
        last = frame.ts_ns
    chunk.records, chunk.first_ts, chunk.last_ts = n, first, last
    return chunk


def frames(lay: Layout, chunk: Chunk, head: bytes, body: bytes,
           number_base: int = 0) -> Iterator[Frame]:
    """The chunk's frames, numbered after `number_base` and with file offsets of the
    whole file, read by the capture readers of captures/ (head replayed first)."""
    from captures.pcap import PcapParser
    from captures.pcapng import PcapngParser

    parser_cls = PcapParser if lay.fmt == "pcap" else PcapngParser
    src = io.BytesIO(body)
    parser = parser_cls(src.read, head, lay.path)
    shift = chunk.start - len(head)
    for frame in parser:
        frame.number += number_base
        frame.file_offset += shift
        yield frame
    if src.tell() < len(body):  # pragma: no cover - the parser reads to the end
        raise CorruptCapture(lay.path, chunk.start + src.tell(), "unread bytes in chunk")


def chunk_bytes(lay: Layout, chunk: Chunk) -> tuple[bytes, bytes]:
    """(head, body): what a reader parses first (the file header, or the SHB and IDBs
    before the first packet), then the chunk's own bytes."""
    with open(lay.path, "rb") as f:
        f.seek(chunk.start)
        body = f.read(chunk.stop - chunk.start)
    return lay.head, body


__all__ = ["Layout", "Chunk", "layout", "plan", "survey", "find_boundary", "chunk_bytes", "frames",
           "CHAIN"]
