"""Dissect only what a shown packet depends on (the packet list, -V, JSON, fields).

When the display filter can be decided on raw records (the fast path: analyzer/
fast_run.py, filters/fastpath.py, exact), the frames it matches are found first. A
frame's full dissection reads state that earlier frames wrote, and only through its
`state_key` (dissectors/skipping.py: an address pair, ARP, IPMSG...), so a shown frame
needs exactly the earlier frames of its key's group: the plan is, per group, every frame
up to the group's last shown one (a frame that may touch any state takes every frame
before it). Every other frame is passed over by `skip`, which keeps the capture-wide
numbers (frame times, TCP/UDP stream indices) exactly as a full dissection would.

The fast path's decision, exact (tests/test_fastpath.py), also says which of the
dissected frames are shown (`Plan.decide`): the full filter runs only on frames past the
walk. LABSHARK_DISSECT_ALL=1 turns planning off (tests compare both ways).
"""

from __future__ import annotations

import os
from array import array
from collections import Counter, deque
from collections.abc import Iterable
from itertools import repeat
from typing import Any

from analyzer.release import (
    COARSE,
    Schedule,
    Spilled,
    head_flow,
    schedule_from,
    spill,
    udp_flow,
    worth_walking,
)
from dissectors.compiled import mypyc_attr
from dissectors.skipping import ANY, ARP, IPMSG, NONE, NUMBERED, head_key, plain_head, state_key
from filters.fastpath import NotFast, compile_fast


class Plan:
    """The frames to dissect fully: `n in plan`; for splitting it between processes
    (analyzer/split_run.py): the shown frames, each frame's group, and whether every
    frame was walked and no frame may touch any state (`floor` 0); `light`: the run reads
    no capture-wide number (skipping.NUMBERED), so an unplanned frame counts by its time
    alone and the reader need not even make it. `starts` (asked for when the run may
    split): each frame's record data start, by number, and `ifaces` the walk's pcapng
    interfaces: a split's half reads its own records by them and no other. `release`
(asked for with the plan: the same walk makes it): when each group's state may be
dropped (analyzer/release.py), None for never."""

    __slots__ = ("needed", "shown", "groups", "floor", "whole", "light", "others", "starts",
                 "ifaces", "release", "decided", "decided_wanted")

    def __init__(self, needed: bytearray, shown: Any = (), groups: Any = (), floor: int = 0,
                 whole: bool = False) -> None:
        self.needed = needed
        self.shown = shown
        self.groups = groups  # frame number -> group root, -1 for none
        self.floor = floor
        self.whole = whole
        self.light = False
        self.others: bytearray | None = None  # a split's half: the other half's shown
        self.starts: array | None = None  # [0] unused
        self.ifaces: list | None = None
        self.release: Schedule | None = None
        self.decided: bytearray | None = None  # (`decide`)
        self.decided_wanted: frozenset[str] | None = None

    def decide(self, wanted: frozenset[str] | None) -> None:
        """Let the loop show the planned frames by the plan's `shown` (a bytemap by
        number) instead of the display filter, and dissect them with `wanted` (the run's
        fields without the filter's): the fast path decided them exactly (filters/
        fastpath.py, tested equal to the full filter), so evaluating the filter again on
        each dissected packet, and making its fields for it, is work twice. Only for a
        plan that walked every record (`whole`); a frame past them is filtered."""
        if self.whole:
            self.decided = frame_mask(self.shown, len(self.needed))
            self.decided_wanted = wanted

    def __contains__(self, n: int) -> bool:
        # (past the walked records: a tail the walk could not read, dissect it)
        return n >= len(self.needed) or bool(self.needed[n])

    def __len__(self) -> int:
        return sum(self.needed)


def frame_mask(frames: Iterable[int], size: int) -> bytearray:
    """1 at each of `frames`, 0 elsewhere (in C: no Python loop per frame)."""
    mask = bytearray(size)
    if isinstance(frames, range) and frames.step == 1:
        mask[frames.start: frames.stop] = b"\1" * len(frames)
        return mask
    deque(map(mask.__setitem__, frames, repeat(1)), maxlen=0)
    return mask


def eligible(opts: Any, flt: Any, taps: Any) -> bool:
    """Whether a plan may apply: a filter, one pass over a file, no taps (they see every
    packet), no -c (its stop must stay where a full read stops), no Decode-As."""
    if flt is None or taps or os.environ.get("LABSHARK_DISSECT_ALL"):
        return False
    if opts.two_pass or opts.count or opts.export_objects or opts.decode_as:
        return False
    return not getattr(opts, "stats", None)


