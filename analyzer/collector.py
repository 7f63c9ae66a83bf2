"""The cycle collector's thresholds while packets are dissected: one policy, read by the
command (for its whole process) and by every run (for the run only).

A dissected packet makes no reference cycle (tests/test_compiled.py checks): its tree is
freed by reference counts. With CPython's thresholds (700, 10, 10) a young collection
finds the packet being dissected alive and moves it on, and full collections walk every
long-lived object (the bounded label, text and block caches, the conversation tables)
finding nothing, longer as they fill: 12% of a `-V` run's CPU at 20k packets, 14-18% at
300k, 16% at 1M (gc.callbacks timings, bench/RESULTS.md, session 14). A young
generation of 10,000 objects spans several packets, and a full pass waits for 100 middle
ones; a cycle some rare path makes is still freed by the next pass.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

RUN_THRESHOLDS: Final = (10_000, 10, 100)


def run_thresholds(now: tuple[int, int, int]) -> tuple[int, int, int]:
    """Each generation's threshold at least RUN_THRESHOLDS' (a caller that disabled the
    collector, threshold 0, keeps it disabled)."""
    if now[0] == 0:
        return now
    return (max(now[0], RUN_THRESHOLDS[0]), max(now[1], RUN_THRESHOLDS[1]),
            max(now[2], RUN_THRESHOLDS[2]))


def set_for_process() -> None:
    """For the `analyze` command: its process does nothing but this run (the plan's walk
    before a split's fork included)."""
    gc.set_threshold(*run_thresholds(gc.get_threshold()))


@contextmanager
def during_run() -> Iterator[None]:
    """For one run of the pipeline: a test or a program calling it gets its own
    thresholds back afterwards, also when the run fails."""
    before = gc.get_threshold()
    gc.set_threshold(*run_thresholds(before))
    try:
        yield
    finally:
        gc.set_threshold(*before)
