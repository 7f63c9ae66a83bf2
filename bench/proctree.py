"""Memory and CPU of a process and its descendants, from /proc (Linux): one walk that
bench/run.py (peak RSS of each tool) and bench/tui.py (the view and its worker) share."""

from __future__ import annotations

import os
from collections.abc import Iterator


def pids(pid: int) -> Iterator[int]:
    """`pid` and its living descendants (threads' children too), parents first."""
    todo = [pid]
    while todo:
        p = todo.pop()
        yield p
        try:
            for t in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{t}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except (OSError, ValueError):
            continue


# kind -> (/proc file, line): VmRSS counts a page once per process that maps it, PSS
# splits a shared page between them (a forked worker's inherited pages count once).
_KINDS = {"rss": ("status", b"VmRSS:"), "pss": ("smaps_rollup", b"Pss:")}


def tree_kb(pid: int, kind: str = "rss", descend: bool = True) -> int:
    """RSS or PSS (`kind`) in kB summed over `pid` and, with `descend`, its descendants."""
    name, key = _KINDS[kind]
    total = 0
    for p in pids(pid) if descend else (pid,):
        try:
            with open(f"/proc/{p}/{name}", "rb") as f:
                for line in f:
                    if line.startswith(key):
                        total += int(line.split()[1])
                        break
        except (OSError, ValueError):
            continue
    return total


def tree_cpu_s(pid: int, descend: bool = True) -> float:
    """CPU seconds (user + system, with reaped children's) used so far by `pid` and, with
    `descend`, its descendants: what a step costs whatever the machine's load."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in pids(pid) if descend else (pid,):
        try:
            with open(f"/proc/{p}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
        except (OSError, ValueError):
            continue
    return total / tick


def deleted_temp_bytes(pid: int, tmpdir: str) -> int:
    """Disk bytes of the unlinked temporary files (under `tmpdir`) that `pid` and its
    descendants hold open: what a run spills to temp disk."""
    total, seen = 0, set()
    for p in pids(pid):
        try:
            fds = os.listdir(f"/proc/{p}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{p}/fd/{fd}")
                if not (target.startswith(tmpdir) and target.endswith("(deleted)")):
                    continue
                st = os.stat(f"/proc/{p}/fd/{fd}")
            except OSError:
                continue
            if (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                total += st.st_blocks * 512
    return total


__all__ = ["pids", "tree_kb", "tree_cpu_s", "deleted_temp_bytes"]