def plan_for(opts: Any, path: str, flt: Any, taps: Any = None,
             wanted: frozenset[str] | None = None, starts: bool = False,
             release: bool = False, groups: bool = True) -> Plan | None:
    """The plan for showing the packets `flt` matches in `path`, or None (dissect all);
    light when the tree-less run's `wanted` fields hold no capture-wide number (then,
    with `starts`, it keeps the records' places for a split); with `release`, its
    release schedule too when the plan dissects enough frames (release.worth_walking);
    `groups` False: a run that will not split keeps no per-frame groups (`Plan.groups`
    empty: 4 bytes a frame less through the run)."""
    if not eligible(opts, flt, taps) or path == "-":
        return None
    try:
        fast = compile_fast(flt.tree)
    except NotFast:
        return None
    from analyzer.fast_run import decide, mapped_records

    with mapped_records(path) as records:
        if records is None:
            return None
        shown, stop = decide(records, fast, flt.match, path, flt.tree)
        light = wanted is not None and not wanted & NUMBERED
        plan = _plan(records, array("I", shown), starts and light, release, groups)
        plan.whole = stop == 0
        plan.light = light
        return plan


def plan_all(opts: Any, path: str, taps: Any = None,
             wanted: frozenset[str] | None = None, starts: bool = False,
             release: bool = False, groups: bool = True) -> Plan | None:
    """Every frame shown (no display filter), in groups: a plan for splitting the run
    between processes (analyzer/split_run.py) and, with `release`, for its release
    schedule (made in the same walk); None when it cannot apply. `groups` False (no
    split): the schedule alone is wanted, and the walk makes no per-frame arrays but
    its own (`Plan.groups` empty)."""
    if taps or path == "-" or os.environ.get("LABSHARK_DISSECT_ALL"):
        return None
    if opts.two_pass or opts.count or opts.export_objects or opts.decode_as \
            or getattr(opts, "stats", None):
        return None
    from analyzer.fast_run import mapped_records

    with mapped_records(path) as records:
        if records is None:
            return None
        light = wanted is not None and not wanted & NUMBERED
        plan = _plan(records, None, starts and light, release, groups)
        plan.whole = not records.stopped
        plan.light = light
        return plan


def group_root(parent: Any, g: Any) -> Any:
    """Group `g`'s root in the union-find `parent` (a list, an array or a dict: the
    TUI's Deps and the scale partitioner keep their own), halving the path on the way.
    (`g` Any: the partitioner's groups are its route keys, not ints; compiled, an `int`
    annotation is checked at run time.)"""
    while parent[g] != g:
        parent[g] = parent[parent[g]]
        g = parent[g]
    return g


@mypyc_attr(allow_interpreted_subclasses=True)  # (the TUI's LoggedGroups subclasses it)
class Groups:
    """Frames' state keys interned as groups (an address pair, a TCP connection, ARP,
    IPMSG), joined where one frame's state spans two (union-find)."""

    def __init__(self) -> None:
        self.ids: dict[object, int] = {ARP: 0, IPMSG: 1}
        self.parent = [0, 1]
        self.conns: dict[object, list[int]] = {}  # pair -> its TCP connections' groups
        self.tcp_all: set[object] = set()  # pairs with a frame touching any connection
        self.any_frames = array("I")  # frames that may touch any state

    def root(self, g: int) -> int:
        return group_root(self.parent, g)

    def union(self, a: int, b: int) -> None:
        a, b = self.root(a), self.root(b)
        if a != b:
            self.parent[a] = b

    def intern(self, key: object) -> int:
        g = self.ids.setdefault(key, len(self.parent))
        if g == len(self.parent):
            self.parent.append(g)
        return g

    def add(self, n: int, key: Any) -> int:
        """Frame `n`'s group for its `state_key`, -1 for none (NONE, ANY)."""
        t = type(key)
        if t is int or t is bytes:  # an address pair
            return self.intern(key)
        if key is ANY:
            self.any_frames.append(n)
            return -1
        if key is NONE:
            return -1
        if key is ARP:
            return 0
        if type(key[1]) is int:  # a TCP connection
            new = key not in self.ids
            g = self.intern(key)
            if new:
                self.conns.setdefault(key[0], []).append(g)
            return g
        # (pair, IPMSG[, TCP_ALL]): the pair's group joins IPMSG's (and its TCP's)
        g = self.intern(key[0])
        self.union(g, 1)
        if len(key) > 2:
            self.tcp_all.add(key[0])
        return g

    def join_connections(self) -> None:
        """(at the end: connections seen before and after a TCP_ALL frame alike)"""
        for pair in self.tcp_all:
            g = self.ids[pair]
            for c in self.conns.get(pair, ()):
                self.union(c, g)

    def roots(self) -> list[int]:
        return [self.root(g) for g in range(len(self.parent))]


