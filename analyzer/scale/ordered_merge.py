"""Merging taps whose parts interleave in frame order (partitions of one capture split by
conversation, or files merged in time order).

A single pass lists conversations, endpoints, protocol-tree children and expert entries
in the order of their first sighting, and sorts some tables with that order breaking
ties. Parts of an interleaved run each saw a subsequence of the frames, so their tables
are merged key by key (counts add, the earliest sighting keeps its side and group) and
then put back in the order of the frame that first made each entry (the taps stamp it:
`first`). Frame numbers are global, so that order is the single pass's own.
"""

from __future__ import annotations

from typing import Any

from analyzer.scale.merge import MergeError, add_conversation
from analyzer.stats.io_calc import Item


def merge_ordered(acc: list[tuple[str, list[Any]]],
                  parts: list[list[tuple[str, list[Any]]]]) -> None:
    """Merge every part's taps into `acc` (fresh taps built from the same -z values)."""
    for i, (prefix, mine) in enumerate(acc):
        for j, tap in enumerate(mine):
            theirs = [part[i][1][j] for part in parts]
            _MERGERS[prefix](tap, theirs)


def _phs(a: Any, parts: list[Any]) -> None:
    a.root.children = _merge_children([p.root for p in parts])


def _merge_children(nodes: list[Any]) -> dict[str, Any]:
    """The children of `nodes` (the same tree position in every part), merged by name
    and in the order of the frame that first made each."""
    groups: dict[str, list[Any]] = {}
    for n in nodes:
        for name, child in n.children.items():
            groups.setdefault(name, []).append(child)
    out = {}
    for name, same in groups.items():
        base = min(same, key=lambda c: c.first)
        if len(same) > 1:
            frames, size = sum(c.frames for c in same), sum(c.bytes for c in same)
            base.children = _merge_children(same)
            base.frames, base.bytes = frames, size
        out[name] = base
    return dict(sorted(out.items(), key=lambda kv: kv[1].first))


def _conv(a: Any, parts: list[Any]) -> None:
    for b in parts:
        for key, c in b.convs.items():
            mine = a.convs.get(key)
            if mine is None:
                a.convs[key] = c
                continue
            first, later = (mine, c) if mine.first <= c.first else (c, mine)
            add_conversation(first, later)
            a.convs[key] = first
    a.convs = dict(sorted(a.convs.items(), key=lambda kv: kv[1].first))


def _endpoints(a: Any, parts: list[Any]) -> None:
    for b in parts:
        for name, counts in b.ends.items():
            mine = a.ends.get(name)
            if mine is None:
                a.ends[name] = list(counts)
                a.first[name] = b.first.get(name, 0)
                continue
            for i, v in enumerate(counts):
                mine[i] += v
            a.first[name] = min(a.first[name], b.first.get(name, 0))
    a.ends = dict(sorted(a.ends.items(), key=lambda kv: a.first[kv[0]]))


def _expert(a: Any, parts: list[Any]) -> None:
    for side in ("theirs", "ours"):
        mine = getattr(a, side)
        for level in range(len(mine.levels)):
            merged: dict[tuple[str, str], Any] = {}
            for b in parts:
                for e in getattr(b, side).levels[level]:
                    key = (e.protocol, e.summary)
                    have = merged.get(key)
                    if have is None:
                        merged[key] = e
                    elif e.first < have.first:
                        e.frequency += have.frequency
                        merged[key] = e
                    else:
                        have.frequency += e.frequency
            entries = sorted(merged.values(), key=lambda e: e.first)
            mine.levels[level] = entries
            mine.where[level] = {(e.protocol, e.summary): e for e in entries}


def _io_stat(a: Any, parts: list[Any]) -> None:
    """Cells add per interval whatever the order (the time reference is the run's)."""
    for b in parts:
        a.elapsed_ns = max(a.elapsed_ns, b.elapsed_ns)
        for ca, cb in zip(a.columns, b.columns, strict=True):
            while len(ca.items) < len(cb.items):
                ca.items.append(Item())
            for it, add in zip(ca.items, cb.items, strict=False):
                it.frames += add.frames
                it.counter += add.counter
                it.num += add.num
    for ca in a.columns:
        ca.max_frame = ca.max_vals = 0
        for it in ca.items:
            ca._track_max(it)  # noqa: SLF001 - the column's own rule for its maxima


_MERGERS = {"io,phs": _phs, "conv,": _conv, "endpoints,": _endpoints, "expert": _expert,
            "io,stat,": _io_stat}


__all__ = ["merge_ordered", "MergeError"]
