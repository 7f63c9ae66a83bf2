"""What the dissectors' state holds at the end of a run, table by table (issue 14's
"flat from 100k to 1M packets"): run the same command on two cuts and the tables that
grow are the difference.

    python bench/state_census.py [--types] -- ANALYZE-ARGS...
    python bench/state_census.py --walk [--split] [--trace] -- -r CAPTURE

Runs `analyze ARGS` in this process (one process: LABSHARK_SPLIT=0, output to
/dev/null), keeps the run's dissection session, and prints each `Session` state table's
deep size (objects reached through it, each counted once, by the first table that
reaches it; classes, modules and functions not followed), its entry count, then the
peak RSS. `--types` adds the whole heap's largest object types by count and size.
`--walk` runs only the planning walk of a whole list (analyzer/closure.plan_all with its
release schedule, as a one-process run makes it; `--split`: with the records' places, as
a split run does): the RSS before and after, its peak, what it keeps (the plan's per-frame
arrays, the schedule); `--trace`: under tracemalloc, its Python heap's peak (tracemalloc's
own records then inflate the RSS).
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
from collections import Counter
from pathlib import Path
from types import FunctionType, ModuleType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

_SKIP = (type, ModuleType, FunctionType)


def deep_size(root: object, seen: set[int]) -> tuple[int, int]:
    """Bytes and objects reachable from `root` not in `seen` (which it fills)."""
    size = count = 0
    stack = [root]
    getsizeof, referents = sys.getsizeof, gc.get_referents
    while stack:
        o = stack.pop()
        if id(o) in seen or isinstance(o, _SKIP):
            continue
        seen.add(id(o))
        size += getsizeof(o, 0)
        count += 1
        stack.extend(referents(o))
    return size, count


def entries(table: object) -> str:
    """Sizes of a table's dict/set/list attributes (or of itself), for the report."""
    if isinstance(table, (dict, set, list)):
        return str(len(table))
    out = []
    for name in dir(table):
        if name.startswith("__"):
            continue
        try:
            v = getattr(table, name)
        except Exception:  # noqa: BLE001 (a property that needs a frame)
            continue
        if isinstance(v, (dict, set, list, bytearray)) and len(v):
            out.append(f"{name}={len(v)}")
    return " ".join(out)


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def walk(args: list[str], split: bool, trace: bool) -> None:
    """The planning walk alone: its RSS (or tracemalloc) peak and what it leaves."""
    import tracemalloc

    from analyzer.closure import plan_all
    from analyzer.options import build_parser

    os.environ.setdefault("LABSHARK_RELEASE", "1")
    opts = build_parser().parse_args(args)
    before, top = _rss_mb(), _maxrss_mb()
    if trace:
        tracemalloc.start()
    plan = plan_all(opts, opts.read_file, None, frozenset() if split else None, split, True,
                    split)  # (per-frame groups only for a split, as a run asks)
    if trace:
        held, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"walk: tracemalloc peak {peak / 1e6:.2f} MB, held after {held / 1e6:.2f} MB")
    print(f"walk: RSS {before:.1f} -> {_rss_mb():.1f} MB, peak {top:.1f} -> "
          f"{_maxrss_mb():.1f} MB")
    if plan is None:
        print("no plan")
        return
    for name in ("needed", "groups", "starts"):
        v = getattr(plan, name)
        if v is not None and hasattr(v, "itemsize"):
            print(f"  plan.{name:8s} {len(v) * v.itemsize / 1e6:8.2f} MB ({len(v)} items)")
        elif isinstance(v, (bytes, bytearray)) and v:
            print(f"  plan.{name:8s} {len(v) / 1e6:8.2f} MB")
    r = plan.release
    if r is not None:
        parts = {"group frames": r.frames, "group keys": r.packed, "key ends": r.ends,
                 "stream frames": r.flow_frames, "stream keys": r.flows, "sides": r.sides}
        for name, v in parts.items():
            n = len(v) * getattr(v, "itemsize", 1)
            print(f"  schedule {name:14s} {n / 1e6:8.2f} MB")
        wide = sum(1 for x in r.sides if x & 4)
        print(f"  schedule: {len(r.frames)} groups, {len(r.flow_frames)} UDP streams "
              f"({wide} IPv6)")


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--types", action="store_true")
    ap.add_argument("--walk", action="store_true")
    ap.add_argument("--split", action="store_true")
    ap.add_argument("--trace", action="store_true")
    ap.add_argument("args", nargs=argparse.REMAINDER)
    ns = ap.parse_args()
    args = ns.args[1:] if ns.args[:1] == ["--"] else ns.args
    os.environ.setdefault("LABSHARK_SPLIT", "0")
    if ns.walk:
        walk(args, ns.split, ns.trace)
        return
    from analyzer import app, collector
    from analyzer.job import Job

    kept: list[Any] = []
    orig = Job.new_session

    def new_session(self: Job) -> Any:
        s = orig(self)
        kept.append(s)
        return s

    Job.new_session = new_session  # type: ignore[method-assign]
    collector.set_for_process()
    with open(os.devnull, "w") as out:
        code = app.run(args, out, sys.stderr)
    gc.collect()
    seen: set[int] = set()
    rows = []
    for s in kept:
        seen.add(id(s))
        for name, table in s._state.items():
            size, n = deep_size(table, seen)
            rows.append((size, name, n, entries(table)))
    rows.sort(reverse=True)
    total = sum(r[0] for r in rows)
    print(f"exit {code}; sessions {len(kept)}; state total {total / 1e6:.2f} MB")
    for size, name, n, what in rows:
        if size >= 10_000:
            print(f"{size / 1e6:8.2f} MB {n:9d} objs  {name:28s} {what[:110]}")
    del seen  # (its ids would count as the heap's largest set)
    if ns.types:
        by_n: Counter[str] = Counter()
        by_b: Counter[str] = Counter()
        for o in gc.get_objects():
            t = type(o).__name__
            by_n[t] += 1
            by_b[t] += sys.getsizeof(o, 0)
        print("heap (gc-tracked) by size:")
        for t, b in by_b.most_common(25):
            print(f"{b / 1e6:8.2f} MB {by_n[t]:9d} {t}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak RSS {rss / 1024:.1f} MB")


if __name__ == "__main__":
    main()
