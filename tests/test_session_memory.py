"""A one-pass Session (the Job's mode without -2) keeps no per-frame tables, and the
state it compacts (closed TCP streams, finished TFTP transfers, packed keys) changes no
output: every packet's fields and Info equal those of a Session that keeps everything."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.job import Job
from captures import open_capture
from dissectors import Session, dissect, http_pairing, tcp_stream
from dissectors.tcp_stream import Conversation, Flow

SAMPLES = Path(__file__).resolve().parent.parent / "captures" / "samples"
BENCH = Path("/tmp/bench1m/lab-1000000-85e1db90-cut30000.pcap")


def _rows(path: Path, session: Session, limit: int | None = None) -> list[tuple]:
    """Per packet: Info, protocol column and every (field, value) of the tree."""
    rows = []
    with open_capture(str(path)) as reader:
        for n, frame in enumerate(reader, 1):
            pkt = dissect(frame, session)
            items = tuple((k, repr(i.value)) for k, v in pkt.index.items() for i in v)
            rows.append((pkt.info, pkt.proto_col, items))
            if limit and n >= limit:
                break
    return rows


def _captures() -> list[Path]:
    paths = sorted(p for p in SAMPLES.iterdir() if p.suffix in (".pcap", ".pcapng"))
    return paths + ([BENCH] if BENCH.exists() else [])


def test_job_mode() -> None:
    assert Job().new_session().revisit is False
    assert Job(two_pass=True).new_session().revisit is True
    assert Session().revisit is True  # a caller that may dissect a frame again keeps all


@pytest.mark.parametrize("path", _captures(), ids=lambda p: p.name)
def test_one_pass_equals_revisit(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    keep = _rows(path, Session(revisit=True), 10000)
    monkeypatch.setattr(tcp_stream, "_SWEEP_EVERY", 1)  # pack the streams at once
    monkeypatch.setattr(http_pairing, "_SWEEP_EVERY", 1)  # and HTTP conversations
    one = Session(revisit=False)
    assert _rows(path, one, 10000) == keep
    for name in ("pass1:dns.tracker", "pass1:http"):
        st = one._state.get(name)
        assert st is None or not getattr(st, "per_frame", getattr(st, "frames", {}))
    for name in ("pass1:tftp.links", "pass1:ipmsg.answers"):
        st = one._state.get(name)
        assert st is None or not vars(st).get("ack_in", vars(st).get("answered"))


def test_conversation_pack_round_trip() -> None:
    conv = Conversation(7, 123)
    conv.completeness, conv.ts_prev, conv.ts_first_rtt = 31, 2**70, 5
    conv.flow1 = Flow(base_seq=10, base_set=True, win_scale=7, nextseq=2**32 - 1,
                      segments=[[3, 10, 20, 99]], sack=[(1, 2)])
    conv.flow2 = Flow(lastack=44, valid_bif=False)
    back = Conversation.unpack(conv.pack())
    # (a build compiled by mypyc, dissectors/compiled.py, names its attributes so)
    names = getattr(Conversation, "__slots__", None) or Conversation.__mypyc_attrs__
    for name in names:
        if name not in ("fwd", "rev", "ta", "flow1", "flow2"):
            assert getattr(back, name) == getattr(conv, name), name
    assert back.flow1 == conv.flow1 and back.flow2 == conv.flow2
    assert back.fwd is back.flow1 and back.ta is None
