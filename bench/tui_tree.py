"""Time to show a selected frame's tree in `analyze --tui` (built on demand after the
tree-less first pass: analyzer/tui/ondemand.py), without a screen.

    python bench/tui_tree.py CAPTURE [--frames N,N,...]

Runs the first pass (the worker, as the view starts it) into a store, then builds the
trees of: an early frame, the last frame of the biggest group (a long TCP stream or
IPMSG's, the worst case), that frame again (cached), the group's next frame after an
earlier one (a build continued), the last frame of an ordinary TCP connection; each with
CPU and wall seconds and how many frames it dissected.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analyzer.tui.source import Source  # noqa: E402
from analyzer.tui.store import PacketStore  # noqa: E402
from analyzer.tui.worker import start_scan  # noqa: E402


def timed(store: PacketStore, n: int, what: str) -> None:
    c, w = time.process_time(), time.monotonic()
    store.detail(n)
    print(f"| {what} | {n} | {store.builder.last_cost} | {time.process_time() - c:.3f} | "
          f"{time.monotonic() - w:.3f} |", flush=True)


def main() -> None:
    from analyzer.output.color_rules import default_rules

    ap = argparse.ArgumentParser()
    ap.add_argument("capture")
    a = ap.parse_args()
    store = PacketStore(default_rules())
    t = time.monotonic()
    p = start_scan(Source(a.capture, {}).job("scan", filter="", color=True, time_fmt="r"),
                   store)
    p.thread.join()
    print(f"first pass: {len(store)} frames, {time.monotonic() - t:.1f} s wall", flush=True)
    deps = store.deps
    roots = Counter(deps.group_of(n) for n in range(1, len(store) + 1))
    roots.pop(-1, None)
    (big, size), *rest = roots.most_common()
    tcp = next(r for r, s in rest if r > 1)  # (0, 1: ARP's and IPMSG's groups)
    big_frames = deps.group_frames(big, 0, len(store))
    tcp_frames = deps.group_frames(tcp, 0, len(store))
    print(f"biggest group {big}: {size} frames; a TCP group: {len(tcp_frames)} frames")
    print("| tree of | frame | frames dissected | CPU s | wall s |\n|---|---:|---:|---:|---:|")
    timed(store, 10, "an early frame")
    timed(store, big_frames[-1], "the biggest group's last frame (fresh)")
    timed(store, big_frames[-1], "the same again (cached)")
    timed(store, tcp_frames[-1], "a TCP connection's last frame (fresh)")
    timed(store, big_frames[-3], "the biggest group's 3rd-last (fresh: backwards)")
    timed(store, big_frames[-2], "then its next frame (the build continued)")
    store.close()


if __name__ == "__main__":
    main()
