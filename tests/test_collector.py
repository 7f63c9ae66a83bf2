"""The command's cycle-collector thresholds (analyzer/app.py): `analyze` (main) sets
them for its own process, while `run`, which tests and programs call in theirs, leaves
the caller's alone."""

from __future__ import annotations

import gc
import io
import subprocess
import sys
from pathlib import Path

from analyzer import app

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
    assert done.stderr.strip().splitlines()[-1] == str(app.COLLECTOR_THRESHOLDS)
    assert app.COLLECTOR_THRESHOLDS != (700, 10, 10)  # (not CPython's default)


def test_run_keeps_the_callers() -> None:
    before = gc.get_threshold()
    assert app.run(["-r", str(SAMPLE), "-c", "1"], io.StringIO(), io.StringIO()) == 0
    assert gc.get_threshold() == before
