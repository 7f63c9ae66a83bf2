"""The fast path of `analyze`: filter a capture file's records without dissecting them.

Taken when the question is only "which frames match" (`-T fields -e frame.number`,
or `-q`), the file is an uncompressed Ethernet pcap or pcapng (captures/records.py;
other records hand over to the full reader), and the filter names only fields the
fast path reads exactly (filters/fastpath.py). Otherwise `run_fast` returns None and
the full pipeline runs. Exactness is kept per packet: a record the cheap layering
pass is unsure of is dissected fully (same Session, so conversations and reassembly
stay whole), and libpcap's BPF pre-selects in C only a superset of the matches.
"""

from __future__ import annotations

import gc
import heapq
import mmap
import os
import struct
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TextIO

from captures.records import PcapngRecords, PcapRecords, Record, record_walker
from dissectors import Session, dissect
from dissectors.ipmsg import IPMSG_PORT
from dissectors.layers import FRAGMENT, ethernet_layers, fragment_layers, pair_hash
from filters.fastpath import UNSURE, FastFilter, NotFast, classify_udp, compile_fast

if TYPE_CHECKING:
    from analyzer.job import Job

_PRINTABLE = ("frame.number",)
_PORTS = struct.Struct(">HH").unpack_from
_DROP_EVERY = 4 << 20
#: Files smaller than this are filtered in one process (forking costs more).
_PARALLEL_FROM = 16 << 20


def eligible(job: Job, fields: list[str] | None) -> bool:
    """Whether the job asks only for matching frame numbers (or nothing) from a file."""
    if job.two_pass or job.verbose or job.hex or job.count or job.write or \
            job.export_objects or job.decode_as or getattr(job, "stats", None):
        return False
    if job.output == "fields":
        return bool(fields) and all(f in _PRINTABLE for f in fields) and not job.field_opts
    # -q prints nothing, unless -P or an explicit -T asks for the packets (as tshark)
    printing = getattr(job, "print_summary", False) or getattr(job, "output_given", False)
    return bool(job.quiet) and not printing and job.output == "text"


#: libpcap's pre-filter costs two ctypes calls a frame it keeps (~13k instructions, and
#: before the walk forks: serial), more than the walk spends deciding a frame itself; it
#: pays only when it rejects most frames. Judged on the frames of the file's first
#: `_SAMPLE_BYTES` (files from `_SAMPLE_FROM` on; below, it is cheap either way).
_PREFILTER_KEEPS_AT_MOST = 0.45
_SAMPLE_BYTES = 1 << 20
_SAMPLE_FROM = 8 << 20
_SAMPLE_MIN_FRAMES = 256


def _prefilter(path: str, tree: Any, records: PcapRecords | PcapngRecords | None = None) -> Any:
    """Record end offsets libpcap's BPF keeps (a superset of the matches), or None (no
    pre-filter: the walk decides every frame; also when, on `records`' first frames, it
    keeps too many to pay: `_worth_prefiltering`)."""
    from filters.prefilter import superset_bpf

    text = superset_bpf(tree)
    if text is None:
        return None
    try:
        from captures.bpf import BpfError, offline_matches

        if records is not None and not _worth_prefiltering(records.mm, text):
            return None
        return offline_matches(path, text)
    except (BpfError, OSError):
        return None


def _worth_prefiltering(mm: Any, text: str) -> bool:
    """Whether BPF `text` rejects enough of the first frames of the mapped capture `mm`
    to pay (see `_PREFILTER_KEEPS_AT_MOST`); True when the sample cannot tell."""
    if len(mm) < _SAMPLE_FROM:
        return True
    walker = record_walker(mm)  # (its own walk: the caller's walker stays untouched)
    if walker is None:
        return True
    count = cut = 0
    for rec in walker:
        if rec[3] > _SAMPLE_BYTES:
            break
        count, cut = count + 1, rec[3]
    if count < _SAMPLE_MIN_FRAMES:
        return True
    from captures.bpf import buffer_matches

    kept = buffer_matches(mm[:cut], text)
    return kept is None or len(kept) <= count * _PREFILTER_KEEPS_AT_MOST


