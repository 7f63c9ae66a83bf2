"""One large capture on Dask with its stateful analyses exact: partition by conversation.

The worker steps are in analyzer/scale/partition.py. Here the client joins the chunks'
state keys into groups (as analyzer/closure.py joins them: IPMSG pairs into one group,
a pair whose frame may touch any of its TCP connections with those connections), gives
each group a partition (largest first, to the least loaded), numbers the streams by the
frame that opened them across partitions, and merges the outputs by frame number.
Only the records move between workers (each once, chunk -> partition); what returns to
the client is the shown packets' text, the taps and the stream first-frames.
"""

from __future__ import annotations

import heapq
import operator
from dataclasses import replace
from typing import Any, TextIO

from analyzer.scale.chunks import Layout, plan
from analyzer.scale.collect import collect
from analyzer.scale.partition import (
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
        parent = self.parent
        parent.setdefault(k, k)
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

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


def run_partitioned(client: Any, lay: Layout, chunk_size: int, spec: RunSpec, preamble: str,
                    out: TextIO, err: TextIO) -> list[PartResult] | None:
    """The partition results (their lines printed merged by frame number); None when
    the file is not split (see split_run.run_split)."""
    chunks = plan(lay, max(chunk_size, 1))
    keys: list[Keys] = client.gather([client.submit(keys_task, lay, c, pure=False, retries=2)
                                      for c in chunks])
    chunks = [k.chunk for k in keys]
    if any(c.new_section or c.context or c.damaged for c in chunks):
        return None
    first_ts = next((c.first_ts for c in chunks if c.first_ts is not None), None)
    spec = replace(spec, first_ts=first_ts)
    path = lay.path
    groups = len({key for k in keys for key in k.counts})
    parts = max(1, min(len(chunks), MAX_PARTS, groups))
    if any(k.any_frames for k in keys):
        parts = 1  # a frame that may touch any state: every frame in one partition
        err.write(f"analyze: --dask-split: {path}: frames that may touch any "
                  "conversation's state (tunnels, fragmented ICMP, ...): one partition\n")
    where = assign(keys, parts)
    routes, base, prev_ts = [], 0, None
    for c, w in zip(chunks, where, strict=True):
        routes.append(client.submit(route_task, lay, c, base, prev_ts, w, parts, pure=False,
                                    retries=2))
        base += c.records
        if c.last_ts is not None:
            prev_ts = c.last_ts
    err.write(f"analyze: --dask: {path}: {len(chunks)} chunks, {base} records, "
              f"{parts} partitions by conversation\n")
    pieces = [[client.submit(operator.getitem, r, p, retries=2) for r in routes]
              for p in range(parts)]
    firsts = client.gather([client.submit(streams_task, spec, path, *pieces[p], pure=False,
                                          retries=2) for p in range(parts)])
    tcp = _numbers([f[0] for f in firsts])
    udp = _numbers([f[1] for f in firsts])
    futures = [client.submit(part_task, p, spec, path, (tcp[p], udp[p]), firsts[p],
                             *pieces[p], pure=False, retries=2) for p in range(parts)]
    results: list[Any] = collect(futures, "partitions", out, err)
    if any(r.mismatch for r in results):  # pragma: no cover - a bug, said rather than hidden
        err.write("analyze: --dask-split: a partition opened TCP/UDP streams at other frames "
                  "than its first pass; the stream indices would be wrong\n")
        for r in results:
            r.code = r.code or 2
        return results
    if spec.packets:
        out.write(preamble)
        for _n, text in heapq.merge(*(r.lines for r in results)):
            out.write(text)
    return results


__all__ = ["run_partitioned", "assign", "MAX_PARTS"]
