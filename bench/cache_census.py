"""What the module-level caches hold at the end of a run (issue 14's memory "for all
processes together": -V and JSON keep label, text and block caches in each process of a
split), cache by cache: run the same command on two cuts and the caches that grow are
the difference.

    python bench/cache_census.py -- ANALYZE-ARGS...

Runs `analyze ARGS` in this process (one process: LABSHARK_SPLIT=0, output to
/dev/null), then prints the deep size of every non-empty dict, list or set a project
module holds at its top level (objects reached through it counted once, by the first
that reaches it; the field registry's objects are counted as reached already: they are
there before any packet), its entry count, then the peak RSS.
"""

from __future__ import annotations

import gc
import os
import resource
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from state_census import deep_size  # noqa: E402

_PACKAGES = ("analyzer.", "dissectors.", "captures.", "filters.")


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["--"]:
        args = args[1:]
    os.environ.setdefault("LABSHARK_SPLIT", "0")
    from analyzer import app, collector

    collector.set_for_process()
    with open(os.devnull, "w") as out:
        code = app.run(args, out, sys.stderr)
    gc.collect()
    from dissectors.registry import REGISTRY

    seen: set[int] = set()
    deep_size(REGISTRY, seen)  # (declarations, not caches)
    rows = []
    for mod_name, mod in sorted(sys.modules.items()):
        if not mod_name.startswith(_PACKAGES) or mod is None:
            continue
        for name, value in list(vars(mod).items()):
            if isinstance(value, (dict, list, set)) and value and not name.startswith("__"):
                size, n = deep_size(value, seen)
                rows.append((size, f"{mod_name}.{name}", len(value), n))
    rows.sort(reverse=True)
    total = sum(r[0] for r in rows)
    print(f"exit {code}; module caches total {total / 1e6:.2f} MB")
    for size, name, entries, n in rows:
        if size >= 20_000:
            print(f"{size / 1e6:8.2f} MB {entries:7d} entries {n:9d} objs  {name}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak RSS {rss / 1024:.1f} MB")


if __name__ == "__main__":
    main()
