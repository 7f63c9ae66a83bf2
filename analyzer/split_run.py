"""Both cores for the packet list: a plan's groups dissected in two processes.

The groups of a plan (analyzer/closure.py) share no state, so each process dissects
the planned frames of its half of the groups and passes over every other frame with
`skipping.skip` (stream indices and frame times stay exact in both); a forked child
takes one half. Each writes its shown packets' lines to a temporary file; the lines
are then merged in frame order, one line per shown frame. Only for the one-line packet
list (no -V, -x, colours, -w, `-t dd`), a capture the walk read whole, and a plan with
no frame that may touch any state; if a part fails or its lines do not add up, nothing
has been written and the caller runs in one process.

Both processes read every frame (each passes over the other's), so the gain is at most
the dissection's share; on a machine whose cores are busy it is a loss. Opt-in for now
(LABSHARK_SPLIT=1), until bench/run.py has measured it on a quiet machine.
"""

from __future__ import annotations

import os
import signal
import tempfile
from collections.abc import Callable
from typing import Any, TextIO

from analyzer.closure import Plan

#: Planned frames below which one process is quicker than two.
SPLIT_FROM = 4000


def can_split(opts: Any, plan: Plan | None, out: TextIO) -> bool:
    """Whether this run may split: only with LABSHARK_SPLIT=1 for now (measured only on a
    machine whose cores were busy, where two processes were slower than one)."""
    if os.environ.get("LABSHARK_SPLIT") != "1":
        return False
    if plan is None or not plan.whole or plan.floor or not hasattr(os, "fork") \
            or (os.cpu_count() or 1) < 2:
        return False
    if opts.output != "text" or opts.verbose or opts.hex or opts.write or opts.quiet \
            or getattr(opts, "explain_addresses", False) or opts.time_format == "dd":
        return False
    from analyzer.output.text import use_color

    return not use_color(opts.color, out) and len(plan) >= SPLIT_FROM


def _halves(plan: Plan) -> tuple[Plan, Plan, bytearray]:
    """Two plans, each with whole groups, about equal in planned frames; and each
    frame's side."""
    groups, needed = plan.groups, plan.needed
    size: dict[int, int] = {}
    for n in range(1, len(needed)):
        if needed[n]:
            g = groups[n]
            size[g] = size.get(g, 0) + 1
    load = [0, 0]
    side_of: dict[int, int] = {}
    for g, k in size.items():  # (in order of first planned frame)
        if g < 0:
            continue
        s = 0 if load[0] <= load[1] else 1
        side_of[g] = s
        load[s] += k
    side = bytearray(len(needed))
    a, b = bytearray(len(needed)), bytearray(len(needed))
    for n in range(1, len(needed)):
        if needed[n]:
            g = groups[n]
            s = side_of[g] if g >= 0 else n & 1  # (a frame of no group: alone)
            side[n] = s
            (b if s else a)[n] = 1
    return Plan(a), Plan(b), side


def run_split(plan: Plan, run_part: Callable[[Plan, TextIO], int], out: TextIO) -> int | None:
    """Run `run_part(half, file)` here and in a forked child, then write the merged
    lines to `out`; None when it could not (nothing written)."""
    mine, theirs, side = _halves(plan)
    # (newline="\n": lines end at "\n" only, nothing translated either way)
    files = [tempfile.TemporaryFile("w+", encoding="utf-8", errors="surrogateescape",
                                    newline="\n") for _ in range(2)]
    try:
        out.flush()
        pid = os.fork()
        if pid == 0:  # the child: the second half into the second file
            code = 99
            try:
                os.environ["LABSHARK_PROGRESS"] = "0"
                code = run_part(theirs, files[1])
                files[1].flush()
            except BaseException:  # noqa: BLE001 - the parent notices and runs alone
                code = 99
            os._exit(code)
        done = False
        try:
            code = run_part(mine, files[0])
            _pid, status = os.waitpid(pid, 0)
            done = True
        finally:
            if not done:
                os.kill(pid, signal.SIGKILL)  # our own child
                os.waitpid(pid, 0)
        if code != 0 or os.waitstatus_to_exitcode(status) != 0:
            return None
        want = [0, 0]
        for n in plan.shown:
            want[side[n]] += 1
        for f, k in zip(files, want, strict=True):
            f.seek(0)
            count, whole = 0, True
            for line in f:  # one line per shown frame, each ended by its newline
                count += 1
                whole = line.endswith("\n")
            if count != k or not whole:
                return None
        lines = [iter(f) for f in files]
        for f in files:
            f.seek(0)
        chunk: list[str] = []
        for n in plan.shown:
            chunk.append(next(lines[side[n]]))
            if len(chunk) >= 4096:
                out.write("".join(chunk))
                chunk.clear()
        out.write("".join(chunk))
        return 0
    finally:
        for f in files:
            f.close()


__all__ = ["can_split", "run_split", "SPLIT_FROM"]
