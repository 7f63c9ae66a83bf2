"""Stateful analyses of one split capture, exactly: the worker side of the partitioned run
(analyzer/scale/partition_run.py plans it).

1. `keys_task` (per chunk, stateless): each record's state key -- `state_key` of
   dissectors/skipping.py, the key the closure plan (analyzer/closure.py) groups frames
   by: a TCP connection, an address pair (its UDP streams, TFTP transfers, fragments,
   request/response pairs), ARP, the IPMSG (FeiQ) group -- counted per key.
2. `route_task` (per chunk): where the chunk's records sit in the file, numbered
   globally, sent to the partition the client gave their key's group (a whole group
   per partition); the partition reads the records from the file itself, so no record
   bytes travel and a partition holds only the window it reads through.
3. `streams_task` (per partition): the frames of its groups in frame order, passed over
   as `skip` does, to learn which frame opened each TCP and UDP stream.
4. `part_task` (per partition): the full dissection, with stream indices given as a
   single pass numbers them (by the first frame of each stream, across partitions); the
   shown packets' lines tagged with their frame numbers, the taps, the parquet rows.

A partition sees every frame its groups' state depends on, in frame order, with the
capture's first timestamp and each frame's predecessor's, so its dissection is the
single pass's for those frames.
"""

from __future__ import annotations

import heapq
import io
import operator
import os
import struct
from array import array
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from analyzer.scale.chunks import Chunk, Layout, chunk_bytes, frames
from analyzer.scale.tasks import Result, RunSpec, _decode, _maybe_die, _opts, _Pass
from captures import CaptureError, Frame
from captures.errors import CorruptCapture
from dissectors import Session
from dissectors.skipping import ANY, ARP, IPMSG, NONE, skip, state_key
from dissectors.tcp_stream import Conversation, TcpStreams
from dissectors.udp import UdpStreams

_LINKTYPE_ETHERNET = 1
#: "No previous frame" in an array of previous timestamps.
NO_TS = -(1 << 63)


@dataclass
class Keys:
    """What a chunk's records share state through (step 1)."""

    chunk: Chunk
    counts: Counter = field(default_factory=Counter)  # route key -> records
    ipmsg: set = field(default_factory=set)  # pairs with a frame joining the IPMSG group
    tcp_all: set = field(default_factory=set)  # pairs with a frame touching any connection
    any_frames: int = 0  # frames that may touch any state (the run keeps one partition)
    times: array | None = None  # each record's timestamp (for a merge in time order)


def frame_key(frame: Frame) -> object:
    """The frame's state key (dissectors/skipping.py), ANY off Ethernet."""
    if frame.linktype != _LINKTYPE_ETHERNET:
        return ANY
    # (bytes: the compiled state_key takes bytes or the mapped file, not a view)
    return state_key(bytes(frame.data), 0, frame.caplen)


def route_key(key: object) -> object:
    """The key a record is routed by: a TCP connection, an address pair, ARP, NONE, ANY
    (IPMSG's frames go by their pair, which the client joins to the IPMSG group)."""
    if type(key) is tuple and type(key[1]) is not int:
        return key[0]
    return key


def keys_task(lay: Layout, chunk: Chunk, want_times: bool = False) -> Keys:
    """Step 1: count the chunk's records (as the survey does) and their keys; with
    `want_times`, note each record's timestamp too."""
    from analyzer.scale.tasks import survey_task

    chunk = survey_task(lay, chunk)
    got = Keys(chunk)
    if chunk.damaged or chunk.new_section or chunk.context:
        return got
    head, body = chunk_bytes(lay, chunk)
    counts = got.counts
    times = got.times = array("q") if want_times else None
    for frame in frames(lay, chunk, head, body):
        if times is not None:
            times.append(frame.ts_ns)
        key = frame_key(frame)
        if key is ANY:
            got.any_frames += 1
        elif type(key) is tuple and type(key[1]) is not int:
            got.ipmsg.add(key[0])
            if len(key) > 2:
                got.tcp_all.add(key[0])
        counts[route_key(key)] += 1
    return got


@dataclass
class Piece:
    """A chunk's records bound for one partition, by where they sit in the file (not
    their bytes: the partition reads them itself). Record i is the bytes
    [starts[i], stops[i]) of input `src` -- a pcap record, or a pcapng packet block with
    the blocks since the packet before (a DSB's keys go with the next packet) -- frame
    `numbers[i]`, after a frame of time `prevs[i]` (NO_TS: none)."""

    src: int
    numbers: array = field(default_factory=lambda: array("q"))
    starts: array = field(default_factory=lambda: array("q"))
    stops: array = field(default_factory=lambda: array("q"))
    prevs: array = field(default_factory=lambda: array("q"))


