"""The split's own cost, without dissection: `run_split` over N frames whose texts are
made in advance (3-5 KB, like -V's), written to /dev/null; `one`, the same texts
written by one process through a text stream. Under cachegrind (`--trace-children=yes`)
it counts the merge's instructions a packet, in each process:

    valgrind --tool=cachegrind --cache-sim=no --trace-children=yes \
        .venv/bin/python bench/split_machinery.py 30000 split

(the child's count includes what was done before the fork; take two sizes' difference).
"""

from __future__ import annotations

import sys
from array import array
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import analyzer.split_run as split_run  # noqa: E402
from analyzer.closure import Plan  # noqa: E402

#: a few texts reused, so that making them costs the same whatever N
TEXTS = [f"frame {n} " + "x" * (3000 + n * 37 % 2000) + "\n" for n in range(64)]


def main(frames: int, mode: str) -> int:
    out = open("/dev/null", "w", encoding="utf-8", errors="surrogateescape")  # noqa: SIM115
    if mode == "one":
        for n in range(1, frames + 1):
            out.write(TEXTS[n % 64])
        out.close()
        return 0
    plan = Plan(bytearray(b"\0" + b"\1" * frames), array("I", range(1, frames + 1)),
                array("i", [-1] + [10 + n % 7 for n in range(1, frames + 1)]))
    plan.whole = True

    def part(half: Plan, mark: split_run.Marked) -> int:
        needed = half.needed
        for n in range(len(needed)):
            if needed[n]:
                mark.write(TEXTS[n % 64])
                mark.packet(None)
        return 0

    code = split_run.run_split(plan, part, out, "text", None)
    out.close()
    return 0 if code == 0 else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "split"))
