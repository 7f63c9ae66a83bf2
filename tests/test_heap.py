"""analyzer/heap.py: a walk run in a forked child gives back its result, and a child that
fails leaves the work to this process (its errors, its messages)."""

from __future__ import annotations

import os
from array import array

import pytest

from analyzer.heap import give_back, in_child
from analyzer.release import Schedule


def test_result_comes_from_the_child() -> None:
    me = os.getpid()
    got = in_child(lambda: (os.getpid(), array("I", range(5)), bytearray(b"\0\1")))
    assert got[0] != me
    assert got[1:] == (array("I", range(5)), bytearray(b"\0\1"))


def test_a_failing_child_leaves_the_work_here() -> None:
    me = os.getpid()
    assert in_child(lambda: 1 / (os.getpid() == me)) == 1.0


def test_an_error_here_is_raised_here() -> None:
    with pytest.raises(ZeroDivisionError):
        in_child(lambda: 1 / 0)


def test_a_schedule_crosses_whole() -> None:
    """(what the run hands over: its keys, packed, and the frames they die at)"""
    keys: list[object] = [(b"\1\2", 7), 5, b"\3" * 8]
    sched = Schedule(array("I", [3, 4, 9]), keys, array("I", [2]), b"x" * 12)
    back = in_child(lambda: sched)
    assert [back.key(i) for i in range(3)] == keys
    assert back.entries() == sched.entries() == [(2, b"x" * 12), (3, keys[0]), (4, 5),
                                                  (9, keys[2])]
    give_back()  # (no-op or trim: either way nothing breaks)
