"""Long HTML form items: tshark 4.0 cuts the 'Form item: "KEY"' label at the label
buffer's 239 bytes without a "[truncated]" marker and appends ' = "VALUE"' only in the
room left (ndpi-softether differed), compared live with tshark."""

from __future__ import annotations

from pathlib import Path

import pytest
from diffutil import run_analyze, run_tshark, tshark_available

scapy = pytest.importorskip("scapy.all")
pytestmark = pytest.mark.skipif(not tshark_available(), reason="tshark not installed")

BODIES = [b"k" * 300 + b"=", b"key=" + b"v" * 300, b"a" * 200 + b"=" + b"b" * 100,
          b"short=1&" + b"x" * 226 + b"=y"]


def _post(body: bytes, sport: int) -> bytes:
    s = scapy
    head = (b"POST /f HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded"
            b"\r\nContent-Length: %d\r\n\r\n" % len(body))
    return bytes(s.Ether() / s.IP(src="10.0.0.1", dst="10.0.0.2")
                 / s.TCP(sport=sport, dport=80, flags="PA", seq=1, ack=1) / (head + body))


@pytest.fixture(scope="module")
def capture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("form") / "form.pcap"
    scapy.wrpcap(str(path), [scapy.Ether(_post(b, 40000 + i)) for i, b in enumerate(BODIES)])
    return path


def test_form_item_labels_as_tshark(capture: Path) -> None:
    args = ["-r", str(capture), "-V"]
    code, ours, err = run_analyze(args)
    assert code == 0, err
    theirs = run_tshark(args)
    assert "Form item" in theirs
    assert ours == theirs
