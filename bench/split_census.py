"""Where each process of a split run keeps its memory (issue 14: "the memory limit is for
all processes together"): bench/peak_memory.py says how much, this says where.

    python bench/split_census.py [--out DIR] [--tracemalloc N] -- ANALYZE-ARGS...

Runs `analyze ARGS` in this process (LABSHARK_SPLIT=1 unless set; output to /dev/null)
with `split_run.run_split` wrapped, nothing in the product changed. Each process (the
parent before its fork and after its half, the child after its half) writes
DIR/census-<role>.txt:
- /proc/self/smaps_rollup now and at its PSS peak (sampled 10 times a second in the
  half): shared against private, clean against dirty (a forked child's pages stay
  shared until either process writes them: a reference count, a collection);
- /proc/self/smaps summed by kind of mapping ([heap] is glibc's, anonymous maps are
  pymalloc's 1 MB arenas and large buffers, then files: the capture, the .so files);
- pymalloc's arenas and how full their pools are (sys._debugmallocstats): freed objects
  whose arena still holds a live one stay resident;
- the objects the collector tracks that were made after the fork (gc.freeze puts the
  ones from before into its permanent generation), by type;
- with --tracemalloc N (slow; best with LABSHARK_PURE=1, as compiled code has no Python
  lines), the N source lines holding most memory at the half's end, and the N that grew
  most during the half.
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import re
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

_ROLLUP = ("Rss", "Pss", "Shared_Clean", "Shared_Dirty", "Private_Clean", "Private_Dirty",
           "Anonymous")


def rollup() -> dict[str, int]:
    """/proc/self/smaps_rollup's fields, kB."""
    out: dict[str, int] = {}
    with open("/proc/self/smaps_rollup") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in _ROLLUP:
                out[k] = int(v.split()[0])
    return out


def by_mapping() -> list[tuple[str, dict[str, int]]]:
    """/proc/self/smaps summed by mapping kind: [heap], anon, [stack], or the file."""
    sums: dict[str, Counter] = {}
    name = "?"
    with open("/proc/self/smaps") as f:
        for line in f:
            if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                parts = line.split(None, 5)
                path = parts[5].strip() if len(parts) > 5 else ""
                if path.endswith(".so") or ".so." in path or "__mypyc" in path:
                    name = "shared libraries (.so)"
                elif not path:
                    name = "anonymous (pymalloc arenas, big buffers)"
                else:
                    name = path
                sums.setdefault(name, Counter())
                continue
            k, _, v = line.partition(":")
            if k in _ROLLUP:
                sums[name][k] += int(v.split()[0])
    rows = sorted(sums.items(), key=lambda kv: -kv[1]["Pss"])
    return [(k, dict(v)) for k, v in rows if v["Rss"] >= 256]


def malloc_stats() -> str:
    """pymalloc's summary lines (sys._debugmallocstats writes to the C stderr)."""
    with tempfile.TemporaryFile("w+b") as tmp:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(tmp.fileno(), 2)
        try:
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        tmp.seek(0)
        text = tmp.read().decode("utf-8", "replace")
    keep = ("arenas", "bytes in", "bytes lost", "Total", "# times")
    return "\n".join(line for line in text.splitlines()
                     if any(k in line for k in keep) and not line.startswith(" "))


def young_types(n: int = 15) -> str:
    """Objects the collector tracks outside its permanent generation, by type."""
    c = Counter(type(o).__qualname__ for o in gc.get_objects())
    return "\n".join(f"{k:>9d}  {t}" for t, k in c.most_common(n)) + \
        f"\n{sum(c.values()):>9d}  (all)"


class Peak(threading.Thread):
    """Samples smaps_rollup 10 times a second; keeps the one with the highest PSS."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = rollup()
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.1):
            r = rollup()
            if r["Pss"] > self.peak["Pss"]:
                self.peak = r


def fmt(r: dict[str, int]) -> str:
    return "  ".join(f"{k} {r.get(k, 0) / 1024:.1f}" for k in _ROLLUP) + "  (MB)"


def report(path: Path, role: str, peak: dict[str, int] | None, tm: int,
           start_snap: object = None) -> None:
    buf = io.StringIO()
    p = buf.write
    p(f"== {role} (pid {os.getpid()})\nnow:  {fmt(rollup())}\n")
    if peak is not None:
        p(f"peak: {fmt(peak)}\n")
    p("\n-- smaps by mapping (MB: Rss Pss Private_Dirty Shared_Dirty Shared_Clean)\n")
    for name, v in by_mapping():
        p(f"{v['Rss'] / 1024:7.1f} {v['Pss'] / 1024:7.1f} {v.get('Private_Dirty', 0) / 1024:7.1f}"
          f" {v.get('Shared_Dirty', 0) / 1024:7.1f} {v.get('Shared_Clean', 0) / 1024:7.1f}"
          f"  {name}\n")
    p("\n-- pymalloc\n" + malloc_stats() + "\n")
    p("\n-- tracked objects not frozen before the fork, by type\n" + young_types() + "\n")
    if tm:
        import tracemalloc

        snap = tracemalloc.take_snapshot()
        total = sum(s.size for s in snap.statistics("filename"))
        p(f"\n-- tracemalloc: {total / 1e6:.1f} MB traced; top {tm} lines\n")
        for s in snap.statistics("lineno")[:tm]:
            p(f"{s.size / 1e6:8.2f} MB {s.count:9d}  {s.traceback[0]}\n")
        if start_snap is not None:
            p(f"\n-- tracemalloc: top {tm} lines grown during the half\n")
            for s in snap.compare_to(start_snap, "lineno")[:tm]:  # type: ignore[arg-type]
                p(f"{s.size_diff / 1e6:+8.2f} MB {s.count_diff:+9d}  {s.traceback[0]}\n")
    path.write_text(buf.getvalue())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=".", help="directory for census-<role>.txt")
    ap.add_argument("--tracemalloc", type=int, default=0, metavar="N")
    ap.add_argument("args", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    args = a.args[1:] if a.args[:1] == ["--"] else a.args
    out_dir = Path(a.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("LABSHARK_SPLIT", "1")
    if a.tracemalloc:
        import tracemalloc

        tracemalloc.start(1)
    from analyzer import app, collector, split_run

    parent = os.getpid()
    original = split_run.run_split

    def run_split(plan, run_part, out, *rest, **kw):  # type: ignore[no-untyped-def]
        def part(half, sink):  # type: ignore[no-untyped-def]
            role = "parent" if os.getpid() == parent else "child"
            snap = None
            if a.tracemalloc:
                import tracemalloc

                snap = tracemalloc.take_snapshot()
            peak = Peak()
            peak.start()
            try:
                return run_part(half, sink)
            finally:
                peak.done.set()
                peak.join()
                report(out_dir / f"census-{role}.txt", f"{role}, end of its half",
                       peak.peak, a.tracemalloc, snap)

        report(out_dir / "census-prefork.txt", "parent, before run_split (plan made)",
               None, a.tracemalloc)
        return original(plan, part, out, *rest, **kw)

    split_run.run_split = run_split  # type: ignore[assignment]
    collector.set_for_process()
    with open(os.devnull, "w") as sink:
        code = app.run(args, sink, sys.stderr)
    print(f"exit {code}; census in {out_dir}/census-{{prefork,parent,child}}.txt")


if __name__ == "__main__":
    main()
