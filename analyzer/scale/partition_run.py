"""One large capture on Dask with its stateful analyses exact: partition by conversation.

The worker steps are in analyzer/scale/partition.py. Here the client joins the chunks'
state keys into groups (as analyzer/closure.py joins them: IPMSG pairs into one group,
a pair whose frame may touch any of its TCP connections with those connections), gives
each group a partition (largest first, to the least loaded), numbers the streams by the
frame that opened them across partitions, and merges the outputs by frame number.
Between workers only the records' places move (32 bytes each, chunk -> partition: the
partition reads the records from the file); what returns to the client is the shown
packets' text, the taps and the stream first-frames.
"""

from __future__ import annotations

import heapq
import operator
from array import array
from dataclasses import replace
from typing import Any, TextIO

from analyzer.closure import group_root
from analyzer.scale.chunks import Layout, plan
from analyzer.scale.collect import collect
from analyzer.scale.partition import (
    NO_TS,
    Keys,
    PartResult,
    keys_task,
    part_task,
    route_task,
    streams_task,
)
from analyzer.scale.tasks import RunSpec
from dissectors.skipping import ANY, IPMSG, NONE

#: Partitions at most (each gets a task per chunk's piece; more is more scheduling).
MAX_PARTS = 64


class _Groups:
    """Union-find over route keys, with the records each key counts."""

    def __init__(self) -> None:
        self.parent: dict[object, object] = {}

    def find(self, k: object) -> object:
        self.parent.setdefault(k, k)
        return group_root(self.parent, k)

    def union(self, a: object, b: object) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[ra] = rb


def assign(keys: list[Keys], parts: int) -> list[dict]:
    """Per chunk: route key -> partition, a whole group in one partition."""
    g = _Groups()
    conns: dict[object, list[object]] = {}
    for k in keys:
        for key in k.counts:
            if key is NONE or key is ANY:
                continue
            g.find(key)
            if type(key) is tuple:
                conns.setdefault(key[0], []).append(key)
    for k in keys:
        for pair in k.ipmsg:
            g.union(pair, IPMSG)
        for pair in k.tcp_all:
            for conn in conns.get(pair, ()):
                g.union(conn, pair)
    load: dict[object, int] = {}
    for k in keys:
        for key, n in k.counts.items():
            if key is not NONE and key is not ANY:
                r = g.find(key)
                load[r] = load.get(r, 0) + n
    heap = [(0, p) for p in range(parts)]
    where_root: dict[object, int] = {}
    for r, n in sorted(load.items(), key=lambda kv: -kv[1]):
        have, p = heapq.heappop(heap)
        where_root[r] = p
        heapq.heappush(heap, (have + n, p))
    return [{key: where_root[g.find(key)] for key in k.counts
             if key is not NONE and key is not ANY} for k in keys]


def _numbers(firsts: list[list[int]]) -> list[list[int]]:
    """Global stream indices per partition, in its local order: by the opening frame."""
    order = sorted((f, p, i) for p, fs in enumerate(firsts) for i, f in enumerate(fs))
    out: list[list[int]] = [[0] * len(fs) for fs in firsts]
    for n, (_f, p, i) in enumerate(order):
        out[p][i] = n
    return out


def merge_order(times: list[array]) -> tuple[list[array], list[array]]:
    """Frame numbers of the records of each file when the files are merged as mergecap
    merges them (the earliest next record first, the earlier file on a tie), and the
    timestamp of the frame merged before each (NO_TS for the first)."""
    numbers = [array("q", bytes(8 * len(t))) for t in times]
    prevs = [array("q", bytes(8 * len(t))) for t in times]
    def records(f: int) -> Any:
        return ((t, f, i) for i, t in enumerate(times[f]))

    prev = NO_TS
    merged = heapq.merge(*(records(f) for f in range(len(times))), key=operator.itemgetter(0))
    for n, (t, f, i) in enumerate(merged, 1):
        numbers[f][i] = n
        prevs[f][i] = prev
        prev = t
    return numbers, prevs


