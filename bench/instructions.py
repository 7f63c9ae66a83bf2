"""Instructions per packet of a dissection, counted by valgrind (cachegrind).

Wall-clock ratios need a quiet machine; an instruction count does not, so a change on
the hot path can be measured before/after while other work shares the cores. Counts
the instructions of reading and dissecting the first N packets of a capture, minus
those of only reading them, divided by N.

    python bench/instructions.py CAPTURE [--packets 5000] [--tree full|less] [--tree-dir DIR]

`--tree-dir` measures another checkout (e.g. a `git worktree` of the commit before).
Needs valgrind (Debian package `valgrind`).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

# The child: read the capture's first N frames, then (when asked) dissect them.
_CHILD = """
import os, sys
from captures import open_capture
from dissectors.frame import dissect
from dissectors.session import Session
frames = []
for f in open_capture(sys.argv[1]):
    frames.append(f)
    if len(frames) >= int(sys.argv[2]):
        break
if os.environ.get("LABSHARK_BENCH_DISSECT"):
    s = Session()
    wanted = None if sys.argv[3] == "full" else frozenset()
    for f in frames:
        dissect(f, s, wanted)
print(len(frames))
"""


def count(tree_dir: Path, capture: str, packets: int, tree: str, dissect: bool) -> tuple[int, int]:
    """(instructions, frames read) of one child run under cachegrind."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "lsbench_child.py"
        script.write_text(_CHILD)
        env = dict(os.environ, PYTHONPATH=str(tree_dir))
        env.pop("LABSHARK_BENCH_DISSECT", None)
        if dissect:
            env["LABSHARK_BENCH_DISSECT"] = "1"
        proc = subprocess.run(
            ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--trace-children=yes",
             "--cachegrind-out-file=/dev/null", sys.executable, str(script), capture,
             str(packets), tree],
            cwd=tree_dir, env=env, capture_output=True, text=True, check=False)
    refs = re.findall(r"I\s+refs:\s+([\d,]+)", proc.stderr)
    if proc.returncode != 0 or not refs:
        raise SystemExit(f"instructions: the child failed: {proc.stderr.strip()[-400:]}")
    return int(refs[-1].replace(",", "")), int(proc.stdout.split()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("capture")
    ap.add_argument("--packets", type=int, default=5000)
    ap.add_argument("--tree", choices=("full", "less"), default="less",
                    help="full labelled tree (-V, JSON) or tree-less (list, fields)")
    ap.add_argument("--tree-dir", default=str(HERE.parent), help="the checkout to measure")
    a = ap.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("instructions: valgrind is not installed (apt-get install valgrind)",
              file=sys.stderr)
        return 2
    tree_dir = Path(a.tree_dir).resolve()
    with_d, n = count(tree_dir, a.capture, a.packets, a.tree, True)
    without, _ = count(tree_dir, a.capture, a.packets, a.tree, False)
    per = (with_d - without) / max(n, 1)
    print(f"{tree_dir}: {per:,.0f} instructions per packet ({a.tree} tree, {n} packets "
          f"of {a.capture})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
