"""The interactive view's memory over a first pass, without the screen: the packet
store and its reader thread in this process, the pass in a forked worker, as
`analyze --tui` runs them.

    python bench/tui_store.py CAPTURE

Prints the CPU seconds of the view's side and of the worker, this process's RSS at the start, at the pass's end and its peak (sampled at
20 Hz), then after malloc_trim(0) (what glibc held freed but kept), beside the bytes
the store's own arrays hold. bench/tui.py --whole measures the whole view (textual
too) in a terminal.
"""

from __future__ import annotations

import ctypes
import gc
import resource
import sys
import time


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main(path: str) -> None:
    from analyzer.output.color_rules import load_rules
    from analyzer.tui.source import Source
    from analyzer.tui.store import PacketStore
    from analyzer.tui.worker import start_scan

    rules = load_rules(None)
    store = PacketStore(None, "r")
    start = rss_mb()
    t0 = time.monotonic()
    start_scan(Source(path, {}).job("scan", filter="", color=True, time_fmt="r",
                                    rules=rules), store, fork=True)
    store.rules = rules
    peak = start
    while not store.done:
        time.sleep(0.05)
        peak = max(peak, rss_mb())
    wall = time.monotonic() - t0
    time.sleep(0.3)
    end = rss_mb()
    gc.collect()
    ctypes.CDLL(None).malloc_trim(0)
    trimmed = rss_mb()
    held = (len(store.rows.data) + store.rows.ends.itemsize * len(store.rows.ends)
            + 4 * len(store._len) + 8 * len(store.ts) + len(store.colors)
            + (store._foff.itemsize * len(store._foff) if store._foff is not None else 0))
    cpu = [(r.ru_utime + r.ru_stime) for r in (resource.getrusage(resource.RUSAGE_SELF),
                                                resource.getrusage(resource.RUSAGE_CHILDREN))]
    print(f"CPU s: the view's side (rows, LZMA of the trees) {cpu[0]:.1f}, the worker "
          f"(dissection, trees) {cpu[1]:.1f}")
    print(f"{len(store)} frames in {wall:.1f} s: RSS {start:.1f} MB at the start, "
          f"{end:.1f} at the end (+{end - start:.1f}), peak {peak:.1f}; after "
          f"malloc_trim {trimmed:.1f} ({end - trimmed:.1f} freed but kept); the store's "
          f"arrays {held / 2**20:.1f} MB; spill {store.spilled / 2**20:.1f} MB")
    store.close()


if __name__ == "__main__":
    main(sys.argv[1])