def run_partitioned(client: Any, lays: list[Layout], chunk_size: int, spec: RunSpec,
                    preamble: str, out: TextIO, err: TextIO,
                    merge: bool = False) -> list[PartResult] | None:
    """The partition results (their lines printed merged by frame number); None when
    a file is not split (see split_run.run_split). Several files: with `merge`, one
    capture merged in time order; else one after the other."""
    units = [(f, lay, c) for f, lay in enumerate(lays) for c in plan(lay, max(chunk_size, 1))]
    keys: list[Keys] = client.gather([client.submit(keys_task, lay, c, merge, pure=False,
                                                    retries=2) for _f, lay, c in units])
    chunks = [k.chunk for k in keys]
    if any(c.new_section or c.context or c.damaged for c in chunks):
        if merge:
            bad = next(lay.path for (_f, lay, _c), c in zip(units, chunks, strict=True)
                       if c.new_section or c.context or c.damaged)
            err.write(f"analyze: --merge: {bad}: damaged, or a pcapng with interfaces or "
                      "sections defined after its first packet; merge it with mergecap\n")
            return [PartResult(0, bad, code=2)]
        return None
    paths = [lay.path for lay in lays]
    groups = len({key for k in keys for key in k.counts})
    parts = max(1, min(len(chunks), MAX_PARTS, groups))
    what = "the files merged" if merge else paths[0]
    if any(k.any_frames for k in keys):
        parts = 1  # a frame that may touch any state: every frame in one partition
        err.write(f"analyze: --dask: {what}: frames that may touch any conversation's "
                  "state (tunnels, fragmented ICMP, ...): one partition\n")
    where = assign(keys, parts)
    numbering = _numbering(units, keys, merge)
    first_ts = _first_ts(units, chunks, numbering, merge)
    spec = replace(spec, first_ts=first_ts)
    routes = [client.submit(route_task, lay, c, f, *numbering[u][:2], w, parts,
                            *numbering[u][2:], pure=False, retries=2)
              for u, ((f, lay, c), w) in enumerate(zip(units, where, strict=True))]
    total = sum(c.records for c in chunks)
    err.write(f"analyze: --dask: {what}: {len(chunks)} chunks, {total} records, "
              f"{parts} partitions by conversation\n")
    pieces = [[client.submit(operator.getitem, r, p, retries=2) for r in routes]
              for p in range(parts)]
    firsts = client.gather([client.submit(streams_task, spec, lays, *pieces[p],
                                          pure=False, retries=2) for p in range(parts)])
    tcp = _numbers([f[0] for f in firsts])
    udp = _numbers([f[1] for f in firsts])
    futures = [client.submit(part_task, p, spec, lays, (tcp[p], udp[p]), firsts[p],
                             *pieces[p], pure=False, retries=2) for p in range(parts)]
    results: list[Any] = collect(futures, "partitions", out, err)
    if any(r.mismatch for r in results):  # pragma: no cover - a bug, said rather than hidden
        err.write("analyze: --dask: a partition opened TCP/UDP streams at other frames "
                  "than its first pass; the stream indices would be wrong\n")
        for r in results:
            r.code = r.code or 2
        return results
    if spec.packets:
        out.write(preamble)
        for _n, text in heapq.merge(*(r.lines for r in results)):
            out.write(text)
    return results


def _numbering(units: list[tuple[int, Layout, Any]], keys: list[Keys],
               merge: bool) -> list[tuple]:
    """Per unit, route_task's numbering arguments: (number base, previous timestamp)
    in file order, plus (numbers, previous timestamps) when the files are merged."""
    out: list[tuple] = []
    if not merge:
        base, prev_ts = 0, None
        for k in keys:
            out.append((base, prev_ts))
            base += k.chunk.records
            if k.chunk.last_ts is not None:
                prev_ts = k.chunk.last_ts
        return out
    files = max(f for f, _l, _c in units) + 1
    times = [array("q") for _ in range(files)]
    for (f, _l, _c), k in zip(units, keys, strict=True):
        times[f].extend(k.times or ())
    numbers, prevs = merge_order(times)
    at = [0] * files
    for (f, _l, _c), k in zip(units, keys, strict=True):
        a, b = at[f], at[f] + k.chunk.records
        out.append((0, None, numbers[f][a:b], prevs[f][a:b]))
        at[f] = b
    return out


def _first_ts(units: list[tuple[int, Layout, Any]], chunks: list[Any], numbering: list[tuple],
              merge: bool) -> int | None:
    """The time reference: the first frame's timestamp (of the merged capture)."""
    if not merge:
        return next((c.first_ts for c in chunks if c.first_ts is not None), None)
    for (_f, _l, _c), c, num in zip(units, chunks, numbering, strict=True):
        if c.records and num[2][0] == 1:
            return c.first_ts
    return None


__all__ = ["run_partitioned", "assign", "MAX_PARTS"]
