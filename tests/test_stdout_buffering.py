"""analyze buffers its standard output when it is not a terminal, as tshark does, even
under PYTHONUNBUFFERED=1 (else each packet line is a write(2) of its own), and still
prints everything, in order, whatever ends the run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAB = ROOT / "captures" / "samples" / "lab.pcap"


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), **extra)
    return env


@pytest.mark.parametrize("unbuffered", ["1", ""])
def test_stdout_is_buffered_into_a_pipe(unbuffered: str) -> None:
    code = ("import sys; from analyzer.app import _buffered_stdout; _buffered_stdout(); "
            "print(sys.stdout.write_through, type(sys.stdout.buffer).__name__)")
    env = _env()
    env.pop("PYTHONUNBUFFERED", None)
    if unbuffered:
        env["PYTHONUNBUFFERED"] = unbuffered
    cp = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                        env=env, timeout=60, check=True)
    assert cp.stdout.split() == ["False", "BufferedWriter"]


@pytest.mark.parametrize("args", [[], ["-V"], ["-T", "json"], ["-Y", "udp"]],
                         ids=lambda a: " ".join(a) or "list")
def test_everything_printed_with_or_without_pythonunbuffered(args: list[str]) -> None:
    outs = []
    for unbuffered in ("1", ""):
        env = _env(LABSHARK_SPLIT="0")
        env.pop("PYTHONUNBUFFERED", None)
        if unbuffered:
            env["PYTHONUNBUFFERED"] = unbuffered
        cp = subprocess.run([sys.executable, "-m", "analyzer", "-r", str(LAB), *args],
                            capture_output=True, env=env, timeout=120, check=False)
        assert cp.returncode == 0, cp.stderr
        outs.append(cp.stdout)
    assert outs[0] == outs[1] and outs[0].count(b"\n") > 10


def test_a_closed_pipe_ends_quietly() -> None:
    """`analyze F | head -1`: the reader goes away; no traceback, the first line intact."""
    env = _env(PYTHONUNBUFFERED="1")
    p = subprocess.Popen([sys.executable, "-m", "analyzer", "-r", str(LAB), "-V"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert p.stdout is not None and p.stderr is not None
    first = p.stdout.readline()
    p.stdout.close()
    err = p.stderr.read()
    p.wait(timeout=60)
    assert first.startswith(b"Frame 1:")
    assert b"Traceback" not in err