def map_file(path: str) -> mmap.mmap | None:
    """The capture file mapped read-only, or None (not a regular file, too short to
    hold a pcap header, unreadable): then the full reader runs and reports."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        if not os.path.isfile(path) or os.fstat(fd).st_size < 24:
            return None
        return mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
    finally:
        os.close(fd)


@contextmanager
def mapped_records(path: str) -> Iterator[PcapRecords | PcapngRecords | None]:
    """The record walker over `path` mapped read-only, unmapped when the block ends;
    None when the file cannot be mapped or walked (then the full reader runs and
    reports). The one set-up of every walk over a file (the fast path, the plans)."""
    mm = map_file(path)
    if mm is None:
        yield None
        return
    try:
        yield record_walker(mm)
    finally:
        unmap(mm)


def unmap(mm: mmap.mmap) -> None:
    """Close a mapping of `map_file`. In the compiled build (mypyc) a nested function and
    its environment form a reference cycle, so a packet of the last dissection may hold a
    view of the mapping until the cycle collector runs (mm.close() raises BufferError):
    run it; a view still alive leaves the mapping to be unmapped when it is freed."""
    try:
        mm.close()
    except BufferError:
        gc.collect()
        try:
            mm.close()
        except BufferError:
            pass


def run_fast(job: Job, out: TextIO) -> int | None:
    """Print `job`'s matching frame numbers; None when this path does not apply
    (nothing printed).

    Returns the number of the first record it could not walk (a broken record) + 0,
    i.e. 0 when the whole file was done; the caller lets the full reader report it.
    """
    path = job.path or ""
    flt_all = job.display_filter
    tree = flt_all.tree if flt_all is not None else None
    full_match = flt_all.match if flt_all is not None else None
    if not eligible(job, job.fields):
        return None
    try:
        flt = compile_fast(tree) if tree is not None else None
    except NotFast:
        return None
    with mapped_records(path) as records:
        if records is None:
            return None
        ends = _prefilter(path, tree, records) if tree is not None else None
        quiet = job.output != "fields"
        return _walk_parts(records, flt, full_match, ends, out, quiet)


def _walk(records: PcapRecords | PcapngRecords, flt: FastFilter | None, full_match: Any,
          ends: Any, found: array, part: int, parts: int) -> int:
    """Decide every record (or those in `ends`) in file order, appending the numbers of
    matches to `found`. With `parts` > 1 only this part's share: packets split by
    address pair, so the conversations and fragments a decision needs stay together
    (frame-level filters, which need no state, split by frame number).
    Returns 0, or the number of the first record the walk could not take."""
    mm = records.mm
    session = Session(revisit=False)  # each record once, in order: no revisit
    layers = ethernet_layers
    match = flt.match if flt is not None else None
    needs_app = flt.needs_app if flt is not None else False
    needs_layers = flt.needs_layers if flt is not None else False
    # A completing fragment's datagram is rebuilt for its headers and payload; a filter
    # on the frame's own bytes leaves it to full dissection.
    rebuild = flt is not None and not flt.reads_frame
    number = 0
    add = found.append

    def decide(number: int, rec: Record) -> bool:
        if match is None:
            return True
        s, caplen, origlen, _end = rec
        e = s + caplen
        if not needs_layers:
            if parts > 1 and number % parts != part:
                return False
            return match((mm, s, e, None, number, origlen, None))
        if parts > 1 and pair_hash(mm, s, e) % parts != part:
            return False
        buf: Any = mm
        commit = None
        lay = layers(mm, s, e, s + origlen)
        if lay is not None and lay[3] == FRAGMENT:
            got = fragment_layers(mm, s, lay, session, number, rebuild)
            if got is None:
                lay = None
            else:
                buf, lay, commit = got
                if buf is not mm:
                    s, e = 0, caplen
        app = None
        if lay is not None and needs_app:
            if lay[2] == 17 and lay[3] >= 0 or lay[6] is not None:
                app = classify_udp(session, buf, lay)
                if app is UNSURE:
                    lay = None
            elif lay[2] == 6 and lay[3] >= 0 and IPMSG_PORT in _PORTS(buf, lay[3]):
                lay = None  # IPMSG over TCP: segments need the full TCP dissection
        if lay is None:
            return bool(full_match(dissect(records.frame(number, rec), session)))
        if commit is not None:
            commit()  # decided here: record the completing fragment as ip.py would
        return match((buf, s, e, lay, number, origlen, app))

    # A one-process walk of a header filter decides a plainly layered frame here, without
    # the call to `decide` (the walk runs interpreted: one call is a good share of it).
    plain = match if needs_layers and not needs_app and parts == 1 else None
    # Mapped file pages count as our resident memory: drop those already walked.
    drop_at = _DROP_EVERY
    can_drop = hasattr(mm, "madvise")
    for number, rec in enumerate(records, 1) if ends is None else records.locate(ends):
        if plain is not None:
            s = rec[0]
            e = s + rec[1]
            lay = layers(mm, s, e, s + rec[2])
            if lay is not None and lay[3] != FRAGMENT:
                if plain((mm, s, e, lay, number, rec[2], None)):
                    add(number)
            elif decide(number, rec):
                add(number)
        elif decide(number, rec):
            add(number)
        if rec[3] >= drop_at and can_drop:
            mm.madvise(mmap.MADV_DONTNEED, 0, rec[3] - rec[3] % mmap.PAGESIZE)
            drop_at = rec[3] + _DROP_EVERY
    if ends is not None:
        number = records.count
    return number + 1 if records.stopped else 0


def decide_chunk(buf: bytes, filter_text: str) -> tuple[array, int] | None:
    """The numbers (from 1) of the records of `buf`, a capture's head and a run of its
    records (a `--dask-split` chunk), that the filter matches, and the count of records;
    None when the fast path does not apply: the filter is not fast, names a frame field
    (the chunk's numbers and times are not the file's), or the chunk holds an IP
    fragment of a datagram begun before it (the split run dissects such a chunk).

    As `run_fast`, libpcap's BPF pre-selects the candidates in C (over `buf` in place),
    and one walk decides them and checks their fragments: the pre-filter keeps every
    fragment, so no other record needs looking at."""
    got = chunk_filter(filter_text)
    if got is None:
        return None
    compiled, flt = got
    records = record_walker(buf)
    if records is None:
        return None
    guarded = _Guarded(records, buf)
    found = array("I")
    try:
        stop = _walk(guarded, flt, compiled.match, _buffer_prefilter(buf, compiled.tree),
                     found, 0, 1)
    except _Orphan:
        return None  # begun in the chunk before (or maybe: IPv6): dissection says
    if stop or records.stopped:
        return None
    return found, guarded.count


def chunk_filter(filter_text: str) -> tuple[Any, FastFilter] | None:
    """(the compiled filter, its fast form) when `decide_chunk` can decide it: a fast
    filter naming no frame field; else None."""
    from filters import compile_filter
    from filters.syntax import field_refs

    compiled = compile_filter(filter_text)
    if any(r.name.startswith("frame") for r in field_refs(compiled.tree)):
        return None
    try:
        return compiled, compile_fast(compiled.tree)
    except NotFast:
        return None


def _buffer_prefilter(buf: bytes, tree: Any) -> Any:
    """`_prefilter` for a capture in memory: match end offsets in `buf`, or None."""
    from filters.prefilter import superset_bpf

    text = superset_bpf(tree)
    if text is None:
        return None
    try:
        from captures.bpf import BpfError, buffer_matches

        return buffer_matches(buf, text)
    except (BpfError, OSError):
        return None


class _Orphan(Exception):
    """A chunk's record is a fragment of a datagram begun before the chunk."""


