"""Exact merges of the `-z` taps that tasks filled, one kind at a time.

Tasks run on records in capture order (files in the order given, chunks in file
order) with the whole run's first timestamp as time reference, so merging their taps
in that order gives what one pass over the concatenated records gives: counters add,
first sightings keep their order, conversation ends keep the side seen first. Only
additive kinds merge; `mergeable()` names the others so the CLI refuses them up front.
"""

from __future__ import annotations

from typing import Any

from analyzer.stats.io_calc import BYTES, COUNT, FRAMES, FRAMES_AND_BYTES, Item

#: -z kinds (analyzer.stats.taps prefixes) whose taps merge exactly.
MERGEABLE = ("io,phs", "conv,", "endpoints,", "expert", "io,stat,")
#: io,stat columns whose per-interval cells and maxima are plain sums.
_ADDITIVE_CALCS = (FRAMES, BYTES, FRAMES_AND_BYTES, COUNT)


class MergeError(Exception):
    """Taps that cannot be merged exactly (the message says why)."""


def mergeable(prefix: str | None, tap: Any = None) -> bool:
    """Can taps of this kind (and this tap's columns) be merged exactly?"""
    if prefix not in MERGEABLE:
        return False
    if prefix == "io,stat," and tap is not None:
        return all(c.calc in _ADDITIVE_CALCS for c in tap.columns)
    return True


def detach(taps: list[tuple[Any, list[Any]]]) -> list[tuple[str, list[Any]]]:
    """The taps without their compiled filters and field definitions (they do not
    pickle), keyed by kind prefix: merging into the client's own taps needs only the
    counts."""
    out = []
    for kind, group in taps:
        for tap in group:
            for obj in (tap, *getattr(tap, "columns", ())):
                if hasattr(obj, "match"):
                    obj.match = None
                if hasattr(obj, "field"):
                    obj.field = None
        out.append((kind.prefix, group))
    return out


def merge_into(acc: list[tuple[str, list[Any]]], part: list[tuple[str, list[Any]]],
               part_no: int) -> None:
    """Add the taps of task `part_no` (the next in capture order) into `acc`, fresh taps
    built from the same -z values."""
    for (prefix, mine), (_p, theirs) in zip(acc, part, strict=True):
        for a, b in zip(mine, theirs, strict=True):
            _MERGERS[prefix](a, b, part_no)


def _phs(a: Any, b: Any, _n: int) -> None:
    def walk(x: Any, y: Any) -> None:
        for name, child in y.children.items():
            mine = x.children.get(name)
            if mine is None:
                x.children[name] = child
                continue
            mine.frames += child.frames
            mine.bytes += child.bytes
            walk(mine, child)

    walk(a.root, b.root)


def _conv(a: Any, b: Any, part_no: int) -> None:
    nth: dict[tuple, int] = {}
    for key, c in b.convs.items():
        if key[2] is not None and a.kind == "udp":
            # a UDP conversation goes on in the next file as in one capture: the n-th
            # stream on the same ends (a task numbers its own streams) is the same one
            n = nth.get(key[:2], 0)
            nth[key[:2]] = n + 1
            key = (key[0], key[1], ("udp", n))
        elif key[2] is not None:  # TCP streams are numbered per task: keep them apart
            key = (key[0], key[1], (part_no, key[2]))
        mine = a.convs.get(key)
        if mine is None:
            a.convs[key] = c
            continue
        add_conversation(mine, c)


def add_conversation(into: Any, other: Any) -> None:
    """Add conversation row `other` to `into`, turned round when its ends are the other
    way about (the tx side of one is the rx side of the other)."""
    if other.a == into.a and other.b == into.b:
        into.tx_f += other.tx_f
        into.tx_b += other.tx_b
        into.rx_f += other.rx_f
        into.rx_b += other.rx_b
    else:
        into.tx_f += other.rx_f
        into.tx_b += other.rx_b
        into.rx_f += other.tx_f
        into.rx_b += other.tx_b
    into.start = min(into.start, other.start)
    into.stop = max(into.stop, other.stop)


def _endpoints(a: Any, b: Any, _n: int) -> None:
    for name, counts in b.ends.items():
        mine = a.ends.get(name)
        if mine is None:
            a.ends[name] = list(counts)
        else:
            for i, v in enumerate(counts):
                mine[i] += v


def _expert(a: Any, b: Any, _n: int) -> None:
    for mine, theirs in ((a.theirs, b.theirs), (a.ours, b.ours)):
        for level, entries in enumerate(theirs.levels):
            for e in entries:
                key = (e.protocol, e.summary)
                have = mine.where[level].get(key)
                if have is not None:
                    have.frequency += e.frequency
                else:
                    mine.where[level][key] = e
                    mine.levels[level].append(e)


def _io_stat(a: Any, b: Any, _n: int) -> None:
    a.elapsed_ns = max(a.elapsed_ns, b.elapsed_ns)
    for ca, cb in zip(a.columns, b.columns, strict=True):
        first = next((i for i, it in enumerate(cb.items) if it.frames), None)
        if first is None:
            continue
        if first < len(ca.items) - 1:
            raise MergeError("io,stat: the records of a later file or chunk start before "
                             "the last interval of the ones before it; merge the files in "
                             "time order first, or run without --dask")
        while len(ca.items) < len(cb.items):
            ca.items.append(Item())
        for i in range(first, len(cb.items)):
            it, add = ca.items[i], cb.items[i]
            it.frames += add.frames
            it.counter += add.counter
            it.num += add.num
        ca.max_frame = ca.max_vals = 0
        for it in ca.items:
            ca._track_max(it)  # noqa: SLF001 - the column's own rule for its maxima


_MERGERS = {"io,phs": _phs, "conv,": _conv, "endpoints,": _endpoints, "expert": _expert,
            "io,stat,": _io_stat}


__all__ = ["MERGEABLE", "MergeError", "mergeable", "detach", "merge_into"]
