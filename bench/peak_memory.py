"""Peak memory of a run and all its processes together (issue 14: "the memory limit is
for all processes together"), which `/usr/bin/time -f %M` cannot say for a split run: it
reports the largest process only, and a forked child's pages are shared with its parent.

    python bench/peak_memory.py [--hz 50] [--label TEXT] [--trace] -- CMD ARGS...

Runs CMD (stdout to /dev/null), samples /proc every 1/hz s over the process and its
descendants, and prints one line: the peak of the summed RSS (a shared page counted in
each process), the peak of the summed PSS (a shared page split between its processes:
what is really resident), the largest single process's peak RSS (what %M says), the
most processes seen at once, and the wall time. Linux only.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from proctree import pids, tree_kb  # noqa: E402


def run(argv: list[str], hz: float = 50.0, trace: bool = False) -> dict[str, float]:
    """Run argv; its peaks in MB (rss_sum, pss_sum, rss_max), processes at once, wall s
    and exit code; with `trace`, a line a second on stderr (s, processes, RSS and PSS
    summed, MB): which phase of a run holds the peak."""
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
    peak = {"rss_sum": 0, "pss_sum": 0, "rss_max": 0, "procs": 0}
    done = threading.Event()
    tick = [-1]

    def sample() -> None:
        while not done.wait(1 / hz):
            procs = list(pids(p.pid))
            rss = [tree_kb(q, "rss", descend=False) for q in procs]
            peak["rss_sum"] = max(peak["rss_sum"], sum(rss))
            peak["rss_max"] = max(peak["rss_max"], max(rss, default=0))
            peak["pss_sum"] = max(peak["pss_sum"], tree_kb(p.pid, "pss"))
            peak["procs"] = max(peak["procs"], sum(1 for r in rss if r))
            if trace and int(time.perf_counter() - t0) > tick[0]:
                tick[0] = int(time.perf_counter() - t0)
                print(f"{tick[0]:5d} s {len(procs)} proc {sum(rss) / 1024:7.1f} RSS "
                      f"{tree_kb(p.pid, 'pss') / 1024:7.1f} PSS", file=sys.stderr, flush=True)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    done.set()
    t.join(1)
    # (the main process's own peak from rusage, in case it peaked between samples)
    peak["rss_max"] = max(peak["rss_max"], ru.ru_maxrss)
    out: dict[str, float] = {k: v / 1024 for k, v in peak.items() if k != "procs"}
    out["procs"] = peak["procs"]
    out["wall"] = wall
    out["code"] = os.waitstatus_to_exitcode(status)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--hz", type=float, default=50.0)
    ap.add_argument("--label", default="")
    ap.add_argument("--trace", action="store_true", help="a line a second on stderr")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    if not cmd:
        ap.error("no command")
    r = run(cmd, a.hz, a.trace)
    print(f"{a.label or ' '.join(cmd)}: peak RSS summed {r['rss_sum']:.1f} MB, "
          f"PSS summed {r['pss_sum']:.1f} MB, largest process {r['rss_max']:.1f} MB, "
          f"{r['procs']:.0f} processes at most, {r['wall']:.1f} s, exit {r['code']:.0f}")
    return 0 if r["code"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