class _Guarded:
    """The chunk's record walker, checking each record it gives `_walk` for an orphan
    fragment (`_Orphan`), so one walk both decides and checks; counts the records."""

    def __init__(self, records: PcapRecords | PcapngRecords, buf: bytes) -> None:
        self.records, self.buf, self.mm = records, buf, records.mm
        self.begun: set[bytes] = set()  # IPv4 datagrams whose first fragment it holds
        self.count = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.records, name)  # stopped, frame

    def __iter__(self) -> Any:
        for rec in self.records:
            self.count += 1
            if _orphan(self.buf, rec, self.begun):
                raise _Orphan
            yield rec

    def locate(self, ends: Any) -> Any:
        for number, rec in self.records.locate(ends):
            if _orphan(self.buf, rec, self.begun):
                raise _Orphan
            yield number, rec
        self.count = self.records.count


def _orphan(buf: bytes, rec: Record, begun: set[bytes]) -> bool:
    """Is the record an IPv4 fragment of a datagram whose first fragment did not come
    before it in `buf` (noting first fragments in `begun`), or maybe an IPv6 one?"""
    s, caplen, origlen, _end = rec
    lay = ethernet_layers(buf, s, s + caplen, s + origlen)
    if lay is None:
        return _maybe_ipv6_fragment(buf, s, s + caplen)
    if lay[3] != FRAGMENT:
        return False
    off = lay[1]
    key = bytes(buf[off + 4: off + 6]) + bytes(buf[off + 9: off + 10]) + \
        bytes(buf[off + 12: off + 20])
    if not _U16BE(buf, off + 6)[0] & 0x1FFF:
        begun.add(key)
        return False
    return key not in begun