def _walk(records: Any, mm: Any, groups: Groups, places: array | None,
          flows: dict[int, int] | None, coarse: set[int], spilled: Spilled,
          last: array | None = None) -> tuple[array, int]:
    """The cheap pass, and the frames it walked: each frame's group (an array by number;
    [0] unused, -1: none; with `last`, no array: each group's last frame into `last`, by
    group, chunk by chunk, so no 4 bytes a frame are held for a run that wants only the
    ends: `_ends`), each
    record's place into `places`, and with `flows` each plain UDP stream's last frame
    (`_plan`). Compiled (mypyc), it runs natively but for the calls: a common frame's
    header is read once (skipping.plain_head) for its key and its UDP stream; group ids
    stay the dict's own int objects and places the records' (boxed once, not again).
    Every `_SPILL` chunks, the streams idle since the last time move from `flows` into
    `spilled` (~20 bytes each instead of ~110 in the dict): the dict holds the streams
    of the last few chunks, not of the whole capture."""
    # (a list: array.append parses its argument on every call; emptied into the array
    # every `_CHUNK` frames, so the walk holds 4 bytes a frame, not a list's 8)
    walked = array("i")
    gids: list[Any] = [-1]
    put = places.append if places is not None else None
    known: dict[Any, Any] = groups.ids
    n = 0
    chunks = 0
    idle = 0  # (the frame of the last spill: streams not seen since are idle)
    frags: dict[int, int] = {}  # (release.udp_flow's fragments waiting for their last)
    ufrags: dict[int, object] = {}  # (state_key's: UDP datagrams' first fragments' keys)
    rec: tuple[Any, int, Any, Any]
    for rec in records:
        n += 1
        if len(gids) >= _CHUNK:
            _fold(walked, gids, last, n, len(groups.parent))
            gids.clear()
            chunks += 1
            if flows is not None and chunks % _SPILL == 0:
                spill(flows, idle, spilled)
                idle = n
        at = rec[0]
        s: int = at
        e = s + rec[1]
        if put is not None:
            put(at)
        h = plain_head(mm, s, e)
        key = head_key(h) if h is not None and (h[11] == 6 or h[11] == 17) \
            else state_key(mm, s, e, ufrags)
        g = known.get(key)
        if g is None:
            g = groups.add(n, key)
        gids.append(g)
        # (an IPMSG frame's UDP stream too: its pair is joined to IPMSG's group, but
        # its streams are still looked up by their own key: release.schedule_from)
        if flows is not None and (type(key) is int or type(key) is bytes
                                  or type(key) is tuple and key[1] == IPMSG) \
                and g not in coarse:
            flow = head_flow(h) if h is not None and h[11] == 17 else udp_flow(mm, s, e, frags)
            if flow == COARSE:
                coarse.add(g)
            elif flow is not None:
                flows[flow] = n << 32 | g
    _fold(walked, gids, last, n + 1, len(groups.parent))
    if last is not None:
        del last[len(groups.parent):]  # (the slot frames of no group wrote: -1)
    return walked, n


def _fold(walked: array, gids: list[Any], last: array | None, stop: int, size: int) -> None:
    """A chunk of the walk's groups (frames up to `stop`, not included) into its array,
    or (with `last`) each group's last frame of it into `last` (by group; `size` groups
    so far, one more slot past them for a frame of none, -1). In C, no Python loop per
    frame; later frames win. (An array, not a dict: no int object per group to scatter
    over the heap while the walk runs.)"""
    if last is None:
        walked.extend(gids)
        return
    if len(last) < size + 1:
        last.frombytes(bytes((size + 1 - len(last)) * last.itemsize))
    deque(map(last.__setitem__, gids, range(stop - len(gids), stop)), maxlen=0)


#: frames `_walk` gathers in a list before moving them into its array
_CHUNK = 1 << 14
#: chunks between two spills of the walk's idle UDP streams (`release.spill`)
_SPILL = 4


def _ends(last: Iterable[tuple[int, int]], roots: list[int]) -> dict[int, int]:
    """Each group root's last frame, from each group's (`last`: (a group or its root,
    its last frame), none for -1, no group; frame 0, none: a group no frame had)."""
    end: dict[int, int] = {}
    for g, f in last:
        r = roots[g]
        if f > end.get(r, 0):
            end[r] = f
    return end


