"""Dissect only what a shown packet depends on (the packet list, -V, JSON, fields).

When the display filter can be decided on raw records (the fast path: analyzer/
fast_run.py, filters/fastpath.py, exact), the frames it matches are found first. A
frame's full dissection reads state that earlier frames wrote, and only through its
`state_key` (dissectors/skipping.py: an address pair, ARP, IPMSG...), so a shown frame
needs exactly the earlier frames of its key's group: the plan is, per group, every frame
up to the group's last shown one (a frame that may touch any state takes every frame
before it). Every other frame is passed over by `skip`, which keeps the capture-wide
numbers (frame times, TCP/UDP stream indices) exactly as a full dissection would.

The full filter still decides what is shown among the dissected frames; the plan only
leaves out frames nothing shown can depend on. LABSHARK_DISSECT_ALL=1 turns planning off
(tests compare both ways).
"""

from __future__ import annotations

import os
from array import array
from typing import Any

from captures.records import record_walker
from dissectors.skipping import ANY, ARP, IPMSG, NONE, state_key
from filters.fastpath import NotFast, compile_fast


class Plan:
    """The frames to dissect fully: `n in plan`; for splitting it between processes
    (analyzer/split_run.py): the shown frames, each frame's group, and whether every
    frame was walked and no frame may touch any state (`floor` 0)."""

    __slots__ = ("needed", "shown", "groups", "floor", "whole")

    def __init__(self, needed: bytearray, shown: Any = (), groups: Any = (), floor: int = 0,
                 whole: bool = False) -> None:
        self.needed = needed
        self.shown = shown
        self.groups = groups  # frame number -> group root, -1 for none
        self.floor = floor
        self.whole = whole

    def __contains__(self, n: int) -> bool:
        # (past the walked records: a tail the walk could not read, dissect it)
        return n >= len(self.needed) or bool(self.needed[n])

    def __len__(self) -> int:
        return sum(self.needed)


def eligible(opts: Any, flt: Any, taps: Any) -> bool:
    """Whether a plan may apply: a filter, one pass over a file, no taps (they see every
    packet), no -c (its stop must stay where a full read stops), no Decode-As."""
    if flt is None or taps or os.environ.get("LABSHARK_DISSECT_ALL"):
        return False
    if opts.two_pass or opts.count or opts.export_objects or opts.decode_as:
        return False
    return not getattr(opts, "stats", None)


def plan_for(opts: Any, path: str, flt: Any, taps: Any = None) -> Plan | None:
    """The plan for showing the packets `flt` matches in `path`, or None (dissect all)."""
    if not eligible(opts, flt, taps) or path == "-":
        return None
    try:
        fast = compile_fast(flt.tree)
    except NotFast:
        return None
    from analyzer.fast_run import map_file

    mm = map_file(path)
    if mm is None:
        return None
    try:
        records = record_walker(mm)
        if records is None:
            return None
        from analyzer.fast_run import decide

        shown, stop = decide(records, fast, flt.match, path, flt.tree)
        plan = _plan(records, array("I", shown))
        plan.whole = stop == 0
        return plan
    finally:
        mm.close()


def _plan(records: Any, shown: Any) -> Plan:
    """Per group, every frame up to its last shown one; before the last ANY frame that
    precedes a shown one, every frame."""
    mm = records.mm
    ids: dict[object, int] = {ARP: 0, IPMSG: 1}
    parent = [0, 1]

    def root(g: int) -> int:
        while parent[g] != g:
            parent[g] = parent[parent[g]]
            g = parent[g]
        return g

    def union(a: int, b: int) -> None:
        a, b = root(a), root(b)
        if a != b:
            parent[a] = b

    conns: dict[object, list[int]] = {}  # pair -> its TCP connections' groups
    tcp_all: set[object] = set()  # pairs with a frame touching any of its connections

    gids = array("i", [-1])  # index = frame number; -1: no group (NONE, ANY)
    any_frames = array("I")
    intern = ids.setdefault
    add = gids.append
    for n, (s, caplen, _orig, _end) in enumerate(records, 1):
        key: Any = state_key(mm, s, s + caplen)
        t = type(key)
        if t is int or t is bytes:  # an address pair
            g = intern(key, len(parent))
            if g == len(parent):
                parent.append(g)
            add(g)
        elif key is ANY:
            add(-1)
            any_frames.append(n)
        elif key is NONE:
            add(-1)
        elif key is ARP:
            add(0)
        elif type(key[1]) is int:  # a TCP connection
            g = intern(key, len(parent))
            if g == len(parent):
                parent.append(g)
                conns.setdefault(key[0], []).append(g)
            add(g)
        else:  # (pair, IPMSG[, TCP_ALL]): the pair's group joins IPMSG's (and its TCP's)
            g = intern(key[0], len(parent))
            if g == len(parent):
                parent.append(g)
            union(g, 1)
            if len(key) > 2:
                tcp_all.add(key[0])
            add(g)
    for pair in tcp_all:  # (at the end: connections seen before and after alike)
        g = ids[pair]
        for c in conns.get(pair, ()):
            union(c, g)
    count = len(gids) - 1
    needed = bytearray(count + 1)
    last = [0] * len(parent)
    top = 0
    for n in shown:
        if n > count:
            continue
        needed[n] = 1
        top = max(top, n)
        g = gids[n]
        if g >= 0:
            r = root(g)
            if n > last[r]:
                last[r] = n
    floor = max((n for n in any_frames if n <= top), default=0)
    needed[1: floor + 1] = b"\1" * floor
    upto = [last[root(g)] for g in range(len(parent))]  # per group: its last shown frame
    for n in range(floor + 1, top + 1):
        g = gids[n]
        if g >= 0 and n <= upto[g]:
            needed[n] = 1
    roots = [root(g) for g in range(len(parent))]
    for n in range(1, count + 1):
        g = gids[n]
        if g >= 0:
            gids[n] = roots[g]
    return Plan(needed, shown, gids, floor)


__all__ = ["Plan", "plan_for", "eligible"]
