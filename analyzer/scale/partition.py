"""Stateful analyses of one split capture, exactly: the worker side of the partitioned run
(analyzer/scale/partition_run.py plans it).

1. `keys_task` (per chunk, stateless): each record's state key -- `state_key` of
   dissectors/skipping.py, the key the closure plan (analyzer/closure.py) groups frames
   by: a TCP connection, an address pair (its UDP streams, TFTP transfers, fragments,
   request/response pairs), ARP, the IPMSG (FeiQ) group -- counted per key.
2. `route_task` (per chunk): the chunk's records, numbered globally, sent to the
   partition the client gave their key's group (a whole group per partition).
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

import io
from array import array
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from analyzer.scale.chunks import Chunk, Layout, chunk_bytes, frames
from analyzer.scale.tasks import Result, RunSpec, _decode, _maybe_die, _opts, _Pass
from captures import CaptureError, Frame
from dissectors import Session
from dissectors.skipping import ANY, ARP, IPMSG, NONE, skip, state_key
from dissectors.tcp_stream import Conversation, TcpStreams
from dissectors.udp import UdpStreams

_LINKTYPE_ETHERNET = 1
_SLOTS = Frame.__slots__
#: A record on its way to its partition: (prev_ts, input index, the Frame's slot values).
Rec = tuple
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
    return state_key(frame.data, 0, frame.caplen)


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


def route_task(lay: Layout, chunk: Chunk, src: int, number_base: int, prev_ts: int | None,
               where: dict, parts: int, numbers: array | None = None,
               prevs: array | None = None) -> list[list[Rec]]:
    """Step 2: the chunk's records, per partition (`where`: route key -> partition;
    frames of no group are spread by number). Numbered after `number_base` in file
    order, or (files merged in time order) by `numbers`, with `prevs` the timestamps of
    the frames merged before them."""
    _maybe_die()
    out: list[list[Rec]] = [[] for _ in range(parts)]
    head, body = chunk_bytes(lay, chunk)
    for i, frame in enumerate(frames(lay, chunk, head, body, number_base)):
        if numbers is not None and prevs is not None:
            frame.number = numbers[i]
            prev_ts = None if prevs[i] == NO_TS else prevs[i]
        key = route_key(frame_key(frame))
        p = where.get(key)
        if p is None:
            p = frame.number % parts
        frame.data = bytes(frame.data)
        out[p].append((prev_ts, src, *(getattr(frame, s) for s in _SLOTS)))
        prev_ts = frame.ts_ns
    return out


def _records(pieces: tuple[list[Rec], ...]) -> list[Rec]:
    recs = [r for piece in pieces for r in piece]
    recs.sort(key=lambda r: r[2])  # (frame number)
    return recs


def _frames(recs: list[Rec], session: Session, marks: list[Any],
            source: list[int] | None = None) -> Any:
    """The partition's frames in order, each dissected after its predecessor's time
    (`source[0]`: the input of the frame last given)."""
    for rec in recs:
        frame = Frame(*rec[2:])
        session.prev_ts = rec[0]
        if source is not None:
            source[0] = rec[1]
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


def streams_task(spec: RunSpec, path: str, *pieces: list[Rec]) -> tuple[list[int], list[int]]:
    """Step 3: the frames that opened the partition's TCP and UDP streams, in order."""
    _maybe_die()
    tcp, udp = _Tcp(), _Udp()
    session = _session(spec, _opts(spec, path), tcp, udp)
    for frame in _frames(_records(pieces), session, [tcp, udp]):
        skip(frame, session)
    return tcp.firsts, udp.firsts


@dataclass
class PartResult(Result):
    """A partition's outputs: its shown packets' text, each with its frame number."""

    lines: list[tuple[int, str]] = field(default_factory=list)
    mismatch: bool = False  # the dissection opened streams at other frames than step 3


def part_task(index: int, spec: RunSpec, paths: list[str],
              numbers: tuple[list[int], list[int]], firsts: tuple[list[int], list[int]],
              *pieces: list[Rec]) -> PartResult:
    """Step 4: dissect the partition (see the module docstring); `paths`: the inputs
    (one, or the files merged), named in the parquet rows."""
    _maybe_die()
    from analyzer.output.formats import open_output
    from analyzer.setup import build_fields_printer

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
        res.records = p.run(_frames(_records(pieces), session, [tcp, udp], source),
                            session, _Tagged() if renderer is not None else None)
    except CaptureError as e:  # pragma: no cover - the records were read once already
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


__all__ = ["NO_TS", "Keys", "keys_task", "route_task", "streams_task", "part_task", "PartResult",
           "frame_key", "route_key", "ARP", "IPMSG", "NONE", "ANY"]
