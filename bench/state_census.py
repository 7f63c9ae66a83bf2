"""What the dissectors' state holds at the end of a run, table by table (issue 14's
"flat from 100k to 1M packets"): run the same command on two cuts and the tables that
grow are the difference.

    python bench/state_census.py [--types] -- ANALYZE-ARGS...

Runs `analyze ARGS` in this process (one process: LABSHARK_SPLIT=0, output to
/dev/null), keeps the run's dissection session, and prints each `Session` state table's
deep size (objects reached through it, each counted once, by the first table that
reaches it; classes, modules and functions not followed), its entry count, then the
peak RSS. `--types` adds the whole heap's largest object types by count and size.
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--types", action="store_true")
    ap.add_argument("args", nargs=argparse.REMAINDER)
    ns = ap.parse_args()
    args = ns.args[1:] if ns.args[:1] == ["--"] else ns.args
    os.environ.setdefault("LABSHARK_SPLIT", "0")
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
