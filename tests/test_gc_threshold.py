"""analyze (the command) raises the cyclic collector's first threshold for its run
(analyzer/app.py GC_THRESHOLD: per-packet objects are acyclic); the in-process entry
point `run`, which the API and tests use, leaves the process's threshold alone."""

from __future__ import annotations

import gc
import io
import sys
from pathlib import Path

import pytest

from analyzer import app

CAPTURE = Path(__file__).resolve().parent / "data" / "wireshark" / "arp.pcap"


@pytest.fixture
def threshold() -> object:
    saved = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*saved)


def test_run_leaves_the_threshold(threshold: None) -> None:
    assert app.run(["-r", str(CAPTURE), "-c", "1"], io.StringIO(), io.StringIO()) == 0
    assert gc.get_threshold() == (700, 10, 10)


def test_the_command_raises_the_first_threshold_only(
        threshold: None, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "argv", ["analyze", "-r", str(CAPTURE), "-c", "1"])
    with pytest.raises(SystemExit) as done:
        app.main()
    assert done.value.code == 0
    assert "1" in capsys.readouterr().out  # it ran: the first packet's line
    assert gc.get_threshold() == (app.GC_THRESHOLD, 10, 10)
    assert app.GC_THRESHOLD > 700
