"""The cycle collector's thresholds while packets are dissected (analyzer/collector.py):
`analyze` (main) sets them for its own process; a run (`app.run`, `pipeline.run_job`),
which tests and programs call in theirs, sets them for the run only and gives the
caller's back, also when the run fails."""

from __future__ import annotations

import gc
import io
import subprocess
import sys
from pathlib import Path

import pytest

from analyzer import app, collector

SAMPLE = sorted((Path(__file__).resolve().parent.parent / "captures" / "samples").glob("*.pcap"))[0]

_PROBE = """
import gc, sys
from analyzer.app import main
sys.argv = ["analyze", "-r", sys.argv[1], "-c", "1"]
try:
    main()
except SystemExit:
    pass
print(gc.get_threshold(), file=sys.stderr)
"""


def test_main_sets_the_thresholds() -> None:
    done = subprocess.run([sys.executable, "-c", _PROBE, str(SAMPLE)], capture_output=True,
                          text=True, check=True, timeout=120)
    assert done.stdout.strip()  # (the packet was printed)
    assert done.stderr.strip().splitlines()[-1] == str(collector.RUN_THRESHOLDS)
    assert collector.RUN_THRESHOLDS != (700, 10, 10)  # (not CPython's default)


def test_run_keeps_the_callers() -> None:
    before = gc.get_threshold()
    assert app.run(["-r", str(SAMPLE), "-c", "1"], io.StringIO(), io.StringIO()) == 0
    assert gc.get_threshold() == before


@pytest.mark.parametrize("now, during", [
    ((700, 10, 10), collector.RUN_THRESHOLDS),       # CPython's default: raised
    ((50_000, 20, 500), (50_000, 20, 500)),          # a caller's higher ones: kept
    ((700, 50, 10), (10_000, 50, 100)),              # each generation on its own
    ((0, 10, 10), (0, 10, 10)),                      # a disabled collector stays so
])
def test_run_thresholds(now: tuple[int, int, int], during: tuple[int, int, int]) -> None:
    assert collector.run_thresholds(now) == during


def test_during_run_gives_them_back_when_the_run_fails() -> None:
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        with pytest.raises(RuntimeError), collector.during_run():
            assert gc.get_threshold() == collector.RUN_THRESHOLDS
            raise RuntimeError("stop")
        assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.set_threshold(*before)