_U16BE = struct.Struct(">H").unpack_from
#: IPv6 extension headers that may come before a Fragment header (44)
_IPV6_EXT = (0, 43, 60)


def _maybe_ipv6_fragment(b: bytes, s: int, e: int) -> bool:
    """Whether an Ethernet frame the cheap layering left undecided may be an IPv6
    fragment (its header chain reaches a Fragment header, or cannot be followed)."""
    if e - s < 14:
        return False
    off, etype = s + 14, _U16BE(b, s + 12)[0]
    while etype in (0x8100, 0x9100) and e - off >= 4:
        etype, off = _U16BE(b, off + 2)[0], off + 4
    if etype != 0x86DD or e - off < 40:
        return False
    nxt, off = b[off + 6], off + 40
    for _ in range(8):
        if nxt == 44:
            return True
        if nxt not in _IPV6_EXT:
            return False
        if e - off < 2:
            return True
        nxt, off = b[off], off + (b[off + 1] + 1) * 8
    return True


def decide(records: PcapRecords | PcapngRecords, flt: FastFilter, full_match: Any,
           path: str, tree: Any) -> tuple[Any, int]:
    """The numbers of the frames `flt` matches, ascending, and the walk's stop (see
    `run_fast`): for analyzer/closure.py, which plans the full dissection around them."""
    return _decide(records, flt, full_match, _prefilter(path, tree, records))


def _walk_parts(records: PcapRecords | PcapngRecords, flt: FastFilter | None,
                full_match: Any, ends: Any, out: TextIO, quiet: bool) -> int:
    """Decide the frames, then print the matches in frame order."""
    nums, stop = _decide(records, flt, full_match, ends, out)
    if not quiet:
        chunk: list[str] = []
        for n in nums:
            chunk.append(f"{n}\n")
            if len(chunk) >= 8192:
                out.write("".join(chunk))
                chunk.clear()
        out.write("".join(chunk))
    return stop


def _decide(records: PcapRecords | PcapngRecords, flt: FastFilter | None,
            full_match: Any, ends: Any, out: TextIO | None = None) -> tuple[Any, int]:
    """Run the walk on both cores when it pays (a forked child takes half the packets):
    (the matches in frame order, the stop)."""
    parts = 2 if flt is not None and (os.cpu_count() or 1) > 1 and len(records.mm) >= _PARALLEL_FROM \
        and hasattr(os, "fork") else 1
    mine = array("I")
    if parts == 1:
        stop = _walk(records, flt, full_match, ends, mine, 0, 1)
        theirs = array("I")
    else:
        if out is not None:
            out.flush()
        rfd, wfd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: part 1, its matches (then its stop) through the pipe
            code = 0
            try:
                os.close(rfd)
                got = array("I")
                stop = _walk(records, flt, full_match, ends, got, 1, 2)
                got.append(stop)
                with os.fdopen(wfd, "wb") as w:
                    w.write(got.tobytes())
            except BaseException:  # noqa: BLE001 - the parent notices and redoes the work
                code = 1
            os._exit(code)
        os.close(wfd)
        stop = _walk(records, flt, full_match, ends, mine, 0, 2)
        with os.fdopen(rfd, "rb") as r:
            data = r.read()
        _pid, status = os.waitpid(pid, 0)
        theirs = array("I")
        theirs.frombytes(data[: len(data) - len(data) % 4])
        if status != 0 or not theirs or theirs.pop() != stop:
            # The child failed: decide its share here (same walk, part 1).
            theirs = array("I")
            _walk(records, flt, full_match, ends, theirs, 1, 2)
    return (heapq.merge(mine, theirs) if theirs else mine), stop


__all__ = ["run_fast", "eligible", "decide", "map_file", "mapped_records"]
