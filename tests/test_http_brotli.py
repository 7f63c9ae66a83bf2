"""HTTP bodies with Content-Encoding: br, uncompressed as tshark 4.0 does (issue 18).

Each capture is compared live with tshark: packet list, -V, -z io,phs and -z expert, plus
the bounded decoder on a hostile body.
"""

from __future__ import annotations

from pathlib import Path

import brotli
import pytest
from corpusutil import measure_all
from diffutil import run_analyze, run_tshark, tshark_available

from dissectors.http_body import MAX_UNCOMPRESSED, _uncompress

pytestmark = pytest.mark.skipif(not tshark_available(), reason="tshark not installed")

CORPUS = Path("tests/data/corpus")
CAPTURES = ["scapy-http_compressed-brotli.pcap", "wireshark-http-brotli.pcapng"]


@pytest.mark.parametrize("capture", CAPTURES)
def test_brotli_capture_equals_tshark(capture: str) -> None:
    fig = measure_all([CORPUS / capture])[capture]
    assert (fig.list_same, fig.v_same) == (fig.packets, fig.packets)
    assert fig.phs_equal and fig.expert_equal


@pytest.mark.parametrize("capture", CAPTURES)
def test_brotli_file_data_field(capture: str) -> None:
    args = ["-r", str(CORPUS / capture), "-T", "fields", "-e", "http.file_data",
            "-e", "http.content_encoding", "-Y", "http.content_encoding"]
    code, out, _ = run_analyze(args)
    assert code == 0 and out == run_tshark(args)
    assert "brotli" in out


def test_brotli_bounded_and_broken() -> None:
    bomb = brotli.compress(b"\0" * (MAX_UNCOMPRESSED + 4096))
    out = _uncompress(bomb, "br")
    assert out is not None and len(out) == MAX_UNCOMPRESSED
    assert _uncompress(b"\xff\xff\xff\xff not brotli", "br") is None