def route_task(lay: Layout, chunk: Chunk, src: int, number_base: int, prev_ts: int | None,
               where: dict, parts: int, numbers: array | None = None,
               prevs: array | None = None) -> list[Piece]:
    """Step 2: where the chunk's records go, per partition (`where`: route key ->
    partition; frames of no group are spread by number). Numbered after `number_base`
    in file order, or (files merged in time order) by `numbers`, with `prevs` the
    timestamps of the frames merged before them. 32 bytes per record travel."""
    _maybe_die()
    out = [Piece(src) for _ in range(parts)]
    head, body = chunk_bytes(lay, chunk)
    block_len = struct.Struct(lay.endian + "I").unpack_from
    pcap = lay.fmt == "pcap"
    begin = chunk.start  # where the next record's span begins
    for i, frame in enumerate(frames(lay, chunk, head, body, number_base)):
        if numbers is not None and prevs is not None:
            frame.number = numbers[i]
            prev_ts = None if prevs[i] == NO_TS else prevs[i]
        key = route_key(frame_key(frame))
        p = where.get(key)
        if p is None:
            p = frame.number % parts
        at = frame.file_offset
        end = at + 16 + frame.caplen if pcap else \
            at + block_len(body, at - chunk.start + 4)[0]
        piece = out[p]
        piece.numbers.append(frame.number)
        piece.starts.append(begin if not pcap else at)
        piece.stops.append(end)
        piece.prevs.append(NO_TS if prev_ts is None else prev_ts)
        prev_ts, begin = frame.ts_ns, end
    return out


#: Bytes a partition reads from a file at once (its records are a share of them).
WINDOW = 1 << 20


class _Spans:
    """`read(n)` of a capture made of the head, then the spans [starts[i], stops[i]) of
    `path` in order, read with pread through a window (the reader's input)."""

    def __init__(self, path: str, starts: array, stops: array) -> None:
        self.path, self.starts, self.stops = path, starts, stops
        self.i = 0
        self.win, self.win_at = b"", 0
        self.fd = os.open(path, os.O_RDONLY)

    def read(self, n: int) -> bytes:
        out: list[bytes] = []
        got, i, starts, stops = 0, self.i, self.starts, self.stops
        while got < n and i < len(starts):
            a, b = starts[i], stops[i]
            if a < self.win_at or b > self.win_at + len(self.win):
                self.win, self.win_at = os.pread(self.fd, max(WINDOW, b - a), a), a
                if len(self.win) < b - a:
                    raise CorruptCapture(self.path, a, "the file changed during the run")
            out.append(self.win[a - self.win_at:b - self.win_at])
            got += b - a
            i += 1
        self.i = i
        return b"".join(out)

    def close(self) -> None:
        os.close(self.fd)


def _read_src(lay: Layout, pieces: list[Piece]) -> Iterator[tuple[int, int, Frame]]:
    """(number, previous timestamp, Frame) of one input's records in the pieces, read
    from its file in file order: the capture reader over the head and the spans."""
    from captures.pcap import PcapParser
    from captures.pcapng import PcapngParser

    numbers, starts, stops, prevs = array("q"), array("q"), array("q"), array("q")
    for pc in pieces:
        numbers.extend(pc.numbers)
        starts.extend(pc.starts)
        stops.extend(pc.stops)
        prevs.extend(pc.prevs)
    if not numbers:
        return
    spans = _Spans(lay.path, starts, stops)
    try:
        parser_cls = PcapParser if lay.fmt == "pcap" else PcapngParser
        pos = len(lay.head)  # where span i begins in the reader's input
        for i, frame in enumerate(parser_cls(spans.read, lay.head, lay.path)):
            frame.number = numbers[i]
            frame.file_offset += starts[i] - pos
            pos += stops[i] - starts[i]
            yield numbers[i], prevs[i], frame
    finally:
        spans.close()


def _records(lays: list[Layout], pieces: tuple[Piece, ...]) -> Iterator[tuple[int, int, int, Frame]]:
    """(number, previous timestamp, input, Frame) of the partition's records, in frame
    order (each input's records come in its file order, which is their frame order)."""
    by_src: dict[int, list[Piece]] = {}
    for pc in pieces:
        by_src.setdefault(pc.src, []).append(pc)
    streams = [((n, prev, src, f) for n, prev, f in _read_src(lays[src], pcs))
               for src, pcs in sorted(by_src.items())]
    if len(streams) == 1:
        return streams[0]
    return heapq.merge(*streams, key=operator.itemgetter(0))


def _frames(recs: Iterator[tuple[int, int, int, Frame]], session: Session, marks: list[Any],
            source: list[int] | None = None) -> Any:
    """The partition's frames in order, each dissected after its predecessor's time
    (`source[0]`: the input of the frame last given)."""
    for _n, prev, src, frame in recs:
        session.prev_ts = None if prev == NO_TS else prev
        if source is not None:
            source[0] = src
        for m in marks:
            m.frame_no = frame.number
        yield frame


