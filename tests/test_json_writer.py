"""`-T json`'s two writers agree: the whole tree is written straight to text
(json_ek._jobj, the fast common case) and, for `--no-duplicate-keys` and `-e`, through
packet_node's (key, value) pairs. Every packet of every capture in tests/data is
written both ways (also under -j/-J) and must give the same text; the outputs
themselves are compared with tshark's by the differential and corpus tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.output.json_ek import LayerFilter, _write, dumps, packet_node
from captures.open import open_capture
from dissectors import Session
from dissectors.frame import dissect

DATA = Path(__file__).resolve().parent / "data"
CAPTURES = sorted(p for p in DATA.rglob("*") if p.suffix in (".pcap", ".pcapng", ".gz"))
FILTERS = [None, LayerFilter(frozenset({"ip", "ip.flags", "tcp", "dns"}), False),
           LayerFilter(frozenset({"udp", "eth"}), True)]


def _pairs_text(pkt, lf: LayerFilter | None) -> str:  # noqa: ANN001
    out: list[str] = []
    _write(packet_node(pkt, lf=lf), "", out)
    return "\n".join("  " + ln for ln in "".join(out).split("\n"))


@pytest.mark.parametrize("cap", CAPTURES, ids=lambda p: p.name)
def test_direct_writer_equals_pairs(cap: Path) -> None:
    session = Session(revisit=False)
    session.tree_visible = True
    n = 0
    for frame in open_capture(cap):
        pkt = dissect(frame, session)
        for lf in FILTERS:
            assert dumps(pkt, lf=lf, ind="  ") == _pairs_text(pkt, lf), (frame.number, lf)
        n += 1
    assert n > 0
