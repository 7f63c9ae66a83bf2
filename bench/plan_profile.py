"""Where a planned filtered list's instructions go, counted by valgrind (cachegrind).

Issue 14 asks, where a row misses its target, for the profile: how much is the cheap
pass that plans (analyzer/closure.py), reading the records, the full dissection of the
planned frames (with the passing over of the others) and the writer. Each part is found
by subtraction: the same run five times, each time stopped or cut one step further.

    python bench/plan_profile.py CAPTURE FILTER [--tree-dir DIR]

One process (LABSHARK_SPLIT=0, and the plan's walk not forked: a forked child's counts
repeat its parent's). `--tree-dir` measures another checkout (a `git worktree` of the
commit before). Needs valgrind.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

# The child: `analyze -r CAPTURE -Y FILTER` into /dev/null, cut at MODE.
_CHILD = """
import os, sys
os.environ["LABSHARK_SPLIT"] = "0"
import analyzer.closure as closure
import analyzer.command as command
import analyzer.fast_run as fast_run
import analyzer.pipeline as pipeline
from analyzer.app import run

fast_run._PARALLEL_FROM = 1 << 62
mode = sys.argv[1]
if mode == "startup":  # options, filter, fields: no plan, no pass
    closure.plan_for = lambda *a, **k: None
    command._run_pass = lambda *a, **k: 0
elif mode == "plan":  # + the cheap pass
    command._run_pass = lambda *a, **k: 0
elif mode == "read":  # + reading every record as the pass would (no dissection)
    def _read(job, path, out, taps, resume, plan, mark=None):
        src = pipeline.FileSource(path)
        if plan is not None and plan.light:
            src.select(plan.needed)
        for _ in src:
            pass
        src.close()
        return 0
    command._run_pass = _read
elif mode == "nowrite":  # + dissecting the planned frames, passing over the others
    made = pipeline.command_sinks
    def _sinks(*a, **k):
        s = made(*a, **k)
        s.shown = []
        return s
    command.command_sinks = _sinks
with open(os.devnull, "w") as out:
    sys.exit(run(sys.argv[2:], out, sys.stderr))
"""

MODES = ("startup", "plan", "read", "nowrite", "full")
PARTS = ("start-up", "cheap pass (plan)", "reading records", "dissection + passing over",
         "writer")


def count(tree: Path, capture: str, flt: str, mode: str) -> int:
    """Instructions of one cut run (cachegrind's total)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cg.out"
        env = dict(os.environ, PYTHONPATH=str(tree))
        subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no",
                        f"--cachegrind-out-file={out}", sys.executable, "-c", _CHILD, mode,
                        "-r", capture, "-Y", flt], env=env, cwd=tree, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        got = re.search(r"^summary:\s+(\d+)", out.read_text(), re.M)
        if got is None:
            raise SystemExit(f"no cachegrind summary for {mode}")
        return int(got.group(1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("capture")
    ap.add_argument("filter")
    ap.add_argument("--tree-dir", type=Path, default=HERE.parent)
    a = ap.parse_args()
    totals = [count(a.tree_dir, a.capture, a.filter, m) for m in MODES]
    whole = totals[-1]
    prev = 0
    for part, total in zip(PARTS, totals, strict=True):
        print(f"{part:28} {total - prev:>15,} I refs {100 * (total - prev) / whole:5.1f}%")
        prev = total
    print(f"{'whole run':28} {whole:>15,} I refs")


if __name__ == "__main__":
    main()