def _plan(records: Any, shown: Any, starts: bool = False, release: bool = False,
          keep: bool = True) -> Plan:
    """Per group, every frame up to its last shown one; before the last ANY frame that
    precedes a shown one, every frame. (`shown` None: every frame.) With `starts`, each
    record's place too (a split half reads its own records by them). With `release`,
    the release schedule from the same walk: every frame's UDP stream is noted on the way
    when every frame is shown; a filter's plan notes them afterwards, and only when it
    dissects enough frames to be worth it (release.worth_walking). `keep` False: no
    per-frame groups in the plan (a run that does not split); with every frame shown,
    none made at all beside the walk's own."""
    mm = records.mm
    every = shown is None
    places = None
    if starts:
        # (4 bytes a frame when every place fits: a capture under 4 GiB)
        places = array("I" if len(mm) < 1 << 32 else "q", [0])
    groups = Groups()
    flows: dict[int, int] = {}  # UDP stream key -> its last frame << 32 | its group
    spilled = Spilled()  # (the streams moved out of `flows` on the way)
    coarse: set[int] = set()  # groups of pairs with frames the walk cannot tell
    # (the schedule alone: each group's last frame, no per-frame array)
    ends: array | None = array("I") if every and not keep else None
    walked, count = _walk(records, mm, groups, places, flows if release and every else None,
                          coarse, spilled, ends)
    groups.join_connections()
    roots = groups.roots()
    end: dict[int, int] | None = None
    gids: array | None = None
    if ends is not None:
        end = _ends(zip(range(len(ends)), ends, strict=True), roots)
        ends = None
    else:
        roots.append(-1)  # (gids' -1, no group, stays -1)
        # (the per-frame passes run in C: map over the arrays, no Python loop per frame)
        gids = array("i", map(roots.__getitem__, walked))
        del roots[-1]
    del walked
    if every:  # every frame shown, so every frame needed
        shown = range(1, count + 1)  # (as a sequence: no 4 bytes a frame)
        needed = bytearray(b"\1") * (count + 1)
        needed[0] = 0
        floor = max(groups.any_frames, default=0)
    else:
        assert gids is not None
        last = [0] * (len(groups.parent) + 1)  # per root: its last shown frame; [-1]: none
        top = 0
        for n in shown:
            if n > count:
                continue
            top = max(top, n)
            r = gids[n]
            if r >= 0 and n > last[r]:
                last[r] = n
        needed = bytearray(map(int.__le__, range(count + 1), map(last.__getitem__, gids)))
        needed[0] = 0  # (frame 0 is no frame; its -1 group reads last[-1] == 0)
        floor = max((n for n in groups.any_frames if n <= top), default=0)
        needed[1: floor + 1] = b"\1" * floor
        for n in shown:
            if n <= count:
                needed[n] = 1
    plan = Plan(needed, shown, gids if gids is not None else array("i"), floor)
    if places is not None:
        plan.starts = places
        plan.ifaces = getattr(records, "ifaces", None)
    if release and not records.stopped:  # (frames past the walk could be in any group)
        if every or worth_walking(plan):
            if gids is not None:
                if not every:
                    _note_flows(records, gids, groups, roots, flows, coarse)
                lasts = dict(zip(gids, range(len(gids)), strict=True))  # (later wins)
                lasts.pop(-1, None)
                end = _ends(lasts.items(), roots)
            assert end is not None
            plan.release = schedule_from(groups, roots, end, count, flows, coarse, spilled)
    if not keep:
        plan.groups = array("i")
    return plan


def _note_flows(records: Any, gids: array, groups: Groups, roots: list[int],
                flows: dict[int, int], coarse: set[int]) -> None:
    """The UDP streams of a filter's plan, noted in a pass after its walk: only of the
    frames of groups that are one address pair alone, the only ones whose streams
    may be dropped before their pair (release.schedule_from)."""
    alone = bytearray(len(roots) + 1)  # [-1]: no group
    size = Counter(roots)
    for key, g in groups.ids.items():
        if (type(key) is int or type(key) is bytes) and size[g] == 1 and roots[g] == g:
            alone[g] = 1
    mm = records.mm
    n = 0
    rec: tuple[int, int, int, int]
    for rec in records:
        n += 1
        s = rec[0]
        caplen = rec[1]
        g = gids[n]
        if alone[g] and g not in coarse:
            flow = udp_flow(mm, s, s + caplen)
            if flow == COARSE:
                coarse.add(g)
            elif flow is not None:
                flows[flow] = n << 32 | g


__all__ = ["Plan", "Groups", "group_root", "plan_for", "plan_all", "eligible", "frame_mask"]
