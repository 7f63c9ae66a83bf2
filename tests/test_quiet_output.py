"""-q combined with -V, -x, -P, -T and -w prints what tshark 4.0 prints (issue 18).

tshark prints the packets whenever -V, -x, -P or an explicit -T asks for them, and
otherwise only without -q and without -w; with -w it writes no preamble (no -T fields
header) and its JSON (whose dumper the preamble opens) prints nothing.  Each row is
compared live with tshark, with and without -q.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from diffutil import run_analyze, run_tshark, tshark_available

pytestmark = pytest.mark.skipif(not tshark_available(), reason="tshark not installed")

CAPTURE = "tests/data/corpus/wireshark-http-brotli.pcapng"

ARGS = [
    [], ["-V"], ["-x"], ["-P"], ["-P", "-V"], ["-V", "-x"], ["-T", "text"],
    ["-T", "fields", "-e", "frame.number", "-e", "http.response.code", "-E", "header=y"],
    ["-T", "json"], ["-T", "json", "-j", "http"], ["-T", "ek"],
    ["-z", "io,phs"], ["-V", "-z", "io,phs"], ["-x", "-z", "io,phs"],
    ["-T", "json", "-z", "io,phs"], ["-T", "fields", "-e", "ip.src", "-z", "io,phs"],
    ["-V", "-z", "expert"], ["-V", "-Y", "http"], ["-Y", "http"],
]


@pytest.mark.parametrize("quiet", [[], ["-q"]], ids=["", "q"])
@pytest.mark.parametrize("write", [False, True], ids=["", "w"])
@pytest.mark.parametrize("args", ARGS, ids=[" ".join(a) or "list" for a in ARGS])
def test_quiet_prints_as_tshark(args: list[str], quiet: list[str], write: bool,
                                tmp_path: Path) -> None:
    extra = ["-w", str(tmp_path / "out.pcapng")] if write else []
    full = ["-r", CAPTURE, *quiet, *args, *extra]
    theirs = run_tshark(full)
    code, ours, err = run_analyze(full)
    assert code == 0, err
    assert ours == theirs


def test_quiet_verbose_prints_trees() -> None:
    """The case of the report: `-q -V` prints every packet's tree, like tshark."""
    code, ours, _ = run_analyze(["-r", CAPTURE, "-q", "-V"])
    assert code == 0 and ours.count("\nFrame ") + ours.startswith("Frame ") == 10