class _Tcp(TcpStreams):
    """TCP streams numbered by the run (`numbers`: global index per local creation), and
    the frames that opened them."""

    def __init__(self, numbers: list[int] | None = None) -> None:
        super().__init__()
        self.numbers = numbers
        self.firsts: list[int] = []
        self.frame_no = 0

    def new(self, key: tuple, ts: int) -> Conversation:
        k = self.count
        self.firsts.append(self.frame_no)
        conv = Conversation(self.numbers[k] if self.numbers is not None else k, ts)
        self.count += 1
        self.convs[key] = conv
        return conv


class _Udp(UdpStreams):
    """UDP streams numbered by the run, and the frames that opened them."""

    def __init__(self, numbers: list[int] | None = None) -> None:
        super().__init__()
        self.index: dict = {}  # key -> [stream, first, last] (its own layout)
        self.numbers = numbers
        self.firsts: list[int] = []
        self.frame_no = 0

    def lookup(self, key: bytes, ts: int) -> tuple[int, int, int]:
        s = self.index.get(key)
        if s is None:
            k = len(self.firsts)  # (streams made so far: `renew` drops keys, not streams)
            self.firsts.append(self.frame_no)
            s = self.index[key] = [self.numbers[k] if self.numbers is not None else k,
                                   ts, ts]
        stream, first, last = s
        s[2] = ts
        return stream, first, last


def _session(spec: RunSpec, opts: Any, tcp: _Tcp, udp: _Udp) -> Session:
    session = Session(decode_as=_decode(opts))
    session.first_ts = spec.first_ts
    session.state("tcp.streams", lambda: tcp)
    session.state("udp.streams", lambda: udp)
    return session


def streams_task(spec: RunSpec, lays: list[Layout], *pieces: Piece
                 ) -> tuple[list[int], list[int]]:
    """Step 3: the frames that opened the partition's TCP and UDP streams, in order."""
    _maybe_die()
    tcp, udp = _Tcp(), _Udp()
    session = _session(spec, _opts(spec, lays[0].path), tcp, udp)
    for frame in _frames(_records(lays, pieces), session, [tcp, udp]):
        skip(frame, session)
    return tcp.firsts, udp.firsts


@dataclass
class PartResult(Result):
    """A partition's outputs: its shown packets' text, each with its frame number."""

    lines: list[tuple[int, str]] = field(default_factory=list)
    mismatch: bool = False  # the dissection opened streams at other frames than step 3


def part_task(index: int, spec: RunSpec, lays: list[Layout],
              numbers: tuple[list[int], list[int]], firsts: tuple[list[int], list[int]],
              *pieces: Piece) -> PartResult:
    """Step 4: dissect the partition (see the module docstring); `lays`: the inputs
    (one, or the files merged), named in the parquet rows."""
    _maybe_die()
    from analyzer.output.formats import open_output
    from analyzer.setup import build_fields_printer

    paths = [lay.path for lay in lays]
    path = paths[0]
    res = PartResult(index, path)
    opts = _opts(spec, path)
    tcp, udp = _Tcp(numbers[0]), _Udp(numbers[1])
    session = _session(spec, opts, tcp, udp)
    printer = build_fields_printer(opts) if spec.packets else None
    p = _Pass(spec, opts, path, printer)
    source = [0]
    if p.table is not None and len(paths) > 1:
        p.table.source_of = lambda: paths[source[0]]
    out = io.StringIO()
    renderer = open_output(opts, printer, out) if spec.packets else None
    lines = res.lines

    class _Tagged:
        """The renderer, cutting its output into one piece per shown packet."""

        def packet(self, pkt: Any) -> None:
            assert renderer is not None
            renderer.packet(pkt)
            lines.append((pkt.frame.number, out.getvalue()))
            out.seek(0)
            out.truncate()

    try:
        res.records = p.run(_frames(_records(lays, pieces), session, [tcp, udp], source),
                            session, _Tagged() if renderer is not None else None)
    except CaptureError as e:  # the file changed (its records were read once already)
        res.error, res.code = str(e), 2
    res.mismatch = (tcp.firsts, udp.firsts) != tuple(firsts)
    if spec.stats:
        from analyzer.scale.merge import detach

        res.taps = detach(p.taps)
    if p.table is not None:
        from analyzer.scale.dataset import part_name

        name = path if len(paths) == 1 else "merged"
        res.rows = p.table.write(part_name(spec.export_dir or "", index, name))
    return res


__all__ = ["NO_TS", "Keys", "Piece", "keys_task", "route_task", "streams_task", "part_task", "PartResult",
           "frame_key", "route_key", "ARP", "IPMSG", "NONE", "ANY"]
